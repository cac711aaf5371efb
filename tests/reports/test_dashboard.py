"""The dashboard: same figures as the report, scoped, constant queries, stale-free."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse

from reports import services
from tests.factories import RecordFactory, UnitFactory

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def built(world, django_capture_on_commit_callbacks):
    """Reports of the province and both districts for 2024 and 2025."""
    RecordFactory(unit=world.unit_a, kind="worker_conference", held_on=D(2025, 3, 1), status="accepted")
    RecordFactory(unit=world.unit_c, kind="worker_conference", held_on=D(2024, 3, 1), status="accepted")
    with django_capture_on_commit_callbacks(execute=True):
        for node in (world.province, world.district_x):
            for year in (2024, 2025):
                services.report_request(node=node, year=year, by_category=True, by=None)
    return world


def dashboard(client, **params):
    return client.get(reverse("reports:dashboard"), params)


def test_it_shows_the_same_figures_as_the_report(client_as, built):
    response = dashboard(client_as(built.leader_p), node=built.province.pk, year=2025)
    run = built.province.report_runs.filter(year=2025).latest("pk")
    kpis = {k.code: k for k in response.context["kpis"]}
    for indicator, cell in run.result["total"]["cells"].items():
        assert (kpis[indicator].done, kpis[indicator].expected, kpis[indicator].rate) == (
            cell["done"], cell["expected"], cell["rate"],
        )  # fmt: skip
    children = {c["code"]: c for c in response.context["children"]}
    assert children["X"]["rate"] == 100.0 and children["Y"]["rate"] == 0.0


def test_it_shows_the_change_against_the_previous_year(client_as, built):
    response = dashboard(client_as(built.leader_p), node=built.province.pk, year=2025)
    worker = next(k for k in response.context["kpis"] if k.code == "worker_conference")
    assert (worker.previous, worker.rate, worker.change) == (50.0, 50.0, 0.0)
    html = response.content.decode()
    worker_card = html.split('data-kpi="worker_conference"')[1].split("data-kpi=")[0]
    # No change is said so in grey, not as a green "▲ 0,0 điểm".
    assert 'data-change="none"' in worker_card and "▲" not in worker_card
    assert "không đổi so với năm trước" in worker_card


def test_it_counts_every_missing_unit_above_the_list_of_a_report(client_as, built):
    run = built.district_x.report_runs.filter(year=2025).latest("pk")
    html = client_as(built.staff_x).get(run.get_absolute_url()).content.decode()
    listed = html.split('id="missing"')[1].split("</tbody>")[0].count("<tr>") - 1  # minus the header row
    assert listed > 0
    assert f"Đơn vị chưa thực hiện ({run.result.get('missing_total', listed)})" in html
    assert "Đơn vị chưa thực hiện (0)" not in html


def test_it_leads_from_an_explanation_back_to_its_report(client_as, built):
    run = built.district_x.report_runs.filter(year=2025).latest("pk")
    url = (
        f"{reverse('reports:explain')}?node={built.district_x.pk}&year=2025&period=year"
        "&indicator=worker_conference&figure=expected"
    )
    html = client_as(built.staff_x).get(url).content.decode()
    assert f'href="{run.get_absolute_url()}" id="back-to-report"' in html


def test_it_drills_down_and_leads_back_by_the_breadcrumb(client_as, built):
    client = client_as(built.leader_p)
    top = dashboard(client, year=2025)
    assert top.context["node"] == built.province
    url = next(c["url"] for c in top.context["chart_data"]["children"] if c["label"] == built.district_x.name)
    down = client.get(url)
    assert down.context["node"] == built.district_x
    assert [n.pk for n in down.context["breadcrumb"]] == [built.province.pk]


@pytest.mark.parametrize("persona", ["leader_x", "staff_x"])
def test_it_returns_404_for_another_districts_dashboard(client_as, built, persona):
    client = client_as(getattr(built, persona))
    assert dashboard(client, node=built.district_y.pk, year=2025).status_code == 404
    assert dashboard(client, node=built.province.pk, year=2025).status_code == 404
    assert dashboard(client, node="abc").status_code == 404
    own = dashboard(client, year=2025)
    assert own.context["node"] == built.district_x
    assert built.district_y.name not in own.content.decode()
    # The breadcrumb never shows nodes above the user's own.
    assert list(own.context["breadcrumb"]) == []


def test_it_refuses_chairs_and_sends_anonymous_visitors_to_login(client_as, client, built):
    assert dashboard(client_as(built.chair_a)).status_code == 403
    client.logout()
    assert dashboard(client).status_code == 302


def test_it_shows_live_figures_without_a_stored_run(client_as, world):
    RecordFactory(unit=world.unit_a, kind="worker_conference", held_on=D(2023, 3, 1), status="accepted")
    response = dashboard(client_as(world.leader_p), year=2023)
    # The run for the missing list is only queued (its task runs after commit): the
    # figures do not wait for it.
    assert not world.province.report_runs.filter(status="done").exists()
    worker = next(k for k in response.context["kpis"] if k.code == "worker_conference")
    assert (worker.done, worker.expected) == (1, 2)


def test_it_says_when_nothing_is_expected_in_a_year_and_builds_nothing(client_as, world):
    from conferences.models import ObligationRule

    ObligationRule.objects.filter(year=2023).delete()
    response = dashboard(client_as(world.leader_p), year=2023)
    assert response.context["payload"] is None
    assert "Năm này không có đơn vị nào phải thực hiện" in response.content.decode()
    assert "Lập báo cáo" not in response.content.decode()
    assert not world.province.report_runs.exists()


def test_its_first_visit_shows_figures_for_every_year_with_records(client_as, world, monkeypatch):
    from django.db import transaction

    RecordFactory(unit=world.unit_a, kind="worker_conference", held_on=D(2025, 3, 1), status="accepted")
    RecordFactory(unit=world.unit_c, kind="worker_conference", held_on=D(2023, 3, 1), status="accepted")
    # Without a broker the runs are built in-process, within the request (outside a test's
    # transaction, on_commit runs at once).
    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())
    response = dashboard(client_as(world.leader_p), year=2025)
    worker = next(k for k in response.context["kpis"] if k.code == "worker_conference")
    assert (worker.done, worker.expected) == (1, 2)
    trend = response.context["chart_data"]["trend"]["worker_conference"]
    # 2021–2025, live from the facts: rules exist for every year, and in 2021, 2022 and
    # 2024 nothing was held (0 %)
    assert trend == [0.0, 0.0, 50.0, 0.0, 50.0]
    assert "Đang lập danh sách" not in response.content.decode()


def test_its_first_visit_with_a_broker_says_it_is_computing_and_polls(client_as, world):
    RecordFactory(unit=world.unit_a, kind="worker_conference", held_on=D(2025, 3, 1), status="accepted")
    response = dashboard(client_as(world.leader_p), year=2025)  # the job is queued, not run
    html = response.content.decode()
    assert "Đang lập danh sách đơn vị chưa thực hiện của 1 năm" in html
    run = world.province.report_runs.get()
    assert f'hx-get="{reverse("reports:run_status", args=[run.pk])}"' in html
    # A second visit asks for nothing new.
    dashboard(client_as(world.leader_p), year=2025)
    assert world.province.report_runs.count() == 1


def test_it_reads_a_constant_number_of_queries(
    client_as, built, django_assert_num_queries, django_capture_on_commit_callbacks
):
    client = client_as(built.leader_p)
    dashboard(client, year=2025)
    # live figures: the rules (2, read once for the figures and the overdue units' deadlines),
    # their build stamps, what changed in the tree (1) and the children, closes, the latest runs, the
    # per-node sums; plus the page's own queries (one asks whether the node's children
    # are units, to show the grid)
    with django_assert_num_queries(14) as few:
        dashboard(client, year=2025)
    for n in range(40):
        unit = UnitFactory(node=built.district_x if n % 2 else built.district_y)
        RecordFactory(unit=unit, held_on=D(2025, 3, 2), status="accepted")
    with django_capture_on_commit_callbacks(execute=True):
        services.report_request(node=built.province, year=2025, by_category=True, by=None)
    with django_assert_num_queries(len(few.captured_queries)):
        dashboard(client, year=2025)


def test_it_renders_charts_with_their_tables(client_as, built):
    html = dashboard(client_as(built.leader_p), year=2025).content.decode()
    assert 'id="children-chart"' in html and 'id="children-table"' in html
    assert 'id="trend-chart"' in html and 'id="trend-table"' in html
    assert 'id="dashboard-data"' in html and "chart.umd.min.js" in html


def test_it_lets_staff_remind_the_overdue_chairs_now(client_as, built, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(built.staff_x).post(
            reverse("reports:dashboard_remind"), {"node": built.district_x.pk, "year": 2025}, follow=True
        )
    assert "Đang gửi nhắc việc tới chủ tịch của" in response.content.decode()
    recipients = {a for m in mail.outbox for a in m.to}
    assert built.chair_a.email in recipients
    assert built.unit_b.chair_email not in recipients  # no account to act with
    assert built.chair_c.email not in recipients


def test_it_keeps_the_reminder_button_from_leaders_and_other_districts(client_as, built):
    assert client_as(built.leader_p).post(reverse("reports:dashboard_remind"), {"year": 2025}).status_code == 403
    response = client_as(built.staff_x).post(
        reverse("reports:dashboard_remind"), {"node": built.district_y.pk, "year": 2025}
    )
    assert response.status_code == 404
    assert not mail.outbox


def test_it_offers_staff_a_reminder_that_says_how_many_e_mails_go_out(client_as, built):
    html = (
        client_as(built.staff_x)
        .get(f"{reverse('reports:dashboard')}?node={built.district_x.pk}&year=2025")
        .content.decode()
    )
    assert 'id="remind-confirm"' in html and "e-mail nhắc việc tới chủ tịch CĐCS" in html
