"""Entries of a node's work log and their files."""

from __future__ import annotations

import datetime
import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from qcdc.validators import validate_event_day, validate_single_line
from units.models import OrgNode, Unit


class WorkKind(models.TextChoices):
    GUIDANCE_DOCUMENT = "guidance_document", _("Văn bản hướng dẫn, chỉ đạo")
    TRAINING = "training", _("Lớp tập huấn")
    SEMINAR = "seminar", _("Tọa đàm, hội thảo")
    PILOT_CONFERENCE = "pilot_conference", _("Hội nghị điểm")
    SUPERVISION = "supervision", _("Giám sát")
    INSPECTION = "inspection", _("Kiểm tra")
    COMMENDATION = "commendation", _("Khen thưởng")


class WorkLogEntry(models.Model):
    """One activity of a node: a document, a class, a seminar, a visit, a commendation."""

    node = models.ForeignKey(
        OrgNode, on_delete=models.PROTECT, related_name="work_log", verbose_name=_("cấp công đoàn")
    )
    kind = models.CharField(_("loại hoạt động"), max_length=32, choices=WorkKind.choices)
    held_on = models.DateField(_("ngày"), validators=[validate_event_day])
    year = models.PositiveSmallIntegerField(_("năm"), editable=False)
    title = models.CharField(_("tên, trích yếu"), max_length=255, validators=[validate_single_line])
    reference = models.CharField(_("số văn bản"), max_length=64, blank=True, validators=[validate_single_line])
    participants = models.PositiveIntegerField(_("số người tham gia"), null=True, blank=True)
    units = models.ManyToManyField(Unit, blank=True, related_name="+", verbose_name=_("đơn vị liên quan"))
    findings = models.TextField(_("kết quả, phát hiện"), blank=True)
    follow_up = models.TextField(_("kiến nghị, theo dõi sau"), blank=True)
    collectives = models.PositiveIntegerField(_("số tập thể được khen"), null=True, blank=True)
    individuals = models.PositiveIntegerField(_("số cá nhân được khen"), null=True, blank=True)
    notes = models.TextField(_("ghi chú"), blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("hoạt động của công đoàn cấp trên")
        verbose_name_plural = _("sổ hoạt động của công đoàn cấp trên")
        indexes = [models.Index(fields=["node", "year", "kind"], name="worklog_node_year_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.title} – {self.held_on:%d/%m/%Y}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.year = self.held_on.year
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def get_absolute_url(self) -> str:
        return reverse("reports:worklog_detail", kwargs={"pk": self.pk})


def _file_path(instance: WorkLogAttachment, filename: str) -> str:
    suffix = PurePosixPath(filename).suffix.lower()[:8]
    return f"worklog/{datetime.date.today():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class WorkLogAttachment(models.Model):
    entry = models.ForeignKey(WorkLogEntry, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=_file_path, max_length=255)
    original_name = models.CharField(_("tên tệp"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("tệp đính kèm hoạt động")
        verbose_name_plural = _("tệp đính kèm hoạt động")

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("reports:worklog_file", kwargs={"pk": self.pk})
