"""Saving the narrative and building the annual report's files as a job."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F

from qcdc import jobs
from reports.annual.compose import compose, figures, prefill
from reports.annual.models import AnnualNarrative, AnnualReportRun
from reports.annual.render import docx_bytes, pdf_bytes
from units.models import OrgNode, ancestry
from units.periods import PeriodClose
from units.permissions import can_manage_node

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    Actor = AbstractBaseUser | AnonymousUser

NARRATIVE_FIELDS = ("strengths", "limitations", "causes", "next_tasks")


class StaleNarrative(Exception):
    """Someone saved the narrative after the editor opened it."""


def narrative_frozen(node: OrgNode, year_to: int, period: str) -> bool:
    """The narrative of a period closed for the node (or above) is frozen with the close."""
    return PeriodClose.objects.filter(
        node_id__in=ancestry(node.path), year=year_to, period=period, status__in=PeriodClose.HOLDING
    ).exists()


def narrative_for(node: OrgNode, year_from: int, year_to: int, period: str) -> AnnualNarrative:
    """The saved narrative, or an unsaved one pre-filled with the figures it cites."""
    saved = AnnualNarrative.objects.filter(node=node, year_from=year_from, year_to=year_to, period=period).first()
    if saved is not None:
        return saved
    return AnnualNarrative(
        node=node, year_from=year_from, year_to=year_to, period=period,
        **prefill(figures(node, year_from, year_to, period)),
    )  # fmt: skip


@transaction.atomic
def narrative_save(
    *, node: OrgNode, year_from: int, year_to: int, period: str, by: Actor, data: dict[str, Any], version: int | None
) -> AnnualNarrative:
    """Staff of the node (or above) save the narrative, refused once a close holds it."""
    if not can_manage_node(by, node) or narrative_frozen(node, year_to, period):
        raise PermissionDenied
    narrative, created = AnnualNarrative.objects.select_for_update().get_or_create(
        node=node, year_from=year_from, year_to=year_to, period=period,
        defaults={**{k: data.get(k, "") for k in NARRATIVE_FIELDS}, "updated_by": by},
    )  # fmt: skip
    if created:
        return narrative
    if version is not None and narrative.version != version:
        raise StaleNarrative
    for name in NARRATIVE_FIELDS:
        setattr(narrative, name, data.get(name, ""))
    narrative.updated_by = by  # type: ignore[assignment]
    narrative.version = F("version") + 1  # type: ignore[assignment]
    narrative.save()
    narrative.refresh_from_db()
    return narrative


def annual_request(*, node: OrgNode, year_from: int, year_to: int, period: str, by: Actor) -> AnnualReportRun:
    """Queue a build, or return the identical one already queued or running."""
    if not can_manage_node(by, node):
        raise PermissionDenied
    params = {"node": node, "year_from": year_from, "year_to": year_to, "period": period}
    active = AnnualReportRun.objects.filter(**params, status__in=AnnualReportRun.ACTIVE).first()
    if active is not None:
        return active
    try:
        with transaction.atomic():
            run = AnnualReportRun.objects.create(**params, requested_by=by)
            jobs.enqueue(run)
    except IntegrityError:
        return AnnualReportRun.objects.get(**params, status__in=AnnualReportRun.ACTIVE)
    return run


def annual_build(run: AnnualReportRun) -> AnnualReportRun | None:
    """Build a claimed run: figures, text, DOCX and PDF (see ``qcdc.jobs`` for the lifecycle)."""
    data = figures(run.node, run.year_from, run.year_to, run.period)
    jobs.progress(run, 60)
    narrative = narrative_for(run.node, run.year_from, run.year_to, run.period)
    doc = compose(data, {k: getattr(narrative, k) for k in NARRATIVE_FIELDS})
    jobs.save_files(run, {"docx": docx_bytes(doc), "pdf": pdf_bytes(doc)})
    if not jobs.finish(run, docx=run.docx.name, pdf=run.pdf.name, result=data):
        run.discard_partial()
        return None
    run.refresh_from_db()
    return run
