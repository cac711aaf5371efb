"""Default checklists and obligation rules, from the domain notes (../shared/domain.md).

Plain data (and the category groups of units.obligations): the data migration and the
``seed_rules`` service both read it.
Administrators edit the rows it creates; a law change needs no deploy.
"""

from __future__ import annotations

from typing import TypedDict

from units.obligations import EMPLOYER_CATEGORIES, PUBLIC_CATEGORIES

PUBLIC = [str(c) for c in PUBLIC_CATEGORIES]
EMPLOYERS = [str(c) for c in EMPLOYER_CATEGORIES]

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


RULES: list[RuleDefaults] = [
    # Quorum two thirds of those convened (verify); deadlines end of Q1 (verify).
    {
        "indicator": "cbccvc_conference",
        "categories": PUBLIC,
        "deadline": (3, 31),
        "quorum_percent": "66.67",
        "requires_resolution": True,
        "requires_minutes": True,
    },
    {
        "indicator": "worker_conference",
        "categories": EMPLOYERS,
        "deadline": (3, 31),
        "quorum_percent": "66.67",
        "requires_resolution": True,
        "requires_minutes": True,
    },
    {
        "indicator": "dialogue_periodic",
        "categories": EMPLOYERS,
        "deadline": (12, 31),
        "quorum_percent": None,
        "requires_resolution": False,
        "requires_minutes": False,
    },
    {
        "indicator": "qcdc_regulation",
        "categories": PUBLIC + EMPLOYERS,
        "deadline": None,
        "quorum_percent": None,
        "requires_resolution": False,
        "requires_minutes": False,
    },
    {
        "indicator": "inspection_board",
        "categories": PUBLIC,
        "deadline": None,
        "quorum_percent": None,
        "requires_resolution": False,
        "requires_minutes": False,
    },
]

SEEDED_YEARS = range(2023, 2031)
