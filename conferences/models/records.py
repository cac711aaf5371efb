"""A record, its attachments and its audit trail."""

from __future__ import annotations

import datetime
import uuid
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from conferences.models.obligation_rules import ContentItem
from conferences.obligations import CONFERENCE_KINDS, DIALOGUE_KINDS, Kind
from qcdc.validators import validate_event_day, validate_single_line
from units.models import Unit, unit_scope_q
from units.periods import work_year

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


class RecordQuerySet(models.QuerySet["Record"]):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> RecordQuerySet:
        """Records of the units the user may see: the same scope as the units."""
        return self.filter(unit_scope_q(user, prefix="unit__"))

    def managed_by(self, user: AbstractBaseUser | AnonymousUser) -> RecordQuerySet:
        """Records of the units the user manages (staff and admins)."""
        return self.filter(unit_scope_q(user, prefix="unit__", manage=True))

    def accepted(self) -> RecordQuerySet:
        return self.filter(status=Record.Status.ACCEPTED)


class Record(models.Model):
    """A conference, a dialogue, the unit's QCDC regulation or its inspection board."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Bản nháp")
        SUBMITTED = "submitted", _("Đã nộp, chờ duyệt")
        RETURNED = "returned", _("Bị trả lại")
        ACCEPTED = "accepted", _("Đã duyệt")

    class Format(models.TextChoices):
        FULL = "full", _("Hội nghị toàn thể")
        DELEGATE = "delegate", _("Hội nghị đại biểu")

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="records", verbose_name=_("đơn vị"))
    kind = models.CharField(_("loại"), max_length=32, choices=Kind.choices)
    held_on = models.DateField(_("ngày tổ chức / ban hành"), validators=[validate_event_day])
    year = models.PositiveSmallIntegerField(_("năm"), editable=False)
    # Conferences and dialogues
    place = models.CharField(_("địa điểm"), max_length=255, blank=True, validators=[validate_single_line])
    convened_by = models.CharField(
        _("người triệu tập / chủ trì"), max_length=255, blank=True, validators=[validate_single_line]
    )
    format = models.CharField(_("hình thức"), max_length=16, choices=Format.choices, blank=True)
    invited = models.PositiveIntegerField(_("số được triệu tập"), null=True, blank=True)
    attended = models.PositiveIntegerField(_("số tham dự"), null=True, blank=True)
    headcount = models.PositiveIntegerField(
        _("số lao động của đơn vị tại thời điểm tổ chức"),
        null=True,
        blank=True,
        help_text=_("Căn cứ tính tỷ lệ tham dự của hội nghị toàn thể."),
    )
    contents = models.ManyToManyField(ContentItem, blank=True, verbose_name=_("nội dung đã thảo luận"))
    resolution_adopted = models.BooleanField(_("đã thông qua nghị quyết"), null=True, blank=True)
    resolution_text = models.TextField(_("nội dung nghị quyết"), blank=True)
    # Dialogues
    trigger = models.CharField(_("lý do đối thoại"), max_length=255, blank=True, validators=[validate_single_line])
    employer_reps = models.PositiveIntegerField(_("số đại diện người sử dụng lao động"), null=True, blank=True)
    employer_rep_names = models.TextField(_("đại diện người sử dụng lao động"), blank=True)
    worker_reps = models.PositiveIntegerField(_("số đại diện người lao động"), null=True, blank=True)
    worker_rep_names = models.TextField(_("đại diện người lao động"), blank=True)
    topics = models.TextField(_("nội dung đối thoại"), blank=True)
    agreements = models.TextField(_("thỏa thuận đạt được"), blank=True)
    follow_up = models.TextField(_("phân công theo dõi thực hiện"), blank=True)
    # People's Inspection Board
    members = models.PositiveIntegerField(_("số thành viên"), null=True, blank=True)
    member_names = models.TextField(_("thành viên"), blank=True)
    notes = models.TextField(_("ghi chú"), blank=True)
    quality_assessed = models.BooleanField(
        _("đánh giá được chất lượng"),
        default=True,
        help_text=_(
            "Không với hồ sơ nhập từ lịch sử không kèm nội dung, nghị quyết, hình thức, số lao động: "
            "chất lượng của hồ sơ chưa đánh giá và không tính vào tỷ lệ đạt chất lượng."
        ),
    )
    # Workflow
    status = models.CharField(_("trạng thái"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(default=1, editable=False)
    on_paper = models.BooleanField(_("nhập hộ từ hồ sơ giấy"), default=False)
    return_reason = models.TextField(_("lý do trả lại"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    reviewed_at = models.DateTimeField(null=True, blank=True, editable=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )

    objects = RecordQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("hồ sơ")
        verbose_name_plural = _("hồ sơ hội nghị, đối thoại")
        indexes = [
            models.Index(fields=["unit", "kind", "year", "status"], name="record_unit_kind_year"),
            models.Index(fields=["status", "submitted_at"], name="record_queue"),
            models.Index(fields=["kind", "year", "status"], name="record_kind_year"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(attended__isnull=True) | Q(invited__isnull=True) | Q(attended__lte=models.F("invited")),
                name="record_attended_at_most_invited",
                violation_error_message=_("Số tham dự không thể lớn hơn số được triệu tập."),
            ),
            # The same event accepted twice would be counted from two records: whatever
            # path writes (a form, two confirms of one import, the admin), one stays.
            models.UniqueConstraint(
                fields=["unit", "kind", "held_on"],
                condition=Q(status="accepted"),
                name="record_one_accepted_per_unit_kind_day",
                violation_error_message=_("Đơn vị đã có hồ sơ cùng loại, cùng ngày được duyệt."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.unit.name} – {self.held_on:%d/%m/%Y}"

    def save(self, *args: object, **kwargs: object) -> None:
        # The reporting year follows the unit's work year (``units.periods.work_year``).
        self.year = work_year(self.held_on, self.unit.work_year_start_month)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "held_on" in update_fields:  # type: ignore[operator]
            kwargs["update_fields"] = {*update_fields, "year"}  # type: ignore[misc]
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def get_absolute_url(self) -> str:
        return reverse("conferences:record_detail", kwargs={"pk": self.pk})

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any) -> Record:
        record = super().from_db(db, field_names, values)
        # What the record counted for as loaded, so that the facts of the old unit, kind
        # and year are refreshed too when a save changes them.
        record.remember_loaded()
        return record

    def remember_loaded(self) -> None:
        self.loaded_key = (self.__dict__.get("unit_id"), self.__dict__.get("kind"), self.__dict__.get("year"))
        self.loaded_status = self.__dict__.get("status")

    @property
    def is_conference(self) -> bool:
        return self.kind in CONFERENCE_KINDS

    @property
    def is_dialogue(self) -> bool:
        return self.kind in DIALOGUE_KINDS

    @property
    def is_locked(self) -> bool:
        return self.status in (self.Status.SUBMITTED, self.Status.ACCEPTED)


def _attachment_path(instance: Attachment, filename: str) -> str:
    # Random names: the original name is kept only for display.
    suffix = PurePosixPath(filename).suffix.lower()[:8]
    today = datetime.date.today()
    return f"minutes/{today:%Y/%m}/{uuid.uuid4().hex}{suffix}"


class Attachment(models.Model):
    class Purpose(models.TextChoices):
        MINUTES = "minutes", _("Biên bản")
        RESOLUTION = "resolution", _("Nghị quyết")
        DOCUMENT = "document", _("Văn bản (quy chế, quyết định)")
        OTHER = "other", _("Tài liệu khác")

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="attachments")
    purpose = models.CharField(_("loại tài liệu"), max_length=16, choices=Purpose.choices, default=Purpose.MINUTES)
    file = models.FileField(upload_to=_attachment_path, max_length=255)
    original_name = models.CharField(_("tên tệp"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("tệp đính kèm")
        verbose_name_plural = _("tệp đính kèm")
        # Formalism signals look up the same file filed elsewhere.
        indexes = [models.Index(fields=["sha256"], name="attachment_sha256")]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("conferences:attachment_download", kwargs={"pk": self.pk})


class AuditEntry(models.Model):
    """Who did what to a record, when, and what changed: written in the same transaction."""

    class Action(models.TextChoices):
        CREATED = "created", _("Tạo hồ sơ")
        EDITED = "edited", _("Sửa hồ sơ")
        FILE_ADDED = "file_added", _("Đính kèm tệp")
        FILE_REMOVED = "file_removed", _("Gỡ tệp")
        SUBMITTED = "submitted", _("Nộp hồ sơ")
        RETURNED = "returned", _("Trả lại")
        ACCEPTED = "accepted", _("Duyệt")
        REOPENED = "reopened", _("Mở lại")
        IMPORTED = "imported", _("Nhập từ tệp")

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="audit")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    action = models.CharField(max_length=16, choices=Action.choices)
    reason = models.TextField(blank=True)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("nhật ký")
        verbose_name_plural = _("nhật ký hồ sơ")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()}"

    def change_lines(self) -> list[tuple[str, str]]:
        """(field label, "before → after" or value) for display."""
        fields = Record._meta.get_fields()
        labels = {f.name: capfirst(str(f.verbose_name)) for f in fields if hasattr(f, "verbose_name")}
        labels |= {"file": str(_("Tệp")), "purpose": str(_("Loại tài liệu")), "row": str(_("Dòng trong tệp"))}

        def show(value: object) -> str:
            if value in (None, ""):
                return "—"
            if isinstance(value, list):
                return "; ".join(str(v) for v in value) or "—"
            return str(value)

        lines = []
        for field, value in self.changes.items():
            if field == "purpose" and value in Attachment.Purpose.values:
                value = str(Attachment.Purpose(value).label)
            if isinstance(value, list) and len(value) == 2:
                lines.append((labels.get(field, field), f"{show(value[0])} → {show(value[1])}"))
            else:
                lines.append((labels.get(field, field), show(value)))
        return lines
