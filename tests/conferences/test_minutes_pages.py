"""The minutes search and the formalism signals list: scope, filters, constant queries."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from conferences.minutes.models import MinutesReading
from conferences.minutes.parse import search_form
from conferences.models import Attachment, ContentItem
from tests.factories import RecordFactory

pytestmark = pytest.mark.django_db


def read_minutes(record, text: str, sha: str = "") -> MinutesReading:
    """A minutes file already read by the worker (the reading itself is tested elsewhere)."""
    attachment = Attachment.objects.create(
        record=record,
        purpose="minutes",
        file="minutes/x.pdf",
        original_name="bien-ban.pdf",
        content_type="application/pdf",
        size=10,
        sha256=sha or f"{record.pk:064x}",
    )
    return MinutesReading.objects.create(attachment=attachment, status="read", text=text, search_text=search_form(text))


def formal(unit, **fields):
    """A submitted conference with proposals and a resolution: no signal unless asked for."""
    record = RecordFactory(unit=unit, status="submitted", **fields)
    record.contents.set(ContentItem.objects.filter(kind="worker_conference", code="proposals"))
    return record


# --- Search ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("persona", "expected"), [(None, 302), ("chair_a", 403), ("staff_x", 200), ("leader_p", 200)])
def test_it_lets_only_staff_and_leaders_search(client_as, world, persona, expected):
    client = client_as(getattr(world, persona) if persona else None)
    assert client.get(reverse("conferences:minutes_search"), {"q": "tăng ca"}).status_code == expected


def test_it_lists_the_units_whose_minutes_mention_the_words(client_as, world):
    read_minutes(formal(world.unit_a), "Người lao động kiến nghị giảm giờ TĂNG CA trong mùa cao điểm.")
    read_minutes(formal(world.unit_b), "Kiến nghị hỗ trợ nhà ở cho công nhân.")
    read_minutes(formal(world.unit_c), "Giảm giờ tăng ca là kiến nghị chính.")
    page = client_as(world.staff_x).get(reverse("conferences:minutes_search"), {"q": "Tăng  ca"}).content.decode()
    assert "Công ty May Alpha" in page
    assert "Trường THCS Beta" not in page
    assert "Công ty Gamma" not in page  # another district's unit
    assert "giảm giờ TĂNG CA" in page


def test_it_filters_the_search_by_year_and_node(client_as, world):
    read_minutes(formal(world.unit_a, held_on=datetime.date(2024, 3, 1)), "nhà ở tập thể")
    read_minutes(formal(world.unit_c), "nhà ở cho công nhân")
    client = client_as(world.leader_p)
    url = reverse("conferences:minutes_search")
    page = client.get(url, {"q": "nhà ở", "year": 2025}).content.decode()
    assert "Công ty Gamma" in page and "Công ty May Alpha" not in page
    page = client.get(url, {"q": "nhà ở", "node": world.district_x.pk}).content.decode()
    assert "Công ty May Alpha" in page and "Công ty Gamma" not in page


def test_it_asks_for_at_least_two_characters(client_as, world):
    page = client_as(world.staff_x).get(reverse("conferences:minutes_search"), {"q": "a"}).content.decode()
    assert 'id="search-results"' not in page
    assert "ít nhất 2 ký tự" in page


def test_it_searches_with_a_constant_number_of_queries(client_as, world, django_assert_num_queries):
    client = client_as(world.staff_x)
    url = reverse("conferences:minutes_search")
    read_minutes(formal(world.unit_a), "tăng ca")
    client.get(url, {"q": "tăng ca"})
    with django_assert_num_queries(7) as few:
        client.get(url, {"q": "tăng ca"})
    for n in range(10):
        read_minutes(formal(world.unit_b, held_on=datetime.date(2025, 1, n + 1)), "tăng ca")
    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get(url, {"q": "tăng ca"}).content.decode().count("Trường THCS Beta") == 10


# --- Signals list ----------------------------------------------------------------------------


@pytest.mark.parametrize(("persona", "expected"), [(None, 302), ("chair_a", 403), ("staff_x", 200), ("leader_x", 200)])
def test_it_lets_only_staff_and_leaders_list_signals(client_as, world, persona, expected):
    client = client_as(getattr(world, persona) if persona else None)
    assert client.get(reverse("conferences:signal_list")).status_code == expected


def test_it_lists_flagged_records_of_the_subtree_with_their_explanations(client_as, world):
    formal(world.unit_a, invited=90, attended=60)  # at the quorum line
    formal(world.unit_a, invited=90, attended=80)  # nothing to say
    formal(world.unit_c, resolution_adopted=False)  # another district
    RecordFactory(unit=world.unit_b, resolution_adopted=False)  # a draft: not filed yet
    page = client_as(world.staff_x).get(reverse("conferences:signal_list"), {"year": 2025}).content.decode()
    assert page.count('data-signal="quorum_line"') == 1
    assert 'data-signal="no_resolution"' not in page
    assert "Số người tham dự vừa đúng mức tối thiểu" in page


def test_it_filters_signals_by_kind_year_node_and_signal(client_as, world):
    shared = "f" * 64
    read_minutes(formal(world.unit_a), "a", sha=shared)
    read_minutes(formal(world.unit_c), "c", sha=shared)
    RecordFactory(unit=world.unit_c, kind="dialogue_periodic", status="accepted", held_on=datetime.date(2024, 6, 1))
    client = client_as(world.leader_p)
    url = reverse("conferences:signal_list")
    assert client.get(url, {"signal": "same_file", "year": ""}).content.decode().count('data-signal="same_file"') == 2
    page = client.get(url, {"signal": "same_file", "year": "", "node": world.district_y.pk}).content.decode()
    assert page.count('data-signal="same_file"') == 1
    page = client.get(url, {"kind": "dialogue_periodic", "year": 2024}).content.decode()
    assert page.count('data-signal="no_agreement"') == 1
    assert 'data-signal="same_file"' not in page


def test_it_lists_signals_with_a_constant_number_of_queries(client_as, world, django_assert_num_queries):
    client = client_as(world.staff_x)
    url = reverse("conferences:signal_list") + "?year=2025"
    formal(world.unit_a, resolution_adopted=False)
    client.get(url)
    with django_assert_num_queries(7) as few:
        client.get(url)
    for n in range(10):
        record = formal(world.unit_b, held_on=datetime.date(2025, 2, n + 1), invited=90, attended=60)
        read_minutes(record, "x", "e" * 64)
    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get(url).content.decode().count("Trường THCS Beta") == 10


def test_it_lists_this_years_signals_unless_asked_otherwise(client_as, world):
    formal(world.unit_a, resolution_adopted=False)  # held in 2025
    this_year = formal(world.unit_a, resolution_adopted=False, held_on=timezone.localdate())
    client = client_as(world.staff_x)
    url = reverse("conferences:signal_list")
    assert client.get(url).content.decode().count('data-signal="no_resolution"') == 1
    assert this_year.get_absolute_url() in client.get(url).content.decode()
    assert client.get(url, {"year": ""}).content.decode().count('data-signal="no_resolution"') == 2
