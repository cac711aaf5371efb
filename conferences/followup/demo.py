"""Demo follow-up items: every outcome, on the accepted conferences and dialogues of the
last years, so that the reports' follow-up figures, the grid's overdue column and the
reminders have something to show under ``make run``."""

from __future__ import annotations

import datetime

from conferences.followup.models import FollowUpItem
from conferences.models import CONFERENCE_KINDS, Kind, Record

TEXTS = (
    ("agreement", "Giảm giờ làm thêm xuống tối đa 2 giờ mỗi ngày"),
    ("proposal", "Lắp thêm quạt thông gió ở xưởng"),
    ("task", "Rà soát quy chế chi tiêu nội bộ"),
)
BATCH = 5000


def build_items(*, years: range, per_record: int = 2) -> int:
    """Items on the accepted conferences and periodic dialogues held in ``years``: due 1–3
    months after the meeting; by the record's id done on time, done late, dropped or still
    open (some overdue). Deterministic; returns how many were written."""
    records = Record.objects.filter(
        status=Record.Status.ACCEPTED,
        kind__in=[*CONFERENCE_KINDS, Kind.DIALOGUE_PERIODIC],
        held_on__year__in=list(years),
    ).order_by("pk")
    made, batch = 0, []
    for pk, unit_id, held_on in records.values_list("pk", "unit_id", "held_on").iterator(chunk_size=BATCH):
        for n in range(per_record):
            item_type, text = TEXTS[(pk + n) % len(TEXTS)]
            due = held_on + datetime.timedelta(days=30 * (1 + (pk + n) % 3))
            outcome = (pk + n) % 5
            batch.append(
                FollowUpItem(
                    record_id=pk,
                    unit_id=unit_id,
                    item_type=item_type,
                    text=text,
                    due_on=due,
                    state="done" if outcome in (0, 1) else "dropped" if outcome == 2 else "open",
                    done_on=due - datetime.timedelta(days=7)
                    if outcome == 0
                    else due + datetime.timedelta(days=20)
                    if outcome == 1
                    else None,
                    drop_reason="Không còn phù hợp sau khi đổi ca" if outcome == 2 else "",
                )
            )
        if len(batch) >= BATCH:
            FollowUpItem.objects.bulk_create(batch)
            made, batch = made + len(batch), []
    FollowUpItem.objects.bulk_create(batch)
    return made + len(batch)
