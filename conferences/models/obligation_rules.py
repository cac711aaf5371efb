"""What each year's rules ask of which units, and the checklists of mandatory contents
(the kinds and indicators they speak of are in ``conferences.obligations``)."""

from __future__ import annotations

from typing import ClassVar

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from conferences.obligations import Indicator, Kind, indicator_kind
from units.categories import category_on
from units.models import Category, Unit
from units.periods import Period, period_end


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

    # Which rule it is, and what it requires in the order it is edited: the rule form, the
    # admin's list, the copy to another year and the audit log all read these two lists.
    KEY: ClassVar[tuple[str, ...]] = ("year", "indicator")
    TERMS: ClassVar[tuple[str, ...]] = (
        "categories",
        "deadline",
        "quorum_percent",
        "min_employees",
        "min_per_year",
        "term_years",
        "requires_resolution",
        "requires_minutes",
        "contents",
        "legal_basis",
    )

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
        return indicator_kind(self.indicator)

    def applies_to(self, unit: Unit, category: str | None = None) -> bool:
        """Whether the rule binds ``unit``: by its category at the end of the rule's year
        (``category``, when the caller read it already) and its size."""
        if category is None:
            category = category_on(unit, period_end(self.year, Period.YEAR))
        if category not in self.categories:
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
