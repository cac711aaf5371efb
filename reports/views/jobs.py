"""One status view and one download view for every job (report runs, period closes,
annual reports).

A job kind says how to find a job the user may read (404 otherwise) and how to ask for it
again; a format says where its bytes come from. A new job or a new format is a row here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import reverse

from qcdc import jobs
from qcdc.downloads import DOCX, JSON, PDF, XLSX, file_response, stored_file_response
from qcdc.jobs import Job
from reports import closing
from reports.annual.views import visible_annual_run_or_404
from reports.exports import json_bytes
from reports.views.periods import visible_close_or_404
from reports.views.runs import visible_run_or_404
from units.permissions import can_manage_node, can_read_tree, require


@dataclass(frozen=True)
class Format:
    content_type: str
    field: str | None = None  # a file stored with the job
    render: Callable[[Job], bytes] | None = None  # made from the job's result on demand


FORMATS: dict[str, Format] = {
    "xlsx": Format(XLSX, field="xlsx"),
    "pdf": Format(PDF, field="pdf"),
    "json": Format(JSON, render=json_bytes),
    "docx": Format(DOCX, field="docx"),
}
FIGURES = frozenset({"xlsx", "pdf", "json"})


@dataclass(frozen=True)
class JobKind:
    get: Callable[[HttpRequest, int], Any]  # the access helper: the job, or 404
    status_url: str
    readable: Callable[[Any], bool]  # whether its figures can be downloaded
    rebuild: Callable[[HttpRequest, Any], dict[str, Any] | None]  # the form that asks again
    formats: frozenset[str] = FIGURES  # what it can be downloaded as


def _rebuild_run(request: HttpRequest, run: Any) -> dict[str, Any]:
    fields = {"node": run.node_id, "year": run.year, "period": run.period}
    if run.by_category:
        fields["by_category"] = "on"
    return {"url": reverse("reports:run_create"), "fields": fields}


def _rebuild_close(request: HttpRequest, close: Any) -> dict[str, Any] | None:
    if not closing.can_close(request.user, close.node):
        return None
    fields = {"node": close.node_id, "year": close.year, "period": close.period}
    return {"url": reverse("reports:close_create"), "fields": fields}


def _rebuild_annual(request: HttpRequest, run: Any) -> dict[str, Any] | None:
    if not can_manage_node(request.user, run.node):
        return None
    fields = {"node": run.node_id, "year_from": run.year_from, "year_to": run.year_to, "period": run.period}
    return {"url": reverse("reports:annual_build"), "fields": fields}


KINDS: dict[str, JobKind] = {
    "run": JobKind(visible_run_or_404, "reports:run_status", lambda run: run.status == run.DONE, _rebuild_run),
    "close": JobKind(visible_close_or_404, "reports:close_status", lambda close: bool(close.result), _rebuild_close),
    "annual": JobKind(
        visible_annual_run_or_404,
        "reports:annual_status",
        lambda run: run.status == run.DONE,
        _rebuild_annual,
        formats=frozenset({"docx", "pdf"}),
    ),
}


def status_context(request: HttpRequest, job: Any, kind: str) -> dict[str, Any]:
    """What the status fragment needs, for the job pages that include it."""
    spec = KINDS[kind]
    failed = job.status == job.FAILED
    return {
        "job": job,
        "status_url": reverse(spec.status_url, args=[job.pk]),
        "rebuild": spec.rebuild(request, job) if failed else None,
    }


@require(can_read_tree)
def job_status(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """The progress fragment htmx polls; once the job ends it tells the page to reload."""
    return jobs.status_response(request, status_context(request, KINDS[kind].get(request, pk), kind))


@require(can_read_tree)
def job_download(request: HttpRequest, pk: int, fmt: str, kind: str) -> FileResponse:
    """A job's file as it was built (or, for JSON, its stored figures)."""
    spec = KINDS[kind]
    job = spec.get(request, pk)
    file_format = FORMATS.get(fmt)
    if file_format is None or fmt not in spec.formats or not spec.readable(job):
        raise Http404
    filename = f"{job.file_stem()}.{fmt}"
    if file_format.render is not None:
        return file_response(file_format.render(job), filename=filename, content_type=file_format.content_type)
    return stored_file_response(
        getattr(job, file_format.field or ""), filename=filename, content_type=file_format.content_type
    )
