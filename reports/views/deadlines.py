"""Deadlines per level in the back office: read by staff, set by administrators."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from qcdc.years import MAX_YEAR, MIN_YEAR, year_param
from reports import deadlines as service
from units.forms import DateInput
from units.periods import Period, PeriodDeadline
from units.permissions import can_manage_units, require, scope_for


class DeadlineForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Năm"), min_value=MIN_YEAR, max_value=MAX_YEAR)
    depth = forms.TypedChoiceField(label=gettext_lazy("Cấp công đoàn"), coerce=int)
    period = forms.ChoiceField(label=gettext_lazy("Kỳ báo cáo"), choices=Period.choices)
    due_on = forms.DateField(label=gettext_lazy("Hạn chốt số liệu"), widget=DateInput())

    def __init__(self, *args: object, levels: dict[int, str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["depth"].choices = list(levels.items())


def _page(year: int) -> str:
    return f"{reverse('reports:deadlines')}?year={year}"


@require(can_manage_units)
def deadlines(request: HttpRequest) -> HttpResponse:
    year = year_param(request)
    levels = service.level_names()
    is_admin = scope_for(request.user).is_admin
    form = DeadlineForm(request.POST or None, levels=levels, initial={"year": year})
    if request.method == "POST":
        if not is_admin:
            return HttpResponse(status=403)
        if form.is_valid():
            data = form.cleaned_data
            service.deadline_set(
                by=request.user, year=data["year"], period=data["period"], depth=data["depth"], due_on=data["due_on"]
            )
            messages.success(
                request,
                _("Đã đặt hạn chốt số liệu cho %(level)s.") % {"level": levels.get(data["depth"], data["depth"])},
            )
            return redirect(_page(data["year"]))
    return render(
        request,
        "reports/deadlines.html",
        {"year": year, "lines": service.deadlines_of_year(year, levels), "form": form, "is_admin": is_admin},
    )


@require(can_manage_units)
@require_POST
def deadline_remove(request: HttpRequest, pk: int) -> HttpResponse:
    deadline = get_object_or_404(PeriodDeadline, pk=pk)
    service.deadline_remove(by=request.user, deadline=deadline)
    messages.success(request, _("Đã bỏ hạn đã đặt; cấp này dùng hạn mặc định."))
    return redirect(_page(deadline.year))
