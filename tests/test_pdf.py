"""PDFs laid out against the lean user-agent sheet are WeasyPrint's own, byte for byte,
and fetch nothing but inline data."""

import base64
import io
from pathlib import Path

import pytest
from django.conf import settings
from PIL import Image
from weasyprint import HTML, URLFetcher

from qcdc import pdf

LONG_TABLE = (
    """<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><style>
  @page { size: A4 landscape; margin: 12mm; @bottom-right { content: "Trang " counter(page) "/" counter(pages) } }
  body { font-family: 'DejaVu Sans', sans-serif; font-size: 8pt }
  table { width: 100%; border-collapse: collapse; table-layout: fixed }
  td, th { border: 0.5pt solid #666; overflow-wrap: anywhere }
  td.contact { white-space: pre-line }
  tr { page-break-inside: avoid }
</style></head><body><h1>Đơn vị chưa thực hiện</h1><table>
<thead><tr><th>STT</th><th>Tên đơn vị</th><th>Liên hệ</th></tr></thead><tbody>
"""
    + "".join(
        f"<tr><td>{n}</td><td>Công ty TNHH Hưng Thịnh số {n}<br><small>Chưa chốt</small></td>"
        f'<td class="contact">chutich.{n}@example.vn\n09{n:08d}</td></tr>'
        for n in range(1, 121)
    )
    + "</tbody></table><ul><li>Hội nghị người lao động</li></ul></body></html>"
)


def png_data_url() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def test_it_lays_out_the_same_pdf_as_weasyprint_with_its_own_stylesheet():
    own = HTML(string=LONG_TABLE, base_url=str(settings.BASE_DIR), url_fetcher=URLFetcher(allowed_protocols=("data",)))

    assert pdf.write_pdf(LONG_TABLE) == own.write_pdf()


def test_it_fails_loudly_when_weasyprints_sheet_no_longer_has_the_rules(monkeypatch):
    real_read = Path.read_text

    def without_the_marker_rule(path: Path, *args, **kwargs) -> str:
        return real_read(path, *args, **kwargs).replace("::marker {", "li::marker {")

    pdf.lean_ua_stylesheet.cache_clear()
    monkeypatch.setattr(Path, "read_text", without_the_marker_rule)
    try:
        with pytest.raises(RuntimeError, match="3 of 4"):
            pdf.lean_ua_stylesheet()
    finally:
        pdf.lean_ua_stylesheet.cache_clear()


def test_it_draws_inline_images_and_fetches_no_file(tmp_path):
    picture = tmp_path / "logo.png"
    Image.new("RGB", (4, 4), "blue").save(picture)

    inline = pdf.write_pdf(f'<img src="{png_data_url()}">')
    from_disk = pdf.write_pdf(f'<img src="file://{picture}"><img src="{picture}">')

    assert b"/Subtype /Image" in inline
    assert b"/Subtype /Image" not in from_disk
