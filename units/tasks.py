"""Celery tasks of the units app: thin wrappers that load by id and do one thing."""

from __future__ import annotations

from urllib.parse import urlsplit

from celery import Task, shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

from qcdc import jobs
from qcdc.mail import email_subject
from units.models import ChairInvitation, Role, Unit


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_invitation(*, user_id: int, unit_id: int) -> None:
    """E-mail a chair the link that sets their password and opens their unit, and record
    the invitation (the chairs page shows when it expires)."""
    from units.onboarding import invitation_record
    from units.services import invitation_link

    user = get_user_model().objects.get(pk=user_id)
    unit = Unit.objects.get(pk=unit_id)
    invitation_record(user=user, unit=unit)
    with translation.override("vi"):
        context = {"user": user, "unit": unit, "link": invitation_link(user=user)}
        subject = email_subject("units/email/invitation_subject.txt", context)
        body = render_to_string("units/email/invitation.txt", context)
    send_mail(subject, body, None, [user.email])


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_password_reset(*, email: str) -> None:
    """Mail a reset link to each active account with this address; nothing when none.

    Run by the worker so that the request answers in the same time whether or not the
    address has an account (looking it up and talking to the mail server take time).
    The link is on ``SITE_URL``, never on the Host the request came with.
    """
    site = urlsplit(settings.SITE_URL)
    form = PasswordResetForm(data={"email": email})
    if form.is_valid():
        with translation.override("vi"):
            form.save(domain_override=site.netloc, use_https=site.scheme == "https")


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_invitation_to_accept(*, invitation_id: int) -> None:
    """E-mail an existing account the page where it accepts (or ignores) a chair role."""
    invitation = ChairInvitation.objects.select_related("user", "unit", "invited_by").get(pk=invitation_id)
    with translation.override("vi"):
        context = {"invitation": invitation, "link": settings.SITE_URL.rstrip("/") + invitation.get_absolute_url()}
        subject = email_subject("units/email/invitation_accept_subject.txt", context)
        body = render_to_string("units/email/invitation_accept.txt", context)
    send_mail(subject, body, None, [invitation.user.email])


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_account_invitation(*, user_id: int, role_id: int) -> None:
    """E-mail a new staff or leader account its set-password link and the role it was given."""
    from units.services import invitation_link

    user = get_user_model().objects.get(pk=user_id)
    role = Role.objects.select_related("unit", "node").get(pk=role_id)
    with translation.override("vi"):
        context = {
            "user": user,
            "role": role.get_kind_display(),
            "place": role.unit.name if role.unit else role.node.name if role.node else "",
            "link": invitation_link(user=user),
        }
        subject = email_subject("units/email/account_invitation_subject.txt", context)
        body = render_to_string("units/email/account_invitation.txt", context)
    send_mail(subject, body, None, [user.email])


@shared_task(bind=True, acks_late=True, ignore_result=True)
def send_invitation_batch(self: Task, *, job_id: int) -> None:
    """Send a bulk sending's invitations as a job (see ``qcdc.jobs.run``: claim, heartbeat,
    retries, failure with its reason); a retry resumes where the last attempt stopped."""
    from units.invitations import InvitationBatch
    from units.onboarding import invitation_batch_run

    jobs.run(self, InvitationBatch, job_id, invitation_batch_run)
