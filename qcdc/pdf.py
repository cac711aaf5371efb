"""PDF files from HTML, with WeasyPrint: inline data only, and a lean user-agent sheet.

WeasyPrint's user-agent stylesheet gives every element of a document four
pseudo-elements (``*::marker``, ``::footnote-call``, ``::footnote-marker``,
``::note-marker``), and computes a style for each: in a report's 500-row list of
units that is four styles for each of 4,000 cells, about a fifth of the memory laid
out. The app's PDFs have no lists, footnotes or notes, so ``write_pdf`` lays them out
against the user-agent sheet without those four rules: the pages are the same, pixel
for pixel (``tests/test_pdf.py``), in less memory and time.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from weasyprint import CSS

# The four universal pseudo-element rules, each alone on a line of WeasyPrint's sheet.
UNUSED_UA_RULES = re.compile(r"^::(?:marker|footnote-call|footnote-marker|note-marker) \{[^}\n]*\}$", re.MULTILINE)


@cache
def lean_ua_stylesheet() -> CSS:
    """WeasyPrint's HTML user-agent sheet less the rules above (an error, not a silent
    fallback, if a WeasyPrint upgrade moved them)."""
    import weasyprint
    from weasyprint import CSS

    path = Path(weasyprint.__file__).parent / "css" / "html5_ua.css"
    text, removed = UNUSED_UA_RULES.subn("", path.read_text(encoding="utf-8"))
    if removed != 4:
        raise RuntimeError(f"WeasyPrint's user-agent sheet changed: {removed} of 4 pseudo-element rules found")
    return CSS(string=text)


@cache
def _lean_html() -> type:
    """WeasyPrint's ``HTML`` laid out against ``lean_ua_stylesheet``."""
    # Imported here: WeasyPrint loads Pango when imported, which pages that only format
    # figures (the template filters import the modules that call this) should not pay for.
    from weasyprint import HTML

    class LeanHTML(HTML):
        def _ua_stylesheets(self, forms: bool = False) -> list[CSS]:
            return [lean_ua_stylesheet()]

    return LeanHTML


def write_pdf(html: str) -> bytes:
    """``html`` as a PDF. Only inline ``data:`` URLs are fetched: a document needs nothing
    from outside, and no text in it may ever make the renderer open a file or a URL."""
    from weasyprint import URLFetcher

    fetcher = URLFetcher(allowed_protocols=("data",))
    return _lean_html()(string=html, base_url=str(settings.BASE_DIR), url_fetcher=fetcher).write_pdf()
