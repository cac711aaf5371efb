from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from conferences.importing import EVENT_IMPORT_COLUMNS, events_import, plan_events_import
from units.importing.tables import ImportFileError, read_file
from units.permissions import can_manage_units


class Command(BaseCommand):
    help = (
        "Import historical records (conferences, dialogues, regulations, inspection boards) from a CSV (UTF-8) "
        "or XLSX file with columns unit_code,kind,date,invited,attended,status. All or nothing: one bad row and "
        "nothing is written. Rows already in the database (same unit, kind and date) are skipped."
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
                raise CommandError(_("Không có người dùng «%(name)s».") % {"name": username})
            if not can_manage_units(by):
                raise CommandError(_("Người dùng «%(name)s» không có quyền cán bộ để nhập hồ sơ.") % {"name": username})
        path: Path = options["file"]
        try:
            table = read_file(path, columns=EVENT_IMPORT_COLUMNS)
        except ImportFileError as exc:
            raise CommandError(exc.message) from exc
        plan = plan_events_import(table=table, by=by)
        if plan.errors:
            for error in plan.errors:
                self.stderr.write(_("Dòng %(row)s: %(message)s") % {"row": error.row, "message": error.message})
            raise CommandError(_("%(n)s lỗi; chưa ghi gì.") % {"n": len(plan.errors)})
        result = events_import(plan=plan, by=by, file_name=path.name)
        self.stdout.write(
            self.style.SUCCESS(
                _("Đã nhập %(created)s hồ sơ; %(skipped)s hồ sơ đã có.")
                % {"created": result.created, "skipped": result.skipped}
            )
        )
