from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from units import importing
from units.importing.command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import units from a CSV (UTF-8) or XLSX file: existing codes are updated, new ones created. "
        "All or nothing: one bad row and nothing is written."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        by = self.importer(options)
        plan = importing.plan_units_import(table=self.read(options["file"], importing.UNIT_IMPORT_COLUMNS), by=by)
        self.stop_on_errors(plan.errors)
        try:
            result = importing.units_import(plan=plan, by=by)
        except importing.ImportConflict as exc:
            raise CommandError("Dữ liệu vừa bị thay đổi trong lúc nhập; chưa ghi gì. Hãy chạy lại.") from exc
        self.stdout.write(
            self.style.SUCCESS(f"Đã nhập: {result.created} đơn vị mới, {result.updated} đơn vị cập nhật.")
        )
