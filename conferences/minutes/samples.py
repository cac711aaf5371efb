"""Generated minutes for the benchmark and the tests: Vietnamese text with known answers,
rendered as text PDFs (WeasyPrint), phone photos (Pillow: rotation, noise, blur, JPEG)
and scanned PDFs (page images in a PDF)."""

from __future__ import annotations

import datetime
import html
import io
import random
import textwrap
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"

TITLES = {
    "worker_conference": "BIÊN BẢN HỘI NGHỊ NGƯỜI LAO ĐỘNG NĂM {year}",
    "cbccvc_conference": "BIÊN BẢN HỘI NGHỊ CÁN BỘ, CÔNG CHỨC, VIÊN CHỨC NĂM {year}",
    "dialogue_periodic": "BIÊN BẢN ĐỐI THOẠI ĐỊNH KỲ TẠI NƠI LÀM VIỆC NĂM {year}",
}
TOPICS = ["giảm giờ tăng ca", "hỗ trợ tiền nhà ở", "nâng chất lượng bữa ăn ca", "xe đưa đón công nhân", "nhà trẻ"]
# One sentence per checklist code, each naming the item the way minutes usually do.
SENTENCES: dict[str, dict[str, str]] = {
    "worker_conference": {
        "business_report": "Giám đốc trình bày báo cáo kết quả sản xuất kinh doanh năm {prev} và kế hoạch năm {year}.",
        "contracts_rules": "Hội nghị đánh giá việc thực hiện hợp đồng lao động, thỏa ước lao động tập thể.",
        "wage_bonus": "Phòng hành chính báo cáo quy chế tiền lương, tiền thưởng áp dụng từ quý hai.",
        "safety": "Cán bộ phụ trách trình bày công tác an toàn, vệ sinh lao động và phòng chống cháy nổ.",
        "union_report": "Chủ tịch trình bày báo cáo của ban chấp hành công đoàn về đại diện, bảo vệ người lao động.",
        "proposals": "Người lao động nêu kiến nghị về {topic}; giám đốc trả lời và cam kết xem xét.",
        "resolution": "Hội nghị nhất trí thông qua nghị quyết với {pct}% số đại biểu tán thành.",
    },
    "cbccvc_conference": {
        "tasks_report": "Thủ trưởng báo cáo kết quả thực hiện nhiệm vụ năm {prev} và phương hướng năm {year}.",
        "budget": "Kế toán trưởng trình bày dự toán ngân sách và quy chế chi tiêu nội bộ.",
        "emulation": "Hội nghị phát động phong trào thi đua và bình xét khen thưởng cuối năm.",
        "qcdc": "Hội nghị đánh giá việc thực hiện quy chế dân chủ ở cơ sở trong đơn vị.",
        "inspection_board": "Trưởng ban thanh tra nhân dân báo cáo hoạt động giám sát trong năm.",
        "proposals": "Viên chức nêu kiến nghị về {topic}; thủ trưởng trả lời trực tiếp tại hội nghị.",
        "resolution": "Hội nghị nhất trí thông qua nghị quyết với {pct}% số đại biểu tán thành.",
    },
    "dialogue_periodic": {
        "employer_situation": "Đại diện công ty thông báo tình hình sản xuất và đơn hàng sáu tháng tới.",
        "contracts_rules": "Hai bên trao đổi về việc thực hiện hợp đồng lao động và nội quy lao động.",
        "conditions": "Người lao động phản ánh điều kiện làm việc tại xưởng, nhất là tiếng ồn và nhiệt độ.",
        "requests": "Đại diện người lao động nêu kiến nghị về {topic}.",
        "agreements": "Hai bên thỏa thuận giải quyết việc {topic} trong quý tới; phòng nhân sự theo dõi.",
    },
}
FILLER = [
    "Chủ tọa: ông Nguyễn Văn {a}. Thư ký: bà Trần Thị {b}.",
    "Thư ký ghi chép đầy đủ ý kiến phát biểu tại buổi họp.",
    "Buổi họp kết thúc lúc 11 giờ 30 cùng ngày.",
    "Biên bản được đọc lại cho mọi người cùng nghe và không có ý kiến khác.",
]
NAMES = ["Hùng", "Lan", "Minh", "Hoa", "Tuấn", "Mai", "Dũng", "Hương"]
CITIES = ["Hà Nội", "Hải Phòng", "Bắc Ninh", "Đà Nẵng", "Bình Dương"]


@dataclass(frozen=True)
class Sample:
    kind: str
    held_on: datetime.date
    invited: int
    attended: int
    contents: list[str]
    text: str


def _date_phrase(rng: random.Random, day: datetime.date) -> str:
    return rng.choice(
        [
            f"Hôm nay, vào lúc 8 giờ 00, ngày {day.day} tháng {day.month} năm {day.year}, tại hội trường đơn vị,",
            f"Vào lúc 14 giờ ngày {day:%d/%m/%Y}, tại phòng họp số 2,",
            f"Thời gian: 8 giờ 30, ngày {day.day:02d}-{day.month:02d}-{day.year}. Địa điểm: nhà văn hóa công ty.",
        ]
    )


