"""Who may ask for what in reports."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from units.models import OrgNode
from units.permissions import scope_for


def can_request_report(user: AbstractBaseUser | AnonymousUser, node: OrgNode | None = None) -> bool:
    """Staff, admins and leaders may build a report of a node they see.

    Leaders are read-only for records and units, yet they may ask for fresh figures:
    a report run writes no record, identical runs are merged while one is running,
    and the figures are theirs to read anyway. Closing a period stays with staff.
    Chairs see no tree and build no report.
    """
    if not scope_for(user).sees_tree:
        return False
    return node is None or OrgNode.objects.visible_to(user).filter(pk=node.pk).exists()
