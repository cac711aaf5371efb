"""Conferences, dialogues and the unit's standing facts, with minutes and an audit trail.

One ``Record`` model holds every kind of event a unit files (the yearly conferences,
the dialogues, the QCDC regulation, the People's Inspection Board): they share the
workflow (draft → submitted → accepted / returned), the attachments and the audit, and
the reports count them by kind. What each year requires is data: ``ObligationRule``.
"""

# Follow-up items and minutes readings live in their own packages; imported here so
# that their models belong to the app.
from conferences.followup.models import FollowUpItem
from conferences.minutes.models import MinutesReading, MinutesShingle, MinutesSimilarity
from conferences.models.fact_tables import Fact, FactCube, FactYear
from conferences.models.obligation_rules import (
    CONFERENCE_KINDS,
    DIALOGUE_KINDS,
    INDICATOR_KIND,
    STANDING_KINDS,
    ContentItem,
    Kind,
    ObligationRule,
)
from conferences.models.records import Attachment, AuditEntry, Record, RecordQuerySet, _attachment_path

__all__ = [
    "CONFERENCE_KINDS",
    "DIALOGUE_KINDS",
    "INDICATOR_KIND",
    "STANDING_KINDS",
    "Attachment",
    "AuditEntry",
    "ContentItem",
    "Fact",
    "FactCube",
    "FactYear",
    "FollowUpItem",
    "Kind",
    "MinutesReading",
    "MinutesShingle",
    "MinutesSimilarity",
    "ObligationRule",
    "Record",
    "RecordQuerySet",
    "_attachment_path",
]
