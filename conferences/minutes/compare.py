"""What the minutes say against what the chair typed: found / not found / different, per item."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from conferences.minutes.models import MinutesReading
from conferences.models import ContentItem, Record


class Mark:
    FOUND = "found"
    NOT_FOUND = "not_found"
    DIFFERENT = "different"


MARK_LABELS: dict[str, Promise] = {
    Mark.FOUND: _("có trong biên bản"),
    Mark.NOT_FOUND: _("không thấy trong biên bản"),
    Mark.DIFFERENT: _("khác với hồ sơ"),
}


@dataclass(frozen=True)
class Line:
    key: str
    label: str
    mark: str
    typed: str = ""
    read: str = ""

    @property
    def mark_label(self) -> Promise:
        return MARK_LABELS[self.mark]


def _date(value: datetime.date | None) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT") if value else ""


def _number(value: int | None) -> str:
    return "" if value is None else str(value)


def _value_line(key: str, label: str, typed: object, read: object, show: str, shown: str) -> Line:
    if read is None:
        return Line(key, label, Mark.NOT_FOUND, typed=show)
    mark = Mark.FOUND if typed == read else Mark.DIFFERENT
    return Line(key, label, mark, typed=show, read=shown)


def compare(record: Record, readings: Sequence[MinutesReading], checklist: Iterable[ContentItem]) -> list[Line]:
    """Lines for the date, the numbers, the resolution and each checklist item.

    ``readings`` are the record's read files in upload order; the first value found wins
    and contents found in any file count. Empty when nothing has been read.
    """
    read = [r for r in readings if r.status == MinutesReading.Status.READ]
    if not read:
        return []
    held_on = next((r.held_on for r in read if r.held_on), None)
    invited = next((r.invited for r in read if r.invited is not None), None)
    attended = next((r.attended for r in read if r.attended is not None), None)
    found_codes = {code for r in read for code in r.contents}
    lines = [
        _value_line("held_on", str(_("Ngày tổ chức")), record.held_on, held_on, _date(record.held_on), _date(held_on))
    ]
    if record.is_conference or record.invited is not None:
        for key, label, typed_value, read_value in (
            ("invited", _("Số được triệu tập"), record.invited, invited),
            ("attended", _("Số tham dự"), record.attended, attended),
        ):
            lines.append(
                _value_line(key, str(label), typed_value, read_value, _number(typed_value), _number(read_value))
            )
    if record.is_conference:
        mentioned = any(r.resolution for r in read)
        agrees = Mark.FOUND if record.resolution_adopted else Mark.DIFFERENT
        mark = agrees if mentioned else Mark.NOT_FOUND
        typed = "" if record.resolution_adopted is None else str(_("có") if record.resolution_adopted else _("không"))
        lines.append(Line("resolution", str(_("Thông qua nghị quyết")), mark, typed=typed))
    ticked = {c.pk for c in record.contents.all()}
    for item in checklist:
        # Mentioned but not ticked: the record says less than the minutes.
        agrees = Mark.FOUND if item.pk in ticked else Mark.DIFFERENT
        mark = agrees if item.code in found_codes else Mark.NOT_FOUND
        typed = str(_("đã đánh dấu")) if item.pk in ticked else str(_("chưa đánh dấu"))
        lines.append(Line(f"content:{item.code}", item.label, mark, typed=typed))
    return lines
