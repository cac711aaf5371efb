"""The back office pages of the obligation rules: read by staff, edited by administrators."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from conferences.forms import RuleForm, RulesCopyForm
from conferences.models import ObligationRule
from conferences.rules import closed_years_note, rule_update, rules_copy_year
from qcdc.years import year_param
from units.permissions import can_manage_units, require, scope_for


@require(can_manage_units)
def rules(request: HttpRequest) -> HttpResponse:
    """A year's rules with their legal basis; administrators edit and copy them."""
    year = year_param(request)
    year_rules = ObligationRule.objects.filter(year=year).prefetch_related("contents").order_by("indicator")
    years = list(ObligationRule.objects.order_by("-year").values_list("year", flat=True).distinct())
    return render(
        request,
        "conferences/backoffice/rules.html",
        {
            "year": year,
            "years": years,
            "rules": year_rules,
            "is_admin": scope_for(request.user).is_admin,
            "copy_forward": RulesCopyForm(initial={"from_year": year, "to_year": year + 1}),
            "next_year_has_rules": (year + 1) in years,
            "previous_year_has_rules": (year - 1) in years,
        },
    )


def _admin_only(request: HttpRequest) -> None:
    if not scope_for(request.user).is_admin:
        raise PermissionDenied


def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    rule = get_object_or_404(ObligationRule, pk=pk)
    form = RuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        rule_update(
            rule=rule, by=request.user, data=form.cleaned_data, contents=list(form.cleaned_data.get("contents") or [])
        )
        messages.success(request, _("Đã lưu quy định %(rule)s.") % {"rule": rule})
        if note := closed_years_note({rule.year}):
            messages.warning(request, note)
        return redirect(f"{reverse('conferences:rules')}?year={rule.year}")
    return render(request, "conferences/backoffice/rule_form.html", {"form": form, "rule": rule})


@require_POST
def rules_copy(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    form = RulesCopyForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("conferences:rules")
    source, target = form.cleaned_data["from_year"], form.cleaned_data["to_year"]
    created = rules_copy_year(from_year=source, to_year=target, by=request.user)
    messages.success(
        request,
        _("Đã tạo %(n)d quy định cho năm %(to)s từ năm %(from)s (quy định đã có được giữ nguyên).")
        % {"n": created, "to": target, "from": source},
    )
    if created and (note := closed_years_note({target})):
        messages.warning(request, note)
    return redirect(f"{reverse('conferences:rules')}?year={target}")
