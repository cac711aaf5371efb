"""Celery tasks of the units app: thin wrappers that load by id and do one thing."""

from __future__ import annotations

from celery import shared_task
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

from units.models import Unit


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_invitation(*, user_id: int, unit_id: int) -> None:
    """E-mail a chair the link that sets their password and opens their unit, and record
    the invitation (the chairs page shows when it expires)."""
    from units.services import invitation_link, invitation_record

    user = get_user_model().objects.get(pk=user_id)
    unit = Unit.objects.get(pk=unit_id)
    invitation_record(user=user, unit=unit)
    with translation.override("vi"):
        context = {"user": user, "unit": unit, "link": invitation_link(user=user)}
        subject = render_to_string("units/email/invitation_subject.txt", context).strip()
        body = render_to_string("units/email/invitation.txt", context)
    send_mail(subject, body, None, [user.email])


@shared_task(acks_late=True)
def send_invitation_batch(*, batch_id: int) -> None:
    """Send a bulk sending's invitations (resumes where a dead attempt stopped)."""
    from units.services import invitation_batch_fail, invitation_batch_run

    try:
        invitation_batch_run(batch_id=batch_id)
    except Exception as exc:
        invitation_batch_fail(batch_id=batch_id, error=str(exc))
        raise
