"""The back office: people and roles, rules per year, deadlines per level, the audit log;
each for anonymous, wrong role, other district and the happy path."""

import datetime

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from conferences.models import ObligationRule
from units.audit import audit_record
from units.models import AuditLog, OrgLevel, Role
from units.periods import PeriodDeadline

pytestmark = pytest.mark.django_db

PAGES = ["units:backoffice", "units:people", "units:audit_log", "conferences:rules", "reports:deadlines"]


@pytest.mark.parametrize("name", PAGES)
def test_it_sends_anonymous_visitors_to_login(client, world, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("persona", ["chair_a", "leader_x", "leader_p"])
def test_it_keeps_the_back_office_from_chairs_and_leaders(client_as, world, name, persona):
    assert client_as(getattr(world, persona)).get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", PAGES)
def test_it_opens_the_back_office_to_staff_in_vietnamese(client_as, world, name):
    response = client_as(world.staff_x).get(reverse(name))
    assert response.status_code == 200 and 'lang="vi"' in response.content.decode()


def test_it_lists_only_the_roles_of_the_staff_members_subtree(client_as, world):
    page = client_as(world.staff_x).get(reverse("units:people")).context["page"]
    users = {role.user.username for role in page}
    assert users == {"staff_x", "leader_x", "chair_a"}


def test_it_grants_a_chair_role_to_a_new_person_with_an_invitation_and_an_audit_entry(
    client_as, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(world.staff_x).post(
            reverse("units:people"),
            {"email": "Chu.Tich@Beta.vn", "full_name": "Phạm Thị Dung", "kind": "chair", "unit_code": "B001"},
        )
    assert response.status_code == 302
    role = Role.objects.get(user__email="chu.tich@beta.vn")
    assert (role.kind, role.unit) == ("chair", world.unit_b)
    entry = AuditLog.objects.get(action=AuditLog.Action.ROLE_GRANTED)
    assert entry.by == world.staff_x and entry.node == world.district_x
    assert entry.before is None and entry.after == {
        "user": "chu.tich@beta.vn",
        "kind": "chair",
        "node": None,
        "unit": "B001",
    }
    assert mail.outbox[0].to == ["chu.tich@beta.vn"] and "Chủ tịch công đoàn cơ sở" in mail.outbox[0].body


def test_it_refuses_a_unit_of_another_district_and_the_admin_role_to_staff(client_as, world):
    client = client_as(world.staff_x)
    other = client.post(reverse("units:people"), {"email": "x@y.vn", "kind": "chair", "unit_code": "C001"})
    assert "Không có đơn vị mã này trong phạm vi bạn quản lý." in other.content.decode()
    admin = client.post(reverse("units:people"), {"email": "x@y.vn", "kind": "admin"})
    assert admin.status_code == 200 and not Role.objects.filter(user__email="x@y.vn").exists()


def test_it_revokes_a_role_in_the_subtree_after_asking_and_writes_the_audit_entry(client_as, world):
    role = Role.objects.get(user=world.chair_a)
    client = client_as(world.staff_x)
    assert (
        f'action="{reverse("units:role_revoke", args=[role.pk])}"'
        in client.get(reverse("units:people")).content.decode()
    )
    client.post(reverse("units:role_revoke", args=[role.pk]))
    assert not Role.objects.filter(pk=role.pk).exists()
    entry = AuditLog.objects.get(action=AuditLog.Action.ROLE_REVOKED)
    assert entry.before["user"] == "chair_a" and entry.after is None


def test_it_does_not_find_a_role_of_another_district_and_never_revokes_ones_own(client_as, world):
    client = client_as(world.staff_x)
    other = Role.objects.get(user=world.chair_c)
    assert client.post(reverse("units:role_revoke", args=[other.pk])).status_code == 404
    own = Role.objects.get(user=world.staff_x)
    response = client.post(reverse("units:role_revoke", args=[own.pk]), follow=True)
    assert "Không thể tự thu hồi vai trò của chính mình" in response.content.decode()
    assert Role.objects.filter(pk=own.pk).exists()


def test_it_shows_each_subtree_only_its_own_audit_entries(client_as, world):
    for role in Role.objects.filter(user__in=[world.chair_a, world.chair_c]):
        with transaction.atomic():
            audit_record(by=world.admin, action=AuditLog.Action.ROLE_REVOKED, target=role, before={}, after=None,
                         node=role.unit.node)  # fmt: skip
    seen_by_x = client_as(world.staff_x).get(reverse("units:audit_log")).context["page"]
    assert [e.node for e in seen_by_x] == [world.district_x]
    assert len(client_as(world.admin).get(reverse("units:audit_log")).context["page"]) == 2


@pytest.mark.parametrize("name, queries", [("units:people", 7), ("units:audit_log", 6)])
def test_it_reads_the_people_and_audit_pages_with_a_constant_number_of_queries(
    client_as, world, django_assert_num_queries, name, queries
):
    client = client_as(world.staff_x)
    client.post(reverse("units:people"), {"email": "cb@x.vn", "full_name": "Cán bộ", "kind": "staff",
                                          "node": world.district_x.pk})  # fmt: skip
    client.get(reverse(name))
    with django_assert_num_queries(queries):
        client.get(reverse(name))
    for i in range(5):
        client.post(reverse("units:people"), {"email": f"cb{i}@x.vn", "full_name": "Cán bộ", "kind": "staff",
                                              "node": world.district_x.pk})  # fmt: skip
    with django_assert_num_queries(queries):
        client.get(reverse(name))


@pytest.mark.django_db(transaction=True)
def test_it_refuses_an_audit_entry_outside_a_transaction(world):
    with pytest.raises(RuntimeError):
        audit_record(by=world.admin, action=AuditLog.Action.ROLE_GRANTED, target=world.unit_a, before=None, after={})


# Rules ------------------------------------------------------------------------------------


def test_it_lets_staff_read_the_rules_and_only_admins_edit_them(client_as, world):
    rule = ObligationRule.objects.get(year=2025, indicator="worker_conference")
    html = client_as(world.staff_x).get(reverse("conferences:rules"), {"year": 2025}).content.decode()
    assert "Hội nghị người lao động" in html and reverse("conferences:rule_edit", args=[rule.pk]) not in html
    assert client_as(world.staff_x).get(reverse("conferences:rule_edit", args=[rule.pk])).status_code == 403
    assert (
        client_as(world.staff_x)
        .post(reverse("conferences:rules_copy"), {"from_year": 2025, "to_year": 2031})
        .status_code
        == 403
    )


def test_it_records_a_rule_edit_with_before_and_after(client_as, world):
    rule = ObligationRule.objects.get(year=2025, indicator="dialogue_periodic")
    data = {
        "categories": rule.categories,
        "deadline": "2025-12-15",
        "quorum_percent": "",
        "min_employees": "10",
        "min_per_year": "1",
        "requires_minutes": "on",
        "contents": list(rule.contents.values_list("pk", flat=True)),
        "legal_basis": "Bộ luật Lao động 2019, Điều 63; Nghị định 145/2020/NĐ-CP",
    }
    response = client_as(world.admin).post(reverse("conferences:rule_edit", args=[rule.pk]), data)
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.deadline == datetime.date(2025, 12, 15) and rule.requires_minutes and rule.min_employees == 10
    entry = AuditLog.objects.get(action=AuditLog.Action.RULE_EDITED)
    assert entry.before["deadline"] == "2025-12-31" and entry.after["deadline"] == "2025-12-15"
    assert entry.after["legal_basis"].startswith("Bộ luật Lao động 2019")


def test_it_copies_a_years_rules_back_as_well_as_forward(client_as, world):
    ObligationRule.objects.filter(year=2022).delete()
    client_as(world.admin).post(reverse("conferences:rules_copy"), {"from_year": 2023, "to_year": 2022})
    assert ObligationRule.objects.filter(year=2022).count() == ObligationRule.objects.filter(year=2023).count()
    assert (
        AuditLog.objects.filter(action=AuditLog.Action.RULES_COPIED).count()
        == ObligationRule.objects.filter(year=2022).count()
    )


# Deadlines ----------------------------------------------------------------------------------


def test_it_names_each_level_and_lets_only_admins_set_a_deadline(client_as, world):
    OrgLevel.objects.update_or_create(depth=2, defaults={"name": "Công đoàn cấp trên trực tiếp cơ sở"})
    html = client_as(world.staff_x).get(reverse("reports:deadlines"), {"year": 2025}).content.decode()
    assert "Công đoàn cấp trên trực tiếp cơ sở" in html and 'id="deadline-form"' not in html
    data = {"year": 2025, "depth": 2, "period": "year", "due_on": "2026-01-10"}
    assert client_as(world.staff_x).post(reverse("reports:deadlines"), data).status_code == 403
    client_as(world.admin).post(reverse("reports:deadlines"), data)
    deadline = PeriodDeadline.objects.get(year=2025, depth=2, period="year")
    assert deadline.due_on == datetime.date(2026, 1, 10)
    assert AuditLog.objects.get(action=AuditLog.Action.DEADLINE_SET).after["due_on"] == "2026-01-10"


# Django admin -----------------------------------------------------------------------------


def test_it_keeps_the_django_admin_index_vietnamese(client, world):
    world.admin.is_superuser = world.admin.is_staff = True
    world.admin.save()
    client.force_login(world.admin)
    html = client.get(reverse("admin:index")).content.decode()
    for english in ("Model name", "Add link", "Access attempts", "Clocked", "Crontabs", "Periodic tasks"):
        assert english not in html, english
    assert "Nhật ký quản trị" in html
    levels = client.get(reverse("admin:units_orglevel_changelist")).content.decode()
    assert "Xóa các các" not in levels
    js = client.get(reverse("admin:jsi18n")).content.decode()
    assert "Ch\\u1ecdn t\\u1ea5t c\\u1ea3 %s" in js or "Chọn tất cả %s" in js


def test_it_sends_an_existing_account_an_invitation_to_chair_instead_of_the_role(
    client_as, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(world.staff_x).post(
            reverse("units:people"),
            {"email": world.leader_x.email, "kind": "chair", "unit_code": "B001"},
            follow=True,
        )
    assert "vai trò có hiệu lực khi người đó nhận lời" in response.content.decode()
    assert not Role.objects.filter(user=world.leader_x, kind="chair").exists()
    assert world.leader_x.chair_invitations.get().unit == world.unit_b


def test_it_grants_staff_to_an_existing_account_at_once_with_an_audit_entry(client_as, world):
    client_as(world.staff_x).post(
        reverse("units:people"), {"email": world.leader_x.email, "kind": "staff", "node": world.district_x.pk}
    )
    assert Role.objects.filter(user=world.leader_x, kind="staff", node=world.district_x).exists()
    assert AuditLog.objects.get(action=AuditLog.Action.ROLE_GRANTED).after["kind"] == "staff"


@pytest.mark.parametrize("name, queries", [("conferences:rules", 7), ("reports:deadlines", 7)])
def test_it_reads_the_rules_and_deadlines_pages_with_a_constant_number_of_queries(
    client_as, world, django_assert_num_queries, name, queries
):
    client = client_as(world.admin)
    client.get(reverse(name), {"year": 2025})
    with django_assert_num_queries(queries):
        client.get(reverse(name), {"year": 2025})
    for depth, level in enumerate(("Tổng Liên đoàn", "Liên đoàn Lao động tỉnh", "Công đoàn cấp trên trực tiếp")):
        OrgLevel.objects.update_or_create(depth=depth, defaults={"name": level})
    for period in ("h1", "year"):
        PeriodDeadline.objects.create(year=2025, period=period, depth=2, due_on=datetime.date(2026, 1, 5))
    ObligationRule.objects.filter(year=2025, indicator="worker_conference").update(legal_basis="Luật 10/2022/QH15")
    with django_assert_num_queries(queries):
        client.get(reverse(name), {"year": 2025})


def test_it_writes_role_and_deadline_edits_made_in_django_admin_to_the_audit_log(client, world):
    world.admin.is_superuser = world.admin.is_staff = True
    world.admin.save()
    client.force_login(world.admin)
    client.post(
        reverse("admin:units_role_add"), {"user": world.leader_x.pk, "kind": "staff", "node": world.district_x.pk}
    )
    granted = AuditLog.objects.get(action=AuditLog.Action.ROLE_GRANTED)
    assert granted.after == {"user": "leader_x", "kind": "staff", "node": "X", "unit": None}
    role = Role.objects.get(user=world.leader_x, kind="staff")
    client.post(reverse("admin:units_role_delete", args=[role.pk]), {"post": "yes"})
    assert AuditLog.objects.get(action=AuditLog.Action.ROLE_REVOKED).before["user"] == "leader_x"
    client.post(
        reverse("admin:units_perioddeadline_add"),
        {"year": 2025, "period": "year", "depth": 2, "due_on": "20/01/2026"},
    )
    assert AuditLog.objects.get(action=AuditLog.Action.DEADLINE_SET).after["due_on"] == "2026-01-20"
    changelist = client.get(reverse("admin:units_role_changelist")).content.decode()
    assert "delete_selected" not in changelist
