from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reports import compute, grid, services
from reports.activity import activity
from units.models import OrgNode
from units.periods import Period


class Command(BaseCommand):
    help = "Build a completion-rate report without a broker and write it as XLSX, PDF or JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="code of the node (e.g. a district federation)")
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--format", choices=["xlsx", "pdf", "json"], required=True)
        parser.add_argument("--out", required=True, help="file to write ('-' for standard output, JSON only)")
        parser.add_argument("--period", choices=list(Period.values), default=Period.YEAR, help="year (default) or h1")
        parser.add_argument("--by-category", action="store_true", help="add the breakdown by unit category")
        parser.add_argument(
            "--by-unit", action="store_true", help="JSON only: add the per-unit list (one object per unit × indicator)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from reports.exports import pdf_bytes, xlsx_bytes

        node = OrgNode.objects.filter(code=options["org"]).first()
        if node is None:
            raise CommandError(f"Không có đơn vị mã {options['org']!r}.")
        started = time.perf_counter()
        # The same figures and statuses as the page and the job: closed children (and a
        # closed node) read from their closed versions.
        payload = services.report_payload(node, options["year"], options["period"], by_category=options["by_category"])
        fmt = options["format"]
        if options["by_unit"] and fmt != "json":
            raise CommandError("--by-unit chỉ dùng với định dạng JSON.")
        if fmt == "json":
            exported = {**compute.json_export(payload), "activity": activity(node, options["year"], options["period"])}
            if options["by_unit"]:
                exported["units"] = grid.units_payload(
                    grid.GridQuery(node=node, year=options["year"], period=options["period"])
                )
            data = json.dumps(exported, ensure_ascii=False, indent=2).encode()
        elif fmt == "xlsx":
            data = xlsx_bytes(payload)
        else:
            data = pdf_bytes(payload)
        if options["out"] == "-":
            if fmt != "json":
                raise CommandError("Chỉ định dạng JSON mới ghi ra màn hình được.")
            self.stdout.write(data.decode())
            return
        Path(options["out"]).write_bytes(data)
        self.stderr.write(f"{node.code} {options['year']}: {options['out']} ({len(data)} byte, "
                          f"{time.perf_counter() - started:.2f} s)")  # fmt: skip
