"""The organisation tree, the units (workplaces) and who may do what where.

The tree is stored as a materialised path: each node's ``path`` is its ancestors' ids
followed by its own, so "everything under node X" is one indexed prefix query.
"""

from units.models.auditlog import AuditLog
from units.models.changes import NodePathChange, UnitCategoryChange, UnitTransfer
from units.models.roles import ChairInvitation, Role
from units.models.tree import (
    Category,
    OrgLevel,
    OrgNode,
    OrgNodeQuerySet,
    Unit,
    UnitQuerySet,
    _path_prefix_q,
    unit_scope_q,
)
from units.paths import PATH_SEGMENT_WIDTH, ancestry

__all__ = [
    "PATH_SEGMENT_WIDTH",
    "AuditLog",
    "Category",
    "ChairInvitation",
    "Invitation",
    "InvitationBatch",
    "NodePathChange",
    "OrgLevel",
    "OrgNode",
    "OrgNodeQuerySet",
    "PeriodClose",
    "PeriodDeadline",
    "Role",
    "Unit",
    "UnitCategoryChange",
    "UnitQuerySet",
    "UnitTransfer",
    "_path_prefix_q",
    "ancestry",
    "unit_scope_q",
]

# Registered with the app's models; defined apart to keep this package readable.
from units.invitations import Invitation, InvitationBatch

# The periods layer keeps its models beside its queries; importing them here registers
# them with the app (Django loads each app's ``models`` module). Last: it imports the
# models above from ``units.models``.
from units.periods import PeriodClose, PeriodDeadline
