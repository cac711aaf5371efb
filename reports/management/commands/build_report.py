from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from reports import compute
from reports.activity import activity
from units.models import OrgNode


class Command(BaseCommand):
    help = "Build a completion-rate report without a broker and write it as XLSX, PDF or JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="code of the node (e.g. a district federation)")
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--format", choices=["xlsx", "pdf", "json"], required=True)
        parser.add_argument("--out", required=True, help="file to write ('-' for standard output, JSON only)")
        parser.add_argument("--by-category", action="store_true", help="add the breakdown by unit category")

    def handle(self, *args: Any, **options: Any) -> None:
        from reports.exports import pdf_bytes, xlsx_bytes

        node = OrgNode.objects.filter(code=options["org"]).first()
        if node is None:
            raise CommandError(f"Không có đơn vị mã {options['org']!r}.")
        started = time.perf_counter()
        report = compute.build(node, options["year"], by_category=options["by_category"])
        payload = compute.to_payload(report, compute.non_compliant(node, options["year"]), built_at=timezone.now())
        fmt = options["format"]
        if fmt == "json":
            exported = {**compute.json_export(payload), "activity": activity(node, options["year"])}
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
