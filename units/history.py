"""The tree as it stood on a given day, and each unit's category then.

Moves, merges, transfers and category changes only add rows (``NodePathChange``,
``UnitTransfer``, ``UnitCategoryChange``); the current tree is on ``OrgNode.path`` and
``Unit.node``, the current category on ``Unit.category``. Reading the past means: a unit
belonged on day D to the ``from_node`` of its first transfer after D (else to its current
node), a node sat on day D at the ``old_path`` of its first path change after D (else at
its current path), and a unit was on day D of the ``old_category`` of its first category
change after D (else of its current category: ``units.categories``).

When nothing changed after D (the usual case: this year's reports), the current tree is
the answer and every query stays a plain indexed prefix search. Otherwise the units are
narrowed to those that could have been under the node on D (currently under it, or
transferred, or under a node that moved since) before their path on D is computed.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import BigIntegerField, F, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from units.models import NodePathChange, OrgNode, Unit, UnitCategoryChange, UnitTransfer
from units.paths import child_path_length

# The tables of dated changes: what moved the tree, and what changed a unit's category.
_CHANGES = {"transfer": UnitTransfer, "move": NodePathChange, "category": UnitCategoryChange}


def last_changes() -> dict[str, datetime.date | None]:
    """The latest effective day of each kind of change (``_CHANGES``), in one statement:
    a MAX over each table's index on ``effective_on``."""
    parts = [
        model.objects.order_by().annotate(kind=Value(kind)).values("kind").annotate(last=Max("effective_on"))
        for kind, model in _CHANGES.items()
    ]
    found = dict(parts[0].union(*parts[1:], all=True).values_list("kind", "last"))
    return {kind: found.get(kind) for kind in _CHANGES}


