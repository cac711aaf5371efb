from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from qcdc.jobs import Job, one_active
from units.periods import Period, close_file_path


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


class ReportRun(Job):
    """One build of a completion-rate report: parameters, who, when, outcome and files.

    Runs are kept, so a report sent upward can be downloaded again exactly as it was.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Đang chờ")
        RUNNING = "running", _("Đang lập")
        DONE = "done", _("Hoàn thành")
        FAILED = "failed", _("Thất bại")

    DONE = Status.DONE
    TASK = "reports.tasks.build_report_run"

    node = models.ForeignKey("units.OrgNode", on_delete=models.PROTECT, related_name="report_runs")
    year = models.PositiveSmallIntegerField(_("năm"))
    period = models.CharField(_("kỳ báo cáo"), max_length=8, choices=Period.choices, default=Period.YEAR)
    by_category = models.BooleanField(_("chia theo loại hình"), default=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    scheduled = models.BooleanField(_("lập tự động"), default=False)
    status = models.CharField(_("trạng thái"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(_("lỗi"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    xlsx = models.FileField(upload_to=_report_path, blank=True, max_length=255)
    pdf = models.FileField(upload_to=_report_path, blank=True, max_length=255)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("lần lập báo cáo")
        verbose_name_plural = _("các lần lập báo cáo")
        constraints = [
            # Identical parameters while one is queued or running reuse it (see services).
            one_active("node", "year", "period", "by_category", name="reportrun_one_active_per_parameters"),
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

    def file_stem(self) -> str:
        suffix = "" if self.period == Period.YEAR else f"-{self.period}"
        return f"bao-cao-qcdc-{self.node.code}-{self.year}{suffix}"


# Migration 0003 names the upload path of the closes' files, which moved with the model.
_close_path = close_file_path


class SnapshotRow(models.Model):
    """One expected unit × indicator as it stood when a period was closed.

    The unit's node (and that node's path) and category are copied, so the figures
    and their explanation survive later moves, merges and deactivations.
    """

    # Rows are copied from units, nodes and records that are never deleted, hundreds of
    # thousands at a time: foreign-key checks on each would double the time of a close.
    # That holds for the close too: its rows are written only by the close's own job, and
    # PostgreSQL checks a deferred foreign key row by row at commit (6 s of a root close at
    # 200,000 units); deleting a close still deletes its rows (Django cascades).
    # Only (close, indicator) is indexed: nothing looks rows up by unit, node or record, and
    # each index costs every close its maintenance.
    close = models.ForeignKey(
        "units.PeriodClose", on_delete=models.CASCADE, related_name="rows", db_index=False, db_constraint=False
    )
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    indicator = models.CharField(max_length=32)
    node = models.ForeignKey(
        "units.OrgNode", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    node_path = models.CharField(max_length=255)
    category = models.CharField(max_length=32)
    done = models.BooleanField()
    on_time = models.BooleanField()
    quality = models.BooleanField()
    # Whether the unit's quality could be judged (the quality rate's denominator); rows of
    # closes made before it was kept are True, which gives their rates as they were.
    assessed = models.BooleanField(default=True)
    record = models.ForeignKey(
        "conferences.Record",
        on_delete=models.DO_NOTHING,
        null=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )

    class Meta:
        # One row per unit and indicator holds by construction (tested), not by an index
        # that every close would have to maintain.
        indexes = [models.Index(fields=["close", "indicator"], name="snapshot_close_indicator")]

    def __str__(self) -> str:
        return f"{self.close_id}: {self.unit_id} {self.indicator}"


# The work log's, the annual report's and the follow-up snapshot's models live in their
# packages; Django finds them here.
from reports.annual.models import AnnualNarrative, AnnualReportRun, ClosedNarrative  # noqa: E402, F401
from reports.followup.models import FollowUpSnapshotRow  # noqa: E402, F401
from reports.worklog.models import WorkKind, WorkLogAttachment, WorkLogEntry  # noqa: E402, F401
