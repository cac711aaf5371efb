"""The annual report's pages: choose a node and a period, write the assessment, build, download."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from qcdc.years import MAX_YEAR, MIN_YEAR
from reports.annual import services
from reports.annual.models import AnnualNarrative, AnnualReportRun
from units.models import OrgNode
from units.periods import Period
from units.permissions import can_manage_node, can_read_tree, require


class AnnualChoiceForm(forms.Form):
    node = forms.ModelChoiceField(label=gettext_lazy("Cấp công đoàn"), queryset=OrgNode.objects.none())
    year_from = forms.IntegerField(label=gettext_lazy("Từ năm"), min_value=MIN_YEAR, max_value=MAX_YEAR)
    year_to = forms.IntegerField(label=gettext_lazy("Đến năm"), min_value=MIN_YEAR, max_value=MAX_YEAR)
    period = forms.ChoiceField(label=gettext_lazy("Kỳ báo cáo"), choices=Period.choices, initial=Period.YEAR)

    def __init__(self, *args: Any, nodes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = nodes

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("year_from"), cleaned.get("year_to")
        if start is not None and end is not None and start > end:
            self.add_error("year_to", _("Năm kết thúc phải từ năm bắt đầu trở đi."))
        return cleaned


class NarrativeForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = AnnualNarrative
        fields = ["strengths", "limitations", "causes", "next_tasks"]
        widgets = {name: forms.Textarea(attrs={"rows": 5}) for name in fields}


def _nodes(request: HttpRequest) -> Any:
    return OrgNode.objects.visible_to(request.user).order_by("path")


def _choice(request: HttpRequest) -> AnnualChoiceForm:
    year = timezone.localdate().year
    data = request.GET if "node" in request.GET else None
    return AnnualChoiceForm(data, nodes=_nodes(request), initial={"year_from": year, "year_to": year})


@require(can_read_tree)
def annual_report(request: HttpRequest) -> HttpResponse:
    """Pick the node and period; then the assessment to write, the builds and their files."""
    choice = _choice(request)
    if not choice.is_bound or not choice.is_valid():
        return render(request, "reports/annual/start.html", {"choice": choice})
    node, params = choice.cleaned_data["node"], choice.cleaned_data
    key = {"year_from": params["year_from"], "year_to": params["year_to"], "period": params["period"]}
    narrative = services.narrative_for(node, **key)
    frozen = services.narrative_frozen(node, params["year_to"], params["period"])
    can_write = can_manage_node(request.user, node) and not frozen
    form = NarrativeForm(request.POST or None, instance=narrative, initial={"version": narrative.version})
    if request.method == "POST":
        if not can_write:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.narrative_save(
                    node=node, by=request.user, data=form.cleaned_data, version=form.cleaned_data["version"], **key
                )
            except services.StaleNarrative:
                form.add_error(None, _("Người khác vừa sửa nhận định này; hãy tải lại trang rồi sửa lại."))
            else:
                messages.success(request, _("Đã lưu nhận định."))
                return redirect(request.get_full_path())
    runs = AnnualReportRun.objects.filter(node=node, **key).order_by("-created_at")[:10]
    return render(
        request,
        "reports/annual/report.html",
        {
            "choice": choice, "node": node, "params": key, "form": form, "can_write": can_write,
            "frozen": frozen, "runs": runs, "query": urlencode({"node": node.pk, **key}),
        },
    )  # fmt: skip


@require_POST
def annual_build(request: HttpRequest) -> HttpResponse:
    choice = AnnualChoiceForm(request.POST, nodes=_nodes(request))
    if not choice.is_valid():
        raise Http404
    data = choice.cleaned_data
    if not can_manage_node(request.user, data["node"]):
        raise PermissionDenied
    run = services.annual_request(
        node=data["node"], year_from=data["year_from"], year_to=data["year_to"], period=data["period"], by=request.user
    )
    return redirect(run)


def visible_annual_run_or_404(request: HttpRequest, pk: int) -> AnnualReportRun:
    """The one access helper: runs of the nodes the user sees."""
    runs = AnnualReportRun.objects.filter(node__in=OrgNode.objects.visible_to(request.user)).select_related("node")
    return get_object_or_404(runs, pk=pk)


@require(can_read_tree)
def annual_run(request: HttpRequest, pk: int) -> HttpResponse:
    from reports.views.jobs import status_context

    run = visible_annual_run_or_404(request, pk)
    back = urlencode({"node": run.node_id, "year_from": run.year_from, "year_to": run.year_to, "period": run.period})
    context = {
        "run": run,
        "back": f"{reverse('reports:annual_report')}?{back}",
        **status_context(request, run, "annual"),
    }
    return render(request, "reports/annual/run.html", context)
