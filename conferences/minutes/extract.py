"""Text out of a minutes file: the PDF's own text layer, DOCX text, or OCR (Tesseract, Vietnamese).

Every external program runs with a wall-clock timeout and an address-space limit, and
OCR stops at a page cap, so a hostile or huge file ends as "unreadable" with a reason
instead of holding a worker. Nothing here touches the database.
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import tempfile
import time
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from defusedxml import ElementTree
from django.conf import settings

PDF_MAGIC = b"%PDF-"
JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ZIP_MAGIC = b"PK\x03\x04"

W_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
DOCX_XML_MAX_BYTES = 20 * 1024 * 1024
DOCX_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
# A text layer with fewer letters than this per page is a scan with a stray header.
MIN_LETTERS_PER_PAGE = 40
OCR_DPI = 200


class Method:
    TEXT_LAYER = "text_layer"
    DOCX = "docx"
    OCR = "ocr"


class Failure:
    CORRUPT = "corrupt"
    ENCRYPTED = "encrypted"
    NO_TEXT = "no_text"
    TOO_MANY_PAGES = "too_many_pages"
    TIMEOUT = "timeout"
    UNSUPPORTED = "unsupported"
    UNAVAILABLE = "unavailable"


class Unreadable(Exception):
    def __init__(self, failure: str, pages: int = 0) -> None:
        super().__init__(failure)
        self.failure = failure
        self.pages = pages


@dataclass
class Extraction:
    text: str = ""
    method: str = ""
    pages: int = 0
    failure: str = ""
    seconds: float = 0.0
    ocr_pages: list[float] = field(default_factory=list)  # seconds per OCR'd page

    @property
    def ok(self) -> bool:
        return not self.failure


@dataclass
class Limits:
    """How much one file may cost; defaults from settings (MINUTES_OCR_*)."""

    max_pages: int = 0
    page_seconds: float = 0
    total_seconds: float = 0
    memory_mb: int = 0

    def __post_init__(self) -> None:
        self.max_pages = self.max_pages or settings.MINUTES_OCR_MAX_PAGES
        self.page_seconds = self.page_seconds or settings.MINUTES_OCR_PAGE_SECONDS
        self.total_seconds = self.total_seconds or settings.MINUTES_OCR_TOTAL_SECONDS
        self.memory_mb = self.memory_mb or settings.MINUTES_OCR_MEMORY_MB


def _run(args: list[str], *, timeout: float, memory_mb: int) -> subprocess.CompletedProcess[bytes]:
    """Run a helper program with a timeout and an address-space cap; TimeoutExpired on overrun."""
    limit = memory_mb * 1024 * 1024

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    # One OCR thread per process: the worker's concurrency is the parallelism.
    env = {**os.environ, "OMP_THREAD_LIMIT": "1", "LC_ALL": "C.UTF-8"}
    try:
        return subprocess.run(  # noqa: S603 (fixed programs, arguments are paths we made)
            args,
            capture_output=True,
            timeout=max(timeout, 0.05),
            preexec_fn=cap,
            env=env,
            cwd=settings.BASE_DIR,  # where ``python -m conferences.minutes.prepare`` is found
            check=False,
        )
    except FileNotFoundError as exc:  # poppler-utils or tesseract-ocr not installed
        raise Unreadable(Failure.UNAVAILABLE) from exc


def normalise(text: str) -> str:
    """NFC, no control characters except newlines, no trailing spaces, at most two blank lines."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\f", "\n")
    text = "".join(ch for ch in text if ch in "\n\t" or ch.isprintable())
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _letters(text: str) -> int:
    return sum(1 for ch in text if ch.isalpha())


# --- OCR ------------------------------------------------------------------------------------


class _Budget:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.deadline = time.monotonic() + limits.total_seconds

    def page_timeout(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise Unreadable(Failure.TIMEOUT)
        return min(self.limits.page_seconds, left)


def _ocr_image(path: Path, budget: _Budget, result: Extraction) -> str:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="qcdc-ocr-") as tmp:
        prepared = Path(tmp) / "page.png"
        try:
            cleaned = _run(
                [sys.executable, "-m", "conferences.minutes.prepare", str(path), str(prepared)],
                timeout=budget.page_timeout(),
                memory_mb=budget.limits.memory_mb,
            )
        except subprocess.TimeoutExpired as exc:
            raise Unreadable(Failure.TIMEOUT) from exc
        if cleaned.returncode != 0:
            raise Unreadable(Failure.CORRUPT)
        try:
            command = ["tesseract", str(prepared), "stdout", "-l", settings.MINUTES_OCR_LANG]
            done = _run(
                [*command, "--psm", settings.MINUTES_OCR_PSM],
                timeout=budget.page_timeout(),
                memory_mb=budget.limits.memory_mb,
            )
        except subprocess.TimeoutExpired as exc:
            raise Unreadable(Failure.TIMEOUT) from exc
    result.ocr_pages.append(time.monotonic() - started)
    if done.returncode != 0:
        raise Unreadable(Failure.CORRUPT)
    return done.stdout.decode("utf-8", "replace")


def _ocr_images(paths: list[Path], limits: Limits, result: Extraction) -> None:
    if len(paths) > limits.max_pages:
        raise Unreadable(Failure.TOO_MANY_PAGES, pages=len(paths))
    budget = _Budget(limits)
    result.text = normalise("\n\n".join(_ocr_image(p, budget, result) for p in paths))
    result.method = Method.OCR
    result.pages = len(paths)


# --- PDF ------------------------------------------------------------------------------------


