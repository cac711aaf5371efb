"""Read one minutes file as the worker does and print what it found."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from conferences.minutes import parse
from conferences.minutes.extract import extract
from conferences.minutes.models import MinutesReading
from conferences.minutes.selectors import content_keywords
from conferences.obligations import Kind


class Command(BaseCommand):
    help = "Đọc một tệp biên bản (PDF, JPEG/PNG, DOCX) và in ngày, số người, nội dung tìm thấy."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--json", action="store_true", help="In kết quả dạng JSON.")
        parser.add_argument(
            "--kind", choices=Kind.values, help="Chỉ tìm nội dung bắt buộc của loại hồ sơ này (mặc định: mọi loại)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(_("Không tìm thấy tệp: %(path)s") % {"path": path})
        extraction = extract(path)
        findings = parse.read(extraction.text, content_keywords(options["kind"]))
        result = {
            "text": extraction.text,
            "held_on": findings.held_on.isoformat() if findings.held_on else None,
            "invited": findings.invited,
            "attended": findings.attended,
            "contents": findings.contents,
        }
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
        else:
            self.stdout.write(extraction.text)
            self.stdout.write("")
            for key in ("held_on", "invited", "attended", "contents"):
                self.stdout.write(f"{key}: {result[key]}")
        if not extraction.ok:
            why = MinutesReading.Why(extraction.failure).label
            self.stderr.write(_("Không đọc được: %(why)s") % {"why": why})
            raise SystemExit(1)
