"""A unit's category over time: reading it on a past day, and the rules of changing it.

The category decides what a unit owes (an agency holds a cadre conference, an enterprise
a worker conference and dialogues). It can change (an agency becomes a state enterprise),
from an effective day: each period's figures count the unit with the category it had on
the period's last day. Changes only add rows (``UnitCategoryChange``); the current
category is on the unit, so a unit was on day D of the ``old_category`` of its first
change effective after D, else of its current category. A new unit has had its category
since it was founded: it has no row.

Every write path asks this module: the unit form and ``units.services.unit_update``, the
units import (in bulk), and ``change_category`` itself; the admin shows the category
read-only once a unit exists.
"""

from __future__ import annotations

import datetime
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, CharField, F, Max, OuterRef, Subquery, When
from django.utils import timezone
from django.utils.translation import gettext as _

from units.audit import audit_records
from units.history import trees_as_of
from units.models import AuditLog, Category, Unit, UnitCategoryChange, UnitTransfer
from units.paths import ancestry
from units.periods import PeriodClose, blocked_message, period_end
from units.permissions import can_manage_node

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    Actor = AbstractBaseUser | AnonymousUser


# Reading -------------------------------------------------------------------------------


def category_then(day: datetime.date) -> Case:
    """Each unit's category on ``day``, as an expression over a ``Unit`` queryset: the
    current one, unless the unit changed category after ``day`` (a hashed IN over the
    few units that did), then the old category of its first such change (a correlated
    subquery on the changes' (unit, effective_on) index, run for those units only)."""
    later = UnitCategoryChange.objects.filter(effective_on__gt=day)
    first_after = later.filter(unit=OuterRef("pk")).order_by("effective_on", "pk").values("old_category")[:1]
    return Case(
        When(pk__in=later.values("unit_id"), then=Subquery(first_after)),
        default=F("category"),
        output_field=CharField(),
    )


def category_on(unit: Unit, day: datetime.date) -> str:
    """``unit``'s category on ``day``: no query for today or later (no change is ever
    effective in the future), one for a past day."""
    if day >= timezone.localdate():
        return unit.category
    old = (
        UnitCategoryChange.objects.filter(unit=unit, effective_on__gt=day)
        .order_by("effective_on", "pk")
        .values_list("old_category", flat=True)
        .first()
    )
    return old or unit.category


