"""Records: the chair's year, filing, review, files. Every lookup starts from the user's scope."""

from conferences.views.files import attachment_delete, attachment_download, attachment_upload
from conferences.views.imports import IMPORT_ERRORS_SHOWN, import_events
from conferences.views.records import (
    STALE_MESSAGE,
    record_accept,
    record_create,
    record_delete,
    record_detail,
    record_edit,
    record_reopen,
    record_return,
    record_submit,
    unit_obligations,
    unit_records,
    unit_year,
)
from conferences.views.review import review_next, review_queue

__all__ = [
    "IMPORT_ERRORS_SHOWN",
    "STALE_MESSAGE",
    "attachment_delete",
    "attachment_download",
    "attachment_upload",
    "import_events",
    "record_accept",
    "record_create",
    "record_delete",
    "record_detail",
    "record_edit",
    "record_reopen",
    "record_return",
    "record_submit",
    "review_next",
    "review_queue",
    "unit_obligations",
    "unit_records",
    "unit_year",
]
