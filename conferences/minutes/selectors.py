"""Reads of the minutes: the record page's panel, the signals list, the text search."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from conferences.minutes.compare import Line, compare
from conferences.minutes.formalism import SIGNAL_EXPLANATIONS, SIGNAL_LABELS, any_signal, signals_of, with_signals
from conferences.minutes.models import MinutesReading, MinutesSimilarity
from conferences.minutes.parse import search_form
from conferences.models import Attachment, ContentItem, ObligationRule, Record, RecordQuerySet
from conferences.permissions import can_reread

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    Actor = AbstractBaseUser | AnonymousUser

RELATED_SHOWN = 10


@dataclass
class SignalView:
    code: str
    related: list[Record] = field(default_factory=list)

    @property
    def label(self) -> Any:
        return SIGNAL_LABELS[self.code]

    @property
    def explanation(self) -> Any:
        return SIGNAL_EXPLANATIONS[self.code]


@dataclass
class MinutesPanel:
    readings: list[MinutesReading]
    lines: list[Line]
    signals: list[SignalView]
    may_reread: bool = False  # a failed reading offers to read its file again

    @property
    def reading_now(self) -> bool:
        return any(r.is_active for r in self.readings)


def content_keywords(kind: str | None = None) -> dict[str, list[str]]:
    """Active checklist codes (of ``kind``, or every kind) with the phrases that show them."""
    items = ContentItem.objects.filter(is_active=True)
    if kind is not None:
        items = items.filter(kind=kind)
    keywords: dict[str, list[str]] = {}
    for item in items:
        keywords.setdefault(item.code, []).extend(item.keyword_list())
    return keywords


def _checklist(record: Record, rule: ObligationRule | None) -> list[ContentItem]:
    if rule is not None:
        return [c for c in rule.contents.all() if c.is_active]
    return list(ContentItem.objects.filter(kind=record.kind, is_active=True))


def minutes_panel(*, record: Record, rule: ObligationRule | None, user: Actor) -> MinutesPanel:
    """The record's readings, the comparison with what was typed, and its formalism signals.

    Other records named by a signal are listed only when the user may see them.
    """
    readings = list(
        MinutesReading.objects.filter(attachment__record=record)
        .select_related("attachment")
        .order_by("attachment__uploaded_at", "attachment_id")
    )
    flagged = with_signals(Record.objects.filter(pk=record.pk)).get()
    visible = Record.objects.visible_to(user).select_related("unit")
    signals = []
    for code in signals_of(flagged):
        related: list[Record] = []
        if code == "same_file":
            digests = record.attachments.filter(purpose=Attachment.Purpose.MINUTES).values("sha256")
            related = list(visible.filter(attachments__sha256__in=digests).exclude(pk=record.pk).distinct())
        elif code == "near_copy":
            others = MinutesSimilarity.objects.filter(reading__attachment__record=record).values(
                "other__attachment__record_id"
            )
            related = list(visible.filter(pk__in=others))
        signals.append(SignalView(code, related[:RELATED_SHOWN]))
    return MinutesPanel(
        readings=readings,
        lines=compare(record, readings, _checklist(record, rule)),
        signals=signals,
        may_reread=can_reread(user, record),
    )


def signal_records(*, user: Actor, filters: dict[str, Any]) -> RecordQuerySet:
    """Records in the user's scope that carry at least one signal (or the chosen one)."""
    records = Record.objects.visible_to(user).exclude(status=Record.Status.DRAFT)
    if year := filters.get("year"):
        records = records.filter(year=year)
    if kind := filters.get("kind"):
        records = records.filter(kind=kind)
    if node := filters.get("node"):
        records = records.filter(unit__node__path__startswith=node.path)
    records = with_signals(records).select_related("unit__node")
    signal = filters.get("signal")
    records = records.filter(**{f"sig_{signal}": True}) if signal else records.filter(any_signal())
    return records.order_by("-held_on", "-pk")


def search_readings(*, user: Actor, query: str, filters: dict[str, Any]) -> Any:
    """Read minutes in the user's scope whose text contains ``query`` (case-insensitive)."""
    needle = search_form(query)
    records = Record.objects.visible_to(user)
    if year := filters.get("year"):
        records = records.filter(year=year)
    if node := filters.get("node"):
        records = records.filter(unit__node__path__startswith=node.path)
    return (
        MinutesReading.objects.filter(
            status=MinutesReading.Status.READ,
            search_text__contains=needle,
            attachment__record__in=records,
        )
        .select_related("attachment__record__unit__node")
        .order_by("-attachment__record__held_on", "-pk")
    )


def snippet(text: str, query: str, width: int = 90) -> str:
    """The text around the first match of ``query``, on one line."""
    flat = " ".join(text.split())
    at = flat.lower().find(search_form(query))
    if at < 0:
        return flat[: width * 2]
    start = max(0, at - width)
    return ("…" if start else "") + flat[start : at + len(query) + width] + ("…" if at + width < len(flat) else "")
