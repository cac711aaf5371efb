from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from units import importing


class Command(BaseCommand):
    help = (
        "Import the organisation tree from a CSV (UTF-8) or XLSX file with columns code,name,parent_code "
        "and optionally valid_from (a new parent for an existing node takes effect that day). "
        "All or nothing: one bad row and nothing is written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="path to a .csv or .xlsx file")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            table = importing.read_file(options["file"], columns=importing.ORG_IMPORT_COLUMNS)
        except importing.ImportFileError as exc:
            raise CommandError(exc.message) from exc
        plan = importing.plan_org_import(table=table)
        if plan.errors:
            for error in plan.errors:
                self.stderr.write(f"Dòng {error.row}: {error.message}")
            raise CommandError(f"{len(plan.errors)} lỗi; chưa ghi gì.")
        try:
            result = importing.org_import(plan=plan)
        except importing.ImportConflict as exc:
            raise CommandError("Dữ liệu vừa bị thay đổi trong lúc nhập; chưa ghi gì. Hãy chạy lại.") from exc
        self.stdout.write(self.style.SUCCESS(f"Đã nhập: {result.created} nút mới, {result.updated} nút cập nhật."))
