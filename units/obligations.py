"""The indicators the federation reports on, and the category groups the law speaks of.

Which category owes which event in a given year is data (conferences.ObligationRule),
seeded from these groups; nothing else in the code decides it.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from units.models import Category


class Indicator(models.TextChoices):
    CBCCVC_CONFERENCE = "cbccvc_conference", _("Hội nghị cán bộ, công chức, viên chức")
    WORKER_CONFERENCE = "worker_conference", _("Hội nghị người lao động")
    DIALOGUE_PERIODIC = "dialogue_periodic", _("Đối thoại định kỳ tại nơi làm việc")
    QCDC_REGULATION = "qcdc_regulation", _("Quy chế dân chủ ở cơ sở được ban hành")
    INSPECTION_BOARD = "inspection_board", _("Ban thanh tra nhân dân")


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
