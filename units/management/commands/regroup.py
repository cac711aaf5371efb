"""Regroup the tree from the command line, each change from an effective date:

    python manage.py regroup transfer --unit A001 --to Y --on 2025-07-01
    python manage.py regroup move --node X --parent Q --on 2025-07-01
    python manage.py regroup merge --node Z --into Y --on 2025-07-01

The same services (and refusals) as everywhere else: history is added, never rewritten,
and a change that would alter closed figures is refused until they are reopened.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from units import regrouping
from units.models import OrgNode, Unit


def _day(value: str) -> datetime.date:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise CommandError(f"Ngày «{value}» không hợp lệ; hãy ghi YYYY-MM-DD hoặc dd/mm/yyyy.")


def _node(code: str) -> OrgNode:
    try:
        return OrgNode.objects.get(code=code)
    except OrgNode.DoesNotExist as exc:
        raise CommandError(f"Không có nút mã «{code}».") from exc


class Command(BaseCommand):
    help = "Transfer a unit, move a node or merge a node into another, from an effective date."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        transfer = actions.add_parser("transfer", help="move a unit to another node")
        transfer.add_argument("--unit", required=True, help="the unit's code")
        transfer.add_argument("--to", required=True, help="the receiving node's code")
        move = actions.add_parser("move", help="put a node (and its subtree) under another parent")
        move.add_argument("--node", required=True)
        move.add_argument("--parent", required=True)
        merge = actions.add_parser("merge", help="merge a node into another (its units and children follow)")
        merge.add_argument("--node", required=True)
        merge.add_argument("--into", required=True)
        for sub in (transfer, move, merge):
            sub.add_argument("--on", required=True, type=_day, help="effective date (YYYY-MM-DD or dd/mm/yyyy)")

    def handle(self, *args: Any, **options: Any) -> None:
        day = options["on"]
        try:
            if options["action"] == "transfer":
                try:
                    unit = Unit.objects.select_related("node").get(code=options["unit"])
                except Unit.DoesNotExist as exc:
                    raise CommandError(f"Không có đơn vị mã «{options['unit']}».") from exc
                regrouping.unit_transfer(unit=unit, to_node=_node(options["to"]), effective_on=day, by=None)
                done = f"Đã chuyển {unit.code} sang {options['to']} từ {day:%d/%m/%Y}."
            elif options["action"] == "move":
                node = regrouping.node_move(
                    node=_node(options["node"]), new_parent=_node(options["parent"]), effective_on=day, by=None
                )
                done = f"Đã chuyển {node.code} về dưới {options['parent']} từ {day:%d/%m/%Y}."
            else:
                node = regrouping.node_merge(
                    node=_node(options["node"]), into=_node(options["into"]), effective_on=day, by=None
                )
                done = f"Đã hợp nhất {node.code} vào {options['into']} từ {day:%d/%m/%Y}."
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(done))
