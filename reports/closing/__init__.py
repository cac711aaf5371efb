"""Closing a period: freeze a node's figures in a snapshot, reopen from the level above,
and roll children's closed figures up into a parent's report.

``permissions`` (who may close, read, reopen), ``snapshot`` (writing the rows),
``figures`` (figures, missing list and differences read off a snapshot), ``rollup``
(closed children in a live report) and ``services`` (the close and reopen actions and
their files). What a close holds and freezes is the periods layer's (``units.periods``).
"""

from reports.closing.figures import version_diff
from reports.closing.permissions import AlreadyClosed, NotClosed, can_close, can_read, can_reopen, held_above
from reports.closing.rollup import closed_children, current_closes, roll_up
from reports.closing.services import (
    CLOSE_FILES,
    close_build,
    close_files,
    close_files_regenerate,
    close_reopen,
    close_request,
)

__all__ = [
    "CLOSE_FILES",
    "AlreadyClosed",
    "NotClosed",
    "can_close",
    "can_read",
    "can_reopen",
    "close_build",
    "close_files",
    "close_files_regenerate",
    "close_reopen",
    "close_request",
    "closed_children",
    "current_closes",
    "held_above",
    "roll_up",
    "version_diff",
]
