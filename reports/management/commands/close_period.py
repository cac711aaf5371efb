from __future__ import annotations

import time
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from qcdc.celery import app
from reports import closing
from reports.management.period_command import PeriodCommand
from units.periods import PeriodClose


class Command(PeriodCommand):
    help = (
        "Close a node's period as USERNAME would in the app (same permissions and checks), build it in this "
        "process without a broker, wait for it and print its version, status and figures."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--wait", type=int, default=3600, help="seconds to wait for a close already running")

    def handle(self, *args: Any, **options: Any) -> None:
        node, user = self.target(options)
        eager = app.conf.task_always_eager
        app.conf.task_always_eager = True  # the build (and its files) run here, now
        already = _("Kỳ báo cáo này đã được chốt; chỉ cấp trên mới mở lại được.")
        try:
            with self.refusals(user, node, {closing.AlreadyClosed: already}):
                close, _created = closing.close_request(
                    node=node, year=options["year"], period=options["period"], by=user
                )
        finally:
            app.conf.task_always_eager = eager
        deadline = time.monotonic() + options["wait"]
        close.refresh_from_db()
        while close.is_active and time.monotonic() < deadline:  # another process is building it
            time.sleep(2)
            close.refresh_from_db()
        self.print_close(close)
        if close.status != PeriodClose.Status.CLOSED:
            raise CommandError(close.error or _("Chưa chốt xong."))
