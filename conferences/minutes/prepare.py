"""Clean one page image for Tesseract; run as a program so its memory and time are capped.

``python -m conferences.minutes.prepare IN OUT`` writes a greyscale PNG, or exits with
``UNREADABLE`` when the image cannot be decoded. It imports only Pillow: the worker runs
it under the same address-space limit and timeout as Tesseract, so a hostile image
costs a child process, never the worker.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageFilter, ImageMath, ImageOps

UNREADABLE = 3
# Pages are read at 2,600–4,000 pixels on their longest side (A4 at about 220–340 dpi):
# phone photos of a whole page come smaller, and Tesseract misreads small digits (5 → 9).
MIN_SIDE = 2600
MAX_SIDE = 4000


def prepare(source: Path, target: Path) -> None:
    """Upright, evenly lit, at a size Tesseract reads well.

    Phone photos are unevenly lit; Tesseract's global threshold then blackens the darker
    side, so the background (the page without its text, blurred) is divided out first.
    A 3×3 median then removes grain and scanner dust that Tesseract would read as marks.
    """
    with Image.open(source) as image:
        image.draft("L", (MAX_SIDE, MAX_SIDE))  # JPEG: decode at a reduced size
        page = ImageOps.exif_transpose(image).convert("L")
    longest = max(page.size)
    if longest > MAX_SIDE or longest < MIN_SIDE:
        factor = (MAX_SIDE if longest > MAX_SIDE else MIN_SIDE) / longest
        page = page.resize((round(page.width * factor), round(page.height * factor)), Image.Resampling.LANCZOS)
    reduced = page.reduce(8) if min(page.size) >= 64 else page
    background = reduced.filter(ImageFilter.MaxFilter(5)).filter(ImageFilter.GaussianBlur(4)).resize(page.size)
    flat = ImageMath.lambda_eval(
        lambda a: a["convert"](a["min"](a["page"] * 255 / (a["background"] + 1), 255), "L"),
        page=page,
        background=background,
    )
    ImageOps.autocontrast(flat, cutoff=1).filter(ImageFilter.MedianFilter(3)).save(target, "PNG")


def main(argv: list[str]) -> int:
    try:
        prepare(Path(argv[1]), Path(argv[2]))
    except (OSError, Image.DecompressionBombError, ValueError, MemoryError):
        return UNREADABLE
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
