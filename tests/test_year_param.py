"""The one ``year`` parameter of the year pages (``qcdc.years.year_param``)."""

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from qcdc.years import MAX_YEAR, MIN_YEAR, year_param

THIS_YEAR = timezone.localdate().year


@pytest.mark.parametrize("query", [{}, {"year": ""}, {"year": "abc"}, {"year": "2025.5"}, {"year": "1999"},
                                   {"year": "2101"}, {"year": "-2025"}, {"year": "99999999999999999999"}])  # fmt: skip
def test_it_falls_back_to_this_year_for_a_missing_or_bad_year(query):
    assert year_param(RequestFactory().get("/", query)) == THIS_YEAR


def test_it_falls_back_to_the_default_the_page_gives():
    assert year_param(RequestFactory().get("/", {"year": "x"}), default=2019) == 2019
    assert year_param(RequestFactory().get("/"), default=2019) == 2019


@pytest.mark.parametrize("year", [MIN_YEAR, 2024, MAX_YEAR])
def test_it_reads_a_year_in_range_from_the_query_or_a_posted_form(year):
    assert year_param(RequestFactory().get("/", {"year": str(year)})) == year
    assert year_param(RequestFactory().post("/", {"year": f" {year} "})) == year


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "url"),
    [
        ("chair_a", lambda world: reverse("conferences:unit_year", args=[world.unit_a.pk])),
        ("staff_x", lambda world: reverse("conferences:rules")),
        ("staff_x", lambda world: reverse("reports:worklog_list")),
        ("staff_x", lambda world: reverse("reports:deadlines")),
        ("staff_x", lambda world: reverse("reports:dashboard")),
    ],
)
def test_every_year_page_shows_a_year_for_a_bad_year_in_its_link(client_as, world, persona, url):
    client = client_as(getattr(world, persona))
    for bad in ("abc", "1999", "3000"):
        response = client.get(url(world), {"year": bad})
        assert response.status_code == 200, (bad, response.status_code)