@dataclass
class TreeAsOf:
    day: datetime.date
    _paths: dict[int, str] = field(default_factory=dict)
    _children: dict[int, list[tuple[OrgNode, str]]] = field(default_factory=dict)
    # Today's children of a node, shared by trees of days after which nothing moved.
    _current_children: dict[int, list[OrgNode]] = field(default_factory=dict)

    @cached_property
    def _last(self) -> dict[str, datetime.date | None]:
        return last_changes()

    @cached_property
    def changed(self) -> bool:
        """Whether anything moved after ``day`` (one statement, shared with ``recategorised``)."""
        return any(self._after(kind) for kind in ("transfer", "move"))

    @cached_property
    def recategorised(self) -> bool:
        """Whether a unit's category changed after ``day``."""
        return self._after("category")

    def _after(self, kind: str) -> bool:
        last = self._last[kind]
        return last is not None and last > self.day

    def _old_paths(self, node_ids: list[int]) -> dict[int, str]:
        """Each node's path on ``day`` where it differs from today's (one query)."""
        found: dict[int, str] = {}
        for node_id, old_path in (
            NodePathChange.objects.filter(node_id__in=node_ids, effective_on__gt=self.day)
            .order_by("node_id", "effective_on", "pk")
            .values_list("node_id", "old_path")
        ):
            found.setdefault(node_id, old_path)
        return found

    def path_of(self, node: OrgNode) -> str:
        return self.paths_of([node])[node.pk]

    def paths_of(self, nodes: list[OrgNode]) -> dict[int, str]:
        """Each node's path on ``day``: at most one query, whatever the number of nodes."""
        if not self.changed:
            return {n.pk: n.path for n in nodes}
        unknown = [n.pk for n in nodes if n.pk not in self._paths]
        if unknown:
            old = self._old_paths(unknown)
            self._paths |= {n.pk: old.get(n.pk, n.path) for n in nodes if n.pk in unknown}
        return {n.pk: self._paths[n.pk] for n in nodes}

    def unit_path(self, unit: Unit) -> str:
        """The path of the node that held ``unit`` on ``day``."""
        if not self.changed:
            return unit.node.path
        transfer = (
            UnitTransfer.objects.filter(unit=unit, effective_on__gt=self.day)
            .select_related("from_node")
            .order_by("effective_on", "pk")
            .first()
        )
        return self.path_of(transfer.from_node if transfer is not None else unit.node)

    def existed(self, node: OrgNode) -> bool:
        return (node.started_on is None or node.started_on <= self.day) and (
            node.ended_on is None or node.ended_on > self.day
        )

    def children(self, node: OrgNode) -> list[tuple[OrgNode, str]]:
        """The nodes directly under ``node`` on ``day`` with their path then, by code.

        Includes nodes merged away since and nodes moved elsewhere since; excludes nodes
        that did not exist yet, or had already ended, on ``day``. Remembered per node.
        """
        if node.pk in self._children:
            return self._children[node.pk]
        parent_path = self.path_of(node)
        if not self.changed:
            if node.pk not in self._current_children:
                self._current_children[node.pk] = list(OrgNode.objects.filter(parent=node))
            placed = [(n, n.path) for n in self._current_children[node.pk]]
        else:
            moved = NodePathChange.objects.filter(effective_on__gt=self.day).values("node_id")
            candidates = list(OrgNode.objects.filter(Q(parent=node) | Q(pk__in=moved)))
            old = self._old_paths([n.pk for n in candidates])
            placed = [(n, old.get(n.pk, n.path)) for n in candidates]
        width = child_path_length(parent_path)
        self._children[node.pk] = sorted(
            ((n, p) for n, p in placed if len(p) == width and p.startswith(parent_path) and self.existed(n)),
            key=lambda item: item[0].code,
        )
        return self._children[node.pk]

    def units_under(self, node: OrgNode | None, *, exclude_paths: list[str] | tuple[str, ...] = ()) -> QuerySet[Unit]:
        """Units under ``node`` on ``day`` (all units for None), annotated with
        ``hist_node_id``, ``hist_path`` and ``hist_category``: their node, its path, and
        their category, on that day."""
        from units.categories import category_then  # it reads the tree through this module

        category = category_then(self.day) if self.recategorised else F("category")
        if not self.changed:
            units = Unit.objects.all() if node is None else Unit.objects.under(node)
            units = units.annotate(hist_node_id=F("node_id"), hist_path=F("node__path"), hist_category=category)
            for path in exclude_paths:
                units = units.exclude(node__path__startswith=path)
            return units
        transfers = UnitTransfer.objects.filter(unit=OuterRef("pk"), effective_on__gt=self.day).order_by(
            "effective_on", "pk"
        )
        units = Unit.objects.all()
        if node is not None:
            units = units.filter(
                Q(node__path__startswith=node.path)
                | Q(pk__in=UnitTransfer.objects.filter(effective_on__gt=self.day).values("unit_id"))
                | Q(node__in=NodePathChange.objects.filter(effective_on__gt=self.day).values("node_id"))
            )
        units = units.annotate(
            hist_node_id=Coalesce(
                Subquery(transfers.values("from_node_id")[:1]), F("node_id"), output_field=BigIntegerField()
            )
        )
        old_path = NodePathChange.objects.filter(node=OuterRef("hist_node_id"), effective_on__gt=self.day).order_by(
            "effective_on", "pk"
        )
        current_path = OrgNode.objects.filter(pk=OuterRef("hist_node_id")).values("path")[:1]
        units = units.annotate(
            hist_path=Coalesce(Subquery(old_path.values("old_path")[:1]), Subquery(current_path)),
            hist_category=category,
        )
        if node is not None:
            units = units.filter(hist_path__startswith=self.path_of(node))
        for path in exclude_paths:
            units = units.exclude(hist_path__startswith=path)
        return units


def trees_as_of(days: list[datetime.date]) -> dict[datetime.date, TreeAsOf]:
    """The tree on each of ``days``, knowing in one query (not one per day) whether
    anything moved, or a category changed, after each of them; trees of days after which
    nothing moved share what they read of today's tree."""
    last = last_changes()
    shared: dict[int, list[OrgNode]] = {}
    trees = {}
    for day in days:
        tree = TreeAsOf(day, _current_children=shared)
        tree.__dict__["_last"] = last  # fills the cached property
        trees[day] = tree
    return trees
