"""Signals that a conference or dialogue may have been held "for form" (hình thức).

Signals, never verdicts: each is a reason for a reviewer to look closer, with a short
explanation. All are SQL conditions on a record queryset (``with_signals``), so the
record page, the per-node list and its filters say the same thing, in a fixed number
of queries whatever the number of records.
"""

from __future__ import annotations

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, F, OuterRef, Q, Subquery
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from conferences.followup.models import FollowUpItem
from conferences.minutes.models import MinutesSimilarity
from conferences.models import CONFERENCE_KINDS, DIALOGUE_KINDS, Attachment, ObligationRule, Record, RecordQuerySet
from conferences.quality import QUORUM_TOLERANCE

PROPOSALS_CODE = "proposals"


class Signal:
    SAME_FILE = "same_file"
    NEAR_COPY = "near_copy"
    QUORUM_LINE = "quorum_line"
    NO_PROPOSALS = "no_proposals"
    NO_RESOLUTION = "no_resolution"
    NO_AGREEMENT = "no_agreement"
    UNANSWERED_TWICE = "unanswered_twice"


SIGNAL_LABELS: dict[str, Promise] = {
    Signal.SAME_FILE: _("Trùng tệp biên bản"),
    Signal.NEAR_COPY: _("Biên bản gần giống đơn vị khác"),
    Signal.QUORUM_LINE: _("Tham dự vừa đúng ngưỡng"),
    Signal.NO_PROPOSALS: _("Không có kiến nghị"),
    Signal.NO_RESOLUTION: _("Không có nghị quyết"),
    Signal.NO_AGREEMENT: _("Đối thoại không có thỏa thuận"),
    Signal.UNANSWERED_TWICE: _("Việc cũ chưa được trả lời lần thứ hai"),
}
SIGNAL_EXPLANATIONS: dict[str, Promise] = {
    Signal.SAME_FILE: _("Cùng một tệp biên bản (trùng mã băm nội dung) đã được nộp cho đơn vị khác hoặc cho năm khác."),
    Signal.NEAR_COPY: _("Nội dung biên bản gần như trùng khớp với biên bản của một đơn vị khác."),
    Signal.QUORUM_LINE: _("Số người tham dự vừa đúng mức tối thiểu để hội nghị hợp lệ; nên xem danh sách điểm danh."),
    Signal.NO_PROPOSALS: _("Hội nghị không ghi nhận kiến nghị nào của người lao động."),
    Signal.NO_RESOLUTION: _("Hội nghị không thông qua nghị quyết."),
    Signal.NO_AGREEMENT: _("Cuộc đối thoại không ghi nhận thỏa thuận nào."),
    Signal.UNANSWERED_TWICE: _(
        "Một kiến nghị hoặc thỏa thuận từ trước đã qua ít nhất hai lần hội nghị, đối thoại mà vẫn chưa có kết quả."
    ),
}
SIGNALS = list(SIGNAL_LABELS)


def with_signals(records: RecordQuerySet) -> RecordQuerySet:
    """Annotate ``sig_<code>`` booleans on each record (and ``quorum_percent``)."""
    elsewhere = Attachment.objects.filter(sha256=OuterRef("sha256"), purpose=Attachment.Purpose.MINUTES).exclude(
        record__unit_id=OuterRef(OuterRef("unit_id")), record__year=OuterRef(OuterRef("year"))
    )
    shared_file = Attachment.objects.filter(record_id=OuterRef("pk"), purpose=Attachment.Purpose.MINUTES).filter(
        Exists(elsewhere)
    )
    near_copy = MinutesSimilarity.objects.filter(reading__attachment__record_id=OuterRef("pk"))
    quorum = ObligationRule.objects.filter(year=OuterRef("year"), indicator=OuterRef("kind")).values("quorum_percent")
    proposals = Record.contents.through.objects.filter(record_id=OuterRef("pk"), contentitem__code=PROPOSALS_CODE)
    proposal_items = FollowUpItem.objects.filter(record_id=OuterRef("pk"), item_type=FollowUpItem.Type.PROPOSAL)
    agreement_items = FollowUpItem.objects.filter(record_id=OuterRef("pk"), item_type=FollowUpItem.Type.AGREEMENT)
    following = list(CONFERENCE_KINDS | DIALOGUE_KINDS)
    # An open item raised before this record that an earlier following record already carried.
    carried_before = Record.objects.filter(
        unit_id=OuterRef("unit_id"),
        kind__in=following,
        held_on__gt=OuterRef("record__held_on"),
        held_on__lt=OuterRef(OuterRef("held_on")),
    )
    unanswered = FollowUpItem.objects.filter(
        unit_id=OuterRef("unit_id"), state=FollowUpItem.State.OPEN, record__held_on__lt=OuterRef("held_on")
    ).filter(Exists(carried_before))
    conference = Q(kind__in=list(CONFERENCE_KINDS))
    # The fewest people that meet the quorum, as quality.quality_checks counts it.
    line = (F("quorum_percent") - QUORUM_TOLERANCE) * F("invited")
    at_line = Q(
        conference,
        invited__gt=0,
        attended__lt=F("invited"),
        quorum_percent__isnull=False,
    ) & Q(attended_x100__gte=line, attended_less_x100__lt=line)

    def flag(condition: Q) -> ExpressionWrapper:
        return ExpressionWrapper(condition, output_field=BooleanField())

    return records.annotate(
        quorum_percent=Subquery(quorum[:1]),
        attended_x100=F("attended") * 100,
        attended_less_x100=(F("attended") - 1) * 100,
    ).annotate(
        sig_same_file=Exists(shared_file),
        sig_near_copy=Exists(near_copy),
        sig_quorum_line=flag(at_line),
        sig_no_proposals=flag(conference & ~Exists(proposals) & ~Exists(proposal_items)),
        sig_no_resolution=flag(conference & ~Q(resolution_adopted=True)),
        sig_unanswered_twice=flag(Q(kind__in=following) & Exists(unanswered)),
        sig_no_agreement=flag(Q(kind__in=list(DIALOGUE_KINDS), agreements="") & ~Exists(agreement_items)),
    )


def any_signal() -> Q:
    return Q(*(Q(**{f"sig_{code}": True}) for code in SIGNALS), _connector=Q.OR)


def signal_counts(records: RecordQuerySet) -> dict[str, int]:
    """How many of ``records`` carry each signal, and any (``"any"``): one query, with the
    conditions of ``with_signals``, so a count is the length of the per-node list for it."""
    flagged = with_signals(records)
    counts = {code: Count("pk", filter=Q(**{f"sig_{code}": True})) for code in SIGNALS}
    return flagged.aggregate(records=Count("pk"), any=Count("pk", filter=any_signal()), **counts)


def signals_of(record: Record) -> list[str]:
    """The codes flagged on an annotated record, in display order."""
    return [code for code in SIGNALS if getattr(record, f"sig_{code}", False)]
