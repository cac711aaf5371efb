"""The grid of a large node shows its rows before counting them all: "more than N" at
first, the exact count asked for separately; what it writes into the page is escaped."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conferences.models import Record
from reports import grid
from tests.factories import RecordFactory, UnitFactory

pytestmark = pytest.mark.django_db
D = datetime.date


def page(node, number, *, up_to=3, per_page=2):
    return grid.grid_page(grid.GridQuery(node=node, year=2025), page=number, per_page=per_page, count_up_to=up_to)


def grid_url(node, **params):
    query = "&".join(f"{k}={v}" for k, v in {"node": node.pk, "year": 2025, **params}.items())
    return f"{reverse('reports:grid')}?{query}"


def test_it_pages_a_long_list_without_counting_it_all(tree, world):
    first = page(world.district_x, 1)
    assert first.count is None and first.more_than == 3 and first.num_pages is None
    assert (first.start_index, first.end_index, first.has_previous, first.has_next) == (1, 2, False, True)
    last = page(world.district_x, 3)
    assert [r.code for r in last.rows] == ["G1", "H1"]
    assert (last.start_index, last.end_index, last.has_next) == (5, 6, False)


def test_its_rows_are_the_same_counted_or_not(tree, world):
    for number in (1, 2, 3):
        counted = grid.grid_page(grid.GridQuery(node=world.district_x, year=2025), page=number, per_page=2)
        assert counted.count == 6
        assert [r.code for r in page(world.district_x, number).rows] == [r.code for r in counted.rows]


def test_a_page_past_the_end_of_an_uncounted_list_counts_to_find_the_last(tree, world):
    beyond = page(world.district_x, 9)
    assert beyond.count == 6 and beyond.number == 3 and [r.code for r in beyond.rows] == ["G1", "H1"]


def test_a_short_list_is_counted_in_the_page(tree, world):
    assert page(world.district_x, 1, up_to=6).count == 6
    assert grid.grid_count(grid.GridQuery(node=world.district_x, year=2025), up_to=3) == 4


def test_the_page_says_more_than_and_asks_for_the_exact_count(client_as, tree, world, monkeypatch):
    monkeypatch.setattr(grid, "COUNT_INLINE_UP_TO", 3)
    client = client_as(world.staff_x)
    body = client.get(grid_url(world.district_x)).content.decode()
    assert "Hơn 3 đơn vị (đang đếm…) · đang xem 1–6" in body
    assert 'hx-trigger="load"' in body and "part=count" in body
    fragment = client.get(grid_url(world.district_x, part="count")).content.decode()
    assert "6 đơn vị · đang xem 1–6" in fragment and "<html" not in fragment


def test_the_exact_count_fixes_the_pagers_page_number(client_as, tree, world):
    client = client_as(world.staff_x)
    fragment = client.get(grid_url(world.district_x, part="count")).content.decode()
    assert "6 đơn vị · đang xem 1–6" in fragment and "grid-page-label" not in fragment
    for n in range(120):
        UnitFactory(code=f"Z{n:03d}", node=world.district_x)
    fragment = client.get(grid_url(world.district_x, part="count", page=2)).content.decode()
    assert "126 đơn vị · đang xem 51–100" in fragment
    assert 'id="grid-page-label" hx-swap-oob="true">Trang 2/3<' in fragment


def test_the_count_is_refused_to_anonymous_visitors_chairs_and_other_districts(client, client_as, world):
    assert client.get(grid_url(world.district_x, part="count")).status_code == 302
    assert client_as(world.chair_a).get(grid_url(world.district_x, part="count")).status_code == 403
    assert client_as(world.staff_y).get(grid_url(world.district_x, part="count")).status_code == 404
    assert client_as(world.leader_p).get(grid_url(world.district_x, part="count")).status_code == 200


def test_the_count_costs_the_same_queries_whatever_the_number_of_units(client_as, tree, world):
    client = client_as(world.staff_x)
    client.get(grid_url(world.district_x, part="count"))
    with CaptureQueriesContext(connection) as small:
        client.get(grid_url(world.district_x, part="count"))
    for _n in range(20):
        UnitFactory(node=world.district_x)
    with CaptureQueriesContext(connection) as large:
        assert "26 đơn vị" in client.get(grid_url(world.district_x, part="count")).content.decode()
    assert len(large.captured_queries) == len(small.captured_queries)


def test_an_uncounted_page_costs_the_same_queries_whatever_the_number_of_units(client_as, tree, world, monkeypatch):
    monkeypatch.setattr(grid, "COUNT_INLINE_UP_TO", 3)
    client = client_as(world.staff_x)
    client.get(grid_url(world.district_x))
    with CaptureQueriesContext(connection) as small:
        client.get(grid_url(world.district_x))
    for _n in range(30):
        RecordFactory(unit=UnitFactory(node=world.district_x), held_on=D(2025, 3, 2), status="returned")
    with CaptureQueriesContext(connection) as large:
        client.get(grid_url(world.district_x))
    assert len(large.captured_queries) == len(small.captured_queries)


def test_it_escapes_what_units_and_reviewers_wrote(client_as, tree, world):
    unit = UnitFactory(code="X<1>", name='<script>alert("tên")</script>', node=world.district_x)
    RecordFactory(unit=unit, kind="worker_conference", held_on=D(2025, 3, 2), status="returned")
    Record.objects.filter(unit=unit).update(return_reason='Thiếu "chữ ký" & <dấu>')
    body = client_as(world.staff_x).get(grid_url(world.district_x)).content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(&quot;tên&quot;)&lt;/script&gt;" in body
    assert 'data-unit="X&lt;1&gt;"' in body
    assert "Thiếu &quot;chữ ký&quot; &amp; &lt;dấu&gt;" in body


def test_the_district_dashboard_asks_for_the_count_of_a_long_list(client_as, tree, world, monkeypatch):
    monkeypatch.setattr(grid, "COUNT_INLINE_UP_TO", 3)
    body = client_as(world.staff_x).get(f"{reverse('reports:dashboard')}?node={world.district_x.pk}&year=2025")
    html = body.content.decode()
    assert "Hơn 3 đơn vị (đang đếm…)" in html
    assert f'hx-get="{reverse("reports:grid")}?node={world.district_x.pk}&amp;year=2025' in html
