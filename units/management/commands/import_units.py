from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from units import importing
from units.permissions import can_manage_units


class Command(BaseCommand):
    help = (
        "Import units from a CSV (UTF-8) or XLSX file: existing codes are updated, new ones created. "
        "All or nothing: one bad row and nothing is written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="path to a .csv or .xlsx file")
        parser.add_argument(
            "--as-user",
            metavar="USERNAME",
            help="only allow this staff user's subtree, and record the import under their name",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        by = None
        if username := options["as_user"]:
            by = get_user_model().objects.filter(username=username).first()
            if by is None:
                raise CommandError(f"Không có người dùng «{username}».")
            if not can_manage_units(by):
                raise CommandError(f"Người dùng «{username}» không có quyền cán bộ để nhập đơn vị.")
        try:
            table = importing.read_file(options["file"], columns=importing.UNIT_IMPORT_COLUMNS)
        except importing.ImportFileError as exc:
            raise CommandError(exc.message) from exc
        plan = importing.plan_units_import(table=table, by=by)
        if plan.errors:
            for error in plan.errors:
                self.stderr.write(f"Dòng {error.row}: {error.message}")
            raise CommandError(f"{len(plan.errors)} lỗi; chưa ghi gì.")
        try:
            result = importing.units_import(plan=plan, by=by)
        except importing.ImportConflict as exc:
            raise CommandError("Dữ liệu vừa bị thay đổi trong lúc nhập; chưa ghi gì. Hãy chạy lại.") from exc
        self.stdout.write(
            self.style.SUCCESS(f"Đã nhập: {result.created} đơn vị mới, {result.updated} đơn vị cập nhật.")
        )
