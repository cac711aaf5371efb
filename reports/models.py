from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from reports.periods import Period


class WorkerHeartbeat(models.Model):
    """The last time each Celery worker proved it can run a task and write a row.

    Celery beat sends the heartbeat task every few minutes; /healthz reports the
    newest one so operators see a stuck queue before users do.
    """

    worker = models.CharField(_("worker"), max_length=255, unique=True)
    seen_at = models.DateTimeField(_("lần cuối"))

    class Meta:
        verbose_name = _("nhịp worker")
        verbose_name_plural = _("nhịp worker")

    def __str__(self) -> str:
        return f"{self.worker} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"


def _report_path(instance: ReportRun, filename: str) -> str:
    return f"reports/{instance.year}/{instance.pk}-{filename}"


class ReportRun(models.Model):
    """One build of a completion-rate report: parameters, who, when, outcome and files.

    Runs are kept, so a report sent upward can be downloaded again exactly as it was.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Đang chờ")
        RUNNING = "running", _("Đang lập")
        DONE = "done", _("Hoàn thành")
        FAILED = "failed", _("Thất bại")

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    node = models.ForeignKey("units.OrgNode", on_delete=models.PROTECT, related_name="report_runs")
    year = models.PositiveSmallIntegerField(_("năm"))
    period = models.CharField(_("kỳ báo cáo"), max_length=8, choices=Period.choices, default=Period.YEAR)
    by_category = models.BooleanField(_("chia theo loại hình"), default=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    scheduled = models.BooleanField(_("lập tự động"), default=False)
    status = models.CharField(_("trạng thái"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(_("lỗi"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    xlsx = models.FileField(upload_to=_report_path, blank=True, max_length=255)
    pdf = models.FileField(upload_to=_report_path, blank=True, max_length=255)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("lần lập báo cáo")
        verbose_name_plural = _("các lần lập báo cáo")
        constraints = [
            # Identical parameters while one is queued or running reuse it (see services).
            models.UniqueConstraint(
                fields=["node", "year", "period", "by_category"],
                condition=Q(status__in=["queued", "running"]),
                name="reportrun_one_active_per_parameters",
            ),
        ]
        indexes = [models.Index(fields=["node", "year", "status"], name="reportrun_node_year")]

    def __str__(self) -> str:
        return f"{self.node} – {self.year} – {self.get_status_display()}"

    def get_absolute_url(self) -> str:
        return reverse("reports:run_detail", kwargs={"pk": self.pk})

    @property
    def duration(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE


class PeriodDeadline(models.Model):
    """When a level of the tree must close a period; without a row the default applies
    (see reports.periods)."""

    year = models.PositiveSmallIntegerField(_("năm"))
    period = models.CharField(_("kỳ báo cáo"), max_length=8, choices=Period.choices)
    depth = models.PositiveSmallIntegerField(_("cấp (độ sâu trong cây)"))
    due_on = models.DateField(_("hạn chốt số liệu"))

    class Meta:
        ordering = ["-year", "period", "depth"]
        verbose_name = _("hạn chốt số liệu")
        verbose_name_plural = _("hạn chốt số liệu")
        constraints = [
            models.UniqueConstraint(fields=["year", "period", "depth"], name="deadline_unique_per_level"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.get_period_display()} – {self.depth}: {self.due_on:%d/%m/%Y}"


def _close_path(instance: PeriodClose, filename: str) -> str:
    return f"closes/{instance.year}/{instance.pk}-{filename}"


class PeriodClose(models.Model):
    """One version of a node's closed figures for a period.

    Closing is a job that writes a frozen snapshot (``SnapshotRow``) and the figures
    and files built from it. Only the level above may reopen; the next close is a new
    version, and every version is kept.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Đang chờ")
        RUNNING = "running", _("Đang chốt")
        CLOSED = "closed", _("Đã chốt")
        REOPENED = "reopened", _("Đã mở lại")
        FAILED = "failed", _("Thất bại")

    ACTIVE = (Status.QUEUED, Status.RUNNING)
    HOLDING = (Status.QUEUED, Status.RUNNING, Status.CLOSED)

    node = models.ForeignKey("units.OrgNode", on_delete=models.PROTECT, related_name="closes")
    year = models.PositiveSmallIntegerField(_("năm"))
    period = models.CharField(_("kỳ báo cáo"), max_length=8, choices=Period.choices)
    version = models.PositiveSmallIntegerField(_("lần chốt"))
    status = models.CharField(_("trạng thái"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(_("lỗi"), blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(_("chốt lúc"), null=True, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reopened_at = models.DateTimeField(_("mở lại lúc"), null=True, blank=True)
    reopen_reason = models.TextField(_("lý do mở lại"), blank=True)
    result = models.JSONField(null=True, blank=True)
    xlsx = models.FileField(upload_to=_close_path, blank=True, max_length=255)
    pdf = models.FileField(upload_to=_close_path, blank=True, max_length=255)

    class Meta:
        ordering = ["-year", "period", "node", "-version"]
        verbose_name = _("lần chốt số liệu")
        verbose_name_plural = _("các lần chốt số liệu")
        constraints = [
            models.UniqueConstraint(fields=["node", "year", "period", "version"], name="close_unique_version"),
            # At most one version holds the period at a time: being built, or closed.
            models.UniqueConstraint(
                fields=["node", "year", "period"],
                condition=Q(status__in=["queued", "running", "closed"]),
                name="close_one_holding_per_period",
            ),
        ]
        indexes = [models.Index(fields=["year", "period", "status"], name="close_year_period")]

    def __str__(self) -> str:
        return f"{self.node} – {self.year} {self.get_period_display()} – v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("reports:close_detail", kwargs={"pk": self.pk})

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE


class SnapshotRow(models.Model):
    """One expected unit × indicator as it stood when a period was closed.

    The unit's node (and that node's path) and category are copied, so the figures
    and their explanation survive later moves, merges and deactivations.
    """

    # Rows are copied from units, nodes and records that are never deleted, hundreds of
    # thousands at a time: foreign-key checks on each would double the time of a close.
    close = models.ForeignKey(PeriodClose, on_delete=models.CASCADE, related_name="rows")
    unit = models.ForeignKey("units.Unit", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    indicator = models.CharField(max_length=32)
    node = models.ForeignKey("units.OrgNode", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    node_path = models.CharField(max_length=255)
    category = models.CharField(max_length=32)
    done = models.BooleanField()
    on_time = models.BooleanField()
    quality = models.BooleanField()
    record = models.ForeignKey(
        "conferences.Record", on_delete=models.DO_NOTHING, null=True, related_name="+", db_constraint=False
    )

    class Meta:
        # One row per unit and indicator holds by construction (tested), not by an index
        # that every close would have to maintain.
        indexes = [models.Index(fields=["close", "indicator"], name="snapshot_close_indicator")]

    def __str__(self) -> str:
        return f"{self.close_id}: {self.unit_id} {self.indicator}"


# The work log's and the annual report's models live in their packages; Django finds them here.
from reports.annual.models import AnnualNarrative, AnnualReportRun  # noqa: E402, F401
from reports.worklog.models import WorkKind, WorkLogAttachment, WorkLogEntry  # noqa: E402, F401
