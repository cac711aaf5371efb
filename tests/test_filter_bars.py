"""Every list's filter bar: "Tất cả" for no choice, scoped choices, filters kept in links."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import RecordFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [reverse("units:unit_list"), reverse("conferences:review_queue"), reverse("reports:run_list")],
)
def test_it_offers_tat_ca_and_never_dashes_as_the_empty_choice(client_as, world, url):
    html = client_as(world.staff_x).get(url).content.decode()
    assert 'class="filter-bar' in html and "Tất cả" in html and "---------" not in html


def test_it_shows_every_status_in_the_queue_when_tat_ca_is_chosen(client_as, world):
    RecordFactory(unit=world.unit_a, status="submitted", submitted_at=timezone.now())
    RecordFactory(unit=world.unit_a, status="accepted", held_on=datetime.date(2025, 2, 2))
    client = client_as(world.staff_x)
    assert client.get(reverse("conferences:review_queue")).context["page"].paginator.count == 1
    everything = client.get(reverse("conferences:review_queue"), {"status": ""})
    assert everything.context["page"].paginator.count == 2


def test_it_offers_only_nodes_of_the_users_scope(client_as, world):
    html = client_as(world.staff_x).get(reverse("units:unit_list")).content.decode()
    assert world.district_x.name in html and world.district_y.name not in html


def test_it_keeps_the_filters_in_the_export_and_pagination_links(client_as, world):
    html = client_as(world.staff_x).get(reverse("units:unit_list"), {"q": "Alpha", "page": "1"}).content.decode()
    assert f'{reverse("units:unit_export")}?q=Alpha"' in html


def test_it_filters_report_runs_by_period(client_as, world):
    from reports.models import ReportRun

    ReportRun.objects.create(node=world.district_x, year=2025, period="h1", status="done")
    ReportRun.objects.create(node=world.district_x, year=2025, period="year", status="done")
    ReportRun.objects.create(node=world.district_y, year=2025, period="h1", status="done")
    page = client_as(world.staff_x).get(reverse("reports:run_list"), {"period": "h1"}).context["page"]
    assert [(r.node_id, r.period) for r in page] == [(world.district_x.pk, "h1")]
