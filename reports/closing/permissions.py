"""Who may close, read and reopen a node's period, and which close above holds it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from units.models import OrgNode
from units.paths import ancestry, parent_path
from units.periods import PeriodClose, tree_for
from units.permissions import can_manage_node, scope_for

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    Actor = AbstractBaseUser | AnonymousUser


class AlreadyClosed(Exception):
    """The period is closed for this node; only the level above can reopen it."""


class NotClosed(Exception):
    """Only a closed version can be reopened."""


# Who may ------------------------------------------------------------------------------


def can_close(user: Actor, node: OrgNode) -> bool:
    """Staff of the node (or of a node above it) close its period."""
    return can_manage_node(user, node)


def can_read(user: Actor, close: PeriodClose) -> bool:
    """Staff and leaders of the close's node or above, where the node is now or where it
    sat on the period's last day; admins always."""
    scope = scope_for(user)
    if scope.is_admin:
        return True
    paths = {close.node.path, tree_for(close.year, close.period).path_of(close.node)}
    return any(path.startswith(p) for path in paths for p in scope.node_paths)


def can_reopen(user: Actor, close: PeriodClose) -> bool:
    """Only the level above: staff of the parent's subtree (admins for the root)."""
    scope = scope_for(user)
    if scope.is_admin:
        return True
    node_path = tree_for(close.year, close.period).path_of(close.node)
    above = parent_path(node_path)
    return bool(above) and any(above.startswith(p) for p in scope.staff_paths)


def held_above(close: PeriodClose) -> PeriodClose | None:
    """A close of a node above ``close.node`` that holds the same period: reopening below
    it would change nothing, since that close froze the same records."""
    node_path = tree_for(close.year, close.period).path_of(close.node)
    return (
        PeriodClose.objects.filter(
            node_id__in=ancestry(node_path) - {close.node_id},
            year=close.year,
            period=close.period,
            status__in=PeriodClose.HOLDING,
        )
        .select_related("node")
        .first()
    )
