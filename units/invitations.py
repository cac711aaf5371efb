"""Invitations of grassroots chairs and the bulk sendings they come in.

An e-mail invitation carries Django's set-password link (one use: it stops working once
the password is set or the chair signs in; it expires after ``PASSWORD_RESET_TIMEOUT``).
A letter carries a one-time code, stored hashed, that the chair types on the activation
page with their username. Imported by ``units.models`` so that Django registers them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qcdc.jobs import Job

CODE_ATTEMPTS = 5


class Invitation(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        LETTER = "letter", _("Thư giấy")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations")
    unit = models.ForeignKey("units.Unit", on_delete=models.CASCADE, related_name="invitations")
    channel = models.CharField(_("hình thức"), max_length=8, choices=Channel.choices)
    sent_at = models.DateTimeField(_("gửi lúc"), default=timezone.now, db_index=True)
    expires_at = models.DateTimeField(_("hết hạn lúc"))
    code_hash = models.CharField(max_length=128, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(_("đã dùng lúc"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-sent_at", "-pk"]
        verbose_name = _("lời mời chủ tịch CĐCS")
        verbose_name_plural = _("lời mời chủ tịch CĐCS")
        indexes = [models.Index(fields=["unit", "sent_at"], name="invitation_unit_sent")]

    def __str__(self) -> str:
        return f"{self.user_id} – {self.unit_id} – {self.get_channel_display()}"

    @property
    def is_live(self) -> bool:
        return self.used_at is None and self.expires_at > timezone.now() and self.attempts < CODE_ATTEMPTS


class InvitationBatch(Job):
    """A bulk sending of invitations: a job like the reports' (claimed, kept alive by
    its heartbeat, retried, swept; see ``qcdc.jobs``), with how far it got."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Đang chờ")
        RUNNING = "running", _("Đang gửi")
        DONE = "done", _("Đã xong")
        FAILED = "failed", _("Lỗi")

    DONE = Status.DONE
    TASK = "units.tasks.send_invitation_batch"
    FILE_FIELDS = ()

    unit_ids = models.JSONField(default=list)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    sent = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("đợt gửi lời mời")
        verbose_name_plural = _("đợt gửi lời mời")

    def __str__(self) -> str:
        return f"{self.pk}: {self.sent}/{self.total}"
