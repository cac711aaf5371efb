"""The annual report's figures (from the report computation, never recomputed here) and its
text as blocks that the DOCX and the PDF both render, so the two say the same thing."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone, translation

from conferences.minutes.formalism import SIGNAL_LABELS, SIGNALS, Signal, signal_counts
from conferences.models import Record
from conferences.obligations import CONFERENCE_KINDS, DIALOGUE_KINDS, Indicator, Kind
from conferences.quality import Check
from reports import compute
from reports.activity import activity
from reports.exports import format_count, format_rate, signature_date
from reports.worklog.models import WorkKind, WorkLogEntry
from units.models import Category, OrgNode
from units.periods import Period, period_end

MISSING_ANNEX_LIMIT = 1000


def report_figures(node: OrgNode, year: int, period: str) -> dict[str, Any]:
    """The same payload a report run of ``node`` builds: closed figures where closed."""
    from reports.services import report_payload

    return report_payload(node, year, period, by_category=False)


def situation(node: OrgNode, year: int, period: str) -> list[dict[str, Any]]:
    """Units, workers and members under the node by the category they had on the period's
    last day, as the figures count them (one query)."""
    units = compute.tree_for(year, period).units_under(node)
    rows = units.values("hist_category").annotate(
        units=Count("pk"), employees=Coalesce(Sum("employees"), 0), members=Coalesce(Sum("union_members"), 0)
    )
    return [
        {
            "label": str(Category(r["hist_category"]).label),
            "units": r["units"],
            "employees": r["employees"],
            "members": r["members"],
        }
        for r in sorted(rows, key=lambda r: r["hist_category"])
    ]


def formalism(node: OrgNode, year: int, period: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    """The formalism signals of the accepted conferences and dialogues held under the node in
    the period, counted by ``conferences.minutes.formalism`` (the record pages' and the
    per-node list's own conditions, one query), and the conferences below quorum as the
    report's quality check counts them (``quality_failures`` of its payload)."""
    payload = payload if payload is not None else report_figures(node, year, period)
    units = compute.tree_for(year, period).units_under(node)
    records = Record.objects.accepted().filter(
        kind__in=[*CONFERENCE_KINDS, *DIALOGUE_KINDS],
        held_on__range=(datetime.date(year, 1, 1), period_end(year, period)),
        unit_id__in=units.values("pk"),
    )
    signals = signal_counts(records)
    failures = payload.get("quality_failures", {})
    return {
        "conferences": records.filter(kind__in=CONFERENCE_KINDS).count(),
        "records": signals.pop("records"),
        "without_resolution": signals[Signal.NO_RESOLUTION],
        "below_quorum": sum(failures.get(str(kind), {}).get(Check.QUORUM, 0) for kind in CONFERENCE_KINDS),
        "signals": signals,
    }


def signal_sentence(signals: dict[str, Any]) -> str:
    """The signals found, in words, for the assessment ("" when none)."""
    with translation.override("vi"):
        found = [f"{SIGNAL_LABELS[code]}: {signals[code]}" for code in SIGNALS if signals.get(code)]
    return "; ".join(found)


VISITS_LISTED = 100


def work_log(node: OrgNode, year: int, period: str) -> dict[str, Any]:
    """The visits with their findings, and the commendations, of the node's subtree (two queries)."""
    entries = WorkLogEntry.objects.filter(
        node__path__startswith=node.path, held_on__range=(datetime.date(year, 1, 1), period_end(year, period))
    )
    visits = entries.filter(kind__in=[WorkKind.SUPERVISION, WorkKind.INSPECTION]).annotate(unit_count=Count("units"))
    commended = entries.filter(kind=WorkKind.COMMENDATION).aggregate(
        collectives=Coalesce(Sum("collectives"), 0), individuals=Coalesce(Sum("individuals"), 0)
    )
    return {
        "visits": [
            {
                "date": f"{v.held_on:%d/%m/%Y}", "kind": str(v.get_kind_display()), "title": v.title,
                "units": v.unit_count, "findings": v.findings, "follow_up": v.follow_up,
            }
            for v in visits.order_by("held_on", "pk")[:VISITS_LISTED]
        ],
        "commended": commended,
    }  # fmt: skip


def figures(node: OrgNode, year_from: int, year_to: int, period: str) -> dict[str, Any]:
    """Everything the text cites, as plain JSON (kept with the run)."""
    payload = report_figures(node, year_to, period)
    years = [
        {"year": y, "total": report_figures(node, y, period)["total"]["cells"]} for y in range(year_from, year_to + 1)
    ]
    previous = (
        report_figures(node, year_to - 1, period)["total"]["cells"] if year_from == year_to else years[-2]["total"]
    )
    parent = OrgNode.objects.filter(pk=node.parent_id).values_list("name", flat=True).first()
    return {
        "node": {"code": node.code, "name": node.name, "parent": parent or ""},
        "year_from": year_from,
        "year_to": year_to,
        "period": period,
        "situation": situation(node, year_to, period),
        "results": payload["total"]["cells"],
        "rows": [{"name": r["org_name"], "cells": r["cells"]} for r in payload["rows"]],
        "previous": previous,
        "years": years,
        "activity": activity(node, year_to, period),
        "work_log": work_log(node, year_to, period),
        "formalism": formalism(node, year_to, period, payload),
        "missing": payload["missing"][:MISSING_ANNEX_LIMIT],
        "missing_total": len(payload["missing"]),
        "status": payload["total"].get("status", "provisional"),
    }


@dataclass
class Document:
    """The text: blocks of ("title" | "heading" | "paragraph", text) or ("table", rows)."""

    header: tuple[list[str], list[str]]
    blocks: list[tuple[str, Any]] = field(default_factory=list)

    @property
    def header_rows(self) -> list[tuple[str, str]]:
        return list(zip(*self.header, strict=True))

    def heading(self, text: str) -> None:
        self.blocks.append(("heading", text))

    def paragraph(self, text: str) -> None:
        for line in [t.strip() for t in text.splitlines() if t.strip()] or [""]:
            self.blocks.append(("paragraph", line))

    def table(self, rows: list[list[str]]) -> None:
        self.blocks.append(("table", rows))


def _ratio(cell: dict[str, Any]) -> list[str]:
    return [
        format_count(cell["expected"]), format_count(cell["done"]), format_rate(cell["rate"]),
        format_rate(cell["on_time_rate"]), format_rate(cell["quality_rate"]),
    ]  # fmt: skip


def prefill(data: dict[str, Any]) -> dict[str, str]:
    """The narrative's first draft: sentences citing the figures, for staff to rewrite."""
    results, signals = data["results"], data["formalism"]
    lines = [
        f"- {Indicator(code).label}: {cell['done']}/{cell['expected']} đơn vị ({format_rate(cell['rate'])})."
        for code, cell in results.items()
    ]
    return {
        "strengths": "Kết quả thực hiện theo chỉ tiêu:\n" + "\n".join(lines),
        "limitations": (
            f"Trong {signals['conferences']} hội nghị đã tổ chức, {signals['without_resolution']} hội nghị chưa có "
            f"nghị quyết, {signals['below_quorum']} hội nghị không đủ tỷ lệ tham dự theo quy định; "
            f"{data['missing_total']} đơn vị còn thiếu ít nhất một nội dung."
            + (
                f" Dấu hiệu hình thức cần xem lại: {found}."
                if (found := signal_sentence(signals.get("signals") or {}))
                else ""
            )
        ),
        "causes": "",
        "next_tasks": "",
    }


def compose(data: dict[str, Any], narrative: dict[str, str], *, today: datetime.date | None = None) -> Document:
    """The annual report's text, section by section."""
    today = today or timezone.localdate()
    node, year_to, span = data["node"], data["year_to"], data["year_from"] != data["year_to"]
    when = f"giai đoạn {data['year_from']}–{year_to}" if span else f"năm {year_to}"
    if data["period"] == Period.HALF:
        when = f"6 tháng đầu {when}"
    doc = Document(
        header=(
            [node["parent"].upper(), node["name"].upper(), "Số:      /BC-" + node["code"]],
            ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", f"......., {signature_date(today)}"],
        )
    )
    doc.blocks.append(("title", f"BÁO CÁO KẾT QUẢ THỰC HIỆN QUY CHẾ DÂN CHỦ Ở CƠ SỞ {when.upper()}"))
    if data["status"] != "closed":
        doc.paragraph("(Số liệu chưa chốt.)")
    doc.heading("I. TÌNH HÌNH CHUNG")
    total_units = sum(r["units"] for r in data["situation"])
    doc.paragraph(
        f"{node['name']} quản lý {format_count(total_units)} đơn vị, "
        f"{format_count(sum(r['employees'] for r in data['situation']))} người lao động, "
        f"{format_count(sum(r['members'] for r in data['situation']))} đoàn viên."
    )
    doc.table(
        [["Loại hình", "Số đơn vị", "Người lao động", "Đoàn viên"]]
        + [
            [r["label"], format_count(r["units"]), format_count(r["employees"]), format_count(r["members"])]
            for r in data["situation"]
        ]
    )
    doc.heading("II. KẾT QUẢ THỰC HIỆN")
    doc.paragraph("1. Kết quả theo chỉ tiêu")
    doc.table(
        [["Chỉ tiêu", "Phải thực hiện", "Đã thực hiện", "Tỷ lệ", "Đúng hạn", "Đạt chất lượng"]]
        + [[str(Indicator(code).label), *_ratio(cell)] for code, cell in data["results"].items()]
    )
    doc.paragraph("2. Hội nghị, đối thoại và văn bản đã thực hiện")
    held = data["activity"]
    doc.table(
        [["Loại", "Số lượt", "Số đơn vị", "Số người tham dự"]]
        + [
            [
                str(Kind(k).label),
                format_count(held[k]["held"]),
                format_count(held[k]["units"]),
                format_count(held[k]["attendees"]),
            ]
            for k in Kind.values
        ]
    )
    doc.paragraph("3. Hoạt động của công đoàn cấp trên")
    doc.table(
        [["Hoạt động", "Số lượt", "Số đơn vị", "Số người tham gia"]]
        + [
            [
                str(WorkKind(k).label),
                format_count(held[k]["held"]),
                format_count(held[k]["units"]),
                format_count(held[k]["attendees"]),
            ]
            for k in WorkKind.values
        ]
    )
    log = data["work_log"]
    doc.paragraph(
        f"Khen thưởng: {format_count(log['commended']['collectives'])} tập thể, "
        f"{format_count(log['commended']['individuals'])} cá nhân."
    )
    if log["visits"]:
        doc.paragraph("Các cuộc giám sát, kiểm tra:")
        doc.table(
            [["Ngày", "Hoạt động", "Nội dung", "Số đơn vị", "Kết quả, phát hiện", "Kiến nghị"]]
            + [
                [v["date"], v["kind"], v["title"], str(v["units"]), v["findings"], v["follow_up"]]
                for v in log["visits"]
            ]
        )
    doc.heading("III. ĐÁNH GIÁ")
    for label, key in (("1. Ưu điểm", "strengths"), ("2. Hạn chế", "limitations"), ("3. Nguyên nhân", "causes")):
        doc.paragraph(label)
        doc.paragraph(narrative.get(key, ""))
    signals = data["formalism"]
    doc.paragraph(
        f"Dấu hiệu hình thức theo số liệu: {signals['without_resolution']} hội nghị không có nghị quyết; "
        f"{signals['below_quorum']} hội nghị không đủ tỷ lệ tham dự (trên {signals['conferences']} hội nghị)."
    )
    if found := signal_sentence(signals.get("signals") or {}):
        doc.paragraph(
            f"Dấu hiệu cần xem lại trên {signals['records']} hội nghị, đối thoại (gợi ý, không phải kết luận): {found}."
        )
    doc.heading("IV. NHIỆM VỤ NĂM TỚI")
    doc.paragraph(narrative.get("next_tasks", ""))
    doc.heading("PHỤ LỤC 1. KẾT QUẢ THEO ĐƠN VỊ TRỰC THUỘC")
    codes = list(data["results"])
    doc.table(
        [["Đơn vị", *[str(Indicator(c).label) for c in codes]]]
        + [[r["name"], *[f"{r['cells'][c]['done']}/{r['cells'][c]['expected']}" for c in codes]] for r in data["rows"]]
    )
    doc.paragraph(f"Đơn vị còn thiếu ít nhất một nội dung: {format_count(data['missing_total'])}.")
    doc.table(
        [["Mã", "Đơn vị", "Trực thuộc", "Còn thiếu"]]
        + [
            [m["code"], m["name"], m["node"], "; ".join(str(Indicator(i).label) for i in m["missing"])]
            for m in data["missing"]
        ]
    )
    doc.heading("PHỤ LỤC 2. SO SÁNH VỚI NĂM TRƯỚC")
    doc.table(
        [["Chỉ tiêu", f"Tỷ lệ năm {year_to - 1}", f"Tỷ lệ năm {year_to}"]]
        + [
            [
                str(Indicator(c).label),
                format_rate(data["previous"].get(c, {}).get("rate")),
                format_rate(data["results"][c]["rate"]),
            ]
            for c in codes
        ]
    )
    doc.heading("PHỤ LỤC 3. TỔNG HỢP NHIỀU NĂM")
    doc.table(
        [["Năm", *[str(Indicator(c).label) for c in codes]]]
        + [
            [
                str(y["year"]),
                *[
                    f"{y['total'][c]['done']}/{y['total'][c]['expected']} ({format_rate(y['total'][c]['rate'])})"
                    if c in y["total"]
                    else "—"
                    for c in codes
                ],
            ]
            for y in data["years"]
        ]
    )
    return doc
