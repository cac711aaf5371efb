"""What ``close_period`` and ``reopen_period`` share: the node, the period and the user
they act as, and how a close is printed."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from units.models import OrgNode
from units.periods import Period, PeriodClose


class PeriodCommand(BaseCommand):
    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="the node's code")
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--period", choices=list(Period.values), default=Period.YEAR, help="year (default) or h1")
        parser.add_argument("--as-user", required=True, metavar="USERNAME", help="act with this user's permissions")

    def target(self, options: dict[str, Any]) -> tuple[OrgNode, AbstractBaseUser]:
        node = OrgNode.objects.filter(code=options["org"]).first()
        if node is None:
            raise CommandError(_("Không có nút mã «%(code)s».") % {"code": options["org"]})
        user = get_user_model().objects.filter(username=options["as_user"], is_active=True).first()
        if user is None:
            raise CommandError(_("Không có người dùng «%(name)s».") % {"name": options["as_user"]})
        return node, user

    @contextlib.contextmanager
    def refusals(self, user: AbstractBaseUser, node: OrgNode, known: dict[type[Exception], str]) -> Iterator[None]:
        """Turn the service's refusals into a non-zero exit with its Vietnamese message."""
        try:
            yield
        except PermissionDenied as exc:
            raise CommandError(
                _("Người dùng «%(name)s» không có quyền với kỳ báo cáo của %(node)s.")
                % {"name": user.get_username(), "node": node.name}
            ) from exc
        except tuple(known) as exc:
            raise CommandError(known[type(exc)]) from exc
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc

    def print_close(self, close: PeriodClose) -> None:
        self.stdout.write(
            _("%(node)s – %(period)s %(year)s – lần %(version)s: %(status)s")
            % {
                "node": close.node.name,
                "period": close.get_period_display(),
                "year": close.year,
                "version": close.version,
                "status": close.get_status_display(),
            }
        )
        if not close.result:
            return
        labels = {i["code"]: i["label"] for i in close.result["indicators"]}
        for indicator, cell in close.result["total"]["cells"].items():
            rate = "—" if cell["rate"] is None else f"{cell['rate']:.1f}%"
            figures = _(
                "phải thực hiện %(expected)s, đã thực hiện %(done)s (%(rate)s), đúng hạn %(on_time)s, "
                "đạt chất lượng %(quality)s"
            )
            self.stdout.write(f"  {labels.get(indicator, indicator)}: " + figures % {**cell, "rate": rate})
