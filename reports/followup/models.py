"""A closed version's follow-up items: one row per item counted, with its bucket then."""

from __future__ import annotations

from django.db import models


class FollowUpSnapshotRow(models.Model):
    """One follow-up item as it stood (as of the period's last day) when a period was closed.

    Like ``SnapshotRow``: the unit's node, path and category on the period's last day are
    copied, and so are the item's text and dates, so that the closed figures and their
    explanation lists stay as they were whatever is edited, moved or removed later.
    """

    # No database constraint, as for ``SnapshotRow.close``: the rows are written by the
    # close's own job, and PostgreSQL checks a deferred foreign key row by row at commit
    # (4–5 s for the 420,000 items of a root close at 200,000 units); deleting a close
    # still deletes its rows (Django cascades).
    close = models.ForeignKey(
        "units.PeriodClose",
        on_delete=models.CASCADE,
        related_name="followup_rows",
        db_index=False,
        db_constraint=False,
    )
    # Items can be removed from a draft later: no constraint, the copy stands on its own.
    item = models.ForeignKey(
        "conferences.FollowUpItem", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
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
    bucket = models.CharField(max_length=16)
    text = models.TextField()
    due_on = models.DateField(null=True)
    done_on = models.DateField(null=True)
    record = models.ForeignKey(
        "conferences.Record", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )

    class Meta:
        indexes = [models.Index(fields=["close", "indicator"], name="fu_snapshot_close_indicator")]

    def __str__(self) -> str:
        return f"{self.close_id}: {self.item_id} {self.bucket}"
