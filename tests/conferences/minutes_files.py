"""Minutes files for the reading tests: good ones from the generator, bad ones by hand."""

from __future__ import annotations

import hashlib
import io
import struct
import zipfile
import zlib

from PIL import Image

from conferences.minutes import samples

TEXT = (
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
    "Hà Nội, ngày 20 tháng 3 năm 2025\n"
    "BIÊN BẢN HỘI NGHỊ NGƯỜI LAO ĐỘNG NĂM 2025\n"
    "Hôm nay, vào lúc 8 giờ 00, ngày 15 tháng 3 năm 2025, tại hội trường công ty, tổ chức hội nghị.\n"
    "Tổng số người lao động được triệu tập: 120 người. Có mặt: 98 người, vắng mặt: 22 người.\n"
    "Giám đốc trình bày báo cáo kết quả sản xuất kinh doanh năm 2024.\n"
    "Người lao động nêu kiến nghị giảm giờ tăng ca và hỗ trợ nhà ở.\n"
    "Hội nghị nhất trí thông qua nghị quyết với 95% số đại biểu tán thành."
)

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Default Extension="png" ContentType="image/png"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def docx(paragraphs: list[str], images: list[bytes] = ()) -> bytes:
    body = "".join(f'<w:p><w:r><w:t xml:space="preserve">{p}</w:t></w:r></w:p>' for p in paragraphs)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("word/document.xml", f'<w:document xmlns:w="{_W}"><w:body>{body}</w:body></w:document>')
        for number, image in enumerate(images, start=1):
            archive.writestr(f"word/media/image{number}.png", image)
    return buffer.getvalue()


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def huge_png(side: int = 60_000) -> bytes:
    """A PNG whose header claims 60,000 × 60,000 pixels (3.6 billion): a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


def blank_png(width: int = 800, height: int = 600) -> bytes:
    return png(Image.new("L", (width, height), 255))


def text_pdf(text: str = TEXT) -> bytes:
    return samples.render_pdf(text)


def photo(text: str = TEXT, seed: int = 1) -> bytes:
    """A fair phone photo (turned, unevenly lit, some grain, JPEG); bench_minutes measures poor ones."""
    import random

    return samples.photograph(samples.render_page(text), random.Random(seed), grain=(0.05, 0.08), quality=(70, 85))


def scan(pages: int = 1, text: str = TEXT) -> bytes:
    if pages == 1:
        return samples.scanned_pdf([samples.render_page(text)])
    return samples.scanned_pdf([Image.new("L", (200, 280), 255)] * pages, resolution=25)


# --- A password-protected PDF (Standard security handler, revision 2, RC4 40-bit) ------------

_PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")


def _rc4(key: bytes, data: bytes) -> bytes:
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) % 256
        s[i], s[j] = s[j], s[i]
    out, i, j = bytearray(), 0, 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(byte ^ s[(s[i] + s[j]) % 256])
    return bytes(out)


def _padded(password: bytes) -> bytes:
    return (password + _PAD)[:32]


def encrypted_pdf(user_password: bytes = b"matkhau", owner_password: bytes = b"chu-so-huu") -> bytes:
    """A one-page PDF that opens only with ``user_password`` (what a reader asks for)."""
    file_id = hashlib.md5(b"qcdc-test").digest()  # noqa: S324 (the PDF format's own choice)
    permissions = -44
    owner = _rc4(hashlib.md5(_padded(owner_password)).digest()[:5], _padded(user_password))  # noqa: S324
    key = hashlib.md5(  # noqa: S324
        _padded(user_password) + owner + struct.pack("<i", permissions) + file_id
    ).digest()[:5]
    user = _rc4(key, _PAD)
    content = b"BT /F1 12 Tf 50 750 Td (Bien ban hoi nghi) Tj ET"
    object_key = hashlib.md5(key + (4).to_bytes(3, "little") + (0).to_bytes(2, "little")).digest()[:10]  # noqa: S324
    stream = _rc4(object_key, content)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Filter /Standard /V 1 /R 2 /O <" + owner.hex().encode() + b"> /U <" + user.hex().encode()
        + b"> /P " + str(permissions).encode() + b" >>",
    ]  # fmt: skip
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    ident = file_id.hex().encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Encrypt 6 0 R ".encode()
        + b"/ID [<" + ident + b"> <" + ident + b">] >>\n"
        + f"startxref\n{xref}\n%%EOF\n".encode()
    )  # fmt: skip
    return out
