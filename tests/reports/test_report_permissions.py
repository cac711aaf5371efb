"""Leaders may start report runs (decided: a run writes no record and leaders want fresh
figures), only for nodes they see; chairs may not; the service checks it again."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from reports import services
from reports.models import ReportRun

pytestmark = pytest.mark.django_db
URL = reverse("reports:run_create")


@pytest.fixture(autouse=True)
def _run_jobs_at_once(monkeypatch):
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())


def start(client, node) -> object:
    return client.post(URL, {"node": node.pk, "year": 2025, "period": "year"})


@pytest.mark.parametrize("persona", ["leader_p", "leader_x", "staff_x", "admin"])
def test_leaders_staff_and_admins_may_start_a_run_of_a_node_they_see(client_as, world, persona):
    user = getattr(world, persona)
    response = start(client_as(user), world.district_x)
    run = ReportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == run.get_absolute_url()
    assert run.requested_by == user


def test_a_leader_may_not_start_a_run_of_a_node_outside_their_scope(client_as, world):
    assert start(client_as(world.leader_x), world.district_y).status_code == 400
    with pytest.raises(PermissionDenied):
        services.report_request(node=world.district_y, year=2025, by=world.leader_x)
    assert not ReportRun.objects.exists()


def test_a_chair_may_not_start_a_run(client_as, world):
    assert start(client_as(world.chair_a), world.district_x).status_code == 403
    with pytest.raises(PermissionDenied):
        services.report_request(node=world.district_x, year=2025, by=world.chair_a)


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    response = start(client, world.district_x)
    assert response.status_code == 302 and reverse("login") in response["Location"]
