from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from reports import closing
from reports.management.period_command import PeriodCommand
from units.periods import PeriodClose


class Command(PeriodCommand):
    help = "Reopen a node's closed period as USERNAME would in the app (the level above only), with a reason."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--reason", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        node, user = self.target(options)
        close = PeriodClose.objects.filter(
            node=node, year=options["year"], period=options["period"], status=PeriodClose.Status.CLOSED
        ).first()
        if close is None:
            raise CommandError(_("Kỳ báo cáo này chưa được chốt."))
        with self.refusals(user, node, {closing.NotClosed: _("Phiên bản này không còn ở trạng thái đã chốt.")}):
            close = closing.close_reopen(close=close, by=user, reason=options["reason"])
        self.print_close(close)
