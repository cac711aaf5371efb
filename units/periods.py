"""The periods layer: reporting periods, their deadlines, the closes that hold them, and
what a close freezes.

A period is identified by ``(year, kind)``: the half-year (records held from 1 January
to 30 June) or the full year. Its figures count records held up to the period's last
day; the obligations themselves stay yearly. A close (``PeriodClose``) of a node holds
a period for that node's subtree from the moment it is queued until the level above
reopens it (or it fails): records counted in it are read-only and the tree may not
change in a way that would alter it.

This module sits in ``units`` (the base of the import graph) so that every write path
asks it directly: record services and imports (``conferences``), regrouping and the
units import (``units``); ``reports`` only builds the figures.
"""

from __future__ import annotations

import datetime
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qcdc.jobs import Job
from units.history import TreeAsOf
from units.models import OrgNode, Unit, UnitTransfer, ancestry
from units.signals import work_year_changing


class Period(models.TextChoices):
    HALF = "h1", gettext_lazy("6 tháng đầu năm")
    YEAR = "year", gettext_lazy("Cả năm")


# The deadline of the deepest level (the direct-superior unions); each level up gets a
# week more, so that it can check what its children sent.
BASE_DEADLINE = {Period.HALF: (0, 7, 15), Period.YEAR: (1, 1, 15)}  # (years after, month, day)
LEVEL_STEP = datetime.timedelta(days=7)


def period_end(year: int, period: str) -> datetime.date:
    return datetime.date(year, 6, 30) if period == Period.HALF else datetime.date(year, 12, 31)


def work_year(held_on: datetime.date, start_month: int = 1) -> int:
    """The reporting year of an event held on ``held_on`` by a unit whose work year starts
    in ``start_month``: the calendar year in which that work year begins.

    Law 10/2022/QH15 Art. 51(1) has the cadre conference held after a work year ends and
    at the latest three months into the next; schools hold it at the start of the school
    year. A calendar unit's conference of January–March 2025 counts for 2025, due 31 March
    2025; by the same reading a school (work year from September) holds the conference of
    the school year September 2025–August 2026 by 30 November 2025, and it counts for
    2025: the year's report (closed in January 2026) then counts the conferences held in
    that calendar year, as the federations' yearly reports describe them, and every
    deadline of year Y falls before Y's report is due. Events of January–August 2026
    belong to the same school year, so also to 2025. The half-year period of 2025 (held by
    30 June 2025) has not reached such a school's 2025 work year: it shows its conference
    as not yet held."""
    return held_on.year if held_on.month >= start_month else held_on.year - 1


