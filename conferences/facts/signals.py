"""The receivers that keep the facts in step with every write they depend on.

Connected in ``ConferencesConfig.ready``. Units and the tree reach the facts through
``units.signals.units_changed`` (``units`` cannot import this app); records, their
attachments and contents through Django's model signals, so that every path that saves
a record (services, the admin, imports that save one by one) is covered. Records that
are not accepted, and were not when loaded, count nowhere: their saves cost nothing
here. Only the built years are written to (``years``). Rule edits rebuild their year,
when built, as a Celery job after commit; until it has run, readers find the year's
rules changed (``preparing.ensure_current``) and rebuild first.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import transaction
from django.db.models import Case, F, IntegerField, OuterRef, Subquery, When
from django.db.models.functions import ExtractMonth, ExtractYear
from django.db.models.lookups import GreaterThanOrEqual
from django.db.models.signals import m2m_changed, post_delete, post_save

from conferences.facts.build import UNIT_FIELDS_READ
from conferences.facts.years import refresh_built
from conferences.models import Attachment, ContentItem, Fact, ObligationRule, Record
from conferences.obligations import STANDING_KINDS, is_indicator
from units.models import Unit
from units.signals import units_changed


def _record_years(kind: str, year: int) -> list[int] | None:
    """The years a record of ``kind`` held in ``year`` counts in (None: from then on)."""
    return None if kind in STANDING_KINDS else [year]


def refresh_record(unit_id: int, kind: str, year: int) -> None:
    """Rewrite what one record can change: its unit's facts for its indicator and the
    built years it counts in (a year not built stays so: it is built whole when asked)."""
    if not is_indicator(kind):
        return
    years = _record_years(kind, year)
    refresh_built([unit_id], years=years, since=year if years is None else None, indicators=[kind])


def _refresh_for(record: Record) -> None:
    keys = {(record.unit_id, record.kind, record.year)}
    loaded = getattr(record, "loaded_key", None)
    if loaded is not None and loaded[0] is not None:
        keys.add(loaded)
    for unit_id, kind, year in keys:
        refresh_record(unit_id, kind, year)


def _counted(record: Record) -> bool:
    """Whether the record counts now or did as loaded (an accepted record sent back)."""
    return record.status == Record.Status.ACCEPTED or getattr(record, "loaded_status", None) == Record.Status.ACCEPTED


def record_saved(sender: type[Record], instance: Record, raw: bool = False, **kwargs: Any) -> None:
    if not raw and _counted(instance):
        _refresh_for(instance)
    instance.remember_loaded()


def record_deleted(sender: type[Record], instance: Record, **kwargs: Any) -> None:
    if _counted(instance):
        _refresh_for(instance)


def attachment_changed(sender: type[Attachment], instance: Attachment, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    found = Record.objects.filter(pk=instance.record_id).values_list("unit_id", "kind", "year", "status").first()
    if found is not None and found[3] == Record.Status.ACCEPTED:
        refresh_record(found[0], found[1], found[2])


def contents_changed(sender: Any, instance: Any, action: str, reverse: bool, pk_set: Any, **kwargs: Any) -> None:
    if not action.startswith("post_"):
        return
    if not reverse:
        if instance.status == Record.Status.ACCEPTED:
            _refresh_for(instance)
        return
    # From the checklist's side: every accepted record touched.
    records = Record.objects.filter(status=Record.Status.ACCEPTED)
    records = records.filter(pk__in=pk_set) if pk_set else records.filter(contents=instance)
    for unit_id, kind, year in records.order_by().values_list("unit_id", "kind", "year").distinct():
        refresh_record(unit_id, kind, year)


def unit_deleted(sender: type[Unit], instance: Unit, **kwargs: Any) -> None:
    Fact.objects.filter(unit_id=instance.pk).delete()


def recount_work_years(units: Any) -> int:
    """Give the records of ``units`` (a queryset or ids) the reporting year of their unit's
    work year as it stands (``units.periods.work_year``): after a unit's first month
    changed. One UPDATE of the records whose year moves; returns how many did."""
    ids = units if isinstance(units, list) else units.values("pk")
    month = Subquery(Unit.objects.filter(pk=OuterRef("unit_id")).values("work_year_start_month")[:1])
    held = ExtractYear("held_on")
    new_year = Case(
        When(GreaterThanOrEqual(ExtractMonth("held_on"), month), then=held),
        default=held - 1,
        output_field=IntegerField(),
    )
    moved = Record.objects.filter(unit_id__in=ids).alias(new_year=new_year).exclude(year=F("new_year"))
    return Record.objects.filter(pk__in=list(moved.values_list("pk", flat=True))).update(year=new_year)


def units_were_changed(
    sender: Any, units: Any, since: datetime.date | None = None, fields: frozenset[str] | None = None, **kwargs: Any
) -> None:
    if fields is not None and not fields & UNIT_FIELDS_READ:
        return
    moved = recount_work_years(units) if fields is None or "work_year_start_month" in fields else 0
    refresh_built(units, since=since.year if since is not None and not moved else None)


# Set by bulk loaders that rebuild every year themselves when they are done (the demo).
rebuilds_deferred: ContextVar[bool] = ContextVar("rebuilds_deferred", default=False)


@contextmanager
def deferred_rebuilds() -> Iterator[None]:
    """Within: rule edits schedule no rebuild (the caller rebuilds the years after)."""
    token = rebuilds_deferred.set(True)
    try:
        yield
    finally:
        rebuilds_deferred.reset(token)


def _rebuild_after_commit(years: set[int]) -> None:
    from conferences.tasks import facts_rebuild_year

    if rebuilds_deferred.get():
        return
    for year in sorted(years):
        transaction.on_commit(lambda year=year: facts_rebuild_year.delay(year=year))


def rule_saved(sender: type[ObligationRule], instance: ObligationRule, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        _rebuild_after_commit({instance.year})


def rule_contents_changed(sender: Any, instance: Any, action: str, reverse: bool, pk_set: Any, **kwargs: Any) -> None:
    if not action.startswith("post_"):
        return
    if not reverse:
        _rebuild_after_commit({instance.year})
    else:
        _rebuild_after_commit(set(ObligationRule.objects.filter(contents=instance).values_list("year", flat=True)))


def content_item_saved(sender: type[ContentItem], instance: ContentItem, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        _rebuild_after_commit(set(instance.obligationrule_set.values_list("year", flat=True)))


def connect() -> None:
    uid = "conferences_facts_"
    units_changed.connect(units_were_changed, dispatch_uid=f"{uid}units")
    post_delete.connect(unit_deleted, sender=Unit, dispatch_uid=f"{uid}unit_deleted")
    post_save.connect(record_saved, sender=Record, dispatch_uid=f"{uid}record_saved")
    post_delete.connect(record_deleted, sender=Record, dispatch_uid=f"{uid}record_deleted")
    post_save.connect(attachment_changed, sender=Attachment, dispatch_uid=f"{uid}attachment_saved")
    post_delete.connect(attachment_changed, sender=Attachment, dispatch_uid=f"{uid}attachment_deleted")
    m2m_changed.connect(contents_changed, sender=Record.contents.through, dispatch_uid=f"{uid}contents")
    post_save.connect(rule_saved, sender=ObligationRule, dispatch_uid=f"{uid}rule_saved")
    post_delete.connect(rule_saved, sender=ObligationRule, dispatch_uid=f"{uid}rule_deleted")
    m2m_changed.connect(
        rule_contents_changed, sender=ObligationRule.contents.through, dispatch_uid=f"{uid}rule_contents"
    )
    post_save.connect(content_item_saved, sender=ContentItem, dispatch_uid=f"{uid}content_item")
