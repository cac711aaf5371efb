"""The bulk write paths go through the same guards as the single ones (the rest of the
guard × write-path matrix is in ``tests/test_guards.py``).

- The admin's delete, single or "delete selected", of units, nodes, rules, checklist lines,
  follow-up items and accounts: none is offered, each page says why, nothing is written.
- The admin's rule edits, additions and "copy to next year", and the checklist's in-list
  edits: through ``conferences.rules`` (administrators only, in the audit log); on a closed
  year they are allowed, say so, and leave the closed figures as they were.
- The staff's bulk chair invitations keep to the staff's subtree
  (``tests/units/test_chairs.py::test_staff_of_another_district_invite_nobody_there``).
- Data migrations: ``tests/test_guards_migrations.py``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.db.models import Model
from django.urls import reverse

from conferences.followup.models import FollowUpItem
from conferences.models import ContentItem, ObligationRule
from conferences.rules import VALUE_TERMS
from tests.factories import OrgNodeFactory, RecordFactory, UnitFactory, UserFactory
from units.models import AuditLog, OrgNode, Unit
from units.periods import Period, PeriodClose

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def desk():
    """Django staff without a single admin permission."""
    return UserFactory(username="desk", is_staff=True)


@pytest.fixture
def clerk():
    """Django staff allowed by Django's permissions to edit rules and checklists, but no
    administrator in the app: the rules service refuses them."""
    user = UserFactory(username="clerk", is_staff=True)
    names = ["view_obligationrule", "change_obligationrule", "add_obligationrule", "view_contentitem"]
    user.user_permissions.set(Permission.objects.filter(codename__in=[*names, "change_contentitem"]))
    return user


def closed_year(world, year: int) -> PeriodClose:
    return PeriodClose.objects.create(
        node=world.district_x, year=year, period=Period.YEAR, version=1, status=PeriodClose.Status.CLOSED
    )


def url(obj: Model | type[Model], view: str, *args: Any) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_{view}", args=args)


def assert_refused(response, who: str) -> None:
    """Visitors are sent to sign in; staff without the right get a 403."""
    if who == "anonymous":
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    else:
        assert response.status_code == 403


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- Deleting, single or in bulk ------------------------------------------------------------


def a_unit(world) -> Unit:
    return UnitFactory(code="N001", name="Đơn vị nhập nhầm", node=world.district_x)


def a_node(world) -> OrgNode:
    return OrgNodeFactory(code="N1", name="Cấp nhập nhầm", parent=world.district_x)


def a_rule(world) -> ObligationRule:
    return ObligationRule.objects.get(year=2025, indicator="worker_conference")


def a_checklist_line(world) -> ContentItem:
    return a_rule(world).contents.first()


def a_follow_up_item(world) -> FollowUpItem:
    record = RecordFactory(unit=world.unit_a, kind="worker_conference", held_on=datetime.date(2025, 3, 1))
    return FollowUpItem.objects.create(record=record, unit=world.unit_a, text="Tăng phụ cấp ca đêm")


def an_account(world) -> Model:
    return UserFactory(username="nguoi-dung")


KEPT = [
    (a_unit, "Không xóa đơn vị"),
    (a_node, "Không xóa cấp công đoàn"),
    (a_rule, "Không xóa quy định"),
    (a_checklist_line, "Không xóa nội dung bắt buộc"),
    (a_follow_up_item, "Không xóa việc cần theo dõi"),
    (an_account, "Không xóa tài khoản"),
]
KEPT_IDS = [make.__name__ for make, _reason in KEPT]


def counts(model: type[Model]) -> tuple[int, int]:
    return model.objects.count(), AuditLog.objects.count()


@pytest.mark.parametrize(("make", "reason"), KEPT, ids=KEPT_IDS)
def test_the_admin_deletes_none_of_them_singly_or_in_bulk_and_says_why(
    world, client_as, superuser, make: Callable, reason: str
) -> None:
    obj = make(world)
    model = type(obj)
    before = counts(model)
    client = client_as(superuser)
    changelist = url(model, "changelist")
    assert 'value="delete_selected"' not in client.get(changelist).content.decode()
    # Posted anyway: not an action of this page (Django says so where the page has others).
    client.post(changelist, {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"})
    single = client.post(url(model, "delete", obj.pk), {"post": "yes"})
    assert single.status_code == 302 and single.url == url(model, "change", obj.pk)
    assert any(m.startswith(reason) for m in said(single))
    assert 'class="deletelink"' not in client.get(url(model, "change", obj.pk)).content.decode()
    assert model.objects.filter(pk=obj.pk).exists() and counts(model) == before


@pytest.mark.parametrize(("make", "reason"), KEPT, ids=KEPT_IDS)
@pytest.mark.parametrize("who", ["anonymous", "desk"])
def test_the_admin_delete_pages_are_closed_to_visitors_and_staff_without_permissions(
    world, client_as, desk, who: str, make: Callable, reason: str
) -> None:
    obj = make(world)
    before = counts(type(obj))
    browser = client_as(desk if who == "desk" else None)
    assert_refused(browser.post(url(obj, "delete", obj.pk), {"post": "yes"}), who)
    assert counts(type(obj)) == before


# --- Rules: edit, add, copy to the next year --------------------------------------------------


def rule_post(rule: ObligationRule, **changes: Any) -> dict[str, Any]:
    """The admin's rule form as it comes back from the page, with ``changes``."""
    data: dict[str, Any] = {name: changes.get(name, getattr(rule, name)) for name in ObligationRule.KEY}
    for name in VALUE_TERMS:
        value = changes.get(name, getattr(rule, name))
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, datetime.date):
            data[name] = value.isoformat()
        else:
            data[name] = "" if value is None else value
    data["contents"] = changes.get("contents", list(rule.contents.values_list("pk", flat=True)))
    return data