def work_deadline(deadline: datetime.date, start_month: int = 1) -> datetime.date:
    """A rule's deadline of year Y (written for a calendar work year) moved to a unit whose
    work year starts in ``start_month``: as many months later, the day kept or cut to the
    month's end (31 March → 30 November for a school year starting in September)."""
    months = deadline.month - 1 + start_month - 1
    year, month = deadline.year + months // 12, months % 12 + 1
    last = (datetime.date(year + month // 12, month % 12 + 1, 1) - datetime.timedelta(days=1)).day
    return datetime.date(year, month, min(deadline.day, last))


def periods_covering(held_on: datetime.date, year: int | None = None) -> list[str]:
    """The periods of ``year`` (``held_on``'s, or the work year it counts in) whose figures a
    record held that day counts in."""
    year = held_on.year if year is None else year
    return [Period.YEAR, Period.HALF] if held_on <= period_end(year, Period.HALF) else [Period.YEAR]


def tree_for(year: int, period: str) -> TreeAsOf:
    """The tree on the period's last day: reports group units by the node that held them then."""
    return TreeAsOf(period_end(year, period))


def default_deadline(year: int, period: str, levels_above_deepest: int) -> datetime.date:
    years_after, month, day = BASE_DEADLINE[Period(period)]
    return datetime.date(year + years_after, month, day) + LEVEL_STEP * max(levels_above_deepest, 0)


def deepest_depth() -> int:
    return OrgNode.objects.aggregate(d=Max("depth"))["d"] or 0


def deadlines_for(nodes: list[OrgNode], year: int, period: str) -> dict[int, datetime.date]:
    """Each node's submission deadline: the one set for its level, else the default.
    Two queries, whatever the number of nodes."""
    set_for = dict(PeriodDeadline.objects.filter(year=year, period=period).values_list("depth", "due_on"))
    deepest = deepest_depth()
    return {n.pk: set_for.get(n.depth) or default_deadline(year, period, deepest - n.depth) for n in nodes}


# The years a dashboard's trend shows, up to the year it is opened on.
TREND_YEARS = 5


def trend_years(year: int) -> list[int]:
    """The years of ``year``'s dashboard trend: it and the ``TREND_YEARS - 1`` before."""
    return list(range(year - TREND_YEARS + 1, year + 1))


def reporting_years(today: datetime.date | None = None) -> list[int]:
    """The years being reported on ``today`` (the local date for None): this year, the
    default of every year page, and last year until the last level's deadline to close
    it (``deadlines_for``'s rule, the root's being the latest) has passed. Two queries."""
    today = today if today is not None else timezone.localdate()
    last = today.year - 1
    set_for = dict(PeriodDeadline.objects.filter(year=last, period=Period.YEAR).values_list("depth", "due_on"))
    deepest = deepest_depth()
    closes_by = max(set_for.get(d) or default_deadline(last, Period.YEAR, deepest - d) for d in range(deepest + 1))
    return [last, today.year] if today <= closes_by else [today.year]


# The models ----------------------------------------------------------------------------


class PeriodDeadline(models.Model):
    """When a level of the tree must close a period; without a row the default applies."""

    year = models.PositiveSmallIntegerField(gettext_lazy("năm"))
    period = models.CharField(gettext_lazy("kỳ báo cáo"), max_length=8, choices=Period.choices)
    depth = models.PositiveSmallIntegerField(gettext_lazy("cấp (độ sâu trong cây)"))
    due_on = models.DateField(gettext_lazy("hạn chốt số liệu"))

    class Meta:
        db_table = "reports_perioddeadline"  # created by the reports app; the layer moved here
        ordering = ["-year", "period", "depth"]
        verbose_name = gettext_lazy("hạn chốt số liệu")
        verbose_name_plural = gettext_lazy("hạn chốt số liệu")
        constraints = [
            models.UniqueConstraint(fields=["year", "period", "depth"], name="deadline_unique_per_level"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.get_period_display()} – {self.depth}: {self.due_on:%d/%m/%Y}"


def close_file_path(instance: PeriodClose, filename: str) -> str:
    return f"closes/{instance.year}/{instance.pk}-{filename}"


class PeriodClose(Job):
    """One version of a node's closed figures for a period.

    Closing is a job that writes a frozen snapshot (``reports.SnapshotRow``) and the
    figures and files built from it. Only the level above may reopen; the next close is
    a new version, and every version is kept.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", gettext_lazy("Đang chờ")
        RUNNING = "running", gettext_lazy("Đang chốt")
        CLOSED = "closed", gettext_lazy("Đã chốt")
        REOPENED = "reopened", gettext_lazy("Đã mở lại")
        FAILED = "failed", gettext_lazy("Thất bại")

    HOLDING = (Status.QUEUED, Status.RUNNING, Status.CLOSED)
    DONE = Status.CLOSED
    FINISHED_FIELD = "closed_at"
    TASK = "reports.tasks.build_close"

    node = models.ForeignKey("units.OrgNode", on_delete=models.PROTECT, related_name="closes")
    year = models.PositiveSmallIntegerField(gettext_lazy("năm"))
    period = models.CharField(gettext_lazy("kỳ báo cáo"), max_length=8, choices=Period.choices)
    version = models.PositiveSmallIntegerField(gettext_lazy("lần chốt"))
    status = models.CharField(gettext_lazy("trạng thái"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(gettext_lazy("lỗi"), blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(gettext_lazy("chốt lúc"), null=True, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reopened_at = models.DateTimeField(gettext_lazy("mở lại lúc"), null=True, blank=True)
    reopen_reason = models.TextField(gettext_lazy("lý do mở lại"), blank=True)
    xlsx = models.FileField(upload_to=close_file_path, blank=True, max_length=255)
    pdf = models.FileField(upload_to=close_file_path, blank=True, max_length=255)

    class Meta:
        db_table = "reports_periodclose"  # created by the reports app; the layer moved here
        ordering = ["-year", "period", "node", "-version"]
        verbose_name = gettext_lazy("lần chốt số liệu")
        verbose_name_plural = gettext_lazy("các lần chốt số liệu")
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

    def file_stem(self) -> str:
        return f"chot-so-lieu-{self.node.code}-{self.year}-{self.period}-v{self.version}"

    def discard_partial(self) -> None:
        """A failed close leaves no snapshot behind (``reports.SnapshotRow`` and
        ``FollowUpSnapshotRow`` rows)."""
        super().discard_partial()
        self.rows.all().delete()  # type: ignore[attr-defined]
        self.followup_rows.all().delete()  # type: ignore[attr-defined]


# What a close holds ---------------------------------------------------------------------


def frozen_q(node_paths: set[str], held_on: datetime.date, *, standing: bool, year: int | None = None) -> Q:
    """Closes that freeze a record held on ``held_on`` by a unit whose node sat at one of
    ``node_paths`` (today, and on the period's last day): those of that node or any node
    above it, for the periods the record counts in (of ``year``, the unit's work year;
    ``held_on``'s by default). A standing fact (a regulation, a board) counts in every
    later year too."""
    year = held_on.year if year is None else year
    periods = Q(year=year, period__in=periods_covering(held_on, year))
    if standing:
        periods |= Q(year__gt=year)
    return periods & Q(node_id__in=ancestry(*node_paths))


def _unit_paths(unit: Unit, year: int) -> set[str]:
    """Where the unit sits today and where it sat at the end of ``year``."""
    return {unit.node.path, tree_for(year, Period.YEAR).unit_path(unit)}


def closed_for(unit: Unit, held_on: datetime.date, *, standing: bool) -> bool:
    """Whether a closed (or closing) period holds a record of ``unit`` held on ``held_on``
    (counted in the unit's work year)."""
    year = work_year(held_on, unit.work_year_start_month)
    paths = _unit_paths(unit, year)
    holding = PeriodClose.objects.filter(status__in=PeriodClose.HOLDING)
    return holding.filter(frozen_q(paths, held_on, standing=standing, year=year)).exists()


def predates_transfer(unit_id: int, held_on: datetime.date) -> bool:
    """A record held before the unit's last transfer belongs to its old node's history."""
    return UnitTransfer.objects.filter(unit_id=unit_id, effective_on__gt=held_on).exists()


@dataclass(frozen=True)
class Event:
    """A record some write path is about to create or change, as the periods layer sees it."""

    key: Hashable
    unit: Unit
    held_on: datetime.date
    standing: bool
    # The reporting year it counts in, when not its unit's work year as stored (a record
    # a change of the unit's first month would move).
    year: int | None = None

    def work_year(self) -> int:
        return work_year(self.held_on, self.unit.work_year_start_month) if self.year is None else self.year


def frozen_events(events: Iterable[Event]) -> dict[Hashable, str]:
    """``{key: reason}`` for the events a close holds ("closed") or that predate their unit's
    transfer ("transferred"), checked in bulk for imports.

    A fixed number of queries whatever the number of events: the last transfer of every
    unit, and those of ``holding_closes``.
    """
    events = list(events)
    if not events:
        return {}
    unit_ids = {e.unit.pk for e in events if e.unit.pk is not None}
    last_transfer = dict(
        UnitTransfer.objects.filter(unit_id__in=unit_ids)
        .values("unit_id")
        .annotate(last=Max("effective_on"))
        .values_list("unit_id", "last")
    )
    closed = holding_closes(events)
    frozen: dict[Hashable, str] = {}
    for e in events:
        if e.key in closed:
            frozen[e.key] = "closed"
        elif (last := last_transfer.get(e.unit.pk)) is not None and last > e.held_on:
            frozen[e.key] = "transferred"
    return frozen


def holding_closes(events: Iterable[Event]) -> dict[Hashable, tuple[int, int, str]]:
    """``{key: (node id, year, period)}``: a close (closed or closing) that holds each event
    held by one, in bulk. A fixed number of queries whatever the number of events: the
    holding closes of every node above the units, and (only for years after which the
    tree changed) the units' places at the end of each year."""
    events = list(events)
    if not events:
        return {}
    unit_ids = {e.unit.pk for e in events if e.unit.pk is not None}
    years = {e.key: e.work_year() for e in events}
    paths: dict[tuple[int | None, int], set[str]] = {}
    for year in sorted(set(years.values())):
        tree = tree_for(year, Period.YEAR)
        then = {}
        if tree.changed:
            then = dict(tree.units_under(None).filter(pk__in=unit_ids).values_list("pk", "hist_path"))
        for e in events:
            if years[e.key] == year:
                paths[(e.unit.pk, year)] = {e.unit.node.path, then.get(e.unit.pk, e.unit.node.path)}
    node_ids = ancestry(*(p for ps in paths.values() for p in ps))
    holding = sorted(
        PeriodClose.objects.filter(
            node_id__in=node_ids, year__gte=min(years.values()), status__in=PeriodClose.HOLDING
        ).values_list("node_id", "year", "period")
    )
    closed: dict[Hashable, tuple[int, int, str]] = {}
    for e in events:
        year = years[e.key]
        mine = ancestry(*paths[(e.unit.pk, year)])
        covering = periods_covering(e.held_on, year)
        for n, y, p in holding:
            if n in mine and ((y == year and p in covering) or (e.standing and y > year)):
                closed[e.key] = (n, y, p)
                break
    return closed


def frozen_reason_message(reason: str) -> str:
    """Why a record cannot be written, for forms, services and import rows alike."""
    if reason == "transferred":
        return _("Đơn vị đã chuyển sang công đoàn cấp trên khác sau ngày này; hồ sơ trước ngày chuyển chỉ để xem.")
    return _("Số liệu kỳ báo cáo của ngày này đã được chốt; chỉ cấp trên mới mở lại được.")


def blocking_closes(node_ids: set[int], effective_on: datetime.date) -> models.QuerySet[PeriodClose]:
    """Closed (or closing) periods of these nodes that a change effective on
    ``effective_on`` would alter: those ending on or after that day."""
    year = effective_on.year
    ends_after = Q(year__gt=year) | Q(year=year, period=Period.YEAR)
    if effective_on <= period_end(year, Period.HALF):
        ends_after |= Q(year=year, period=Period.HALF)
    return PeriodClose.objects.filter(ends_after, node_id__in=node_ids, status__in=PeriodClose.HOLDING)


def refuse_if_closed(node_ids: set[int], effective_on: datetime.date) -> None:
    """A change of the tree effective on ``effective_on`` must not alter figures a close
    holds: raise ValidationError naming the first close in the way."""
    blocking = blocking_closes(node_ids, effective_on).select_related("node").first()
    if blocking is not None:
        raise ValidationError(blocked_message(blocking, effective_on))


def blocked_message(close: PeriodClose, effective_on: datetime.date) -> str:
    """Why a change effective on ``effective_on`` is refused: ``close`` holds figures it would alter."""
    return _(
        "Số liệu %(period)s %(year)s của %(node)s đã chốt; thay đổi có hiệu lực từ %(day)s sẽ làm "
        "sai số liệu đó. Cấp trên cần mở lại kỳ báo cáo trước."
    ) % {
        "period": close.get_period_display(),
        "year": close.year,
        "node": close.node.name,
        "day": effective_on.strftime("%d/%m/%Y"),
    }


def work_year_refusals(changes: dict[int, int]) -> dict[int, str]:
    """``{unit id: why}`` for the units of ``changes`` ({unit id: new first month of its
    work year}) that may not take it: it would move one of their records into or out of a
    closed period. Answered by the app that holds the records (``conferences.facts``), in
    bulk: a fixed number of queries whatever the number of units."""
    refused: dict[int, str] = {}
    if changes:
        for _receiver, answer in work_year_changing.send(sender=Unit, changes=changes):
            refused.update(answer)
    return refused
