"""What units announce to the apps that build on them, without importing them.

``units_changed`` is sent inside the writing transaction whenever units, or where they
sit in the tree, change in a way reports may count: a unit created or edited,
transferred, a node moved or merged, a units import. Receivers run synchronously, in
that transaction, so what they keep in step (the report facts in ``conferences.facts``)
fails the write when it fails. A signal rather than a call because ``units`` must not
import ``conferences``; a Django signal rather than a hook list because its receivers
are connected once, in ``AppConfig.ready``.

Arguments: ``units``, a queryset of the affected units (read as a subquery, so a node
of 100,000 units costs one statement, not a loop); ``since``, the first day whose
placement may differ (None: any day); ``fields``, the names of the unit fields that
changed (None: anything may have, e.g. a new unit), so that a receiver skips a save
that changed nothing it reads (a chair's phone number).

Within ``announced_once`` the announcements are gathered and sent when the block ends,
still inside its transaction: a service that writes a unit several times has its units
refreshed once.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.db.models.signals import post_save, pre_save
from django.dispatch import Signal, receiver

from units.models import Unit

units_changed = Signal()

# Asked before a unit's work year starts in another month, which moves its records between
# reporting years: ``changes`` is {unit id: the new first month}; each receiver answers
# {unit id: why the change is refused} (``units.periods.work_year_refusals``).
work_year_changing = Signal()

# Gathered announcements by ``since``: (unit ids, changed fields or None for "any").
_Pending = dict[datetime.date | None, tuple[set[int], frozenset[str] | None]]
_pending: ContextVar[_Pending | None] = ContextVar("units_announcements", default=None)


def announce(units: QuerySet[Unit], *, since: datetime.date | None = None, fields: Iterable[str] | None = None) -> None:
    """Tell the receivers that ``units`` changed (``fields`` of them, None: anything)."""
    changed = frozenset(fields) if fields is not None else None
    pending = _pending.get()
    if pending is None:
        units_changed.send(sender=Unit, units=units, since=since, fields=changed)
        return
    ids, known = pending.get(since, (set(), frozenset()))
    ids.update(units.values_list("pk", flat=True))
    pending[since] = (ids, None if known is None or changed is None else known | changed)


@contextmanager
def announced_once() -> Iterator[None]:
    """Within: announcements are gathered and sent once, per ``since``, when the block
    ends without an error, inside the block's transaction (opened here if there is
    none), so what the receivers keep in step still fails the write when it fails.
    Nested blocks join the outermost one."""
    if _pending.get() is not None:
        yield
        return
    pending: _Pending = {}
    with transaction.atomic():
        token = _pending.set(pending)
        try:
            yield
        finally:
            _pending.reset(token)
        # Earliest first; None (any day) sorts before every date.
        for since, (ids, fields) in sorted(pending.items(), key=lambda item: item[0] or datetime.date.min):
            if ids:
                units_changed.send(
                    sender=Unit, units=Unit.objects.filter(pk__in=sorted(ids)), since=since, fields=fields
                )


def changed_fields(unit: Unit, stored: dict[str, Any]) -> frozenset[str]:
    """The names of the fields whose value on ``unit`` differs from ``stored`` (by attname)."""
    return frozenset(
        field.name
        for field in Unit._meta.concrete_fields
        if field.attname in stored and getattr(unit, field.attname) != stored[field.attname]
    )


@receiver(pre_save, sender=Unit, dispatch_uid="units_compare_saved_unit")
def _unit_saving(
    sender: type[Unit], instance: Unit, raw: bool = False, update_fields: Iterable[str] | None = None, **kwargs: Any
) -> None:
    """Before a save of a stored unit, note which fields it changes (one indexed read)."""
    instance._fields_changed_by_save = None  # type: ignore[attr-defined]
    if raw or instance._state.adding or instance.pk is None:
        return
    wanted = set(update_fields) if update_fields is not None else None
    names = [
        f.attname for f in Unit._meta.concrete_fields if not f.primary_key and (wanted is None or f.name in wanted)
    ]
    stored = Unit.objects.filter(pk=instance.pk).values(*names).first()
    if stored is not None:
        instance._fields_changed_by_save = changed_fields(instance, stored)  # type: ignore[attr-defined]


@receiver(post_save, sender=Unit, dispatch_uid="units_announce_saved_unit")
def _unit_saved(sender: type[Unit], instance: Unit, raw: bool = False, **kwargs: Any) -> None:
    """Every ``Unit.save()`` (services, the admin, fixtures) that changed the unit
    announces it with the fields it changed (all for a new unit)."""
    if raw:
        return
    fields = getattr(instance, "_fields_changed_by_save", None)
    instance._fields_changed_by_save = None  # type: ignore[attr-defined]
    if fields is None or fields:
        announce(Unit.objects.filter(pk=instance.pk), fields=fields)