def test_the_admin_edits_a_closed_years_rule_through_the_service_and_says_what_it_changes(
    world, client_as, superuser
) -> None:
    closed_year(world, 2025)
    rule = a_rule(world)
    response = client_as(superuser).post(url(rule, "change", rule.pk), rule_post(rule, min_employees=30))
    assert response.status_code == 302
    assert ObligationRule.objects.get(pk=rule.pk).min_employees == 30
    entry = AuditLog.objects.get()  # one entry, the service's
    assert (entry.action, entry.by, entry.after["min_employees"]) == (AuditLog.Action.RULE_EDITED, superuser, 30)
    assert any(m.startswith("Năm 2025 đã có số liệu chốt: số liệu đã chốt giữ nguyên") for m in said(response))


def test_the_back_office_says_the_same_of_a_closed_years_rule(world, client_as) -> None:
    closed_year(world, 2025)
    rule = a_rule(world)
    data = {k: v for k, v in rule_post(rule, min_employees=30).items() if k not in ObligationRule.KEY}
    response = client_as(world.admin).post(reverse("conferences:rule_edit", args=[rule.pk]), data)
    assert response.status_code == 302 and ObligationRule.objects.get(pk=rule.pk).min_employees == 30
    assert any(m.startswith("Năm 2025 đã có số liệu chốt") for m in said(response))


def test_the_admin_adds_a_rule_through_the_service(world, client_as, superuser) -> None:
    rule = ObligationRule.objects.get(year=2030, indicator="dialogue_periodic")
    data = rule_post(rule)
    rule.delete()
    response = client_as(superuser).post(url(ObligationRule, "add"), data)
    assert response.status_code == 302
    added = ObligationRule.objects.get(year=2030, indicator="dialogue_periodic")
    assert sorted(added.contents.values_list("pk", flat=True)) == sorted(data["contents"])
    entry = AuditLog.objects.get()
    assert entry.before is None and entry.after["min_per_year"] == added.min_per_year


