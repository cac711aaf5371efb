"""Irreversible steps ask first in the page; a rule that requires minutes refuses a submission without them."""

import pytest
from django.urls import reverse

from conferences import rules, services
from conferences.models import ObligationRule, Record
from tests.factories import RecordFactory, attach_minutes

pytestmark = pytest.mark.django_db


def detail(client, record):
    return client.get(reverse("conferences:record_detail", args=[record.pk])).content.decode()


def test_it_seeds_conference_rules_that_require_minutes_and_dialogue_rules_that_do_not():
    required = dict(ObligationRule.objects.filter(year=2025).values_list("indicator", "requires_minutes"))
    assert required["worker_conference"] and required["cbccvc_conference"]
    assert not required["dialogue_periodic"]


def test_it_refuses_to_submit_a_conference_without_minutes_when_the_rule_requires_them(world):
    record = RecordFactory(unit=world.unit_a)
    with pytest.raises(services.MinutesRequired):
        services.record_submit(record=record, by=world.chair_a)
    assert Record.objects.get(pk=record.pk).status == Record.Status.DRAFT


def test_it_explains_the_refusal_in_the_page_and_offers_no_submit_button(client_as, world):
    record = RecordFactory(unit=world.unit_a)
    client = client_as(world.chair_a)
    html = detail(client, record)
    assert 'id="minutes-required"' in html and "yêu cầu biên bản" in html
    response = client.post(
        reverse("conferences:record_submit", args=[record.pk]), {"without_minutes": "1"}, follow=True
    )
    assert "Quy định năm 2025 yêu cầu biên bản" in response.content.decode()
    assert Record.objects.get(pk=record.pk).status == Record.Status.DRAFT


def test_it_asks_before_submitting_without_minutes_where_the_rule_allows_it(client_as, world):
    ObligationRule.objects.filter(year=2025, indicator="worker_conference").update(requires_minutes=False)
    record = RecordFactory(unit=world.unit_a)
    client = client_as(world.chair_a)
    assert 'id="submit-confirm"' in detail(client, record)
    url = reverse("conferences:record_submit", args=[record.pk])
    client.post(url)
    assert Record.objects.get(pk=record.pk).status == Record.Status.DRAFT
    client.post(url, {"without_minutes": "1"})
    assert Record.objects.get(pk=record.pk).status == Record.Status.SUBMITTED


def test_it_submits_at_once_when_the_minutes_are_attached(client_as, world):
    record = RecordFactory(unit=world.unit_a)
    attach_minutes(record)
    client = client_as(world.chair_a)
    html = detail(client, record)
    assert 'id="submit-confirm"' not in html and 'id="minutes-required"' not in html
    client.post(reverse("conferences:record_submit", args=[record.pk]))
    assert Record.objects.get(pk=record.pk).status == Record.Status.SUBMITTED


def test_it_puts_deleting_a_draft_and_removing_a_file_behind_a_step_that_says_what_happens(client_as, world):
    record = RecordFactory(unit=world.unit_a)
    attach_minutes(record, name="bien-ban-ky.pdf")
    html = detail(client_as(world.chair_a), record)
    assert 'id="delete-confirm"' in html and "1 tệp đính kèm sẽ bị xóa hẳn" in html
    assert "Tệp “bien-ban-ky.pdf” sẽ bị gỡ khỏi hồ sơ và xóa hẳn." in html


def test_it_copies_the_minutes_rule_and_the_legal_basis_to_another_year(world):
    ObligationRule.objects.filter(year=2030).delete()
    ObligationRule.objects.filter(year=2029, indicator="dialogue_periodic").update(
        requires_minutes=True, legal_basis="Bộ luật Lao động 2019, Điều 63"
    )
    rules.rules_copy_year(from_year=2029, to_year=2030, by=world.admin)
    copy = ObligationRule.objects.get(year=2030, indicator="dialogue_periodic")
    assert copy.requires_minutes and copy.legal_basis == "Bộ luật Lao động 2019, Điều 63"