# The rules of a change -------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """A change of ``unit``'s category from ``old`` to ``new`` from ``effective_on``;
    ``path`` is that of the node holding the unit as stored (an edit may move it too)."""

    key: Hashable
    unit: Unit
    old: str
    new: str
    effective_on: datetime.date
    path: str

    @classmethod
    def of(cls, unit: Unit, new: str, effective_on: datetime.date, key: Hashable = None) -> Change:
        """The change of ``unit`` as stored (before the edit is applied to it)."""
        return cls(unit.pk if key is None else key, unit, unit.category, new, effective_on, unit.node.path)


def change_problems(changes: Iterable[Change]) -> dict[Hashable, str]:
    """``{key: why}`` for the changes that are refused, checked in bulk: one query per rule
    (the last change of each unit; where the units sat on the effective days; their later
    transfers; the closes in the way), whatever the number of changes.

    Refused: a day in the future; a day before the unit's last change (the history would
    no longer read back); a day from which a closed (or closing) period of a node that
    held the unit, on that day or after it, would count it differently."""
    changes = list(changes)
    today = timezone.localdate()
    problems: dict[Hashable, str] = {}
    for change in changes:
        if change.new not in Category.values:
            problems[change.key] = _("Loại hình «%(value)s» không hợp lệ.") % {"value": change.new}
        elif change.effective_on > today:
            problems[change.key] = _(
                "Ngày áp dụng loại hình mới (%(day)s) chưa đến; hãy ghi nhận khi loại hình mới đã có hiệu lực."
            ) % {"day": change.effective_on.strftime("%d/%m/%Y")}
    pending = [c for c in changes if c.key not in problems]
    if not pending:
        return problems
    ids = {c.unit.pk for c in pending}
    last = dict(
        UnitCategoryChange.objects.filter(unit_id__in=ids)
        .values("unit_id")
        .annotate(last=Max("effective_on"))
        .values_list("unit_id", "last")
    )
    for change in pending:
        before = last.get(change.unit.pk)
        if before is not None and change.effective_on < before:
            problems[change.key] = _(
                "Ngày áp dụng loại hình mới không thể trước lần đổi loại hình trước (%(day)s)."
            ) % {"day": before.strftime("%d/%m/%Y")}
    pending = [c for c in pending if c.key not in problems]
    if not pending:
        return problems
    held = _paths_holding(pending)
    closes = list(
        PeriodClose.objects.filter(
            node_id__in=ancestry(*(p for paths in held.values() for p in paths)),
            year__gte=min(c.effective_on.year for c in pending),
            status__in=PeriodClose.HOLDING,
        )
        .select_related("node")
        .order_by("year", "period", "node__path")
    )
    for change in pending:
        mine = ancestry(*held[change.key])
        blocking = next(
            (
                c
                for c in closes
                if c.node_id in mine and period_end(c.year, c.period) >= change.effective_on  # ``blocking_closes``
            ),
            None,
        )
        if blocking is not None:
            problems[change.key] = blocked_message(blocking, change.effective_on)
    return problems


def _paths_holding(changes: list[Change]) -> dict[Hashable, set[str]]:
    """The paths of the nodes that held each change's unit from its effective day on: on
    that day, after each later transfer, and today."""
    ids = {c.unit.pk for c in changes}
    trees = trees_as_of(sorted({c.effective_on for c in changes}))
    then: dict[tuple[int, datetime.date], str] = {}
    for day, tree in trees.items():
        if tree.changed:
            rows = tree.units_under(None).filter(pk__in=ids).values_list("pk", "hist_path")
            then.update({(pk, day): path for pk, path in rows})
    later = UnitTransfer.objects.filter(unit_id__in=ids).values_list("unit_id", "effective_on", "to_node__path")
    transfers = list(later)
    return {
        c.key: {
            c.path,
            then.get((c.unit.pk, c.effective_on), c.path),
            *(path for unit_id, day, path in transfers if unit_id == c.unit.pk and day > c.effective_on),
        }
        for c in changes
    }


def check_change(change: Change) -> None:
    """Raise ValidationError when ``change_problems`` refuses this one change."""
    problem = change_problems([change]).get(change.key)
    if problem is not None:
        raise ValidationError({"category_effective_on": problem})


def record_changes(changes: list[Change], *, by: Actor | None) -> None:
    """Write checked changes and their audit entries: two bulk inserts, in the caller's
    transaction (which also updates the units)."""
    actor = by if by is not None and by.is_authenticated else None
    UnitCategoryChange.objects.bulk_create(
        (
            UnitCategoryChange(
                unit=c.unit, old_category=c.old, new_category=c.new, effective_on=c.effective_on, by=actor
            )
            for c in changes
        ),
        batch_size=2000,
    )
    audit_records(
        by=by,
        action=AuditLog.Action.CATEGORY_CHANGED,
        changes=(
            (c.unit, {"category": c.old}, {"category": c.new, "effective_on": c.effective_on}, c.unit.node)
            for c in changes
        ),
    )


@transaction.atomic
def change_category(*, unit: Unit, new: str, effective_on: datetime.date, by: Actor | None) -> Unit:
    """Give ``unit`` the category ``new`` from ``effective_on`` (refused as
    ``change_problems`` says), with a history row, an audit entry, and its facts refreshed
    for the years from that day on. Goes through ``unit_update``: one write path."""
    from units.services import unit_update  # the services ask this module for the rules

    unit = Unit.objects.select_for_update().select_related("node").get(pk=unit.pk)
    if by is not None and not can_manage_node(by, unit.node):
        raise PermissionDenied
    if new == unit.category:
        raise ValidationError({"category": _("Đơn vị đã thuộc loại hình này.")})
    return unit_update(unit=unit, by=by, version=unit.version, category=new, category_effective_on=effective_on)
