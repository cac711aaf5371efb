"""Changing the tree over time: transfer a unit, move a node, merge a node into another.

Each change has an effective date and only adds history rows (``UnitTransfer``,
``NodePathChange``); the current tree is updated for today's queries, and reports of any
earlier day read the history back (``units.history``). A change is refused when it would
alter figures already closed: a closed period that ends on or after the effective date,
of a node whose figures the change touches, must be reopened first.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from units.models import NodePathChange, OrgNode, Unit, UnitTransfer
from units.paths import ancestry, depth_change, parent_path
from units.periods import refuse_if_closed
from units.permissions import can_manage_node
from units.signals import announce

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    Actor = AbstractBaseUser | AnonymousUser


def _check_actor(by: Actor | None, *nodes: OrgNode) -> None:
    if by is not None and not all(can_manage_node(by, n) for n in nodes):
        raise PermissionDenied


def _not_in_future(effective_on: datetime.date) -> None:
    if effective_on > timezone.localdate():
        raise ValidationError(
            _("Ngày hiệu lực %(day)s chưa đến; hãy ghi nhận thay đổi khi nó đã có hiệu lực.")
            % {"day": effective_on.strftime("%d/%m/%Y")}
        )


def check_transfer(unit: Unit, from_node: OrgNode, to_node: OrgNode, effective_on: datetime.date) -> None:
    """Refuse a transfer that would rewrite the unit's recorded past or closed figures."""
    _not_in_future(effective_on)
    if to_node.pk == from_node.pk:
        raise ValidationError(_("Đơn vị đã thuộc %(node)s.") % {"node": to_node.name})
    if to_node.has_ended(effective_on):
        raise ValidationError(to_node.ended_message())
    last = unit.transfers.order_by("-effective_on").first()
    if last is not None and effective_on < last.effective_on:
        raise ValidationError(
            _("Ngày hiệu lực không thể trước lần chuyển trước (%(day)s).")
            % {"day": last.effective_on.strftime("%d/%m/%Y")}
        )
    refuse_if_closed(ancestry(from_node.path, to_node.path), effective_on)


@transaction.atomic
def unit_transfer(*, unit: Unit, to_node: OrgNode, effective_on: datetime.date, by: Actor | None) -> UnitTransfer:
    """Move ``unit`` to ``to_node`` from ``effective_on``; its past stays with the old node."""
    unit = Unit.objects.select_for_update().select_related("node").get(pk=unit.pk)
    _check_actor(by, unit.node, to_node)
    check_transfer(unit, unit.node, to_node, effective_on)
    transfer = UnitTransfer.objects.create(
        unit=unit,
        from_node=unit.node,
        to_node=to_node,
        effective_on=effective_on,
        created_by=by if by is not None and by.is_authenticated else None,
    )
    Unit.objects.filter(pk=unit.pk).update(node=to_node, version=F("version") + 1)
    announce(Unit.objects.filter(pk=unit.pk), since=effective_on)
    return transfer


def _subtree_moves(node: OrgNode, new_prefix: str, effective_on: datetime.date) -> list[OrgNode]:
    """Rewrite the current paths of ``node`` and everything under it to start with
    ``new_prefix``, recording each old path. Returns the moved nodes."""
    old_prefix = node.path
    subtree = list(OrgNode.objects.filter(path__startswith=old_prefix).select_for_update())
    moved_down = depth_change(old_prefix, new_prefix)
    NodePathChange.objects.bulk_create(
        NodePathChange(
            node=n, old_path=n.path, new_path=new_prefix + n.path[len(old_prefix) :], effective_on=effective_on
        )
        for n in subtree
    )
    for n in subtree:
        n.path = new_prefix + n.path[len(old_prefix) :]
        n.depth += moved_down
    # No new path can equal another node's old one: each path ends with its node's id.
    OrgNode.objects.bulk_update(subtree, ["path", "depth"], batch_size=1000)
    return subtree


