"""Validators every write path shares: forms and the admin run them through the model's
``full_clean``; the imports call ``field_problems`` on the same model fields.

Names are one line of printable text: a CR/LF in a unit's name used to reach e-mail
subjects (BadHeaderError) and headers; bidirectional overrides can make a code read
differently from what it is. Dates are bounded so that a slip of the keyboard
(01/01/0001, 31/12/9999) cannot enter a report.
"""

from __future__ import annotations

import datetime
import re
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.db import models

# C0 and C1 controls (tab, CR, LF included), the Unicode line and paragraph separators,
# and the bidirectional embeddings, overrides and isolates.
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
# Grassroots democracy records start with Decree 29/1998; 1990 leaves room for older paperwork.
FIRST_EVENT_DAY = datetime.date(1990, 1, 1)
# Schools, hospitals and state enterprises founded long ago are still units today.
FIRST_FOUNDING_DAY = datetime.date(1900, 1, 1)
# A dissolution can be recorded ahead of time, but not beyond the next year.
DAYS_AHEAD_FOR_DISSOLUTION = 366


def validate_single_line(value: str) -> None:
    if CONTROL_CHARACTERS.search(value):
        raise ValidationError(
            _("Không được chứa ký tự điều khiển (xuống dòng, tab …); hãy gõ lại trên một dòng."),
            code="control_characters",
        )


def _day(value: datetime.date) -> str:
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


def validate_event_day(value: datetime.date) -> None:
    """A conference, dialogue or regulation: between 01/01/1990 and today."""
    if value < FIRST_EVENT_DAY:
        raise ValidationError(
            _("Ngày %(date)s trước năm 1990: hãy kiểm tra lại năm."), code="too_early", params={"date": _day(value)}
        )
    if value > timezone.localdate():
        raise ValidationError(
            _("Ngày %(date)s còn ở tương lai: chỉ ghi nhận sự kiện đã diễn ra."),
            code="future",
            params={"date": _day(value)},
        )


def validate_founding_day(value: datetime.date) -> None:
    """A unit's founding: between 01/01/1900 and today."""
    if value < FIRST_FOUNDING_DAY:
        raise ValidationError(
            _("Ngày %(date)s trước năm 1900: hãy kiểm tra lại năm."), code="too_early", params={"date": _day(value)}
        )
    if value > timezone.localdate():
        raise ValidationError(
            _("Ngày thành lập %(date)s còn ở tương lai."), code="future", params={"date": _day(value)}
        )


def validate_dissolution_day(value: datetime.date) -> None:
    """A unit's dissolution: from 01/01/1990 to a year ahead."""
    if value < FIRST_EVENT_DAY:
        raise ValidationError(
            _("Ngày %(date)s trước năm 1990: hãy kiểm tra lại năm."), code="too_early", params={"date": _day(value)}
        )
    if value > timezone.localdate() + datetime.timedelta(days=DAYS_AHEAD_FOR_DISSOLUTION):
        raise ValidationError(
            _("Ngày %(date)s quá xa trong tương lai: chỉ ghi ngày ngừng hoạt động trong vòng một năm tới."),
            code="too_late",
            params={"date": _day(value)},
        )


def field_problems(model: type[models.Model], values: dict[str, Any]) -> list[str]:
    """What this module's validators on the model's fields say about ``values``: the
    imports check the same rules as the forms (lengths and formats they check themselves)."""
    problems = []
    for name, value in values.items():
        field = model._meta.get_field(name)
        if value in field.empty_values:  # type: ignore[union-attr]
            continue
        label = capfirst(str(field.verbose_name))  # type: ignore[union-attr]
        for validator in field.validators:  # type: ignore[union-attr]
            if getattr(validator, "__module__", None) != __name__:
                continue
            try:
                validator(value)
            except ValidationError as exc:
                problems += [f"{label}: {message}" for message in exc.messages]
    return problems
