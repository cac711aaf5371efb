"""Deadlines per level, shown by the level's name: reads and the audited writes."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction

from units.audit import audit_record
from units.models import AuditLog, OrgLevel
from units.periods import Period, PeriodDeadline, deepest_depth, default_deadline
from units.permissions import scope_for

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


@dataclass(frozen=True)
class LevelDeadline:
    depth: int
    level_name: str
    period: str
    due_on: datetime.date
    row: PeriodDeadline | None  # None: the default applies


def level_names() -> dict[int, str]:
    """Each depth of the tree by its level's name (OrgLevel), the depth itself when unnamed."""
    names = dict(OrgLevel.objects.values_list("depth", "name"))
    return {depth: names.get(depth, str(depth)) for depth in range(deepest_depth() + 1)}


def deadlines_of_year(year: int, names: dict[int, str] | None = None) -> list[LevelDeadline]:
    """Every level × period of ``year`` with its deadline, set or default (three queries,
    one when the level names are given)."""
    names = names if names is not None else level_names()
    rows = {(d.period, d.depth): d for d in PeriodDeadline.objects.filter(year=year)}
    deepest = max(names, default=0)
    return [
        LevelDeadline(
            depth=depth,
            level_name=name,
            period=period,
            due_on=rows[(period, depth)].due_on
            if (period, depth) in rows
            else default_deadline(year, period, deepest - depth),
            row=rows.get((period, depth)),
        )
        for depth, name in names.items()
        for period in Period.values
    ]


def deadline_facts(deadline: PeriodDeadline) -> dict[str, object]:
    return {"year": deadline.year, "period": deadline.period, "depth": deadline.depth, "due_on": deadline.due_on}


@transaction.atomic
def deadline_set(
    *, by: AbstractBaseUser | AnonymousUser, year: int, period: str, depth: int, due_on: datetime.date
) -> PeriodDeadline:
    """Set a level's deadline for a period (administrators), with the change in the audit log."""
    if not scope_for(by).is_admin:
        raise PermissionDenied
    deadline = PeriodDeadline.objects.select_for_update().filter(year=year, period=period, depth=depth).first()
    before = deadline_facts(deadline) if deadline else None
    if deadline is None:
        deadline = PeriodDeadline(year=year, period=period, depth=depth, due_on=due_on)
    deadline.due_on = due_on
    deadline.full_clean()
    deadline.save()
    audit_record(
        by=by, action=AuditLog.Action.DEADLINE_SET, target=deadline, before=before, after=deadline_facts(deadline)
    )
    return deadline


@transaction.atomic
def deadline_remove(*, by: AbstractBaseUser | AnonymousUser, deadline: PeriodDeadline) -> None:
    """Go back to the default deadline for that level and period."""
    if not scope_for(by).is_admin:
        raise PermissionDenied
    audit_record(
        by=by, action=AuditLog.Action.DEADLINE_REMOVED, target=deadline, before=deadline_facts(deadline), after=None
    )
    deadline.delete()
