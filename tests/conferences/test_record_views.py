"""Record screens: every URL × persona, then the behaviour of the year page and the queue."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from conferences.models import Record
from tests.factories import RecordFactory

pytestmark = pytest.mark.django_db

PERSONAS = ["chair_a", "chair_c", "staff_x", "staff_y", "leader_x", "leader_p", "admin"]


def record_urls(record):
    return {
        "detail": ("get", reverse("conferences:record_detail", args=[record.pk])),
        "edit": ("get", reverse("conferences:record_edit", args=[record.pk])),
        "submit": ("post", reverse("conferences:record_submit", args=[record.pk])),
        "accept": ("post", reverse("conferences:record_accept", args=[record.pk])),
        "return": ("post", reverse("conferences:record_return", args=[record.pk])),
        "reopen": ("post", reverse("conferences:record_reopen", args=[record.pk])),
        "delete": ("post", reverse("conferences:record_delete", args=[record.pk])),
    }


# Expected status for a DRAFT of unit A (district X). 302 = done and redirected.
DRAFT_EXPECTED = {
    "chair_a": {"detail": 200, "edit": 200, "submit": 302, "accept": 403, "return": 302, "reopen": 302, "delete": 302},
    "chair_c": dict.fromkeys(["detail", "edit", "submit", "accept", "return", "reopen", "delete"], 404),
    "staff_x": {"detail": 200, "edit": 200, "submit": 302, "accept": 302, "return": 302, "reopen": 302, "delete": 302},
    "staff_y": dict.fromkeys(["detail", "edit", "submit", "accept", "return", "reopen", "delete"], 404),
    "leader_x": {"detail": 200, "edit": 403, "submit": 403, "accept": 403, "return": 302, "reopen": 302, "delete": 403},
    "leader_p": {"detail": 200, "edit": 403, "submit": 403, "accept": 403, "return": 302, "reopen": 302, "delete": 403},
}


@pytest.mark.parametrize("persona", list(DRAFT_EXPECTED))
@pytest.mark.parametrize("action", ["detail", "edit", "submit", "accept", "delete"])
def test_it_answers_each_persona_as_expected_on_a_draft(client_as, world, persona, action):
    record = RecordFactory(unit=world.unit_a)
    method, url = record_urls(record)[action]
    response = getattr(client_as(getattr(world, persona)), method)(url)
    assert response.status_code == DRAFT_EXPECTED[persona][action], (persona, action)


@pytest.mark.parametrize("action", ["detail", "edit", "submit", "accept", "return", "reopen", "delete"])
def test_it_sends_anonymous_visitors_to_login(client, world, action):
    record = RecordFactory(unit=world.unit_a)
    method, url = record_urls(record)[action]
    response = getattr(client, method)(url)
    assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.parametrize("persona", ["chair_a", "leader_x", "leader_p", "staff_y", "chair_c"])
def test_it_lets_no_one_but_the_node_staff_review(client_as, world, persona):
    record = RecordFactory(unit=world.unit_a, status="submitted")
    client = client_as(getattr(world, persona))
    accept = client.post(reverse("conferences:record_accept", args=[record.pk]))
    ret = client.post(reverse("conferences:record_return", args=[record.pk]), {"reason": "x"})
    assert {accept.status_code, ret.status_code} <= {403, 404}
    assert Record.objects.get(pk=record.pk).status == "submitted"


def test_it_lets_the_node_staff_return_with_a_reason_and_accept(client_as, world):
    record = RecordFactory(unit=world.unit_a, status="submitted")
    client = client_as(world.staff_x)
    no_reason = client.post(reverse("conferences:record_return", args=[record.pk]), {"reason": ""}, follow=True)
    assert "Hãy ghi rõ lý do." in no_reason.content.decode()
    assert Record.objects.get(pk=record.pk).status == "submitted"
    client.post(reverse("conferences:record_return", args=[record.pk]), {"reason": "Thiếu biên bản"})
    assert Record.objects.get(pk=record.pk).status == "returned"


def test_it_says_so_when_a_record_changed_state_meanwhile(client_as, world):
    record = RecordFactory(unit=world.unit_a, status="accepted")
    response = client_as(world.staff_x).post(reverse("conferences:record_accept", args=[record.pk]), follow=True)
    assert "Hồ sơ đã đổi trạng thái" in response.content.decode()


# --- Creating and editing ------------------------------------------------------------------


def test_it_lets_a_chair_create_a_worker_conference_draft(client_as, world):
    url = reverse("conferences:record_create", args=[world.unit_a.pk, "worker_conference"])
    client = client_as(world.chair_a)
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {"held_on": "15/03/2025", "format": "full", "invited": "120", "attended": "100", "resolution_adopted": "true"},
    )
    record = Record.objects.get(unit=world.unit_a)
    assert response["Location"] == record.get_absolute_url()
    assert record.status == "draft" and not record.on_paper and record.year == 2025
    assert record.held_on == datetime.date(2025, 3, 15)


def test_it_marks_records_entered_by_staff_as_paper(client_as, world):
    url = reverse("conferences:record_create", args=[world.unit_b.pk, "cbccvc_conference"])
    client_as(world.staff_x).post(
        url, {"held_on": "10/02/2025", "format": "delegate", "invited": "40", "attended": "38"}
    )
    assert Record.objects.get(unit=world.unit_b).on_paper


@pytest.mark.parametrize(
    "persona, expected", [("chair_c", 404), ("staff_y", 404), ("leader_p", 403), ("leader_x", 403)]
)
def test_it_refuses_filing_for_a_unit_one_does_not_serve(client_as, world, persona, expected):
    url = reverse("conferences:record_create", args=[world.unit_a.pk, "worker_conference"])
    client = client_as(getattr(world, persona))
    assert client.get(url).status_code == expected
    assert client.post(url, {"held_on": "15/03/2025"}).status_code == expected
    assert not Record.objects.exists()


def test_it_returns_404_for_an_unknown_kind(client_as, world):
    url = reverse("conferences:record_create", args=[world.unit_a.pk, "party"])
    assert client_as(world.chair_a).get(url).status_code == 404


def test_it_explains_bad_input_in_vietnamese_and_keeps_it(client_as, world):
    url = reverse("conferences:record_create", args=[world.unit_a.pk, "worker_conference"])
    future = (timezone.localdate() + datetime.timedelta(days=3)).strftime("%d/%m/%Y")
    response = client_as(world.chair_a).post(
        url, {"held_on": future, "format": "full", "invited": "10", "attended": "12", "place": "Nhà ăn ca"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "chỉ ghi nhận sự kiện đã diễn ra" in html
    assert "Số tham dự không thể lớn hơn số được triệu tập." in html
    assert 'value="Nhà ăn ca"' in html
    assert not Record.objects.exists()


def test_it_refuses_an_edit_made_on_a_stale_page(client_as, world):
    record = RecordFactory(unit=world.unit_a)
    url = reverse("conferences:record_edit", args=[record.pk])
    data = {"held_on": "10/03/2025", "format": "full", "invited": "100", "attended": "80", "version": record.version}
    client = client_as(world.chair_a)
    assert client.post(url, {**data, "attended": "90"}).status_code == 302
    response = client_as(world.staff_x).post(url, {**data, "attended": "99"})
    assert "Người khác đã thay đổi hồ sơ này" in response.content.decode()
    assert Record.objects.get(pk=record.pk).attended == 90


def test_it_shows_a_chair_the_edit_form_only_for_their_drafts(client_as, world):
    record = RecordFactory(unit=world.unit_a, status="submitted")
    assert client_as(world.chair_a).get(reverse("conferences:record_edit", args=[record.pk])).status_code == 403


# --- The chair's year page -------------------------------------------------------------------


def test_it_shows_each_obligation_with_its_state(client_as, world):
    year = timezone.localdate().year
    RecordFactory(unit=world.unit_a, kind="worker_conference", held_on=datetime.date(year, 1, 20), status="accepted")
    RecordFactory(unit=world.unit_a, kind="dialogue_periodic", held_on=datetime.date(year, 1, 5), status="returned")
    response = client_as(world.chair_a).get(reverse("conferences:unit_year", args=[world.unit_a.pk]))
    states = {o.rule.indicator: o.state for o in response.context["obligations"]}
    assert states["worker_conference"] == "accepted"
    assert states["dialogue_periodic"] == "returned"
    assert states["qcdc_regulation"] == "missing"
    assert "cbccvc_conference" not in states


def test_it_marks_an_overdue_obligation_and_a_late_acceptance(client_as, world):
    RecordFactory(unit=world.unit_a, kind="worker_conference", held_on=datetime.date(2024, 5, 2), status="accepted")
    response = client_as(world.staff_x).get(reverse("conferences:unit_year", args=[world.unit_a.pk]), {"year": 2024})
    states = {o.rule.indicator: o.state for o in response.context["obligations"]}
    assert states["worker_conference"] == "late"
    assert states["dialogue_periodic"] == "overdue"


def test_it_has_no_obligations_for_a_unit_dissolved_before_the_year(client_as, world):
    world.unit_a.dissolved_on = datetime.date(2023, 6, 30)
    world.unit_a.save()
    response = client_as(world.staff_x).get(reverse("conferences:unit_year", args=[world.unit_a.pk]), {"year": 2025})
    assert response.context["obligations"] == []


@pytest.mark.parametrize(
    "persona, expected", [("chair_a", 200), ("staff_x", 200), ("leader_p", 200), ("chair_c", 404), ("staff_y", 404)]
)
def test_it_scopes_the_year_page(client_as, world, persona, expected):
    url = reverse("conferences:unit_year", args=[world.unit_a.pk])
    assert client_as(getattr(world, persona)).get(url).status_code == expected


def test_it_sends_a_chair_from_home_to_their_year_page(client_as, world):
    response = client_as(world.chair_a).get(reverse("home"))
    assert response["Location"] == reverse("conferences:unit_year", args=[world.unit_a.pk])


def test_it_shows_the_year_page_with_a_constant_number_of_queries(client_as, world, django_assert_num_queries):
    client = client_as(world.chair_a)
    url = reverse("conferences:unit_year", args=[world.unit_a.pk])
    client.get(url)
    # 7 + the unit's overdue follow-up items (1)
    with django_assert_num_queries(8) as few:
        client.get(url)
    RecordFactory.create_batch(20, unit=world.unit_a, held_on=datetime.date(timezone.localdate().year, 1, 2))
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(url)


def test_it_lists_the_unit_records_for_the_unit_page(client_as, world):
    RecordFactory(unit=world.unit_a, kind="dialogue_periodic")
    html = client_as(world.staff_x).get(reverse("conferences:unit_records", args=[world.unit_a.pk])).content.decode()
    assert "Đối thoại định kỳ" in html
    assert client_as(world.staff_y).get(reverse("conferences:unit_records", args=[world.unit_a.pk])).status_code == 404


# --- The review queue ------------------------------------------------------------------------


def test_it_queues_submitted_records_of_the_subtree_oldest_first(client_as, world):
    now = timezone.now()
    newer = RecordFactory(unit=world.unit_a, status="submitted", submitted_at=now)
    older = RecordFactory(unit=world.unit_b, status="submitted", submitted_at=now - datetime.timedelta(days=2))
    RecordFactory(unit=world.unit_c, status="submitted", submitted_at=now)  # district Y
    RecordFactory(unit=world.unit_a, status="draft")
    response = client_as(world.staff_x).get(reverse("conferences:review_queue"))
    assert [r.pk for r in response.context["page"]] == [older.pk, newer.pk]
    assert response.context["review_count"] == 2


def test_it_filters_the_queue_by_kind_and_status(client_as, world):
    RecordFactory(unit=world.unit_a, status="submitted", kind="dialogue_periodic")
    RecordFactory(unit=world.unit_a, status="submitted", kind="worker_conference")
    accepted = RecordFactory(unit=world.unit_a, status="accepted")
    client = client_as(world.staff_x)
    page = client.get(reverse("conferences:review_queue"), {"kind": "dialogue_periodic"}).context["page"]
    assert [r.kind for r in page] == ["dialogue_periodic"]
    page = client.get(reverse("conferences:review_queue"), {"status": "accepted"}).context["page"]
    assert [r.pk for r in page] == [accepted.pk]


@pytest.mark.parametrize("persona", ["chair_a", "leader_p", "leader_x"])
def test_it_keeps_the_queue_for_staff(client_as, world, persona):
    assert client_as(getattr(world, persona)).get(reverse("conferences:review_queue")).status_code == 403


def test_it_shows_the_queue_with_a_constant_number_of_queries(client_as, world, django_assert_num_queries):
    client = client_as(world.staff_x)
    RecordFactory(unit=world.unit_a, status="submitted", submitted_at=timezone.now())
    client.get(reverse("conferences:review_queue"))
    with django_assert_num_queries(7) as few:
        client.get(reverse("conferences:review_queue"))
    RecordFactory.create_batch(30, unit=world.unit_b, status="submitted", submitted_at=timezone.now())
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(reverse("conferences:review_queue"))


def test_it_shows_the_record_page_with_a_constant_number_of_queries(client_as, world, django_assert_num_queries):
    from conferences import services

    record = RecordFactory(unit=world.unit_a)
    client = client_as(world.chair_a)
    url = reverse("conferences:record_detail", args=[record.pk])
    client.get(url)
    # 11 + is a closed period holding it (did the tree change since the year end: 2; the
    # closes: 1)? + did the unit move since the record (1)? + the minutes panel (its
    # readings: 1, its formalism signals: 1) + its follow-up items (its own: 1, carried: 1)
    with django_assert_num_queries(19) as few:
        client.get(url)
    for n in range(10):
        record.refresh_from_db()
        services.record_update(record=record, by=world.chair_a, version=record.version, data={"attended": n})
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(url)


def test_it_caps_the_navigation_count_so_it_stays_cheap(client_as, world):
    from conferences.selectors import QUEUE_COUNT_CAP, queue_count

    RecordFactory.create_batch(QUEUE_COUNT_CAP + 5, unit=world.unit_a, status="submitted")
    assert queue_count(world.staff_x) == QUEUE_COUNT_CAP
    assert ">99+<" in client_as(world.staff_x).get(reverse("home")).content.decode()
