"""The filter bar every list shares: django-filter sets with one crispy layout.

Labelled controls sit on one aligned row on a desktop and stack on a phone; an empty
choice reads "Tất cả" (``FILTERS_EMPTY_CHOICE_LABEL``); the list keeps the filters in its
pagination and export links (``query_without_page``).
"""

from __future__ import annotations

from typing import Any

import django_filters
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Hidden, Layout, Submit
from django import forms
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from units.models import Category, OrgNode, Unit


def filter_bar(
    form: forms.Form, *, submit: str | None = None, hidden: dict[str, Any] | None = None, form_id: str = ""
) -> FormHelper:
    """A GET form laid out as the filter bar: one column per visible field, then the button."""
    helper = FormHelper(form)
    helper.form_method = "get"
    helper.form_class = "filter-bar row row-cols-1 row-cols-sm-2 row-cols-lg-auto g-2 align-items-end mb-3"
    helper.form_id = form_id
    helper.attrs = {"role": "search"}
    helper.disable_csrf = True
    columns = [
        Div(Field(name, wrapper_class="mb-0"), css_class="col")
        for name, f in form.fields.items()
        if not f.widget.is_hidden
    ]
    hidden_fields = [Field(name) for name, f in form.fields.items() if f.widget.is_hidden]
    extra = [Hidden(name, value) for name, value in (hidden or {}).items()]
    button = Div(Submit("", submit or _("Lọc"), css_class="btn-secondary w-100"), css_class="col")
    helper.layout = Layout(*columns, *hidden_fields, *extra, button)
    return helper


def query_without_page(request: HttpRequest) -> str:
    """The list's query string minus the page: what pagination and export links carry."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


class ListFilterSet(django_filters.FilterSet):
    """A FilterSet whose form renders as the shared filter bar."""

    submit_label: Any = None

    def __init__(self, *args: Any, hidden: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.form.helper = filter_bar(self.form, submit=self.submit_label, hidden=hidden)


def node_label(node: OrgNode) -> str:
    return ("· " * node.depth) + node.name


def _visible_nodes(request: HttpRequest | None) -> QuerySet[OrgNode]:
    if request is None:
        return OrgNode.objects.none()
    return OrgNode.objects.visible_to(request.user)


class UnitFilter(ListFilterSet):
    q = django_filters.CharFilter(
        label=_("Tìm theo tên hoặc mã"), method="search", widget=forms.TextInput(attrs={"type": "search"})
    )
    category = django_filters.ChoiceFilter(label=_("Loại hình"), choices=Category.choices)
    node = django_filters.ModelChoiceFilter(label=_("Công đoàn cấp trên"), queryset=_visible_nodes, method="under")
    status = django_filters.ChoiceFilter(
        label=_("Trạng thái"),
        choices=[("active", _("Đang hoạt động")), ("inactive", _("Ngừng hoạt động"))],
        method="by_status",
    )

    class Meta:
        model = Unit
        fields = ["q", "category", "node", "status"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.form.fields["node"].label_from_instance = node_label

    def search(self, queryset: QuerySet[Unit], name: str, value: str) -> QuerySet[Unit]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value) | Q(tax_code__icontains=value))

    def under(self, queryset: QuerySet[Unit], name: str, value: OrgNode) -> QuerySet[Unit]:
        return queryset.under(value)  # type: ignore[attr-defined]

    def by_status(self, queryset: QuerySet[Unit], name: str, value: str) -> QuerySet[Unit]:
        today = timezone.localdate()
        if value == "active":
            return queryset.filter(Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=today))
        return queryset.filter(dissolved_on__lte=today)
