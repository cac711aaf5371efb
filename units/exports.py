"""XLSX export of a units list, with the same columns the importer reads.

Headings and categories are the importer's Vietnamese labels, whatever the user's
language: a file exported, edited in Excel and imported back changes only what was edited.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.http import HttpResponse
from django.utils import timezone, translation

from qcdc import xlsx
from qcdc.downloads import XLSX, bytes_response
from units.importing.unit_columns import UNIT_IMPORT_COLUMNS
from units.models import Category, Unit

if TYPE_CHECKING:
    from units.chairs import ChairRow

UNIT_COLUMNS = (
    "code",
    "name",
    "category",
    "federation_code",
    "employees",
    "union_members",
    "established_on",
    "dissolved_on",
    "chair_name",
    "chair_email",
    "chair_phone",
    "address",
    "work_year_start_month",
    # Left blank: filled in only when an edited row changes the category (from today if not).
    "category_effective_on",
)


def units_workbook(units: Iterable[Unit]) -> bytes:
    """One row per unit; ``units`` should be iterated with the node joined."""
    with translation.override("vi"):
        headings = [str(c.label) for c in UNIT_IMPORT_COLUMNS]
        categories = {value: str(label) for value, label in Category.choices}
    wb = xlsx.workbook()
    ws = wb.create_sheet("Đơn vị")
    xlsx.append(ws, headings)
    for u in units:
        xlsx.append(
            ws,
            [
                u.code,
                u.name,
                categories.get(u.category, u.category),
                u.node.code,
                u.employees,
                u.union_members,
                u.established_on,
                u.dissolved_on,
                u.chair_name,
                u.chair_email,
                u.chair_phone,
                u.address,
                u.work_year_start_month,
                None,
            ],
        )
    return xlsx.to_bytes(wb)


def units_workbook_response(units: Iterable[Unit]) -> HttpResponse:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return bytes_response(units_workbook(units), filename=f"don-vi-{stamp}.xlsx", content_type=XLSX)


def chairs_workbook_response(rows: Iterable[ChairRow]) -> HttpResponse:
    """The "Chủ tịch CĐCS" list as a workbook: unit, chair, contact, account state."""
    wb = xlsx.workbook()
    ws = wb.create_sheet("Chủ tịch CĐCS")
    ws.freeze_panes = "A2"
    xlsx.append(
        ws,
        [
            "Mã đơn vị",
            "Tên đơn vị",
            "Công đoàn cấp trên",
            "Chủ tịch CĐCS",
            "Email",
            "Điện thoại",
            "Tên đăng nhập",
            "Tình trạng tài khoản",
            "Mời lúc",
            "Lời mời hết hạn",
            "Đăng nhập gần nhất",
        ],
    )

    def local(moment: datetime.datetime | None) -> str:
        return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M") if moment else ""

    for row in rows:
        xlsx.append(
            ws,
            [
                row.unit.code,
                row.unit.name,
                row.unit.node.name,
                row.unit.chair_name,
                row.unit.chair_email,
                row.unit.chair_phone,
                row.username,
                row.state_label,
                local(row.invited_at),
                local(row.expires_at),
                local(row.last_login),
            ],
        )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return bytes_response(xlsx.to_bytes(wb), filename=f"chu-tich-cdcs-{stamp}.xlsx", content_type=XLSX)
