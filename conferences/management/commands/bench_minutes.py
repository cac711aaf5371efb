"""Measure reading the minutes on generated files with known answers.

Generates Vietnamese minutes (text PDFs, phone photos with rotation, noise, blur and
JPEG compression, scanned PDFs), reads each as the worker does, and prints the share of
correct answers per field and the time per page, per kind of file and in total.
"""

from __future__ import annotations

import random
import statistics
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from conferences.minutes import parse, samples
from conferences.minutes.extract import extract
from conferences.minutes.selectors import content_keywords

FORMATS = ("text_pdf", "photo_jpeg", "scan_pdf")
KINDS = tuple(samples.SENTENCES)


@dataclass
class Tally:
    files: int = 0
    date: int = 0
    invited: int = 0
    attended: int = 0
    items: int = 0
    items_right: int = 0
    exact_contents: int = 0
    failed: int = 0
    page_seconds: list[float] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        for name in ("files", "date", "invited", "attended", "items", "items_right", "exact_contents", "failed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.page_seconds += other.page_seconds


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f}%" if whole else "    —"


class Command(BaseCommand):
    help = "Đo độ chính xác và thời gian đọc biên bản trên bộ biên bản sinh tự động."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=36, help="Số biên bản (mặc định 36, tối thiểu 30).")
        parser.add_argument("--seed", type=int, default=16)

    def handle(self, *args: Any, **options: Any) -> None:
        rng = random.Random(options["seed"])
        count = max(30, options["count"])
        keywords = {kind: content_keywords(kind) for kind in KINDS}
        tallies = {f: Tally() for f in FORMATS}
        with tempfile.TemporaryDirectory(prefix="qcdc-bench-") as tmp:
            for number in range(count):
                fmt = FORMATS[number % len(FORMATS)]
                sample = samples.generate(rng, KINDS[number % len(KINDS)])
                path = Path(tmp) / f"{number:03d}.{'jpg' if fmt == 'photo_jpeg' else 'pdf'}"
                if fmt == "text_pdf":
                    path.write_bytes(samples.render_pdf(sample.text))
                elif fmt == "photo_jpeg":
                    path.write_bytes(samples.photograph(samples.render_page(sample.text), rng))
                else:
                    path.write_bytes(samples.scanned_pdf([samples.scan(samples.render_page(sample.text), rng)]))
                self._score(tallies[fmt], sample, path, keywords[sample.kind])
        self._print(tallies)

    def _score(self, tally: Tally, sample: samples.Sample, path: Path, keywords: dict[str, list[str]]) -> None:
        extraction = extract(path)
        tally.files += 1
        if extraction.pages:
            tally.page_seconds.append(extraction.seconds / extraction.pages)
        if not extraction.ok:
            tally.failed += 1
            tally.items += len(keywords)
            return
        found = parse.read(extraction.text, keywords)
        tally.date += found.held_on == sample.held_on
        tally.invited += found.invited == sample.invited
        tally.attended += found.attended == sample.attended
        truth = set(sample.contents)
        tally.items += len(keywords)
        tally.items_right += sum((code in found.contents) == (code in truth) for code in keywords)
        tally.exact_contents += set(found.contents) == truth

    def _print(self, tallies: dict[str, Tally]) -> None:
        total = Tally()
        columns = ["files", "n", "date", "invited", "attended", "contents (items)", "contents (exact)"]
        columns += ["unreadable", "s/page (median, max)"]
        self.stdout.write("| " + " | ".join(columns) + " |")
        self.stdout.write("| --- " * len(columns) + "|")
        for name, tally in [*tallies.items(), ("all", total)]:
            if name != "all":
                total.add(tally)
            times = tally.page_seconds or [0.0]
            cells = [name, str(tally.files)]
            cells += [_percent(n, tally.files) for n in (tally.date, tally.invited, tally.attended)]
            cells += [_percent(tally.items_right, tally.items), _percent(tally.exact_contents, tally.files)]
            cells += [str(tally.failed), f"{statistics.median(times):.2f}, {max(times):.2f}"]
            self.stdout.write("| " + " | ".join(cells) + " |")
