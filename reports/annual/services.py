"""Saving the narrative and building the annual report's files as a job."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F

from qcdc import jobs
from reports.annual.compose import compose, figures, prefill
from reports.annual.models import AnnualNarrative, AnnualReportRun, ClosedNarrative
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


def narratives_freeze(close: PeriodClose) -> int:
    """Keep, with a close, the narratives it holds (those of its node and the nodes below
    for its year and period) as they stand: the annual report of that closed version says
    this text, even after a reopening lets staff write a new draft. Called in the close's
    transaction (a retried close rewrites its copy)."""
    held = AnnualNarrative.objects.filter(
        node__path__startswith=close.node.path, year_to=close.year, period=close.period
    ).values_list("node_id", "year_from", "year_to", "period", *NARRATIVE_FIELDS, "version")
    ClosedNarrative.objects.filter(close=close).delete()
    frozen = [
        ClosedNarrative(
            close=close,
            **dict(zip(("node_id", "year_from", "year_to", "period", *NARRATIVE_FIELDS, "version"), row, strict=True)),
        )
        for row in held
    ]
    ClosedNarrative.objects.bulk_create(frozen)
    return len(frozen)


def closed_narrative(node: OrgNode, year_from: int, year_to: int, period: str) -> ClosedNarrative | None:
    """The narrative frozen by the close that holds the period for the node now (its own
    or an ancestor's, the latest), if one was saved when it closed."""
    return (
        ClosedNarrative.objects.filter(
            close__node_id__in=ancestry(node.path),
            close__year=year_to,
            close__period=period,
            close__status=PeriodClose.Status.CLOSED,
            node=node,
            year_from=year_from,
            year_to=year_to,
            period=period,
        )
        .select_related("close")
        .order_by("-close__closed_at", "-close__pk")
        .first()
    )


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
    frozen = closed_narrative(run.node, run.year_from, run.year_to, run.period)
    narrative = frozen or narrative_for(run.node, run.year_from, run.year_to, run.period)
    data["narrative"] = {"closed": frozen is not None, "close_version": frozen.close.version if frozen else None}
    doc = compose(data, {k: getattr(narrative, k) for k in NARRATIVE_FIELDS})
    jobs.save_files(run, {"docx": docx_bytes(doc), "pdf": pdf_bytes(doc)})
    if not jobs.finish(run, docx=run.docx.name, pdf=run.pdf.name, result=data):
        run.discard_partial()
        return None
    run.refresh_from_db()
    return run
