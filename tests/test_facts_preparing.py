"""A year not built is built when first asked for: within the request over a small tree,
else by one job while the page answers 503 "being prepared"."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from conferences import services
from conferences.models import Fact, FactCube, FactYear, Record
from reports import compute
from reports.models import ReportRun
from units.periods import Period

pytestmark = pytest.mark.django_db
D = datetime.date


def unbuild(*years: int) -> None:
    for model in (Fact, FactCube, FactYear):
        model.objects.filter(year__in=years).delete()


def grid_url(node, year: int = 2019, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"node": node.pk, "year": year, **params}.items())
    return f"{reverse('reports:grid')}?{query}"


@pytest.fixture
def held_2019(world):
    """A conference of 2019 accepted, and 2019 not built (as on an installation that
    never reported on it)."""
    record = services.record_create(
        unit=world.unit_a, kind="worker_conference", by=world.admin, data={"held_on": D(2019, 3, 1)}
    )
    services.record_accept(record=record, by=world.admin)
    unbuild(2019)
    return Record.objects.get(pk=record.pk)


@pytest.fixture
def large_tree(settings):
    """Every tree is too large to build a year within a request."""
    settings.FACTS_INLINE_BUILD_UNITS = 0


def test_a_small_tree_builds_the_year_within_the_first_request(client_as, world, held_2019):
    response = client_as(world.staff_x).get(grid_url(world.district_x))

    assert response.status_code == 200
    assert FactYear.objects.filter(year=2019).exists()
    assert Fact.objects.get(unit=world.unit_a, year=2019, period=Period.YEAR, indicator="worker_conference").done


def test_a_large_tree_answers_that_the_year_is_being_prepared_and_queues_one_job(
    client_as, world, held_2019, large_tree, django_capture_on_commit_callbacks
):
    client = client_as(world.staff_x)
    with django_capture_on_commit_callbacks() as queued:
        first = client.get(grid_url(world.district_x))
        again = client.get(grid_url(world.district_x))

    for response in (first, again):
        assert response.status_code == 503
        assert response["Retry-After"] == "15"
        html = response.content.decode()
        assert "Số liệu năm 2019 đang được chuẩn bị…" in html
        assert 'role="status"' in html and "Tải lại ngay" in html
    assert len(queued) == 1  # one job for the year, however many ask
    assert not FactYear.objects.filter(year=2019).exists()

    queued[0]()  # the job runs (in-process here)

    assert FactYear.objects.filter(year=2019).exists()
    response = client.get(grid_url(world.district_x))
    assert response.status_code == 200
    assert "Công ty May Alpha" in response.content.decode()


def test_a_json_request_is_told_in_json(client_as, world, held_2019, large_tree, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        response = client_as(world.staff_x).get(grid_url(world.district_x, format="json"))

    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "status": "preparing",
        "years": [2019],
        "recounting": [],
        "detail": "Số liệu năm 2019 đang được chuẩn bị…",
    }


def test_the_dashboard_names_every_year_of_its_trend_being_prepared(
    client_as, world, large_tree, django_capture_on_commit_callbacks
):
    unbuild(2022, 2023)
    with django_capture_on_commit_callbacks() as queued:
        response = client_as(world.staff_x).get(f"{reverse('reports:dashboard')}?node={world.district_x.pk}&year=2025")

    assert response.status_code == 503
    assert "Số liệu năm 2022, 2023 đang được chuẩn bị…" in response.content.decode()
    assert len(queued) == 2


def test_anonymous_visitors_are_sent_to_log_in_not_told_to_wait(client, world, held_2019, large_tree):
    response = client.get(grid_url(world.district_x))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_others_are_refused_before_any_year_is_prepared(client_as, world, held_2019, large_tree):
    assert client_as(world.chair_a).get(grid_url(world.district_x)).status_code == 403
    assert client_as(world.staff_y).get(grid_url(world.district_x)).status_code == 404
    assert not FactYear.objects.filter(year=2019).exists()


def test_a_report_job_builds_the_year_itself_whatever_the_tree(
    client_as, world, large_tree, django_capture_on_commit_callbacks
):
    record = services.record_create(
        unit=world.unit_a, kind="worker_conference", by=world.admin, data={"held_on": D(2021, 3, 1)}
    )
    services.record_accept(record=record, by=world.admin)
    unbuild(2021)
    with django_capture_on_commit_callbacks(execute=True):
        client_as(world.staff_x).post(reverse("reports:run_create"), {"node": world.district_x.pk, "year": 2021})

    run = ReportRun.objects.get()
    assert run.status == ReportRun.Status.DONE
    assert run.result["total"]["cells"]["worker_conference"]["done"] == 1
    assert FactYear.objects.filter(year=2021).exists()


def test_outside_a_request_a_reader_builds_the_year(world, held_2019, large_tree):
    assert compute.build(world.district_x, 2019).total.cells["worker_conference"].done == 1
    assert FactYear.objects.filter(year=2019).exists()


def test_a_job_run_within_a_request_builds_the_year_itself(world, held_2019, large_tree):
    """Without a broker, jobs run in the request's process: they build, never raise."""
    from conferences.facts.preparing import serving_request
    from conferences.tasks import facts_rebuild_year

    with serving_request():
        facts_rebuild_year.apply(kwargs={"year": 2019, "build": True}).get()

    assert FactYear.objects.filter(year=2019).exists()


def test_a_build_the_broker_refuses_is_asked_for_again_by_the_next_reader(
    client_as, world, held_2019, large_tree, django_capture_on_commit_callbacks
):
    from tests.support import broker_down

    client = client_as(world.staff_x)
    with broker_down():
        with django_capture_on_commit_callbacks(execute=True) as sent:
            assert client.get(grid_url(world.district_x)).status_code == 503
        with django_capture_on_commit_callbacks(execute=True) as sent_again:
            assert client.get(grid_url(world.district_x)).status_code == 503

    # Not marked as on its way for half an hour: each reader tries to send it again.
    assert (len(sent), len(sent_again)) == (1, 1)


def test_a_year_whose_rules_changed_is_recounted_by_a_job_not_within_the_request(
    client_as, world, held_2019, large_tree, django_capture_on_commit_callbacks
):
    """A rule edit's rebuild has not run yet: over a large tree the page does not rebuild
    the year itself (minutes at national scale), it says the year is being recounted."""
    from conferences.facts.maintain import rebuild_year
    from conferences.models import ObligationRule

    rebuild_year(2019)
    stamped = FactYear.objects.get(year=2019).rules_fingerprint
    # Changed without the edit's job (``update`` sends no signal): as before that job ran.
    ObligationRule.objects.filter(year=2019, indicator="worker_conference").update(min_employees=500)
    client = client_as(world.staff_x)
    with django_capture_on_commit_callbacks() as queued:
        response = client.get(grid_url(world.district_x))

    assert response.status_code == 503
    html = response.content.decode()
    assert "Quy định của năm này vừa thay đổi" in html
    assert "lần đầu" not in html
    json = client.get(grid_url(world.district_x, format="json")).json()
    assert (json["years"], json["recounting"]) == ([2019], [2019])
    assert FactYear.objects.get(year=2019).rules_fingerprint == stamped  # not rebuilt in the request

    queued[0]()  # the job recounts it

    assert FactYear.objects.get(year=2019).rules_fingerprint != stamped
    assert client.get(grid_url(world.district_x)).status_code == 200
