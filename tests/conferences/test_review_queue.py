"""The review queue's rows and the "next in the queue" link after a review."""

import datetime
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import RecordFactory, UnitFactory
from tests.reports.conftest import good, minutes

pytestmark = pytest.mark.django_db
D = datetime.date
QUEUE = reverse("conferences:review_queue")


MARCH_FIRST = D(2025, 3, 1)


def submitted(unit, kind="worker_conference", held_on=MARCH_FIRST, **fields):
    return RecordFactory(unit=unit, kind=kind, held_on=held_on, status="submitted", **fields)


def test_its_rows_say_code_category_kind_date_minutes_and_failed_checks(client_as, world):
    poor = submitted(world.unit_a, attended=10)  # 10/100: no quorum, no minutes, no contents
    fine = good(submitted(world.unit_b, kind="cbccvc_conference", held_on=D(2025, 2, 1)))
    minutes(fine)
    body = client_as(world.staff_x).get(QUEUE).content.decode()
    row_a = body.split(f'data-record="{poor.pk}"')[1].split("</tr>")[0]
    assert "A001" in row_a and "Doanh nghiệp ngoài nhà nước" in row_a and "10/03/2025" not in row_a
    assert "01/03/2025" in row_a and 'data-minutes="0"' in row_a
    assert "không đủ tỷ lệ tham dự" in row_a and "thiếu biên bản" in row_a
    row_b = body.split(f'data-record="{fine.pk}"')[1].split("</tr>")[0]
    assert 'data-minutes="2"' in row_b and 'data-failed="0"' in row_b and "Đạt mọi tiêu chí" in row_b


def test_its_rows_cost_the_same_queries_whatever_their_number(client_as, world):
    client = client_as(world.staff_x)
    submitted(world.unit_a)
    with CaptureQueriesContext(connection) as few:
        client.get(QUEUE)
    for n in range(20):
        record = submitted(UnitFactory(node=world.district_x), held_on=D(2024 if n % 2 else 2025, 3, 1))
        minutes(record)
    with CaptureQueriesContext(connection) as many:
        client.get(QUEUE)
    assert len(many.captured_queries) == len(few.captured_queries) + 2  # the second year's rules


def test_after_accepting_it_links_to_the_next_record_with_the_same_filters(client_as, world):
    client = client_as(world.staff_x)
    first = submitted(world.unit_a)
    dialogue = submitted(world.unit_a, kind="dialogue_periodic", held_on=D(2025, 5, 1))
    second = submitted(world.unit_b, held_on=D(2025, 4, 1))
    filters = urlencode({"kind": "worker_conference"})
    queue_page = client.get(f"{QUEUE}?{filters}").content.decode()
    opened = f"{first.get_absolute_url()}?{urlencode({'queue': filters})}"
    assert opened.replace("&", "&amp;") in queue_page or opened in queue_page
    after = client.post(reverse("conferences:record_accept", args=[first.pk]) + "?" + urlencode({"queue": filters}))
    assert after["Location"] == opened
    page = client.get(after["Location"]).content.decode()
    assert 'id="queue-next"' in page
    nxt = client.get(f"{reverse('conferences:review_next')}?{filters}&after={first.pk}")
    assert nxt["Location"] == f"{second.get_absolute_url()}?{urlencode({'queue': filters})}"
    assert dialogue.pk != second.pk
    # With nothing left, back to the queue with its filters.
    client.post(reverse("conferences:record_accept", args=[second.pk]))
    done = client.get(f"{reverse('conferences:review_next')}?{filters}&after={second.pk}")
    assert done["Location"] == f"{QUEUE}?{filters}"


def test_the_next_link_stays_in_the_reviewers_subtree(client_as, world):
    submitted(world.unit_c)
    response = client_as(world.staff_x).get(reverse("conferences:review_next"))
    assert response["Location"].startswith(QUEUE)


@pytest.mark.parametrize("persona", ["chair_a", "leader_p"])
def test_the_next_link_is_for_staff_only(client_as, world, persona):
    assert client_as(getattr(world, persona)).get(reverse("conferences:review_next")).status_code == 403


def test_the_next_link_sends_anonymous_visitors_to_login(client):
    assert "/accounts/login/" in client.get(reverse("conferences:review_next"))["Location"]
