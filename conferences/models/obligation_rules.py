"""What a record can be, and what each year's rules ask of which units."""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from units.models import Category, Unit
from units.obligations import Indicator


class Kind(models.TextChoices):
    CBCCVC_CONFERENCE = "cbccvc_conference", _("Hội nghị cán bộ, công chức, viên chức")
    WORKER_CONFERENCE = "worker_conference", _("Hội nghị người lao động")
    DIALOGUE_PERIODIC = "dialogue_periodic", _("Đối thoại định kỳ")
    DIALOGUE_ON_REQUEST = "dialogue_on_request", _("Đối thoại khi có yêu cầu")
    DIALOGUE_EVENT = "dialogue_event", _("Đối thoại khi có vụ việc")
    QCDC_REGULATION = "qcdc_regulation", _("Quy chế dân chủ ở cơ sở")
    INSPECTION_BOARD = "inspection_board", _("Ban thanh tra nhân dân")


CONFERENCE_KINDS = frozenset({Kind.CBCCVC_CONFERENCE, Kind.WORKER_CONFERENCE})
DIALOGUE_KINDS = frozenset({Kind.DIALOGUE_PERIODIC, Kind.DIALOGUE_ON_REQUEST, Kind.DIALOGUE_EVENT})
# Standing facts: done when in force by the end of the year, whenever they were issued.
STANDING_KINDS = frozenset({Kind.QCDC_REGULATION, Kind.INSPECTION_BOARD})
# Each indicator is satisfied by records of the kind with the same value.
INDICATOR_KIND: dict[str, str] = {i.value: Kind(i.value).value for i in Indicator}


class ContentItem(models.Model):
    """One line of a mandatory-contents checklist (e.g. "the employer's business report")."""

    kind = models.CharField(_("loại hồ sơ"), max_length=32, choices=Kind.choices)
    code = models.SlugField(_("mã"), max_length=64)
    label = models.CharField(_("nội dung"), max_length=255)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    keywords = models.TextField(
        _("từ khóa trong biên bản"),
        blank=True,
        help_text=_("Mỗi dòng một cụm từ; biên bản nhắc một cụm là có nội dung này. Để trống: dùng tên nội dung."),
    )
    is_active = models.BooleanField(_("đang dùng"), default=True)

    class Meta:
        ordering = ["kind", "order", "pk"]
        verbose_name = _("nội dung bắt buộc")
        verbose_name_plural = _("nội dung bắt buộc")
        constraints = [models.UniqueConstraint(fields=["kind", "code"], name="contentitem_unique_code")]

    def __str__(self) -> str:
        return self.label

    def keyword_list(self) -> list[str]:
        return [line.strip() for line in self.keywords.splitlines() if line.strip()] or [self.label]


class ObligationRule(models.Model):
    """What a year requires of which categories: editable, because the law changes."""

    year = models.PositiveSmallIntegerField(_("năm"))
    indicator = models.CharField(_("chỉ tiêu"), max_length=32, choices=Indicator.choices)
    categories = models.JSONField(_("loại hình áp dụng"), default=list)
    deadline = models.DateField(_("hạn"), null=True, blank=True, help_text=_("Để trống nếu không có hạn."))
    quorum_percent = models.DecimalField(
        _("tỷ lệ tham dự tối thiểu (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    min_employees = models.PositiveIntegerField(
        _("số lao động tối thiểu"), null=True, blank=True, help_text=_("Đơn vị nhỏ hơn được miễn.")
    )
    min_per_year = models.PositiveSmallIntegerField(
        _("số lần tối thiểu mỗi năm"),
        default=1,
        validators=[MinValueValidator(1)],
        help_text=_("Ví dụ: đối thoại định kỳ 3 tháng một lần là 4 lần mỗi năm."),
    )
    term_years = models.PositiveSmallIntegerField(
        _("nhiệm kỳ (năm)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Ban được bầu có hiệu lực trong số năm này, sau đó phải bầu lại. Để trống nếu không có nhiệm kỳ."),
    )
    requires_resolution = models.BooleanField(_("phải có nghị quyết"), default=False)
    requires_minutes = models.BooleanField(
        _("phải có biên bản khi nộp"),
        default=False,
        help_text=_("Không cho nộp hồ sơ khi chưa đính kèm biên bản."),
    )
    contents = models.ManyToManyField(ContentItem, blank=True, verbose_name=_("nội dung bắt buộc"))
    legal_basis = models.TextField(
        _("căn cứ pháp lý"), blank=True, help_text=_("Văn bản và điều khoản mà quy định này dựa vào.")
    )

    class Meta:
        ordering = ["-year", "indicator"]
        verbose_name = _("quy định nghĩa vụ")
        verbose_name_plural = _("quy định nghĩa vụ theo năm")
        constraints = [models.UniqueConstraint(fields=["year", "indicator"], name="rule_unique_per_year")]

    def __str__(self) -> str:
        return f"{self.year} – {self.get_indicator_display()}"

    @property
    def kind(self) -> str:
        return INDICATOR_KIND[self.indicator]

    def applies_to(self, unit: Unit) -> bool:
        if unit.category not in self.categories:
            return False
        return self.min_employees is None or unit.employees >= self.min_employees

    def frequency_text(self) -> str:
        """How often the rule asks, as shown beside it ("at least 4 a year", "2-year term")."""
        parts = [
            ngettext("ít nhất %(n)d lần/năm", "ít nhất %(n)d lần/năm", self.min_per_year) % {"n": self.min_per_year}
        ]
        if self.term_years:
            parts.append(ngettext("nhiệm kỳ %(n)d năm", "nhiệm kỳ %(n)d năm", self.term_years) % {"n": self.term_years})
        return "; ".join(parts)

    def category_labels(self) -> list[str]:
        return [str(Category(c).label) for c in self.categories if c in Category.values]
