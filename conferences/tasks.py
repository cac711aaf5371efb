"""E-mails about records: sent by the worker after the transition committed."""

from __future__ import annotations

from celery import Task, shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

from conferences.models import Record
from qcdc import jobs
from qcdc.mail import email_subject
from units.models import OrgNode, Role


def _send(template: str, record: Record, recipients: list[str], base_url: str) -> int:
    if not recipients:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        context = {"record": record, "link": base_url.rstrip("/") + record.get_absolute_url()}
        subject = email_subject(f"conferences/email/{template}_subject.txt", context)
        body = render_to_string(f"conferences/email/{template}.txt", context)
    send_mail(subject, body, None, recipients)
    return len(recipients)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notify_submitted(*, record_id: int, base_url: str = "") -> int:
    """Tell the staff of the unit's direct-superior node that a record waits for review."""
    record = Record.objects.select_related("unit__node").get(pk=record_id)
    node: OrgNode = record.unit.node
    emails = sorted(
        set(
            Role.objects.filter(kind=Role.Kind.STAFF, node=node)
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
    )
    return _send("submitted", record, emails, base_url or settings.SITE_URL)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notify_returned(*, record_id: int, base_url: str = "") -> int:
    """Tell the unit's chair(s) that a record came back, with the reason."""
    record = Record.objects.select_related("unit").get(pk=record_id)
    emails = set(
        Role.objects.filter(kind=Role.Kind.CHAIR, unit=record.unit)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    if record.unit.chair_email:
        emails.add(record.unit.chair_email)
    return _send("returned", record, sorted(emails), base_url or settings.SITE_URL)


@shared_task(acks_late=True)
def facts_rebuild_year(*, year: int | None = None, force: bool = False, build: bool = False) -> None:
    """Keep a year's report facts. After a rule edit: rebuild a built year whose rules
    changed since it was built (several edits in one transaction rebuild once); a year
    not built stays so. With ``build``: build the year (asked for by a page over a large
    tree, ``facts.preparing``) unless it is built and current. Nightly (no year, with
    ``force``): rebuild the years being reported on and build the years that should be
    built but are not (``facts.years``). Idempotent."""
    from conferences.facts import preparing
    from conferences.facts.maintain import rebuild_year
    from conferences.facts.years import build_missing, built_years
    from conferences.rules import rules_for_year
    from units.periods import reporting_years

    if year is None:
        built = set(built_years())
        for current in reporting_years():
            if current in built and force:
                rebuild_year(current)
        build_missing()
        return
    if build:
        try:
            preparing.ensure_current(year, rules_for_year(year))
        finally:
            preparing.build_done(year)
    elif year in built_years():
        if force:
            rebuild_year(year)
        else:
            preparing.ensure_current(year, rules_for_year(year))


@shared_task(bind=True, acks_late=True, ignore_result=True)
def read_minutes(self: Task, *, job_id: int) -> None:
    """Read one uploaded file's text (text layer, DOCX or OCR) and what it says, as a job
    (see ``qcdc.jobs.run``: claim, heartbeat, retries, failure with its reason)."""
    from conferences.minutes.models import MinutesReading
    from conferences.minutes.services import minutes_read

    jobs.run(self, MinutesReading, job_id, minutes_read)
