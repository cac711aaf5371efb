"""Importing historical records (conferences, dialogues …) from CSV or XLSX.

The same steps as the units import (``units.importing``): the file is read into
numbered rows, checked into a plan without writing anything, and the plan is written
in one transaction only when no row has an error. A row whose record is already in
the database (same unit, kind and date) is skipped, so importing a file twice is
harmless.
"""

from conferences.importing.plan import (
    EventImportPlan,
    EventPreviewRow,
    PlannedRecord,
    plan_events_import,
    plan_events_upload,
)
from conferences.importing.rows import EVENT_IMPORT_COLUMNS, EVENT_IMPORT_EXAMPLE, NO, YES, EventKey, choice_lookup
from conferences.importing.write import EventImportResult, events_import

__all__ = [
    "EVENT_IMPORT_COLUMNS",
    "EVENT_IMPORT_EXAMPLE",
    "NO",
    "YES",
    "EventImportPlan",
    "EventImportResult",
    "EventKey",
    "EventPreviewRow",
    "PlannedRecord",
    "choice_lookup",
    "events_import",
    "plan_events_import",
    "plan_events_upload",
]
