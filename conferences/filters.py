"""The review queue's filter bar (the shared layout of ``units.filters``)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext_lazy as _

from conferences.models import Record
from conferences.obligations import Kind
from units.filters import ListFilterSet, node_label
from units.models import OrgNode


def _managed_nodes(request: HttpRequest | None) -> QuerySet[OrgNode]:
    if request is None:
        return OrgNode.objects.none()
    return OrgNode.objects.managed_by(request.user)


class QueueFilter(ListFilterSet):
    """Records awaiting review by default; "Tất cả" shows every status."""

    kind = django_filters.ChoiceFilter(label=_("Loại"), choices=Kind.choices)
    status = django_filters.ChoiceFilter(label=_("Trạng thái"), choices=Record.Status.choices)
    node = django_filters.ModelChoiceFilter(label=_("Công đoàn cấp trên"), queryset=_managed_nodes, method="under")

    class Meta:
        model = Record
        fields = ["kind", "status", "node"]

    def __init__(self, data: QueryDict | None, *args: Any, **kwargs: Any) -> None:
        data = data.copy() if data is not None else QueryDict(mutable=True)
        data.setdefault("status", Record.Status.SUBMITTED)
        super().__init__(data, *args, **kwargs)
        self.form.fields["node"].label_from_instance = node_label

    def under(self, queryset: QuerySet[Record], name: str, value: OrgNode) -> QuerySet[Record]:
        return queryset.filter(unit__node__path__startswith=value.path)
