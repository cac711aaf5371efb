"""What units announce to the apps that build on them, without importing them.

``units_changed`` is sent inside the writing transaction whenever units, or where they
sit in the tree, change in a way reports count: a unit created or edited (its category,
size, dates or node), transferred, a node moved or merged, a units import. Receivers run
synchronously, in that transaction, so what they keep in step (the report facts in
``conferences.facts``) fails the write when it fails. A signal rather than a call
because ``units`` must not import ``conferences``; a Django signal rather than a hook
list because its receivers are connected once, in ``AppConfig.ready``.

Arguments: ``units``, a queryset of the affected units (read as a subquery, so a node
of 100,000 units costs one statement, not a loop), and ``since``, the first day whose
placement may differ (None: any day).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet
from django.db.models.signals import post_save
from django.dispatch import Signal, receiver

from units.models import Unit

units_changed = Signal()


def announce(units: QuerySet[Unit], *, since: datetime.date | None = None) -> None:
    units_changed.send(sender=Unit, units=units, since=since)


@receiver(post_save, sender=Unit, dispatch_uid="units_announce_saved_unit")
def _unit_saved(sender: type[Unit], instance: Unit, raw: bool = False, **kwargs: Any) -> None:
    """Every ``Unit.save()`` (services, the admin, fixtures) announces that unit."""
    if not raw:
        announce(Unit.objects.filter(pk=instance.pk))
