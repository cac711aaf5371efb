"""The staff's narrative of an annual report, and the jobs that build its files."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from qcdc.jobs import Job, one_active
from units.periods import Period


class AnnualNarrative(models.Model):
    """What staff write for a node and a period: strengths, limitations, causes, next year's tasks."""

    node = models.ForeignKey("units.OrgNode", on_delete=models.PROTECT, related_name="+")
    year_from = models.PositiveSmallIntegerField(_("từ năm"))
    year_to = models.PositiveSmallIntegerField(_("đến năm"))
    period = models.CharField(_("kỳ báo cáo"), max_length=8, choices=Period.choices, default=Period.YEAR)
    strengths = models.TextField(_("ưu điểm"), blank=True)
    limitations = models.TextField(_("hạn chế"), blank=True)
    causes = models.TextField(_("nguyên nhân"), blank=True)
    next_tasks = models.TextField(_("nhiệm vụ năm tới"), blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("nhận định báo cáo năm")
        verbose_name_plural = _("nhận định báo cáo năm")
        constraints = [
            models.UniqueConstraint(fields=["node", "year_from", "year_to", "period"], name="narrative_one_per_period"),
            models.CheckConstraint(condition=Q(year_from__lte=models.F("year_to")), name="narrative_years_in_order"),
        ]

    def __str__(self) -> str:
        return f"{self.node} {self.year_from}–{self.year_to} {self.period}"


class ClosedNarrative(models.Model):
    """A narrative as it stood when a period was closed: what the annual report of that
    closed version says, whatever is written after a reopening."""

    close = models.ForeignKey("units.PeriodClose", on_delete=models.CASCADE, related_name="+")
    node = models.ForeignKey("units.OrgNode", on_delete=models.PROTECT, related_name="+")
    year_from = models.PositiveSmallIntegerField(_("từ năm"))
    year_to = models.PositiveSmallIntegerField(_("đến năm"))
    period = models.CharField(_("kỳ báo cáo"), max_length=8, choices=Period.choices)
    strengths = models.TextField(_("ưu điểm"), blank=True)
    limitations = models.TextField(_("hạn chế"), blank=True)
    causes = models.TextField(_("nguyên nhân"), blank=True)
    next_tasks = models.TextField(_("nhiệm vụ năm tới"), blank=True)
    version = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("nhận định đã chốt")
        verbose_name_plural = _("nhận định đã chốt")
        constraints = [
            models.UniqueConstraint(
                fields=["close", "node", "year_from", "year_to", "period"], name="closednarrative_one_per_close"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.node} {self.year_from}–{self.year_to} {self.period} (chốt {self.close_id})"


def _annual_path(instance: AnnualReportRun, filename: str) -> str:
    return f"annual/{instance.year_to}/{instance.pk}-{filename}"


class AnnualReportRun(Job):
    """One build of the annual report's DOCX and PDF: a job like report runs and closes."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Đang chờ")
        RUNNING = "running", _("Đang lập")
        DONE = "done", _("Hoàn thành")
        FAILED = "failed", _("Thất bại")

    DONE = Status.DONE
    TASK = "reports.tasks.build_annual_report"
    FILE_FIELDS = ("docx", "pdf")

    node = models.ForeignKey("units.OrgNode", on_delete=models.PROTECT, related_name="+")
    year_from = models.PositiveSmallIntegerField(_("từ năm"))
    year_to = models.PositiveSmallIntegerField(_("đến năm"))
    period = models.CharField(_("kỳ báo cáo"), max_length=8, choices=Period.choices, default=Period.YEAR)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(_("trạng thái"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(_("lỗi"), blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    docx = models.FileField(upload_to=_annual_path, blank=True, max_length=255)
    pdf = models.FileField(upload_to=_annual_path, blank=True, max_length=255)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("lần lập báo cáo năm")
        verbose_name_plural = _("các lần lập báo cáo năm")
        constraints = [
            one_active("node", "year_from", "year_to", "period", name="annualrun_one_active_per_parameters"),
        ]

    def __str__(self) -> str:
        return f"{self.node} {self.year_from}–{self.year_to} – {self.get_status_display()}"

    def get_absolute_url(self) -> str:
        return reverse("reports:annual_run", kwargs={"pk": self.pk})

    def file_stem(self) -> str:
        return f"bao-cao-nam-qcdc-{self.node.code}-{self.year_from}-{self.year_to}-{self.period}"