@pytest.mark.parametrize("who", ["anonymous", "desk", "clerk"])
def test_a_rule_edit_or_addition_by_anyone_but_an_administrator_writes_nothing(
    world, client_as, desk, clerk, who: str
) -> None:
    rule = a_rule(world)
    browser = client_as({"anonymous": None, "desk": desk, "clerk": clerk}[who])
    before = counts(ObligationRule)
    assert_refused(browser.post(url(rule, "change", rule.pk), rule_post(rule, min_employees=30)), who)
    assert_refused(browser.post(url(ObligationRule, "add"), rule_post(rule, year=2031)), who)
    assert ObligationRule.objects.get(pk=rule.pk).min_employees == rule.min_employees
    assert counts(ObligationRule) == before


def copy_to_next_year(browser, year: int):
    selected = list(ObligationRule.objects.filter(year=year).values_list("pk", flat=True))
    return browser.post(
        url(ObligationRule, "changelist"), {"action": "copy_to_next_year", "_selected_action": selected}
    )


def test_the_admin_copies_the_selected_years_rules_into_a_closed_year_with_a_word_on_its_figures(
    world, client_as, superuser
) -> None:
    ObligationRule.objects.filter(year=2030).delete()
    closed_year(world, 2030)
    response = copy_to_next_year(client_as(superuser), 2029)
    copied = ObligationRule.objects.filter(year=2030).count()
    assert copied == ObligationRule.objects.filter(year=2029).count() > 0
    assert AuditLog.objects.filter(action=AuditLog.Action.RULES_COPIED, by=superuser).count() == copied
    assert f"Đã tạo {copied} quy định mới." in said(response)
    assert any(m.startswith("Năm 2030 đã có số liệu chốt") for m in said(response))


@pytest.mark.parametrize("who", ["anonymous", "desk", "clerk"])
def test_only_an_administrator_copies_rules_from_the_admin(world, client_as, desk, clerk, who: str) -> None:
    ObligationRule.objects.filter(year=2030).delete()
    before = counts(ObligationRule)
    browser = client_as({"anonymous": None, "desk": desk, "clerk": clerk}[who])
    assert_refused(copy_to_next_year(browser, 2029), who)
    assert counts(ObligationRule) == before


# --- Checklist lines edited in the list -------------------------------------------------------


def checklist_post(client, kind: str, **changes: dict[str, Any]) -> dict[str, Any]:
    """The changelist's in-list form for ``kind`` as the page sends it, with ``changes``
    per line id (``{pk: {"is_active": False}}``)."""
    formset = client.get(url(ContentItem, "changelist"), {"kind__exact": kind}).context["cl"].formset
    data: dict[str, Any] = {f"form-{k}": v for k, v in formset.management_form.initial.items()}
    data["_save"] = "Lưu"
    for i, form in enumerate(formset.forms):
        item = form.instance
        values = {"order": item.order, "is_active": item.is_active} | changes.get(str(item.pk), {})
        data |= {f"form-{i}-id": item.pk, f"form-{i}-order": values["order"]}
        if values["is_active"]:
            data[f"form-{i}-is_active"] = "on"
    return data


def test_switching_a_checklist_line_off_in_the_list_goes_through_the_service_and_says_what_it_changes(
    world, client_as, superuser
) -> None:
    closed_year(world, 2025)
    item = a_checklist_line(world)
    client = client_as(superuser)
    data = checklist_post(client, item.kind, **{str(item.pk): {"is_active": False}})
    response = client.post(url(ContentItem, "changelist") + f"?kind__exact={item.kind}", data)
    assert response.status_code == 302
    assert not ContentItem.objects.get(pk=item.pk).is_active
    entry = AuditLog.objects.get()
    assert (entry.action, entry.target_id, entry.before["is_active"], entry.after["is_active"]) == (
        AuditLog.Action.RULE_EDITED,
        str(item.pk),
        True,
        False,
    )
    assert any(m.startswith("Năm 2025 đã có số liệu chốt") for m in said(response))