def check_move(node: OrgNode, new_parent_path: str, effective_on: datetime.date) -> None:
    """Refuse a move into the node's own subtree, before its last change, or one that would
    alter closed figures. ``new_parent_path`` is the new parent's path (or, for a parent
    not created yet, that of its nearest existing ancestor)."""
    if new_parent_path.startswith(node.path):
        raise ValidationError(_("Không thể chuyển một nút vào chính nó hoặc nút cấp dưới của nó."))
    _not_in_future(effective_on)
    last = node.path_changes.order_by("-effective_on").first()
    if last is not None and effective_on < last.effective_on:
        raise ValidationError(
            _("Ngày hiệu lực không thể trước lần thay đổi trước (%(day)s).")
            % {"day": last.effective_on.strftime("%d/%m/%Y")}
        )
    old_parent_path = parent_path(node.path)
    refuse_if_closed(ancestry(old_parent_path, new_parent_path), effective_on)


@transaction.atomic
def node_move(*, node: OrgNode, new_parent: OrgNode, effective_on: datetime.date, by: Actor | None) -> OrgNode:
    """Put ``node`` (and everything under it) under ``new_parent`` from ``effective_on``."""
    node = OrgNode.objects.select_for_update().get(pk=node.pk)
    # Re-read: an earlier move in the same import may have changed the parent's path.
    new_parent = OrgNode.objects.select_for_update().get(pk=new_parent.pk)
    _check_actor(by, node, new_parent)
    if node.parent_id == new_parent.pk:
        raise ValidationError(_("%(node)s đã thuộc %(parent)s.") % {"node": node.name, "parent": new_parent.name})
    if new_parent.has_ended(effective_on):
        raise ValidationError(new_parent.ended_message())
    check_move(node, new_parent.path, effective_on)
    new_path = OrgNode.path_for(parent_path=new_parent.path, pk=node.pk)
    _subtree_moves(node, new_path, effective_on)
    OrgNode.objects.filter(pk=node.pk).update(parent=new_parent)
    announce(Unit.objects.filter(node__path__startswith=new_path), since=effective_on)
    node.refresh_from_db()
    return node


@transaction.atomic
def node_merge(*, node: OrgNode, into: OrgNode, effective_on: datetime.date, by: Actor | None) -> OrgNode:
    """Merge ``node`` into ``into`` from ``effective_on``: its units are transferred, its
    child nodes moved, and the node itself ends (kept, with its past, for past reports)."""
    node = OrgNode.objects.select_for_update().get(pk=node.pk)
    _check_actor(by, node, into)
    if node.pk == into.pk or into.path.startswith(node.path):
        raise ValidationError(_("Không thể hợp nhất một nút vào chính nó hoặc nút cấp dưới của nó."))
    if node.ended_on is not None:
        raise ValidationError(_("%(node)s đã ngừng hoạt động.") % {"node": node.name})
    if into.has_ended(effective_on):
        raise ValidationError(into.ended_message())
    _not_in_future(effective_on)
    refuse_if_closed(ancestry(node.path, into.path), effective_on)
    units = list(Unit.objects.filter(node=node).select_for_update().values_list("pk", flat=True))
    later = UnitTransfer.objects.filter(
        Q(unit_id__in=units, effective_on__gte=effective_on) | Q(from_node=node, effective_on__gt=effective_on)
    ).exists()
    if later:
        raise ValidationError(_("Có đơn vị đã được chuyển sau ngày hiệu lực này; hãy chọn ngày muộn hơn."))
    actor = by if by is not None and by.is_authenticated else None
    UnitTransfer.objects.bulk_create(
        (
            UnitTransfer(unit_id=u, from_node=node, to_node=into, effective_on=effective_on, created_by=actor)
            for u in units
        ),
        batch_size=5000,
    )
    Unit.objects.filter(pk__in=units).update(node=into, version=F("version") + 1)
    announce(Unit.objects.filter(pk__in=units), since=effective_on)
    for child in OrgNode.objects.filter(parent=node):
        node_move(node=child, new_parent=into, effective_on=effective_on, by=None)
    OrgNode.objects.filter(pk=node.pk).update(ended_on=effective_on, merged_into=into)
    node.refresh_from_db()
    return node
