"""Which unit categories owe which events: the one place this mapping lives.

These are the defaults from the domain notes (Law 10/2022/QH15, Labour Code 2019).
The conferences app seeds its per-year, admin-editable rules from them.
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


PUBLIC_CATEGORIES = (Category.STATE_AGENCY, Category.PUBLIC_SERVICE_UNIT)
EMPLOYER_CATEGORIES = (
    Category.STATE_ENTERPRISE,
    Category.PRIVATE_ENTERPRISE,
    Category.FDI_ENTERPRISE,
    Category.NON_PUBLIC_UNIT,
    Category.COOPERATIVE,
)

PUBLIC_DUTIES = (Indicator.CBCCVC_CONFERENCE, Indicator.INSPECTION_BOARD, Indicator.QCDC_REGULATION)
EMPLOYER_DUTIES = (Indicator.WORKER_CONFERENCE, Indicator.DIALOGUE_PERIODIC, Indicator.QCDC_REGULATION)

DEFAULT_OBLIGATIONS: dict[str, tuple[Indicator, ...]] = {
    **dict.fromkeys(PUBLIC_CATEGORIES, PUBLIC_DUTIES),
    **dict.fromkeys(EMPLOYER_CATEGORIES, EMPLOYER_DUTIES),
    Category.OTHER: (),
}


def default_obligations(category: str) -> tuple[Indicator, ...]:
    return DEFAULT_OBLIGATIONS.get(category, ())
