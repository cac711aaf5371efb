"""What a unit files and what the federation counts: the one place for the kinds of
record, the indicators the reports give a rate for, the families of kinds and the groups
of categories the law speaks of. The record pages, the imports, the quality checks and
the SQL of the reports all read these names from here.

What a given year requires of which categories (deadline, quorum, how often, contents,
the article it rests on) is data, ``ObligationRule``: read through ``conferences.rules``,
seeded from ``conferences.defaults``, and checked on a record by ``conferences.quality``
(Python) and ``conferences.facts`` (the same checks in SQL; tests keep them in agreement).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from units.models import Category


class Kind(models.TextChoices):
    """Every kind of record a unit files."""

    CBCCVC_CONFERENCE = "cbccvc_conference", _("Hội nghị cán bộ, công chức, viên chức")
    WORKER_CONFERENCE = "worker_conference", _("Hội nghị người lao động")
    DIALOGUE_PERIODIC = "dialogue_periodic", _("Đối thoại định kỳ")
    DIALOGUE_ON_REQUEST = "dialogue_on_request", _("Đối thoại khi có yêu cầu")
    DIALOGUE_EVENT = "dialogue_event", _("Đối thoại khi có vụ việc")
    QCDC_REGULATION = "qcdc_regulation", _("Quy chế dân chủ ở cơ sở")
    INSPECTION_BOARD = "inspection_board", _("Ban thanh tra nhân dân")


class Indicator(models.TextChoices):
    """The kinds the reports give a rate for, labelled as the reports print them.

    An indicator's value is its kind's value: a rule for an indicator is met by records
    of that kind. Dialogues on request or on events are recorded but not counted.
    """

    CBCCVC_CONFERENCE = Kind.CBCCVC_CONFERENCE.value, _("Hội nghị cán bộ, công chức, viên chức")
    WORKER_CONFERENCE = Kind.WORKER_CONFERENCE.value, _("Hội nghị người lao động")
    DIALOGUE_PERIODIC = Kind.DIALOGUE_PERIODIC.value, _("Đối thoại định kỳ tại nơi làm việc")
    QCDC_REGULATION = Kind.QCDC_REGULATION.value, _("Quy chế dân chủ ở cơ sở được ban hành")
    INSPECTION_BOARD = Kind.INSPECTION_BOARD.value, _("Ban thanh tra nhân dân")


# The report's columns, in this order.
INDICATORS: tuple[str, ...] = tuple(Indicator.values)

# Yearly conferences: a quorum, a format (full or delegates), a resolution.
CONFERENCE_KINDS = frozenset({Kind.CBCCVC_CONFERENCE, Kind.WORKER_CONFERENCE})
DIALOGUE_KINDS = frozenset({Kind.DIALOGUE_PERIODIC, Kind.DIALOGUE_ON_REQUEST, Kind.DIALOGUE_EVENT})
# Meetings held on a day: signed minutes, and the follow-up of what they agreed.
MEETING_KINDS = CONFERENCE_KINDS | DIALOGUE_KINDS
# Standing facts: done when in force by the end of the year, whenever they were issued.
STANDING_KINDS = frozenset({Kind.QCDC_REGULATION, Kind.INSPECTION_BOARD})

# Agencies and public service units (Law 10/2022/QH15, chapter on agencies and units).
PUBLIC_CATEGORIES: tuple[str, ...] = (Category.STATE_AGENCY, Category.PUBLIC_SERVICE_UNIT)
# Employers (Law 10/2022/QH15 chapter on enterprises; Labour Code 2019 for dialogues).
EMPLOYER_CATEGORIES: tuple[str, ...] = (
    Category.STATE_ENTERPRISE,
    Category.PRIVATE_ENTERPRISE,
    Category.FDI_ENTERPRISE,
    Category.NON_PUBLIC_UNIT,
    Category.COOPERATIVE,
)
# Party bodies, the Fatherland Front and the socio-political (mass) organisations: not
# "state agencies" in the sense of Law 10/2022/QH15 Art. 2(1); the defaults treat them
# like agencies for the yearly conference and the regulation only (see conferences.defaults).
POLITICAL_CATEGORIES: tuple[str, ...] = (
    Category.PARTY_BODY,
    Category.FATHERLAND_FRONT,
    Category.MASS_ORGANISATION,
)


def indicator_kind(indicator: str) -> str:
    """The kind of record that meets ``indicator`` (a ValueError for anything else)."""
    return Kind(Indicator(indicator).value).value


def is_indicator(kind: str) -> bool:
    """Whether records of ``kind`` count towards a rate."""
    return kind in Indicator.values


def indicator_labels() -> dict[str, str]:
    """Each indicator's label in the active language, in report order."""
    return {code: str(Indicator(code).label) for code in INDICATORS}
