"""Which years have facts: those somebody reports on, not every year with rules.

A year is *built* when it has a stamp (``FactYear``): its facts were written whole by
``maintain.rebuild_year``, and from then on every write keeps them in step. Writes touch
built years only; a year nobody built costs nothing to write to, and is built when it is
first asked for (``preparing``), by the nightly job or by ``facts_rebuild``.

The years *needed* are those with accepted records of their own, the years being
reported on (``units.periods.reporting_years``) and the years their dashboards' trends
show (``units.periods.trend_years``), so that a leader's first screen does not wait for
a build. The years *to build* are the needed ones and those already built, among the
years that have rules: at national scale, a few years instead of the sixteen the rules
cover (each about ten million rows at a million units).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import QuerySet

from conferences.facts.maintain import _own_year, _share_years, rebuild_year, refresh, rule_years
from conferences.models import Fact, FactCube, FactYear, Record
from units.models import Unit
from units.periods import reporting_years, trend_years


def built_years() -> list[int]:
    """The years whose facts are built (stamped): one query."""
    return sorted(FactYear.objects.order_by().values_list("year", flat=True))


def years_with_records() -> list[int]:
    """The years that have records the facts count (accepted), by the index on kind, year
    and status: one query."""
    accepted = Record.objects.filter(status=Record.Status.ACCEPTED).order_by()
    return sorted(accepted.values_list("year", flat=True).distinct())


def needed_years() -> set[int]:
    """The years somebody reads: with records of their own, being reported on, or shown
    in a trend of a year being reported on."""
    shown = {year for reported in reporting_years() for year in trend_years(reported)}
    return set(years_with_records()) | shown


def years_to_build() -> list[int]:
    """The years whose facts should be built: needed or built already, and that have
    rules."""
    return sorted((needed_years() | set(built_years())) & set(rule_years()))


def missing_years() -> list[int]:
    """The years that should be built but are not."""
    return sorted(set(years_to_build()) - set(built_years()))


def build_missing() -> dict[int, int]:
    """Build the years that should be built but are not; their rows by year."""
    return {year: rebuild_year(year) for year in missing_years()}


def built_to_refresh(years: Iterable[int] | None = None, *, since: int | None = None) -> list[int]:
    """The built years among ``years`` (or among the years with rules from ``since`` on),
    for a write to refresh. In the caller's transaction, whose facts it then writes: the
    years' locks are shared *before* the stamps are read, so a build of one of them
    (which owns its year's lock from before it reads the records until it commits its
    stamp) either finished and is seen here, or waits for this write to commit and then
    reads it. Reading the stamps first, a write could miss a year built meanwhile. Two
    statements: a statement sees what was committed when it started, so the stamps are
    read by one that starts once the locks are held."""
    assert transaction.get_connection().in_atomic_block, "the locks must last until the facts are written"
    candidates = sorted(set(years) if years is not None else {y for y in rule_years() if since is None or y >= since})
    if not candidates:
        return []
    _share_years(candidates)
    return sorted(FactYear.objects.filter(year__in=candidates).values_list("year", flat=True))


def hold_year(year: int) -> None:
    """In a transaction that reads ``year``'s facts more than once (a close copies them,
    then counts them): keep the year from being rebuilt whole or dropped until it ends.
    Writes share the same lock, so they go on."""
    assert transaction.get_connection().in_atomic_block, "the lock lasts until the transaction ends"
    _share_years([year])


def refresh_built(
    units: QuerySet[Unit] | list[int],
    *,
    years: Iterable[int] | None = None,
    since: int | None = None,
    indicators: Iterable[str] | None = None,
) -> None:
    """Rewrite the facts of ``units`` for the built years among ``years`` (or from
    ``since`` on, or all for neither): what every write does (``signals``)."""
    with transaction.atomic():
        built = built_to_refresh(years, since=since)
        if built:
            refresh(units=units, years=built, indicators=indicators)


def refresh_facts_for(records: list[Record]) -> None:
    """After records were written in bulk (no signals): rewrite the facts of their units,
    set-based, for the built years from the earliest year they count in (a standing
    record counts on)."""
    counted = [r for r in records if r.status == Record.Status.ACCEPTED]
    if counted:
        refresh_built(sorted({r.unit_id for r in counted}), since=min(r.year for r in counted))


def forget_unneeded() -> list[int]:
    """Drop the facts, sums and stamp of every built year that nobody needs
    (``needed_years``): the years built before only the needed ones were. Returns the
    years dropped; one is built again if ever asked for.

    The built years' locks are owned before anything is decided, so a write or a close
    reading one of them (both share its lock) either ends first or waits and then finds
    the year gone, and builds it again if it needs it; deciding first, a close could
    copy a year emptied under it."""
    with transaction.atomic():
        candidates = built_years()
        for year in candidates:
            _own_year(year)
        # Among the years locked (one built meanwhile is left alone), those built still.
        built = set(built_years())
        needed = needed_years()
        dropped = [year for year in candidates if year in built and year not in needed]
        for model in (Fact, FactCube):
            rows = model.objects.filter(year__in=dropped)
            rows._raw_delete(rows.db)
        FactYear.objects.filter(year__in=dropped).delete()
    return dropped