def _numbers_phrase(rng: random.Random, invited: int, attended: int) -> str:
    return rng.choice(
        [
            f"Tổng số người được triệu tập: {invited} người. Có mặt: {attended} người, vắng mặt: "
            f"{invited - attended} người.",
            f"Số đại biểu được triệu tập {invited}; có mặt {attended}/{invited} đại biểu.",
            f"Được triệu tập {invited} người, tham dự {attended} người.",
        ]
    )


def generate(rng: random.Random, kind: str) -> Sample:
    """One minutes text of ``kind`` with a random date, attendance and set of contents."""
    held = datetime.date(rng.choice([2024, 2025]), rng.randint(1, 12), rng.randint(1, 28))
    invited = rng.randint(15, 400)
    attended = rng.randint(invited * 2 // 3, invited)
    codes = sorted(c for c in SENTENCES[kind] if rng.random() < 0.7)
    signed = held + datetime.timedelta(days=rng.randint(0, 2))
    lines = [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        f"{rng.choice(CITIES)}, ngày {signed.day} tháng {signed.month} năm {signed.year}",
        TITLES[kind].format(year=held.year),
        _date_phrase(rng, held) + " đơn vị tổ chức buổi họp theo kế hoạch.",
        _numbers_phrase(rng, invited, attended),
        FILLER[0].format(a=rng.choice(NAMES), b=rng.choice(NAMES)),
    ]
    values = {"prev": held.year - 1, "year": held.year, "topic": rng.choice(TOPICS), "pct": rng.randint(70, 100)}
    lines += [SENTENCES[kind][code].format(**values) for code in codes]
    lines += FILLER[1:]
    return Sample(kind, held, invited, attended, codes, "\n".join(lines))


def render_pdf(text: str) -> bytes:
    """A text PDF, as a word processor exports it."""
    from weasyprint import HTML

    body = "".join(f"<p>{html.escape(line)}</p>" for line in text.split("\n"))
    page = (
        "<html><head><style>@page { size: A4; margin: 2cm } "
        "body { font-family: 'DejaVu Serif'; font-size: 12pt }</style></head>"
        f"<body>{body}</body></html>"
    )
    return HTML(string=page).write_pdf()


def render_page(text: str, *, width: int = 1654, height: int = 2339, size: int = 30) -> Image.Image:
    """A clean A4 page at 200 dpi with the text typed on it."""
    font = ImageFont.truetype(FONT, size)
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    y = 140
    for paragraph in text.split("\n"):
        for line in textwrap.wrap(paragraph, 72) or [""]:
            draw.text((130, y), line, font=font, fill=20)
            y += int(size * 1.55)
        y += size // 2
    return page


def photograph(
    page: Image.Image,
    rng: random.Random,
    *,
    grain: tuple[float, float] = (0.18, 0.32),
    quality: tuple[int, int] = (20, 50),
) -> bytes:
    """The page as a phone photo: smaller, turned, unevenly lit, grainy, blurred, JPEG-compressed.

    The defaults are a poor photo (the benchmark's); tests of the pipeline ask for a fair one.
    """
    scale = rng.uniform(0.6, 0.9)
    small = page.resize((int(page.width * scale), int(page.height * scale)), Image.Resampling.LANCZOS)
    turned = small.rotate(rng.uniform(-4, 4), resample=Image.Resampling.BICUBIC, expand=True, fillcolor=200)
    # A shadow across the page: darker towards one side, as under a desk lamp.
    shade = Image.linear_gradient("L").resize(turned.size).rotate(rng.choice([0, 90, 180, 270]))
    lit = Image.composite(turned, Image.new("L", turned.size, 90), shade.point(lambda v: 150 + v * 105 // 255))
    # Grain from ``rng`` (not Pillow's own generator) so a seed gives the same photo.
    noise = Image.frombytes("L", lit.size, rng.randbytes(lit.width * lit.height))
    grainy = Image.blend(lit, noise, rng.uniform(*grain))
    blurred = grainy.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 1.3)))
    out = io.BytesIO()
    blurred.convert("RGB").save(out, "JPEG", quality=rng.randint(*quality))
    return out.getvalue()


def scan(page: Image.Image, rng: random.Random) -> Image.Image:
    """The page through an office scanner: a little skewed, with dust specks."""
    skewed = page.rotate(rng.uniform(-1.5, 1.5), resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255)
    specks = Image.frombytes("L", skewed.size, rng.randbytes(skewed.width * skewed.height))
    dust = specks.point(lambda v: 0 if v < 3 else 255)  # about 1 % of pixels
    return Image.composite(skewed, dust, dust)


def scanned_pdf(pages: list[Image.Image], *, resolution: int = 200) -> bytes:
    """Page images in a PDF with no text layer, as a scanner writes them."""
    out = io.BytesIO()
    first, *rest = [p.convert("L") for p in pages]
    first.save(out, "PDF", save_all=True, append_images=rest, resolution=resolution)
    return out.getvalue()
