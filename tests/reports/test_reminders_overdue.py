"""Overdue follow-up items in the weekly reminders: the chair hears which, the staff's
digest counts them; items not yet due, done or on a draft are not chased."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from conferences.followup.models import FollowUpItem
from reports.reminders import remind_chairs, send_weekly_reminders
from tests.factories import RecordFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def promise(unit, text, due_on, *, status="accepted", **fields):
    held_on = TODAY - (60 + FollowUpItem.objects.count()) * DAY  # one record a day
    record = RecordFactory(
        unit=unit, kind="dialogue_periodic", held_on=held_on, status=status, invited=None, attended=None
    )
    return FollowUpItem.objects.create(record=record, unit=unit, text=text, due_on=due_on, **fields)


@pytest.fixture
def promises(world):
    promise(world.unit_a, "Lắp quạt thông gió xưởng may", TODAY - 10 * DAY)
    promise(world.unit_a, "Tăng phụ cấp nặng nhọc", TODAY + 10 * DAY)  # not due yet
    promise(world.unit_a, "Sửa nhà ăn", TODAY - 20 * DAY, state="done", done_on=TODAY - 30 * DAY)
    promise(world.unit_a, "Một việc trong bản nháp", TODAY - 5 * DAY, status="draft")
    promise(world.unit_c, "Cấp nước uống", TODAY - 3 * DAY)


def test_the_chair_hears_which_agreed_items_are_overdue(world, promises):
    send_weekly_reminders(nodes=[world.district_x])
    to_chair = [m for m in mail.outbox if world.chair_a.email in m.to]
    assert len(to_chair) == 1
    body = to_chair[0].body
    assert "Lắp quạt thông gió xưởng may" in body and "quá hạn" in body
    assert "Tăng phụ cấp nặng nhọc" not in body and "Sửa nhà ăn" not in body and "bản nháp" not in body
    assert "Cấp nước uống" not in body  # another district's unit


def test_a_unit_owing_nothing_is_still_reminded_of_its_overdue_items(world, promises, monkeypatch):
    monkeypatch.setattr("reports.reminders._due_indicators", lambda year, today: set())
    result = send_weekly_reminders(nodes=[world.district_x])
    assert result["chairs"] == 1
    digest = next(m for m in mail.outbox if world.staff_x.email in m.to)
    assert "1 đơn vị có việc quá hạn" in digest.subject
    assert "A001" in digest.body.split("quá hạn mà chưa xong:")[1]


def test_the_dashboard_reminder_carries_the_overdue_items_too(world, promises):
    assert remind_chairs(unit_ids=[world.unit_c.pk], year=TODAY.year) == 1
    assert "Cấp nước uống" in mail.outbox[0].body
