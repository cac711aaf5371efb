"""The report tables kept current from the records: per unit (``Fact``) and per node (``FactCube``)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from conferences.models.records import Record
from conferences.obligations import Indicator
from units.models import OrgNode, Unit
from units.periods import Period


class Fact(models.Model):
    """One unit × year × period × indicator: what the reports count, kept current.

    A row exists where the year's rule binds the unit (``expected``) or where an accepted
    record counts for it anyway. ``node`` and ``node_path`` are where the unit sat on the
    period's last day; ``record`` is the record it is counted by (the earliest
    qualifying). Each ``*_failures`` is how many of the unit's qualifying records fail
    that quality check (None when the rule has no such check). Maintained in the writing
    transaction by ``conferences.facts``; never edited by hand.
    """

    # Hundreds of thousands of rows are rewritten at a time from units, nodes and records
    # that are never deleted: foreign-key checks and their indexes would double the cost.
    unit = models.ForeignKey(Unit, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False)
    year = models.PositiveSmallIntegerField()
    period = models.CharField(max_length=8, choices=Period.choices)
    indicator = models.CharField(max_length=32, choices=Indicator.choices)
    node = models.ForeignKey(
        OrgNode, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    node_path = models.CharField(max_length=255)
    category = models.CharField(max_length=32)
    expected = models.BooleanField()
    done = models.BooleanField()
    on_time = models.BooleanField()
    quality = models.BooleanField()
    # At least the rule's number of records whose quality could be judged: the quality
    # rate is quality / assessed (imported history without its details is never failing).
    assessed = models.BooleanField(default=True)
    record = models.ForeignKey(
        Record, on_delete=models.DO_NOTHING, null=True, related_name="+", db_constraint=False, db_index=False
    )
    quorum_failures = models.PositiveIntegerField(null=True)
    contents_failures = models.PositiveIntegerField(null=True)
    minutes_failures = models.PositiveIntegerField(null=True)
    resolution_failures = models.PositiveIntegerField(null=True)

    class Meta:
        verbose_name = _("số liệu tổng hợp")
        verbose_name_plural = _("số liệu tổng hợp")
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "period", "indicator"], name="fact_unique_cell"),
        ]
        indexes = [
            # Every report reads one year and period under a node: a prefix of the path.
            models.Index(
                fields=["year", "period", "node_path"], name="fact_year_path", opclasses=["", "", "varchar_pattern_ops"]
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.year} {self.period} {self.indicator}"


class FactYear(models.Model):
    """The rules a year's facts were built with: a read that finds the year's rules
    changed since (an edit whose rebuild has not run yet) rebuilds before counting."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    rules_fingerprint = models.CharField(max_length=64)
    built_at = models.DateTimeField()

    class Meta:
        verbose_name = _("năm đã tổng hợp")
        verbose_name_plural = _("năm đã tổng hợp")

    def __str__(self) -> str:
        return str(self.year)


class FactCube(models.Model):
    """The facts summed per year × period × node (by path) × category × indicator: what a
    report or the dashboard adds up, a few thousand rows a year instead of one per unit.
    Kept by adding each refresh's difference (``conferences.facts.maintain``)."""

    year = models.PositiveSmallIntegerField()
    period = models.CharField(max_length=8, choices=Period.choices)
    node_path = models.CharField(max_length=255)
    category = models.CharField(max_length=32)
    indicator = models.CharField(max_length=32, choices=Indicator.choices)
    expected = models.IntegerField()
    done = models.IntegerField()
    on_time = models.IntegerField()
    quality = models.IntegerField()
    assessed = models.IntegerField(default=0)
    quorum_failures = models.IntegerField()
    contents_failures = models.IntegerField()
    minutes_failures = models.IntegerField()
    resolution_failures = models.IntegerField()

    class Meta:
        verbose_name = _("số liệu tổng hợp theo nút")
        verbose_name_plural = _("số liệu tổng hợp theo nút")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "period", "node_path", "category", "indicator"], name="factcube_unique_cell"
            ),
        ]
        indexes = [
            models.Index(
                fields=["year", "period", "node_path"],
                name="factcube_year_path",
                opclasses=["", "", "varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.period} {self.node_path} {self.category} {self.indicator}"
