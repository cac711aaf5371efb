"""A bulk sending of invitations is a job of the one job machine (qcdc.jobs): an attempt
that died is found by the sweep and the retry resumes where it stopped."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from qcdc.jobs import sweep_all
from units.invitations import InvitationBatch

pytestmark = pytest.mark.django_db


def test_the_sweep_resumes_a_batch_whose_worker_died_where_it_stopped(world):
    # The dead attempt had mailed unit A's chair; its heartbeat stopped two minutes ago.
    silent = timezone.now() - datetime.timedelta(minutes=2)
    batch = InvitationBatch.objects.create(
        unit_ids=[world.unit_a.pk, world.unit_b.pk], total=2, sent=1, created_by=world.staff_x,
        status="running", attempts=1, worker="dead-attempt", started_at=silent, heartbeat_at=silent,
    )  # fmt: skip
    assert sweep_all() == 1
    batch.refresh_from_db()
    assert (batch.status, batch.attempts, batch.sent, batch.progress) == ("done", 2, 2, 100)
    assert [m.to for m in mail.outbox] == [[world.unit_b.chair_email]]


def test_the_sweep_fails_a_batch_that_died_three_times_with_the_reason(world):
    silent = timezone.now() - datetime.timedelta(minutes=2)
    batch = InvitationBatch.objects.create(
        unit_ids=[world.unit_a.pk], total=1, created_by=world.staff_x,
        status="running", attempts=3, worker="dead-attempt", started_at=silent, heartbeat_at=silent,
    )  # fmt: skip
    sweep_all()
    batch.refresh_from_db()
    assert batch.status == "failed" and "3" in batch.error and batch.finished_at is not None
    assert mail.outbox == []


def test_a_new_batch_is_sent_after_commit_and_ends_done(world, django_capture_on_commit_callbacks):
    from units import onboarding

    with django_capture_on_commit_callbacks(execute=True):
        batch = onboarding.invitations_request(unit_ids=[world.unit_a.pk], by=world.staff_x)
        assert InvitationBatch.objects.get(pk=batch.pk).status == "queued"
    batch.refresh_from_db()
    assert (batch.status, batch.attempts, batch.sent, batch.progress) == ("done", 1, 1, 100)
