"""The file's columns, and each row read into an unsaved record with its problems."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from conferences.models import Record
from conferences.obligations import CONFERENCE_KINDS
from qcdc.validators import field_problems
from units.importing.tables import Column, SheetRow, cell_date, read_count
from units.models import Unit
from units.periods import work_year

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.db.models import TextChoices

EVENT_IMPORT_COLUMNS: tuple[Column, ...] = (
    Column("unit_code", gettext_lazy("Mã đơn vị"), ("mã đơn vị", "mã"), required=True),
    Column(
        "kind",
        gettext_lazy("Loại"),
        ("loại", "loại hồ sơ"),
        required=True,
        help=gettext_lazy("Mã loại (worker_conference …) hoặc tên tiếng Việt."),
    ),
    Column(
        "date",
        gettext_lazy("Ngày"),
        ("ngày", "ngày tổ chức"),
        required=True,
        help=gettext_lazy("Ngày tổ chức hoặc ban hành: dd/mm/yyyy hoặc YYYY-MM-DD."),
    ),
    Column("invited", gettext_lazy("Số được triệu tập"), ("số được triệu tập",), help=gettext_lazy("Có thể để trống.")),
    Column("attended", gettext_lazy("Số tham dự"), ("số tham dự",), help=gettext_lazy("Có thể để trống.")),
    Column(
        "status",
        gettext_lazy("Trạng thái"),
        ("trạng thái",),
        help=gettext_lazy("draft, submitted, returned, accepted hoặc tên tiếng Việt; trống là “Đã duyệt”."),
    ),
    # Optional history: without them an imported record's quality cannot be assessed.
    Column(
        "format",
        gettext_lazy("Hình thức"),
        ("hình thức",),
        help=gettext_lazy("full (toàn thể) hoặc delegate (đại biểu), hoặc tên tiếng Việt; có thể để trống."),
    ),
    Column(
        "headcount",
        gettext_lazy("Số lao động khi tổ chức"),
        ("số lao động khi tổ chức", "số lao động"),
        help=gettext_lazy("Có thể để trống."),
    ),
    Column(
        "contents",
        gettext_lazy("Nội dung"),
        ("nội dung", "nội dung đã thảo luận"),
        help=gettext_lazy("Mã các nội dung bắt buộc đã thảo luận, cách nhau bởi dấu «;»; có thể để trống."),
    ),
    Column(
        "resolution",
        gettext_lazy("Nghị quyết"),
        ("nghị quyết", "đã thông qua nghị quyết"),
        help=gettext_lazy("có / không; có thể để trống."),
    ),
    Column("notes", gettext_lazy("Ghi chú"), ("ghi chú",), help=gettext_lazy("Có thể để trống.")),
)
EVENT_IMPORT_EXAMPLE = (
    "unit_code,kind,date,invited,attended,status,format,headcount,contents,resolution,notes\n"
    "DV001,worker_conference,15/03/2023,250,231,accepted,full,260,business_report;safety;resolution,có,\n"
    "DV001,Đối thoại định kỳ,2023-09-20,,,,,,,,\n"
    "DV002,cbccvc_conference,10/01/2024,60,58,submitted,delegate,,,không,Biên bản giấy\n"
)
YES = frozenset({"có", "co", "x", "1", "yes", "true", "đã thông qua"})
NO = frozenset({"không", "khong", "0", "no", "false", "chưa thông qua"})
_LABELS = {c.name: c.label for c in EVENT_IMPORT_COLUMNS}

# (unit id, kind, date): what makes two rows, or a row and a record, the same event.
EventKey = tuple[int, str, datetime.date]


def choice_lookup(choices: type[TextChoices]) -> dict[str, str]:
    """Machine values and Vietnamese labels (the msgids, whatever the active language), lowercased."""
    lookup = {str(value): str(value) for value in choices.values}
    with translation.override(None):
        lookup.update({str(label).lower(): str(value) for value, label in choices.choices})
    return lookup


def _parse(
    row: SheetRow,
    *,
    units: dict[str, Unit],
    kinds: dict[str, str],
    statuses: dict[str, str],
    allowed: Callable[[str], bool],
    problems: list[str],
) -> Record | None:
    """The row as an unsaved record, or None with the reasons added to ``problems``."""
    code = row.text("unit_code")
    unit = units.get(code)
    if not code:
        problems.append(_("Thiếu mã đơn vị."))
    elif unit is None or not allowed(unit.node.path):
        # One answer for both: the import must not tell which codes exist elsewhere.
        problems.append(_("Không có đơn vị mã «%(code)s» trong phạm vi bạn quản lý.") % {"code": code})
        unit = None

    kind_text = row.text("kind")
    kind = kinds.get(kind_text.lower())
    if not kind_text:
        problems.append(_("Thiếu loại hồ sơ."))
    elif kind is None:
        problems.append(_("Loại hồ sơ «%(value)s» không hợp lệ.") % {"value": kind_text})

    held_on = None
    try:
        held_on = cell_date(row.values["date"])
    except ValueError:
        problems.append(
            _("%(label)s «%(value)s» không hợp lệ; hãy ghi dd/mm/yyyy hoặc YYYY-MM-DD.")
            % {"label": _LABELS["date"], "value": row.text("date")}
        )
    else:
        if held_on is None:
            problems.append(_("Thiếu ngày."))

    counts = {
        name: read_count(row, name, label=_LABELS[name], problems=problems) if row.text(name) else None
        for name in ("invited", "attended")
    }

    status_text = row.text("status")
    status = statuses.get(status_text.lower()) if status_text else Record.Status.ACCEPTED
    if status is None:
        problems.append(_("Trạng thái «%(value)s» không hợp lệ.") % {"value": status_text})

    if problems or unit is None or kind is None or held_on is None or status is None:
        return None
    return Record(
        unit=unit,
        kind=kind,
        held_on=held_on,
        year=work_year(held_on, unit.work_year_start_month),  # bulk_create skips Record.save(), which sets it
        format=Record.Format.FULL if kind in CONFERENCE_KINDS else "",
        invited=counts["invited"],
        attended=counts["attended"],
        status=status,
        on_paper=True,
    )


def _parse_history(row: SheetRow, *, formats: dict[str, str], problems: list[str]) -> dict[str, object]:
    """The optional columns that let an imported record's quality be assessed."""
    history: dict[str, object] = {"notes": row.text("notes")}
    format_text = row.text("format")
    if format_text:
        history["format"] = formats.get(format_text.lower())
        if history["format"] is None:
            problems.append(_("Hình thức «%(value)s» không hợp lệ.") % {"value": format_text})
    if row.text("headcount"):
        history["headcount"] = read_count(row, "headcount", label=_LABELS["headcount"], problems=problems)
    resolution = row.text("resolution").lower()
    if resolution:
        if resolution in YES or resolution in NO:
            history["resolution_adopted"] = resolution in YES
        else:
            problems.append(
                _("Nghị quyết «%(value)s» không hợp lệ; hãy ghi «có» hoặc «không».") % {"value": row.text("resolution")}
            )
    return history