def _pdf_pages(path: Path, limits: Limits) -> int:
    try:
        done = _run(["pdfinfo", str(path)], timeout=limits.page_seconds, memory_mb=limits.memory_mb)
    except subprocess.TimeoutExpired as exc:
        raise Unreadable(Failure.TIMEOUT) from exc
    message = done.stderr.decode("utf-8", "replace").lower()
    if done.returncode != 0:
        raise Unreadable(Failure.ENCRYPTED if "password" in message else Failure.CORRUPT)
    match = re.search(rb"^Pages:\s+(\d+)", done.stdout, re.MULTILINE)
    if match is None:
        raise Unreadable(Failure.CORRUPT)
    return int(match.group(1))


def _pdf(path: Path, limits: Limits, result: Extraction) -> None:
    pages = _pdf_pages(path, limits)
    result.pages = pages
    if pages == 0:
        raise Unreadable(Failure.CORRUPT)
    last = min(pages, settings.MINUTES_TEXT_MAX_PAGES)
    try:
        done = _run(
            ["pdftotext", "-layout", "-enc", "UTF-8", "-l", str(last), str(path), "-"],
            timeout=limits.total_seconds,
            memory_mb=limits.memory_mb,
        )
    except subprocess.TimeoutExpired as exc:
        raise Unreadable(Failure.TIMEOUT, pages) from exc
    if done.returncode != 0:
        raise Unreadable(Failure.CORRUPT, pages)
    text = normalise(done.stdout.decode("utf-8", "replace"))
    if _letters(text) >= MIN_LETTERS_PER_PAGE * last:
        result.text, result.method = text, Method.TEXT_LAYER
        return
    if pages > limits.max_pages:
        raise Unreadable(Failure.TOO_MANY_PAGES, pages)
    with tempfile.TemporaryDirectory(prefix="qcdc-ocr-") as tmp:
        try:
            rendered = _run(
                ["pdftoppm", "-r", str(OCR_DPI), "-gray", "-png", str(path), str(Path(tmp) / "page")],
                timeout=limits.total_seconds,
                memory_mb=limits.memory_mb,
            )
        except subprocess.TimeoutExpired as exc:
            raise Unreadable(Failure.TIMEOUT, pages) from exc
        if rendered.returncode != 0:
            raise Unreadable(Failure.CORRUPT, pages)
        _ocr_images(sorted(Path(tmp).glob("page*.png")), limits, result)


# --- DOCX -----------------------------------------------------------------------------------


def _docx_text(xml: bytes) -> str:
    root = ElementTree.fromstring(xml)
    lines = []
    for paragraph in root.iter(f"{W_NS}p"):
        parts = []
        for node in paragraph.iter():
            if node.tag == f"{W_NS}t" and node.text:
                parts.append(node.text)
            elif node.tag == f"{W_NS}tab":
                parts.append("\t")
            elif node.tag in (f"{W_NS}br", f"{W_NS}cr"):
                parts.append("\n")
        lines.append("".join(parts))
    return "\n".join(lines)


def _docx(path: Path, limits: Limits, result: Extraction) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("word/document.xml")
            if info.file_size > DOCX_XML_MAX_BYTES:
                raise Unreadable(Failure.CORRUPT)
            text = normalise(_docx_text(archive.read(info)))
            images = [
                i
                for i in archive.infolist()
                if i.filename.startswith("word/media/") and i.filename.lower().endswith(DOCX_IMAGE_SUFFIXES)
            ]
            result.pages = 1
            if _letters(text) >= MIN_LETTERS_PER_PAGE or not images:
                result.text, result.method = text, Method.DOCX
                return
            # Scanned pages pasted into Word: read the pictures.
            if len(images) > limits.max_pages:
                raise Unreadable(Failure.TOO_MANY_PAGES, len(images))
            if any(i.file_size > settings.UPLOAD_MAX_BYTES for i in images):
                raise Unreadable(Failure.CORRUPT)
            with tempfile.TemporaryDirectory(prefix="qcdc-ocr-") as tmp:
                paths = []
                for number, image in enumerate(images):
                    target = Path(tmp) / f"image{number:03d}{Path(image.filename).suffix.lower()}"
                    target.write_bytes(archive.read(image))
                    paths.append(target)
                _ocr_images(paths, limits, result)
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError) as exc:
        raise Unreadable(Failure.CORRUPT) from exc
    except ValueError as exc:  # defusedxml refuses entities and DTDs
        raise Unreadable(Failure.CORRUPT) from exc


# --- Entry point ----------------------------------------------------------------------------


def extract(path: Path, *, limits: Limits | None = None) -> Extraction:
    """Read ``path`` (PDF, JPEG, PNG or DOCX, told apart by content); never raises for bad files."""
    limits = limits or Limits()
    result = Extraction()
    started = time.monotonic()
    try:
        try:
            with path.open("rb") as handle:
                head = handle.read(8)
        except OSError as exc:
            raise Unreadable(Failure.CORRUPT) from exc
        if head.startswith(PDF_MAGIC):
            _pdf(path, limits, result)
        elif head.startswith((JPEG_MAGIC, PNG_MAGIC)):
            _ocr_images([path], limits, result)
        elif head.startswith(ZIP_MAGIC):
            _docx(path, limits, result)
        else:
            raise Unreadable(Failure.UNSUPPORTED)
        if _letters(result.text) == 0:
            raise Unreadable(Failure.NO_TEXT, result.pages)
    except Unreadable as exc:
        result.failure = exc.failure
        result.pages = result.pages or exc.pages
        result.text = ""
    result.seconds = time.monotonic() - started
    return result
