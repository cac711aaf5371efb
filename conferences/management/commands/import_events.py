from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from conferences.importing import EVENT_IMPORT_COLUMNS, events_import, plan_events_import
from units.importing.command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import historical records (conferences, dialogues, regulations, inspection boards) from a CSV (UTF-8) "
        "or XLSX file with columns unit_code,kind,date,invited,attended,status. All or nothing: one bad row and "
        "nothing is written. Rows already in the database (same unit, kind and date) are skipped."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        by = self.importer(options)
        path = options["file"]
        plan = plan_events_import(table=self.read(path, EVENT_IMPORT_COLUMNS), by=by)
        self.stop_on_errors(plan.errors)
        result = events_import(plan=plan, by=by, file_name=path.name)
        self.stdout.write(
            self.style.SUCCESS(
                _("Đã nhập %(created)s hồ sơ; %(skipped)s hồ sơ đã có.")
                % {"created": result.created, "skipped": result.skipped}
            )
        )
