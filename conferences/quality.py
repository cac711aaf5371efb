"""Quality checks of a record, and what a unit's records add up to, under the year's rule.

The report facts say the same in SQL (``conferences.facts.build`` and ``.joined``);
tests keep the three in agreement. How a unit's qualifying records of a year count:

- **done**: at least ``rule.min_per_year`` of them (4 periodic dialogues a year under
  the Labour Code 2012, one under the Labour Code 2019);
- **on time**: at least that many held by the deadline ("four dialogues, all by
  31 December"), so a late fourth dialogue makes the year late, not the first three;
- **quality**: at least that many that pass every substantive check, so one dialogue
  without minutes among four keeps the unit from "quality";
- a standing record (the QCDC regulation, the inspection board) counts from the year it
  was issued or elected for ``rule.term_years`` years (for ever without a term), then a
  new one is expected;
- a unit whose work year starts in another month than January (a school year) has its
  records counted in the year its work year begins and the rule's deadline moved with it
  (``units.periods.work_year``, ``work_deadline``);
- a record whose quality cannot be judged (``Record.quality_assessed`` False: imported
  history without contents, resolution, format or headcount) counts as held, never as
  failing: **assessed** when at least that many records can be judged, and the quality
  rate is quality / assessed.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from conferences.models import Attachment, ObligationRule, Record
from conferences.obligations import CONFERENCE_KINDS, DIALOGUE_KINDS, STANDING_KINDS
from units.periods import work_deadline


class Check:
    QUORUM = "quorum"
    CONTENTS = "contents"
    MINUTES = "minutes"
    RESOLUTION = "resolution"
    ON_TIME = "on_time"


CHECK_LABELS: dict[str, Promise] = {
    Check.QUORUM: _("Đủ tỷ lệ tham dự"),
    Check.CONTENTS: _("Đủ nội dung bắt buộc"),
    Check.MINUTES: _("Có biên bản"),
    Check.RESOLUTION: _("Thông qua nghị quyết"),
    Check.ON_TIME: _("Tổ chức đúng hạn"),
}
CHECK_FAILURES: dict[str, Promise] = {
    Check.QUORUM: _("không đủ tỷ lệ tham dự"),
    Check.CONTENTS: _("thiếu nội dung bắt buộc"),
    Check.MINUTES: _("thiếu biên bản"),
    Check.RESOLUTION: _("chưa thông qua nghị quyết"),
    Check.ON_TIME: _("tổ chức quá hạn"),
}


# Rules store percentages with two decimals, so "two thirds" is entered as 66.67 and
# exactly two thirds (66.666…%) must still meet it: attendance counts when, rounded half
# up to the rule's two decimals, it reaches the rule. Kept as one multiplication (no
# division, no rounding function) so the report SQL can say the same thing.
QUORUM_TOLERANCE = Decimal("0.005")


@dataclass(frozen=True)
class CheckResult:
    code: str
    passed: bool
    detail: str = ""

    @property
    def label(self) -> Promise:
        return CHECK_LABELS[self.code]


def deadline_for(rule: ObligationRule, record: Record) -> datetime.date | None:
    """The rule's deadline for the record's unit: moved with its work year
    (``units.periods.work_deadline``)."""
    if rule.deadline is None:
        return None
    return work_deadline(rule.deadline, record.unit.work_year_start_month)


def quorum_base(record: Record) -> tuple[int, bool]:
    """What a conference's attendance is measured against, and whether it is the headcount.

    A full assembly (``format=full``) is measured against the unit's workers on the day
    (``headcount``), falling back to the number convened when the headcount was not
    recorded; a delegates' conference, or a record that does not say its format, against
    the delegates convened (``invited``).
    """
    if record.format == Record.Format.FULL and record.headcount is not None:
        return record.headcount, True
    return record.invited or 0, False


def _quorum_detail(record: Record, base: int, of_headcount: bool) -> str:
    if not base:
        return ""
    attended = record.attended or 0
    if of_headcount:
        return _("%(attended)d/%(base)d lao động của đơn vị") % {"attended": attended, "base": base}
    if record.format == Record.Format.FULL:
        return _("%(attended)d/%(base)d được triệu tập (chưa có số lao động của đơn vị)") % {
            "attended": attended,
            "base": base,
        }
    return f"{attended}/{base}"


def quality_checks(record: Record, rule: ObligationRule | None) -> list[CheckResult]:
    """The checks that apply to ``record`` under ``rule`` (none without a rule).

    Expects ``record.contents`` and ``record.attachments`` and ``rule.contents`` to be
    prefetched when called in a loop.
    """
    if rule is None:
        return []
    results: list[CheckResult] = []
    deadline = deadline_for(rule, record)
    if not record.quality_assessed:
        # Only the date is known: the substance of the record is not judged.
        return [CheckResult(Check.ON_TIME, record.held_on <= deadline)] if deadline is not None else []
    if record.kind in CONFERENCE_KINDS and rule.quorum_percent is not None:
        base, of_headcount = quorum_base(record)
        attended = record.attended
        passed = base > 0 and attended is not None and attended * 100 >= (rule.quorum_percent - QUORUM_TOLERANCE) * base
        results.append(CheckResult(Check.QUORUM, passed, _quorum_detail(record, base, of_headcount)))
    required = {c.pk for c in rule.contents.all() if c.is_active}
    if required:
        covered = {c.pk for c in record.contents.all()}
        missing = len(required - covered)
        results.append(CheckResult(Check.CONTENTS, missing == 0, f"{len(required) - missing}/{len(required)}"))
    if record.kind in CONFERENCE_KINDS or record.kind in DIALOGUE_KINDS:
        has_minutes = any(a.purpose == Attachment.Purpose.MINUTES for a in record.attachments.all())
        results.append(CheckResult(Check.MINUTES, has_minutes))
    if rule.requires_resolution:
        results.append(CheckResult(Check.RESOLUTION, bool(record.resolution_adopted)))
    if deadline is not None:
        results.append(CheckResult(Check.ON_TIME, record.held_on <= deadline))
    return results


# Quality is about substance; timeliness is reported separately as "on time".
QUALITY_CHECKS = frozenset({Check.QUORUM, Check.CONTENTS, Check.MINUTES, Check.RESOLUTION})


def meets_quality(results: list[CheckResult]) -> bool:
    return all(r.passed for r in results if r.code in QUALITY_CHECKS)


def counts_for(record: Record, rule: ObligationRule, year: int, until: datetime.date) -> bool:
    """Whether ``record`` counts toward ``rule`` in ``year`` for a period ending ``until``:
    accepted, of the rule's kind, of that (work) year (a standing record: of that year or
    of the ``rule.term_years - 1`` before it), and for the half-year held by its end."""
    if record.status != Record.Status.ACCEPTED or record.kind != rule.kind:
        return False
    if until < datetime.date(year, 12, 31) and record.held_on > until:
        return False
    if rule.kind in STANDING_KINDS:
        return record.year <= year and (rule.term_years is None or record.year > year - rule.term_years)
    return record.year == year


@dataclass(frozen=True)
class Standing:
    """What a unit's qualifying records of a year add up to under a rule (one fact row)."""

    held: int
    done: bool
    on_time: bool
    quality: bool
    assessed: bool
    record: Record | None
    failures: dict[str, int]


def unit_standing(records: list[Record], rule: ObligationRule) -> Standing:
    """``records``: one unit's records that count for the year (``counts_for``), with their
    contents and attachments prefetched. ``record`` is the earliest, the one the unit is
    counted by; ``failures`` how many records fail each substantive check."""
    needed = rule.min_per_year
    checks = {r.pk: quality_checks(r, rule) for r in records}
    in_time = [r for r in records if rule.deadline is None or r.held_on <= deadline_for(rule, r)]
    judged = [r for r in records if r.quality_assessed]
    good = [r for r in judged if meets_quality(checks[r.pk])]
    failures = {
        code: sum(1 for r in records for c in checks[r.pk] if c.code == code and not c.passed)
        for code in sorted(QUALITY_CHECKS)
    }
    return Standing(
        held=len(records),
        done=len(records) >= needed,
        on_time=len(in_time) >= needed,
        quality=len(good) >= needed,
        assessed=len(judged) >= needed,
        record=min(records, key=lambda r: (r.held_on, r.pk)) if records else None,
        failures={code: n for code, n in failures.items() if n},
    )