def _parse_contents(
    row: SheetRow, *, kind: str | None, items: dict[tuple[str, str], int], problems: list[str]
) -> tuple[int, ...]:
    """The checklist lines named by their codes, separated by ";"."""
    codes = [code.strip().lower() for code in row.text("contents").split(";") if code.strip()]
    if not codes or kind is None:
        return ()
    unknown = [code for code in codes if (kind, code) not in items]
    if unknown:
        problems.append(
            _("Nội dung «%(codes)s» không có trong danh mục của loại hồ sơ này.") % {"codes": "; ".join(unknown)}
        )
        return ()
    return tuple(dict.fromkeys(items[(kind, code)] for code in codes))


def _assessable(history: dict[str, object], content_ids: tuple[int, ...]) -> bool:
    """Whether a row carries what judges a record's quality (format, headcount, contents or
    resolution); without any, the record's quality is "not assessed", never failing."""
    return bool(content_ids) or any(history.get(k) is not None for k in ("format", "headcount", "resolution_adopted"))


def _apply_history(record: Record, history: dict[str, object]) -> None:
    for name, value in history.items():
        if value is not None:
            setattr(record, name, value)


def _consistency(record: Record) -> list[str]:
    """Rules across cells and against the unit: the numbers, and when the unit existed."""
    problems = []
    if record.invited is not None and record.attended is not None and record.attended > record.invited:
        problems.append(
            _("Số tham dự (%(attended)s) lớn hơn số được triệu tập (%(invited)s).")
            % {"attended": record.attended, "invited": record.invited}
        )
    held_on, unit = record.held_on, record.unit
    problems += field_problems(Record, {"held_on": held_on})
    if unit.established_on and held_on < unit.established_on:
        problems.append(
            _("Ngày %(date)s trước ngày thành lập đơn vị (%(established)s).")
            % {"date": f"{held_on:%d/%m/%Y}", "established": f"{unit.established_on:%d/%m/%Y}"}
        )
    if unit.dissolved_on and held_on > unit.dissolved_on:
        problems.append(
            _("Ngày %(date)s sau ngày giải thể đơn vị (%(dissolved)s).")
            % {"date": f"{held_on:%d/%m/%Y}", "dissolved": f"{unit.dissolved_on:%d/%m/%Y}"}
        )
    return problems
