"""What a conference or dialogue promised, who answers for it, by when, and what became of it.

Imported by ``conferences.models`` so the model belongs to the app.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from units.models import Unit, unit_scope_q

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


def evidence_path(instance: FollowUpItem, filename: str) -> str:
    from conferences.models import _attachment_path

    return _attachment_path(instance, filename).replace("minutes/", "evidence/", 1)  # type: ignore[arg-type]


class FollowUpItemQuerySet(models.QuerySet["FollowUpItem"]):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> FollowUpItemQuerySet:
        """Items of the units the user may see: the same scope as the units."""
        return self.filter(unit_scope_q(user, prefix="unit__"))

    def open(self) -> FollowUpItemQuerySet:
        return self.filter(state=FollowUpItem.State.OPEN)

    def overdue(self, today: datetime.date | None = None) -> FollowUpItemQuerySet:
        return self.open().filter(due_on__lt=today or timezone.localdate())


class FollowUpItem(models.Model):
    """A workers' proposal (with the answer), an agreement, or a task of a resolution."""

    class Type(models.TextChoices):
        PROPOSAL = "proposal", _("Kiến nghị")
        AGREEMENT = "agreement", _("Thỏa thuận")
        TASK = "task", _("Nhiệm vụ theo nghị quyết")

    class Party(models.TextChoices):
        EMPLOYER = "employer", _("Người sử dụng lao động / thủ trưởng")
        UNION = "union", _("Công đoàn")
        BOTH = "both", _("Cả hai bên")

    class State(models.TextChoices):
        OPEN = "open", _("Đang thực hiện")
        DONE = "done", _("Đã xong")
        DROPPED = "dropped", _("Không thực hiện (có lý do)")

    record = models.ForeignKey(
        "conferences.Record", on_delete=models.CASCADE, related_name="items", verbose_name=_("hồ sơ nêu việc")
    )
    # The record's unit, kept here so "a unit's open items" is one indexed filter.
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", editable=False)
    item_type = models.CharField(_("loại việc"), max_length=16, choices=Type.choices, default=Type.AGREEMENT)
    text = models.TextField(_("nội dung"))
    answer = models.TextField(_("trả lời của người sử dụng lao động"), blank=True)
    responsible = models.CharField(_("bên thực hiện"), max_length=16, choices=Party.choices, default=Party.EMPLOYER)
    due_on = models.DateField(_("hạn hoàn thành"), null=True, blank=True)
    state = models.CharField(_("tình trạng"), max_length=16, choices=State.choices, default=State.OPEN)
    done_on = models.DateField(_("ngày hoàn thành"), null=True, blank=True)
    drop_reason = models.TextField(_("lý do không thực hiện"), blank=True)
    evidence_note = models.TextField(_("minh chứng"), blank=True)
    evidence = models.FileField(_("tệp minh chứng"), upload_to=evidence_path, max_length=255, blank=True)
    evidence_name = models.CharField(max_length=255, blank=True, editable=False)
    evidence_type = models.CharField(max_length=100, blank=True, editable=False)
    # The later conference or dialogue where the outcome was reported.
    followed_in = models.ForeignKey(
        "conferences.Record",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="followed_items",
        verbose_name=_("báo cáo kết quả tại"),
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FollowUpItemQuerySet.as_manager()

    class Meta:
        ordering = ["record_id", "pk"]
        verbose_name = _("việc cần theo dõi")
        verbose_name_plural = _("việc cần theo dõi")
        indexes = [models.Index(fields=["unit", "state", "due_on"], name="item_unit_state_due")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="done") | Q(done_on__isnull=False),
                name="item_done_has_date",
                violation_error_message=_("Việc đã xong cần có ngày hoàn thành."),
            ),
            models.CheckConstraint(
                condition=~Q(state="dropped") | ~Q(drop_reason=""),
                name="item_dropped_has_reason",
                violation_error_message=_("Hãy ghi lý do không thực hiện."),
            ),
        ]

    def __str__(self) -> str:
        return self.text[:80]

    def get_absolute_url(self) -> str:
        return f"{self.record.get_absolute_url()}#item-{self.pk}"

    def evidence_url(self) -> str:
        return reverse("conferences:item_evidence", kwargs={"pk": self.pk}) if self.evidence else ""

    @property
    def is_overdue(self) -> bool:
        return self.state == self.State.OPEN and self.due_on is not None and self.due_on < timezone.localdate()
