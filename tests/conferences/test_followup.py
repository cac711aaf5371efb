"""Proposals and agreements followed to done: add, carry into the next record, report, overdue."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from conferences.followup import services
from conferences.followup.models import FollowUpItem
from conferences.models import AuditEntry
from conferences.services import StaleEdit
from tests.factories import RecordFactory, pdf_bytes

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def dialogue(unit, held_on, **fields):
    return RecordFactory(unit=unit, kind="dialogue_periodic", held_on=held_on, invited=None, attended=None, **fields)


def agreement(record, by, text="Giảm giờ tăng ca", due_on=None):
    return services.item_add(
        record=record,
        by=by,
        data={"item_type": "agreement", "text": text, "responsible": "employer", "due_on": due_on},
    )


def test_it_adds_an_item_to_a_draft_with_an_audit_row(world):
    record = dialogue(world.unit_a, datetime.date(2025, 3, 1))
    item = agreement(record, world.chair_a, due_on=datetime.date(2025, 6, 30))
    assert (item.unit, item.state) == (world.unit_a, FollowUpItem.State.OPEN)
    assert AuditEntry.objects.get(record=record).changes == {"follow_up_item": [None, "Giảm giờ tăng ca"]}


def test_it_refuses_items_on_a_record_the_user_cannot_edit(world):
    record = dialogue(world.unit_a, datetime.date(2025, 3, 1), status="accepted")
    with pytest.raises(PermissionDenied):
        agreement(record, world.chair_a)
    with pytest.raises(PermissionDenied):
        agreement(dialogue(world.unit_a, datetime.date(2025, 3, 2)), world.chair_c)


def test_it_carries_open_items_into_the_units_next_dialogue_until_reported(world):
    first = dialogue(world.unit_a, datetime.date(2025, 3, 1))
    open_item = agreement(first, world.chair_a)
    done_item = agreement(first, world.chair_a, text="Nâng bữa ăn ca")
    services.item_report(item=done_item, by=world.chair_a, version=1, state="done", done_on=datetime.date(2025, 4, 1))
    agreement(dialogue(world.unit_c, datetime.date(2025, 3, 1)), world.chair_c)  # another unit
    second = dialogue(world.unit_a, datetime.date(2025, 9, 1))
    from conferences.followup.selectors import carried_items

    assert list(carried_items(second)) == [open_item]
    assert list(carried_items(first)) == []
    reported = services.item_report(
        item=open_item, by=world.chair_a, version=1, state="dropped", drop_reason="Đơn hàng giảm", followed_in=second
    )
    assert list(carried_items(second)) == [reported]  # still listed where it was reported
    assert list(carried_items(dialogue(world.unit_a, datetime.date(2025, 12, 1)))) == []
    assert AuditEntry.objects.filter(record=second, changes__state__isnull=False).exists()


def test_it_reports_outcomes_on_an_accepted_record_but_refuses_a_stale_report(world):
    record = dialogue(world.unit_a, datetime.date(2025, 3, 1))
    item = agreement(record, world.chair_a)
    record.status = "accepted"
    record.save()
    services.item_report(item=item, by=world.staff_x, version=1, state="open", evidence_note="Đã họp lần 2")
    with pytest.raises(StaleEdit):
        services.item_report(item=item, by=world.chair_a, version=1, state="done", done_on=TODAY)
    with pytest.raises(PermissionDenied):
        services.item_report(item=item, by=world.chair_c, version=2, state="done", done_on=TODAY)


def test_it_requires_a_date_for_done_and_a_reason_for_dropped(world):
    item = agreement(dialogue(world.unit_a, datetime.date(2025, 3, 1)), world.chair_a)
    with pytest.raises(ValidationError):
        services.item_report(item=item, by=world.chair_a, version=1, state="done")
    with pytest.raises(ValidationError):
        services.item_report(item=item, by=world.chair_a, version=1, state="dropped", drop_reason="  ")


def test_it_checks_and_stores_evidence_and_serves_it_only_in_scope(client_as, world):
    item = agreement(dialogue(world.unit_a, datetime.date(2025, 3, 1)), world.chair_a)
    with pytest.raises(ValidationError):
        services.item_report(
            item=item, by=world.chair_a, version=1, state="open", evidence=SimpleUploadedFile("x.pdf", b"not a pdf")
        )
    item = services.item_report(
        item=item,
        by=world.chair_a,
        version=1,
        state="done",
        done_on=TODAY,
        evidence=SimpleUploadedFile("quyet-dinh.pdf", pdf_bytes()),
    )
    url = reverse("conferences:item_evidence", args=[item.pk])
    assert client_as(world.staff_x).get(url).status_code == 200
    assert client_as(world.staff_y).get(url).status_code == 404
    assert client_as(None).get(url).status_code == 302


@pytest.mark.parametrize(
    ("persona", "expected"), [(None, 302), ("chair_c", 404), ("leader_x", 403), ("chair_a", 302), ("staff_x", 302)]
)
def test_it_scopes_adding_items_through_the_page(client_as, world, persona, expected):
    record = dialogue(world.unit_a, datetime.date(2025, 3, 1))
    response = client_as(getattr(world, persona) if persona else None).post(
        reverse("conferences:item_add", args=[record.pk]),
        {"item-item_type": "proposal", "item-text": "Nhà ở", "item-responsible": "employer", "item-due_on": ""},
    )
    assert response.status_code == expected
    assert FollowUpItem.objects.exists() == (persona in ("chair_a", "staff_x"))


def test_it_reports_an_outcome_from_the_next_record_page(client_as, world):
    first = dialogue(world.unit_a, datetime.date(2025, 3, 1))
    item = agreement(first, world.chair_a)
    second = dialogue(world.unit_a, datetime.date(2025, 9, 1))
    client = client_as(world.chair_a)
    page = client.get(second.get_absolute_url()).content.decode()
    assert 'id="carried-items"' in page and "Giảm giờ tăng ca" in page
    prefix = f"item{item.pk}"
    response = client.post(
        reverse("conferences:item_report", args=[item.pk]),
        {f"{prefix}-version": 1, f"{prefix}-followed_in": second.pk, f"{prefix}-state": "done",
         f"{prefix}-done_on": "15/08/2025", f"{prefix}-evidence_note": "Từ tháng 8"},
    )  # fmt: skip
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.state, item.done_on, item.followed_in) == ("done", datetime.date(2025, 8, 15), second)


def test_it_explains_a_missing_done_date_in_vietnamese(client_as, world):
    item = agreement(dialogue(world.unit_a, datetime.date(2025, 3, 1)), world.chair_a)
    prefix = f"item{item.pk}"
    response = client_as(world.chair_a).post(
        reverse("conferences:item_report", args=[item.pk]),
        {f"{prefix}-version": 1, f"{prefix}-state": "done"},
        follow=True,
    )
    assert "Việc đã xong cần có ngày hoàn thành." in response.content.decode()
    item.refresh_from_db()
    assert item.state == "open"


def test_it_shows_overdue_items_on_the_chairs_home(client_as, world):
    record = dialogue(world.unit_a, datetime.date(2025, 3, 1))
    agreement(record, world.chair_a, text="Sửa nhà vệ sinh", due_on=TODAY - datetime.timedelta(days=1))
    agreement(record, world.chair_a, text="Lắp quạt", due_on=TODAY + datetime.timedelta(days=5))
    agreement(dialogue(world.unit_c, datetime.date(2025, 3, 1)), world.chair_c, text="Khác", due_on=TODAY)
    page = client_as(world.chair_a).get(reverse("conferences:unit_year", args=[world.unit_a.pk])).content.decode()
    assert 'id="overdue-items"' in page
    assert "Sửa nhà vệ sinh" in page
    assert "Lắp quạt" not in page


def test_it_shows_items_on_the_record_page_with_a_constant_number_of_queries(
    client_as, world, django_assert_num_queries
):
    earlier = dialogue(world.unit_a, datetime.date(2025, 3, 1))
    record = dialogue(world.unit_a, datetime.date(2025, 9, 1))
    agreement(earlier, world.chair_a)
    agreement(record, world.chair_a)
    client = client_as(world.chair_a)
    client.get(record.get_absolute_url())
    with django_assert_num_queries(19) as few:
        client.get(record.get_absolute_url())
    for n in range(5):
        agreement(earlier, world.chair_a, text=f"Việc cũ {n}", due_on=TODAY)
        agreement(record, world.chair_a, text=f"Việc mới {n}")
    with django_assert_num_queries(len(few.captured_queries)):
        page = client.get(record.get_absolute_url()).content.decode()
    assert page.count('data-item-state="open"') == 12


@pytest.mark.parametrize(("persona", "expected"), [("chair_c", 404), ("leader_x", 403), ("chair_a", 302)])
def test_it_lets_only_editors_of_the_record_delete_an_item(client_as, world, persona, expected):
    item = agreement(dialogue(world.unit_a, datetime.date(2025, 3, 1)), world.chair_a)
    response = client_as(getattr(world, persona)).post(reverse("conferences:item_delete", args=[item.pk]))
    assert response.status_code == expected
    assert FollowUpItem.objects.filter(pk=item.pk).exists() == (persona != "chair_a")


def test_a_new_dialogues_form_lists_the_units_open_items_only(world, client_as):
    first = dialogue(world.unit_a, datetime.date(2025, 3, 1))
    agreement(first, world.chair_a, text="Lắp máy lọc nước", due_on=datetime.date(2025, 6, 30))
    done = agreement(first, world.chair_a, text="Sửa mái che")
    services.item_report(item=done, by=world.chair_a, version=1, state="done", done_on=datetime.date(2025, 4, 1))
    agreement(dialogue(world.unit_c, datetime.date(2025, 3, 1)), world.chair_c, text="Việc của đơn vị khác")
    client = client_as(world.chair_a)
    new_dialogue = reverse("conferences:record_create", args=[world.unit_a.pk, "dialogue_periodic"])
    body = client.get(new_dialogue).content.decode()
    assert 'id="open-items-notice"' in body and "Lắp máy lọc nước" in body
    assert "Sửa mái che" not in body and "Việc của đơn vị khác" not in body
    regulation = client.get(reverse("conferences:record_create", args=[world.unit_a.pk, "qcdc_regulation"]))
    assert 'id="open-items-notice"' not in regulation.content.decode()
    other_unit = reverse("conferences:record_create", args=[world.unit_c.pk, "dialogue_periodic"])
    assert client.get(other_unit).status_code == 404
