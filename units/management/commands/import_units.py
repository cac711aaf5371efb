from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from units import importing
from units.importing.command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import units from a CSV (UTF-8) or XLSX file: existing codes are updated, new ones created. "
        "All or nothing: one bad row and nothing is written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--no-accounts",
            action="store_true",
            help="do not create accounts for the chairs (by default: every chair with an e-mail or phone and none yet)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        by = self.importer(options)
        plan = importing.plan_units_import(table=self.read(options["file"], importing.UNIT_IMPORT_COLUMNS), by=by)
        self.stop_on_errors(plan.errors)
        plan.create_accounts = not options["no_accounts"]
        try:
            result = importing.units_import(plan=plan, by=by)
        except importing.ImportConflict as exc:
            raise CommandError("Dữ liệu vừa bị thay đổi trong lúc nhập; chưa ghi gì. Hãy chạy lại.") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Đã nhập: {result.created} đơn vị mới, {result.updated} đơn vị cập nhật, "
                f"{result.accounts} tài khoản chủ tịch CĐCS mới."
            )
        )
