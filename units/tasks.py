"""Celery tasks of the units app: thin wrappers that load by id and do one thing."""

from __future__ import annotations

from celery import shared_task
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

from units.models import Role


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_invitation(*, user_id: int, role_id: int, base_url: str) -> None:
    """E-mail a new account the link that sets its password, saying which role it was given."""
    from units.services import invitation_link

    user = get_user_model().objects.get(pk=user_id)
    role = Role.objects.select_related("unit", "node").get(pk=role_id)
    with translation.override("vi"):
        context = {
            "user": user,
            "role": role.get_kind_display(),
            "place": role.unit.name if role.unit else role.node.name if role.node else "",
            "link": invitation_link(user=user, base_url=base_url),
        }
        subject = render_to_string("units/email/invitation_subject.txt", context).strip()
        body = render_to_string("units/email/invitation.txt", context)
    send_mail(subject, body, None, [user.email])
