"""Default checklists and obligation rules per year, each with the law it rests on.

Plain data (and the category groups of conferences.obligations): the data migrations and the
``seed_rules`` service both read it. Administrators edit the rows it creates; a law
change needs no deploy. Three eras:

- 2015–2020: Labour Code 2012 and Decree 60/2013/NĐ-CP for employers (a periodic
  dialogue every three months: four a year); Decree 04/2015/NĐ-CP and Circular
  01/2016/TT-BNV for agencies and public service units;
- 2021–2022: Labour Code 2019 and Decree 145/2020/NĐ-CP for employers (at least one
  periodic dialogue a year); agencies as before;
- 2023 on: Law 10/2022/QH15 (in force 1 July 2023), which also keeps a People's
  Inspection Board in state-owned enterprises.

Each ``legal_basis`` names only the articles that were read in the texts; a reference
marked "chưa đối chiếu" (not checked against the text) must be verified before it is
relied on, and stays editable in the app.
"""

from __future__ import annotations

from typing import TypedDict

from conferences.obligations import EMPLOYER_CATEGORIES, POLITICAL_CATEGORIES, PUBLIC_CATEGORIES
from units.models import Category

PUBLIC = [str(c) for c in PUBLIC_CATEGORIES]
EMPLOYERS = [str(c) for c in EMPLOYER_CATEGORIES]
POLITICAL = [str(c) for c in POLITICAL_CATEGORIES]
STATE_ENTERPRISE = str(Category.STATE_ENTERPRISE)

CONTENTS: dict[str, list[tuple[str, str]]] = {
    "worker_conference": [
        ("business_report", "Báo cáo kết quả sản xuất, kinh doanh và kế hoạch của người sử dụng lao động"),
        ("contracts_rules", "Việc thực hiện hợp đồng lao động, thỏa ước lao động tập thể, nội quy lao động"),
        ("wage_bonus", "Quy chế tiền lương, tiền thưởng"),
        ("safety", "An toàn, vệ sinh lao động"),
        ("union_report", "Báo cáo của công đoàn về đại diện, bảo vệ người lao động và kết quả đối thoại"),
        ("proposals", "Kiến nghị của người lao động và trả lời của người sử dụng lao động"),
        ("resolution", "Thông qua nghị quyết hội nghị"),
    ],
    "cbccvc_conference": [
        ("tasks_report", "Báo cáo kết quả thực hiện nhiệm vụ năm và kế hoạch năm sau của thủ trưởng"),
        ("budget", "Dự toán ngân sách và quy chế chi tiêu nội bộ"),
        ("emulation", "Thi đua, khen thưởng"),
        ("qcdc", "Việc thực hiện Quy chế dân chủ ở cơ sở"),
        ("inspection_board", "Báo cáo của Ban thanh tra nhân dân (và bầu ban khi đến nhiệm kỳ)"),
        ("proposals", "Kiến nghị của cán bộ, công chức, viên chức và trả lời của thủ trưởng"),
        ("resolution", "Thông qua nghị quyết hội nghị"),
    ],
    "dialogue_periodic": [
        ("employer_situation", "Tình hình sản xuất, kinh doanh của người sử dụng lao động"),
        ("contracts_rules", "Việc thực hiện hợp đồng lao động, thỏa ước, nội quy, quy chế"),
        ("conditions", "Điều kiện làm việc"),
        ("requests", "Yêu cầu, kiến nghị của người lao động"),
        ("agreements", "Thỏa thuận đạt được và người theo dõi thực hiện"),
    ],
}

# Phrases that show a content item in the minutes' text (matched without diacritics).
KEYWORDS: dict[str, list[str]] = {
    "business_report": ["sản xuất kinh doanh", "sản xuất, kinh doanh", "kết quả kinh doanh"],
    "contracts_rules": ["hợp đồng lao động", "thỏa ước", "nội quy lao động"],
    "wage_bonus": ["tiền lương", "tiền thưởng", "quy chế lương"],
    "safety": ["an toàn, vệ sinh lao động", "an toàn vệ sinh lao động", "an toàn lao động"],
    "union_report": ["báo cáo của công đoàn", "báo cáo của ban chấp hành công đoàn", "kết quả đối thoại"],
    "proposals": ["kiến nghị", "ý kiến đề xuất"],
    "resolution": ["nghị quyết"],
    "tasks_report": ["thực hiện nhiệm vụ", "kế hoạch năm", "nhiệm vụ năm"],
    "budget": ["dự toán", "ngân sách", "chi tiêu nội bộ"],
    "emulation": ["thi đua", "khen thưởng"],
    "qcdc": ["quy chế dân chủ", "dân chủ ở cơ sở"],
    "inspection_board": ["thanh tra nhân dân"],
    "employer_situation": ["tình hình sản xuất", "sản xuất kinh doanh", "sản xuất, kinh doanh"],
    "conditions": ["điều kiện làm việc"],
    "requests": ["kiến nghị", "yêu cầu của người lao động"],
    "agreements": ["thỏa thuận", "thống nhất"],
}


class RuleDefaults(TypedDict):
    indicator: str
    categories: list[str]
    deadline: tuple[int, int] | None  # (month, day) in the rule's year
    quorum_percent: str | None
    requires_resolution: bool
    requires_minutes: bool
    min_per_year: int
    term_years: int | None
    legal_basis: str


