"""Quality checks of a record, computed from the year's rule.

The report jobs compute the same checks in SQL; tests keep the two in agreement.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from conferences.models import Attachment, ObligationRule, Record
from conferences.obligations import CONFERENCE_KINDS, DIALOGUE_KINDS


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


def quality_checks(record: Record, rule: ObligationRule | None) -> list[CheckResult]:
    """The checks that apply to ``record`` under ``rule`` (none without a rule).

    Expects ``record.contents`` and ``record.attachments`` and ``rule.contents`` to be
    prefetched when called in a loop.
    """
    if rule is None:
        return []
    results: list[CheckResult] = []
    if record.kind in CONFERENCE_KINDS and rule.quorum_percent is not None:
        invited, attended = record.invited or 0, record.attended or 0
        passed = invited > 0 and attended * 100 >= (rule.quorum_percent - QUORUM_TOLERANCE) * invited
        detail = f"{attended}/{invited}" if invited else ""
        results.append(CheckResult(Check.QUORUM, passed, detail))
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
    if rule.deadline is not None:
        results.append(CheckResult(Check.ON_TIME, record.held_on <= rule.deadline))
    return results


# Quality is about substance; timeliness is reported separately as "on time".
QUALITY_CHECKS = frozenset({Check.QUORUM, Check.CONTENTS, Check.MINUTES, Check.RESOLUTION})


def meets_quality(results: list[CheckResult]) -> bool:
    return all(r.passed for r in results if r.code in QUALITY_CHECKS)