def test_a_closed_version_keeps_its_figures_through_rule_and_checklist_edits(
    world, client_as, superuser, django_capture_on_commit_callbacks
) -> None:
    from reports import closing
    from reports.models import SnapshotRow

    RecordFactory(unit=world.unit_a, held_on=datetime.date(2025, 3, 10), status="accepted")
    with django_capture_on_commit_callbacks(execute=True):
        close, _new = closing.close_request(node=world.district_x, year=2025, period=Period.YEAR, by=world.staff_x)

    def figures() -> tuple:
        close.refresh_from_db()
        return close.status, close.result, list(SnapshotRow.objects.filter(close=close).order_by("pk").values())

    before = figures()
    assert before[0] == PeriodClose.Status.CLOSED and before[2]
    client = client_as(superuser)
    rule = a_rule(world)
    client.post(url(rule, "change", rule.pk), rule_post(rule, min_employees=500, requires_resolution=True))
    item = a_checklist_line(world)
    client.post(
        url(ContentItem, "changelist") + f"?kind__exact={item.kind}",
        checklist_post(client, item.kind, **{str(item.pk): {"is_active": False}}),
    )
    assert ObligationRule.objects.get(pk=rule.pk).min_employees == 500
    assert not ContentItem.objects.get(pk=item.pk).is_active
    assert figures() == before


@pytest.mark.parametrize("who", ["anonymous", "desk", "clerk"])
def test_only_an_administrator_edits_checklist_lines_in_the_list(
    world, client_as, superuser, desk, clerk, who: str
) -> None:
    item = a_checklist_line(world)
    data = checklist_post(client_as(superuser), item.kind, **{str(item.pk): {"is_active": False}})
    before = counts(ContentItem)
    browser = client_as({"anonymous": None, "desk": desk, "clerk": clerk}[who])
    assert_refused(browser.post(url(ContentItem, "changelist") + f"?kind__exact={item.kind}", data), who)
    assert ContentItem.objects.get(pk=item.pk).is_active and counts(ContentItem) == before


# --- A unit put back as it was, from its history --------------------------------------------


def history_url(unit: Unit) -> str:
    first = unit.history.order_by("history_id").first()
    return reverse("admin:units_unit_simple_history", args=[unit.pk, first.history_id])


def revert_post(client, unit: Unit) -> dict[str, Any]:
    """The history page's form as the browser sends it back (the version it was opened at)."""
    form = client.get(history_url(unit)).context["adminform"].form
    return {name: "" if form[name].value() is None else form[name].value() for name in form.fields}


def test_putting_a_unit_back_from_its_history_checks_the_version_and_keeps_the_node(
    world, client_as, superuser
) -> None:
    from units import regrouping, services

    unit = world.unit_a
    services.unit_update(unit=unit, by=None, version=unit.version, name="Tên sau")
    client = client_as(superuser)
    opened = revert_post(client, unit)
    services.unit_update(unit=unit, by=None, version=unit.version, employees=200)
    stale = client.post(history_url(unit), opened)
    assert stale.status_code == 200 and "vừa được người khác cập nhật" in stale.content.decode()
    assert Unit.objects.get(pk=unit.pk).name == "Tên sau"
    regrouping.unit_transfer(unit=unit, to_node=world.district_y, effective_on=datetime.date.today(), by=None)
    assert client.post(history_url(unit), revert_post(client, unit)).status_code == 302
    unit = Unit.objects.get(pk=unit.pk)
    assert (unit.name, unit.node) == ("Công ty May Alpha", world.district_y)  # a node changes by transfer only
    assert unit.history.first().node_id == world.district_y.pk and unit.transfers.count() == 1


@pytest.mark.parametrize("who", ["anonymous", "desk"])
def test_putting_a_unit_back_is_closed_to_visitors_and_staff_without_permissions(
    world, client_as, superuser, desk, who: str
) -> None:
    from units import services

    unit = services.unit_update(unit=world.unit_a, by=None, version=world.unit_a.version, name="Tên sau")
    data = revert_post(client_as(superuser), unit)
    assert_refused(client_as(desk if who == "desk" else None).post(history_url(unit), data), who)
    assert Unit.objects.get(pk=unit.pk).name == "Tên sau"