FIRST_SEEDED_YEAR = 2015
LAST_SEEDED_YEAR = 2030
SEEDED_YEARS = range(FIRST_SEEDED_YEAR, LAST_SEEDED_YEAR + 1)
LABOUR_CODE_2019_FROM = 2021  # Labour Code 2019 (45/2019/QH14) in force 1 January 2021
LAW_2022_FROM = 2023  # Law 10/2022/QH15 in force 1 July 2023

LAW_2022 = "Luật Thực hiện dân chủ ở cơ sở số 10/2022/QH15"
SCOPE_2022 = (
    f"{LAW_2022}, Điều 2 khoản 1 và khoản 4 (cơ quan, đơn vị; tổ chức có sử dụng lao động gồm cả doanh nghiệp nhà nước)"
)
AGENCIES_2015 = (
    "Nghị định 04/2015/NĐ-CP về thực hiện dân chủ trong hoạt động của cơ quan hành chính nhà nước "
    "và đơn vị sự nghiệp công lập (Điều 4 khoản 2: hội nghị có thể tổ chức cùng hội nghị tổng kết năm); "
    "Thông tư 01/2016/TT-BNV, Điều 2 (hội nghị hợp lệ khi có ít nhất 2/3 số được triệu tập) và Điều 3 "
    "(hội nghị thường kỳ mỗi năm một lần; cơ sở giáo dục theo năm học)"
)
EMPLOYERS_2012 = (
    "Bộ luật Lao động 2012 (10/2012/QH13), đối thoại tại nơi làm việc định kỳ 3 tháng một lần "
    "(điều khoản chưa đối chiếu); Nghị định 60/2013/NĐ-CP quy định chi tiết về thực hiện quy chế dân chủ "
    "ở cơ sở tại nơi làm việc (điều khoản chưa đối chiếu)"
)
EMPLOYERS_2019 = (
    "Bộ luật Lao động 2019 (45/2019/QH14), đối thoại định kỳ ít nhất 1 năm một lần (điều khoản chưa đối chiếu); "
    "Nghị định 145/2020/NĐ-CP, phần thực hiện quy chế dân chủ ở cơ sở tại nơi làm việc (điều khoản chưa đối chiếu)"
)
POLITICAL_NOTE = (
    "Cơ quan của Đảng, Mặt trận Tổ quốc, tổ chức chính trị - xã hội: không phải «cơ quan nhà nước» theo "
    f"{LAW_2022} Điều 2 khoản 1; áp dụng tương tự cơ quan theo quy định riêng của các cơ quan này "
    "(mức tin cậy thấp, cần kiểm tra)"
)


def _basis(year: int, indicator: str) -> str:
    """The legal basis of a default rule of ``year`` (the texts in force that year)."""
    new_law = year >= LAW_2022_FROM
    employers = EMPLOYERS_2019 if year >= LABOUR_CODE_2019_FROM else EMPLOYERS_2012
    if indicator == "cbccvc_conference":
        main = (
            f"{LAW_2022}, Điều 51 khoản 1 (mỗi năm một lần, sau khi kết thúc năm công tác và chậm nhất 3 tháng "
            "của năm công tác tiếp theo)"
            if new_law
            else AGENCIES_2015
        )
        return f"{main}. {POLITICAL_NOTE}."
    if indicator in ("worker_conference", "dialogue_periodic"):
        return f"{SCOPE_2022}; {employers}" if new_law else employers
    if indicator == "qcdc_regulation":
        main = SCOPE_2022 if new_law else f"{AGENCIES_2015}; {employers}"
        return f"{main}. {POLITICAL_NOTE}."
    # inspection_board
    if new_law:
        return (
            f"{LAW_2022}: Ban thanh tra nhân dân ở cơ quan, đơn vị và doanh nghiệp nhà nước "
            "(số điều và nhiệm kỳ chưa đối chiếu văn bản); không áp dụng cho doanh nghiệp ngoài nhà nước"
        )
    return f"{AGENCIES_2015}; nhiệm kỳ chưa đối chiếu văn bản"


def default_rules(year: int) -> list[RuleDefaults]:
    """The default rules of ``year``: who owes what, how often, and on which legal basis."""
    periodic_dialogues = 1 if year >= LABOUR_CODE_2019_FROM else 4
    board_categories = [*PUBLIC, STATE_ENTERPRISE] if year >= LAW_2022_FROM else PUBLIC
    # Before 2023 agencies held the conference at the end of the year it reviews
    # (Circular 01/2016 Art. 3); from 2023 within three months of the next (Law Art. 51).
    cbccvc_deadline = (3, 31) if year >= LAW_2022_FROM else (12, 31)
    specs: list[tuple[str, list[str], tuple[int, int] | None, str | None, bool, bool, int, int | None]] = [
        ("cbccvc_conference", PUBLIC + POLITICAL, cbccvc_deadline, "66.67", True, True, 1, None),
        ("worker_conference", EMPLOYERS, (3, 31), "66.67", True, True, 1, None),
        ("dialogue_periodic", EMPLOYERS, (12, 31), None, False, False, periodic_dialogues, None),
        ("qcdc_regulation", PUBLIC + POLITICAL + EMPLOYERS, None, None, False, False, 1, None),
        ("inspection_board", board_categories, None, None, False, False, 1, 2),
    ]
    return [
        {
            "indicator": indicator,
            "categories": categories,
            "deadline": deadline,
            "quorum_percent": quorum,
            "requires_resolution": resolution,
            "requires_minutes": minutes,
            "min_per_year": per_year,
            "term_years": term,
            "legal_basis": _basis(year, indicator),
        }
        for indicator, categories, deadline, quorum, resolution, minutes, per_year, term in specs
    ]
