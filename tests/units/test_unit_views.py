"""Units screens: every URL against every persona, then the behaviour of each."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import UnitFactory
from units.models import Category, Role, Unit

pytestmark = pytest.mark.django_db


def url(name, unit=None):
    return reverse(f"units:{name}", kwargs={"pk": unit.pk} if unit else None)


# --- Every URL × persona -------------------------------------------------------------

READ_URLS = ["unit_list", "unit_export"]
STAFF_URLS = ["unit_create"]


@pytest.mark.parametrize("name", READ_URLS + STAFF_URLS)
def test_it_sends_anonymous_visitors_to_the_login_page(client, world, name):
    response = client.get(url(name))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize("name", ["unit_detail", "unit_edit"])
def test_it_sends_anonymous_visitors_to_login_for_a_unit(client, world, name):
    response = client.get(url(name, world.unit_a))
    assert response.status_code == 302


@pytest.mark.parametrize("name", READ_URLS + STAFF_URLS)
def test_it_refuses_chairs_the_staff_screens(client_as, world, name):
    assert client_as(world.chair_a).get(url(name)).status_code == 403


@pytest.mark.parametrize("name", READ_URLS)
def test_it_lets_staff_and_leaders_read_the_lists(client_as, world, name):
    for user in (world.staff_x, world.leader_p, world.leader_x, world.admin):
        assert client_as(user).get(url(name)).status_code == 200


def test_it_refuses_leaders_the_editing_screens(client_as, world):
    client = client_as(world.leader_p)
    assert client.get(url("unit_create")).status_code == 403
    assert client.get(url("unit_edit", world.unit_a)).status_code == 403
    assert client.post(url("unit_deactivate", world.unit_a), {"dissolved_on": "01/01/2025"}).status_code == 403


def test_it_shows_a_chair_their_own_unit(client_as, world):
    response = client_as(world.chair_a).get(url("unit_detail", world.unit_a))
    assert response.status_code == 200
    assert "Công ty May Alpha" in response.content.decode()
    assert "Sửa" not in response.content.decode().split("Lịch sử thay đổi")[0].split("<h1")[1].split("</div>")[0]


def test_it_hides_another_unit_from_a_chair_with_a_404(client_as, world):
    client = client_as(world.chair_a)
    assert client.get(url("unit_detail", world.unit_b)).status_code == 404
    assert client.get(url("unit_detail", world.unit_c)).status_code == 404


@pytest.mark.parametrize("name", ["unit_detail", "unit_edit"])
def test_it_returns_404_for_a_unit_outside_the_district(client_as, world, name):
    assert client_as(world.staff_x).get(url(name, world.unit_c)).status_code == 404


@pytest.mark.parametrize("name", ["unit_deactivate", "unit_reactivate", "unit_invite_chair"])
def test_it_returns_404_for_writes_outside_the_district(client_as, world, name):
    data = {"dissolved_on": "01/01/2025", "email": "x@example.vn", "full_name": "X"}
    assert client_as(world.staff_x).post(url(name, world.unit_c), data).status_code == 404
    world.unit_c.refresh_from_db()
    assert world.unit_c.dissolved_on is None
    assert not mail.outbox


# --- The list --------------------------------------------------------------------------


def test_it_lists_only_the_district_units_even_through_search_and_filters(client_as, world):
    client = client_as(world.staff_x)
    html = client.get(url("unit_list")).content.decode()
    assert "A001" in html and "B001" in html and "C001" not in html
    html = client.get(url("unit_list"), {"q": "Gamma"}).content.decode()
    assert "C001" not in html
    # Asking for the other district's node is not a valid choice: nothing leaks.
    response = client.get(url("unit_list"), {"node": world.district_y.pk})
    assert "C001" not in response.content.decode()


def test_it_filters_by_category_node_status_and_search(client_as, world):
    UnitFactory(code="Z9", name="Đã giải thể", node=world.district_x, dissolved_on=datetime.date(2020, 1, 1))
    client = client_as(world.leader_p)
    assert "B001" not in client.get(url("unit_list"), {"category": "private_enterprise"}).content.decode()
    html = client.get(url("unit_list"), {"node": world.district_y.pk}).content.decode()
    assert "C001" in html and "A001" not in html
    html = client.get(url("unit_list"), {"status": "inactive"}).content.decode()
    assert "Z9" in html and "A001" not in html
    html = client.get(url("unit_list"), {"q": "alpha"}).content.decode()
    assert "A001" in html and "B001" not in html


def test_it_counts_units_per_category_within_the_scope(client_as, world):
    response = client_as(world.staff_x).get(url("unit_list"))
    counts = {value: n for value, _label, n in response.context["category_counts"]}
    assert counts[Category.PRIVATE_ENTERPRISE] == 1
    assert counts[Category.PUBLIC_SERVICE_UNIT] == 1
    assert response.context["total"] == 2


def test_it_sorts_by_the_chosen_column(client_as, world):
    client = client_as(world.leader_p)
    page = client.get(url("unit_list"), {"sort": "-code"}).context["page"]
    assert [u.code for u in page] == ["C001", "B001", "A001"]


def test_it_paginates_fifty_per_page(client_as, world):
    UnitFactory.create_batch(60, node=world.district_x)
    client = client_as(world.staff_x)
    first = client.get(url("unit_list")).context["page"]
    assert len(first) == 50 and first.paginator.count == 62
    assert len(client.get(url("unit_list"), {"page": 2}).context["page"]) == 12


def test_it_lists_with_a_constant_number_of_queries(client_as, world, django_assert_num_queries):
    client = client_as(world.staff_x)
    client.get(url("unit_list"))  # warm up the session
    with django_assert_num_queries(8) as small:
        client.get(url("unit_list"))
    UnitFactory.create_batch(120, node=world.district_x)
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(url("unit_list"))


# --- Export ----------------------------------------------------------------------------


def test_it_exports_the_filtered_list_within_scope_to_xlsx(client_as, world, tmp_path):
    response = client_as(world.staff_x).get(url("unit_export"), {"category": "private_enterprise"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    path = tmp_path / "u.xlsx"
    path.write_bytes(response.content)
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("Mã đơn vị", "Tên đơn vị", "Loại hình", "Mã công đoàn cấp trên")
    assert [r[0] for r in rows[1:]] == ["A001"]
    assert rows[1][3] == "X"


def test_it_exports_nothing_of_another_district(client_as, world, tmp_path):
    response = client_as(world.staff_y).get(url("unit_export"), {"q": "Alpha"})
    path = tmp_path / "u.xlsx"
    path.write_bytes(response.content)
    assert len(list(load_workbook(path).active.iter_rows())) == 1  # the header only


# --- Detail ----------------------------------------------------------------------------


def test_it_shows_the_unit_its_union_and_obligations_this_year(client_as, world):
    client = client_as(world.staff_x)
    html = client.get(url("unit_detail", world.unit_b)).content.decode()
    assert "Trường THCS Beta" in html
    assert "Trần Thị Hà" in html
    obligations = reverse("conferences:unit_obligations", args=[world.unit_b.pk])
    assert obligations in html  # loaded by htmx, with a plain link without JavaScript
    fragment = client.get(obligations).content.decode()
    assert "Hội nghị cán bộ, công chức, viên chức" in fragment
    assert "Hội nghị người lao động" not in fragment
    assert client_as(world.staff_y).get(obligations).status_code == 404


def test_it_shows_the_unit_page_with_a_constant_number_of_queries(client_as, world, django_assert_max_num_queries):
    client = client_as(world.staff_x)
    for n in range(5):
        client.post(
            url("unit_edit", world.unit_a),
            {**_form_data(Unit.objects.get(pk=world.unit_a.pk)), "employees": 200 + n},
        )
    with django_assert_max_num_queries(10):
        client.get(url("unit_detail", world.unit_a))


# --- Create and edit ---------------------------------------------------------------------


def _form_data(unit, **overrides):
    data = {
        "code": unit.code,
        "name": unit.name,
        "category": unit.category,
        "node": unit.node_id,
        "tax_code": unit.tax_code,
        "address": unit.address,
        "employees": unit.employees,
        "union_members": unit.union_members,
        "established_on": unit.established_on.strftime("%d/%m/%Y") if unit.established_on else "",
        "dissolved_on": "",
        "work_year_start_month": unit.work_year_start_month,
        "union_name": unit.union_name,
        "chair_name": unit.chair_name,
        "chair_email": unit.chair_email,
        "chair_phone": unit.chair_phone,
        "version": unit.version,
    }
    return {**data, **overrides}


def test_it_creates_a_unit_in_the_staff_district(client_as, world):
    data = _form_data(Unit(code="N1", name="Công ty Mới", category="fdi_enterprise", node=world.district_x))
    data["established_on"] = "15/03/2021"
    response = client_as(world.staff_x).post(url("unit_create"), data)
    unit = Unit.objects.get(code="N1")
    assert response.status_code == 302 and response["Location"] == unit.get_absolute_url()
    assert unit.established_on == datetime.date(2021, 3, 15)
    assert unit.history.first().history_user == world.staff_x


def test_it_refuses_to_create_a_unit_under_another_district(client_as, world):
    data = _form_data(Unit(code="N2", name="Xâm nhập", category="other", node=world.district_y))
    response = client_as(world.staff_x).post(url("unit_create"), data)
    assert response.status_code == 200
    assert "Hãy chọn một lựa chọn hợp lệ" in response.content.decode() or "Lựa chọn không hợp lệ" in (
        response.content.decode()
    )
    assert not Unit.objects.filter(code="N2").exists()


def test_it_says_in_vietnamese_what_is_wrong_and_keeps_the_input(client_as, world):
    data = _form_data(world.unit_a, employees="10", union_members="20", established_on="31/02/2020", name="Tên đã sửa")
    response = client_as(world.staff_x).post(url("unit_edit", world.unit_a), data)
    html = response.content.decode()
    assert "Số đoàn viên không thể lớn hơn số lao động." in html
    assert "Nhập ngày hợp lệ" in html or "ngày hợp lệ" in html
    assert 'value="Tên đã sửa"' in html
    world.unit_a.refresh_from_db()
    assert world.unit_a.name == "Công ty May Alpha"


def test_it_saves_an_edit_and_keeps_the_history(client_as, world):
    response = client_as(world.staff_x).post(url("unit_edit", world.unit_a), _form_data(world.unit_a, employees=321))
    assert response.status_code == 302
    world.unit_a.refresh_from_db()
    assert world.unit_a.employees == 321
    assert world.unit_a.version == 2
    assert world.unit_a.history.count() == 2
    html = client_as(world.staff_x).get(url("unit_detail", world.unit_a)).content.decode()
    assert "staff_x" in html


def test_it_refuses_the_second_of_two_concurrent_edits(client_as, world):
    opened = _form_data(world.unit_a)  # both editors opened version 1
    client = client_as(world.staff_x)
    assert client.post(url("unit_edit", world.unit_a), {**opened, "employees": 111}).status_code == 302
    response = client.post(url("unit_edit", world.unit_a), {**opened, "employees": 999})
    assert response.status_code == 200
    assert "Người khác đã sửa đơn vị này" in response.content.decode()
    world.unit_a.refresh_from_db()
    assert world.unit_a.employees == 111


def test_it_deactivates_without_deleting_and_reactivates(client_as, world):
    client = client_as(world.staff_x)
    client.post(url("unit_deactivate", world.unit_a), {"dissolved_on": "30/06/2025"})
    world.unit_a.refresh_from_db()
    assert world.unit_a.dissolved_on == datetime.date(2025, 6, 30)
    assert world.unit_a.is_active_in_year(2025) and not world.unit_a.is_active_in_year(2026)
    client.post(url("unit_reactivate", world.unit_a))
    world.unit_a.refresh_from_db()
    assert world.unit_a.dissolved_on is None


def test_it_refuses_a_dissolution_before_the_founding(client_as, world):
    response = client_as(world.staff_x).post(
        url("unit_deactivate", world.unit_a), {"dissolved_on": "01/01/2000"}, follow=True
    )
    assert "Ngày ngừng hoạt động phải sau ngày thành lập." in response.content.decode()
    world.unit_a.refresh_from_db()
    assert world.unit_a.dissolved_on is None


# --- Inviting the chair -----------------------------------------------------------------------


def test_it_invites_a_chair_with_a_set_password_link(client_as, world, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(world.staff_x).post(
            url("unit_invite_chair", world.unit_b), {"full_name": "Lê Văn Bình", "email": "Binh@Example.vn"}
        )
    assert response.status_code == 302
    role = Role.objects.get(unit=world.unit_b, kind=Role.Kind.CHAIR)
    assert role.user.email == "binh@example.vn"
    assert not role.user.has_usable_password()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert "Trường THCS Beta" in message.subject
    link = next(line for line in message.body.splitlines() if "/accounts/reset/" in line)
    # The link works: the chair sets a password and can then open their unit.
    client.logout()
    path = link.split("://", 1)[1].split("/", 1)[1]
    form = client.get("/" + path, follow=True)
    assert form.status_code == 200
    set_url = form.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": "Trống-đồng-2026", "new_password2": "Trống-đồng-2026"})
    assert done.status_code == 302
    role.user.refresh_from_db()
    assert role.user.check_password("Trống-đồng-2026")


def test_it_refuses_a_bad_invitation_email_in_vietnamese(client_as, world):
    response = client_as(world.staff_x).post(
        url("unit_invite_chair", world.unit_b), {"full_name": "X", "email": "not-an-email"}, follow=True
    )
    assert "địa chỉ email hợp lệ" in response.content.decode()
    assert not mail.outbox


def test_it_stores_a_school_year_start_month_and_shows_it(client_as, world):
    client = client_as(world.staff_x)
    assert world.unit_b.work_year_start_month == 1
    response = client.post(
        reverse("units:unit_edit", args=[world.unit_b.pk]), _form_data(world.unit_b, work_year_start_month="9")
    )
    assert response.status_code == 302
    world.unit_b.refresh_from_db()
    assert world.unit_b.work_year_start_month == 9
    assert "Tháng 9" in client.get(world.unit_b.get_absolute_url()).content.decode()


def test_it_refuses_a_thirteenth_month(client_as, world):
    response = client_as(world.staff_x).post(
        reverse("units:unit_edit", args=[world.unit_b.pk]), _form_data(world.unit_b, work_year_start_month="13")
    )
    assert response.status_code == 200
    world.unit_b.refresh_from_db()
    assert world.unit_b.work_year_start_month == 1
