"""Follow-up figures in the reports: counted as of the report's date, the same on the page,
in the XLSX, PDF and JSON, frozen by a close, and each the length of its list."""

import datetime
import io
import json

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from conferences.facts.selectors import Scope
from conferences.followup.models import FollowUpItem
from reports import closing, services
from reports.exports import json_bytes, pdf_html
from reports.followup import figures, queries
from reports.followup.models import FollowUpSnapshotRow
from tests.factories import RecordFactory, UnitFactory
from units.periods import Period, PeriodClose

pytestmark = pytest.mark.django_db
D = datetime.date
BUCKETS = ("agreed", "done_on_time", "done_late", "overdue", "dropped")


@pytest.fixture(autouse=True)
def _run_jobs_on_commit():
    from django.db import transaction

    real = transaction.on_commit
    transaction.on_commit = lambda func, using=None, robust=False: func()
    yield
    transaction.on_commit = real


def item(record, *, due_on=None, state="open", done_on=None, drop_reason="", text="Giảm giờ tăng ca"):
    return FollowUpItem.objects.create(
        record=record,
        unit=record.unit,
        text=text,
        due_on=due_on,
        state=state,
        done_on=done_on,
        drop_reason=drop_reason,
    )


@pytest.fixture
def promised(world):
    """Unit A (district X): a 2025 worker conference with one item in each bucket; unit C
    (district Y): a dialogue with one overdue agreement; a draft's item counts nowhere."""
    conference = RecordFactory(unit=world.unit_a, kind="worker_conference", held_on=D(2025, 3, 10), status="accepted")
    item(conference, due_on=D(2025, 6, 30), state="done", done_on=D(2025, 6, 1))  # on time
    item(conference, state="done", done_on=D(2025, 9, 1))  # no due date: on time
    item(conference, due_on=D(2025, 6, 30), state="done", done_on=D(2025, 8, 1))  # late
    item(conference, due_on=D(2025, 11, 30), state="done", done_on=D(2026, 1, 10))  # done after 31/12: overdue then
    item(conference, due_on=D(2025, 10, 1))  # overdue
    item(conference, due_on=D(2026, 3, 31))  # open, not yet due
    item(conference, due_on=D(2025, 5, 1), state="dropped", drop_reason="Công ty giải thể phân xưởng")
    dialogue = RecordFactory(
        unit=world.unit_c, kind="dialogue_on_request", held_on=D(2025, 8, 1), status="accepted", invited=None
    )
    item(dialogue, due_on=D(2025, 9, 1))
    draft = RecordFactory(unit=world.unit_a, kind="dialogue_periodic", held_on=D(2025, 4, 1))
    item(draft, due_on=D(2025, 5, 1))
    return conference


def fu(row, indicator):
    return tuple(row["followup"][indicator][k] for k in BUCKETS)


def payload(node, year=2025, period=Period.YEAR):
    return services.report_payload(node, year, period, by_category=False)


def test_it_counts_each_item_in_one_bucket_as_of_the_periods_last_day(world, promised):
    result = payload(world.province)
    rows = {r["org_code"]: r for r in result["rows"]}
    assert fu(rows["X"], "worker_conference") == (7, 2, 1, 2, 1)
    # Every dialogue counts under the workplace dialogue; the draft's item nowhere.
    assert fu(rows["Y"], "dialogue_periodic") == (1, 0, 0, 1, 0)
    assert fu(rows["X"], "dialogue_periodic") == (0, 0, 0, 0, 0)
    assert fu(result["total"], "worker_conference") == (7, 2, 1, 2, 1)
    assert result["followup_as_of"] == "2025-12-31"


def test_the_half_year_counts_as_of_30_june_what_was_raised_by_then(world, promised):
    result = payload(world.district_x, period=Period.HALF)
    # As of 30/06 only the item done on 01/06 was done; none was due before 30/06 but the dropped one.
    assert fu(result["total"], "worker_conference") == (7, 1, 0, 0, 1)
    assert result["followup_as_of"] == "2025-06-30"


def test_the_running_period_counts_overdue_as_of_today(world):
    today = queries.as_of(2100, Period.YEAR)
    assert today < D(2100, 12, 31)
    record = RecordFactory(unit=world.unit_a, kind="worker_conference", held_on=today, status="accepted")
    item(record, due_on=today - datetime.timedelta(days=1))
    item(record, due_on=today)
    bucket = (
        queries.placed(Scope(today.year, Period.YEAR, ""), today).order_by("due_on").values_list("f_bucket", flat=True)
    )
    assert list(bucket) == ["overdue", "open"]


def test_the_json_export_carries_the_five_figures_per_indicator_row(world, promised):
    run, _created = services.report_request(node=world.province, year=2025, by=world.leader_p)
    run.refresh_from_db()
    exported = json.loads(json_bytes(run))
    rows = {(r["org_code"], r["indicator"]): r for r in exported["rows"]}
    assert rows[("X", "worker_conference")]["followup"] == {
        "agreed": 7,
        "done_on_time": 2,
        "done_late": 1,
        "overdue": 2,
        "dropped": 1,
    }
    assert rows[("X", "worker_conference")]["followup_on_time_rate"] == 28.6
    assert rows[("P", "dialogue_periodic")]["followup"]["overdue"] == 1
    assert exported["followup_as_of"] == "2025-12-31"


def test_the_xlsx_and_pdf_say_what_the_page_says(world, promised, client_as):
    run, _created = services.report_request(node=world.province, year=2025, by=world.leader_p)
    run.refresh_from_db()
    sheet = load_workbook(run.xlsx.open("rb"), read_only=True)["Theo dõi thực hiện"]
    rows = list(sheet.iter_rows(values_only=True))
    lines = {row[1]: row for row in rows if len(row) > 1 and row[1] in ("X", "Y")}
    indicator_headings = [h for h in rows[1][3:] if h]
    start = 3 + 6 * indicator_headings.index("Hội nghị người lao động")
    assert lines["X"][start : start + 5] == (7, 2, 1, 2, 1)
    assert lines["X"][start + 5] == 0.286  # 28.6%, as the page and the JSON say
    html = pdf_html(run.result)
    assert 'id="followup"' in html and "Quá hạn" in html
    page = client_as(world.leader_p).get(run.get_absolute_url())
    table = page.content.decode()
    assert 'id="followup-table"' in table
    assert 'data-figure="overdue" class="text-danger">2</a>' in table


def _listed(node, indicator, figure, row=None, close=None):
    if close is not None:
        return list(figures.from_snapshot(close, indicator=indicator, figure=figure, row=row))
    return list(figures.live(node, 2025, Period.YEAR, indicator=indicator, figure=figure, row=row))


def test_every_figure_is_the_length_of_its_list(world, promised):
    result = payload(world.province)
    for row in [*result["rows"], None]:
        figures_of = (row or result["total"])["followup"]
        for indicator, counted in figures_of.items():
            for figure in BUCKETS:
                listed = _listed(world.province, indicator, figure, row["node_id"] if row else None)
                assert len(listed) == counted[figure], (row and row["org_code"], indicator, figure)


def _close(node, user):
    close, _new = closing.close_request(node=node, year=2025, period=Period.YEAR, by=user)
    close.refresh_from_db()
    assert close.status == PeriodClose.Status.CLOSED, close.error
    return close


def test_a_close_freezes_the_figures_and_their_lists(world, promised):
    closed = _close(world.district_x, world.staff_x)
    assert fu(closed.result["total"], "worker_conference") == (7, 2, 1, 2, 1)
    assert FollowUpSnapshotRow.objects.filter(close=closed).count() == 7
    # Later: the overdue item is done, another one is added; the closed version does not move.
    FollowUpItem.objects.filter(unit=world.unit_a, due_on=D(2025, 10, 1)).update(state="done", done_on=D(2026, 2, 1))
    FollowUpItem.objects.filter(unit=world.unit_a, due_on=D(2026, 3, 31)).delete()
    assert fu(payload(world.district_x)["total"], "worker_conference") == (7, 2, 1, 2, 1)  # its own closed figures
    listed = _listed(world.district_x, "worker_conference", "overdue", close=closed)
    assert len(listed) == 2 and {i["item_bucket"] for i in listed} == {"overdue"}
    assert len(_listed(world.district_x, "worker_conference", "agreed", close=closed)) == 7


def test_a_close_freezes_each_item_where_the_live_figures_place_it(world, promised):
    live = queries.placed(Scope(2025, Period.YEAR, world.district_x.path), D(2025, 12, 31)).values_list(
        "pk", "unit_id", "f_indicator", "f_node", "f_path", "f_category", "f_bucket", "text", "due_on", "done_on"
    )
    closed = _close(world.district_x, world.staff_x)
    frozen = FollowUpSnapshotRow.objects.filter(close=closed).values_list(
        "item_id", "unit_id", "indicator", "node_id", "node_path", "category", "bucket", "text", "due_on", "done_on"
    )
    assert sorted(frozen) == sorted(live)
    assert len(frozen) == 7 and {row[3] for row in frozen} == {world.district_x.pk}


def test_deleting_a_close_deletes_its_frozen_items(world, promised):
    closed = _close(world.district_x, world.staff_x)
    assert FollowUpSnapshotRow.objects.filter(close_id=closed.pk).count() == 7
    closed_id = closed.pk
    closed.delete()
    assert not FollowUpSnapshotRow.objects.filter(close_id=closed_id).exists()


def test_a_province_report_reads_a_closed_districts_followup_from_its_version(world, promised):
    closed = _close(world.district_x, world.staff_x)
    FollowUpItem.objects.filter(unit=world.unit_a, due_on=D(2025, 10, 1)).delete()  # after the close
    result = payload(world.province)
    rows = {r["org_code"]: r for r in result["rows"]}
    assert rows["X"]["followup"] == closed.result["total"]["followup"]
    assert fu(result["total"], "worker_conference") == (7, 2, 1, 2, 1)
    assert len(_listed(world.province, "worker_conference", "overdue")) == 2
    assert len(_listed(world.province, "dialogue_periodic", "overdue")) == 1
    # Closing the province copies X's frozen items and adds Y's.
    from tests.factories import UserFactory, grant
    from units.models import Role

    staff_p = UserFactory(username="staff_p")
    grant(staff_p, Role.Kind.STAFF, node=world.province)
    province = _close(world.province, staff_p)
    assert fu(province.result["total"], "worker_conference") == (7, 2, 1, 2, 1)
    assert fu(province.result["total"], "dialogue_periodic") == (1, 0, 0, 1, 0)


def test_the_count_is_one_query_whatever_the_number_of_items(world, promised):
    def queries_for_payload():
        with CaptureQueriesContext(connection) as captured:
            payload(world.province)
        return len(captured)

    before = queries_for_payload()
    for n in range(6):
        unit = UnitFactory(code=f"N{n}", node=world.district_y)
        record = RecordFactory(unit=unit, kind="worker_conference", held_on=D(2025, 2, 1), status="accepted")
        for _ in range(3):
            item(record, due_on=D(2025, 4, 1))
    assert queries_for_payload() == before


# The explanation page: scoped like every other figure.


def explain(client, **params):
    return client.get(reverse("reports:explain_followup"), params)


def test_the_explain_page_lists_the_items_behind_a_figure(world, promised, client_as):
    response = explain(
        client_as(world.staff_x),
        node=world.district_x.pk,
        year=2025,
        period="year",
        indicator="worker_conference",
        figure="overdue",
    )
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 2
    xlsx = explain(
        client_as(world.staff_x),
        node=world.district_x.pk,
        year=2025,
        indicator="worker_conference",
        period="year",
        figure="agreed",
        format="xlsx",
    )
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)), read_only=True).active
    assert len(list(sheet.iter_rows(values_only=True))) == 2 + 7


def test_the_explain_page_sends_anonymous_users_to_sign_in(world, promised, client):
    response = explain(client, node=world.district_x.pk, year=2025, indicator="worker_conference", figure="agreed")
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_explain_page_refuses_a_chair(world, promised, client_as):
    response = explain(
        client_as(world.chair_a), node=world.district_x.pk, year=2025, indicator="worker_conference", figure="agreed"
    )
    assert response.status_code in (403, 404)


def test_the_explain_page_hides_another_districts_figures(world, promised, client_as):
    response = explain(
        client_as(world.staff_y), node=world.district_x.pk, year=2025, indicator="worker_conference", figure="agreed"
    )
    assert response.status_code == 404
    closed = _close(world.district_x, world.staff_x)
    response = explain(client_as(world.staff_y), close=closed.pk, indicator="worker_conference", figure="agreed")
    assert response.status_code == 404


def test_a_failed_close_leaves_no_followup_rows_behind(world, promised):
    closed = _close(world.district_x, world.staff_x)
    closed.discard_partial()
    assert not FollowUpSnapshotRow.objects.filter(close=closed).exists()


def test_the_explain_page_reads_a_closed_version(world, promised, client_as):
    closed = _close(world.district_x, world.staff_x)
    FollowUpItem.objects.filter(unit=world.unit_a).delete()
    response = explain(client_as(world.leader_p), close=closed.pk, indicator="worker_conference", figure="overdue")
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 2
    assert "Giảm giờ tăng ca" in response.content.decode()


def test_the_explain_page_costs_the_same_queries_whatever_the_number_of_items(world, promised, client_as):
    client = client_as(world.staff_x)
    params = {"node": world.district_x.pk, "year": 2025, "period": "year", "indicator": "worker_conference"}
    with CaptureQueriesContext(connection) as small:
        assert explain(client, **params, figure="agreed").status_code == 200
    for n in range(5):
        unit = UnitFactory(code=f"M{n}", node=world.district_x)
        record = RecordFactory(unit=unit, kind="worker_conference", held_on=D(2025, 2, 1), status="accepted")
        for _ in range(4):
            item(record, due_on=D(2025, 4, 1))
    with CaptureQueriesContext(connection) as large:
        response = explain(client, **params, figure="agreed")
    assert response.context["page"].paginator.count == 7 + 20
    assert len(large.captured_queries) == len(small.captured_queries)


@pytest.mark.django_db(transaction=True)
def test_a_close_writes_its_two_tables_at_once_exactly_as_one_after_the_other(world, promised, monkeypatch):
    from qcdc import jobs, parallel
    from reports.models import SnapshotRow

    if connection.vendor != "postgresql":
        pytest.skip("a snapshot is shared between connections on PostgreSQL only")
    started = []
    start = parallel._Beside.start
    monkeypatch.setattr(parallel._Beside, "start", lambda thread: (started.append(thread), start(thread))[1])

    def build(version):
        close = PeriodClose.objects.create(node=world.district_x, year=2025, period=Period.YEAR, version=version)
        return closing.close_build(jobs.claim(PeriodClose, close.pk, f"test-{version}"))

    def rows(close):
        return (
            sorted(SnapshotRow.objects.filter(close=close).values_list(*SNAPSHOT_ROW)),
            sorted(FollowUpSnapshotRow.objects.filter(close=close).values_list(*FOLLOWUP_ROW)),
        )

    at_once = build(1)  # the job's own transactions, nothing written yet: other connections
    # Two for the tables, then two for the figures and the difference from a previous version.
    assert len(started) == 4 and all(not thread.is_alive() for thread in started)
    PeriodClose.objects.filter(pk=at_once.pk).update(status=PeriodClose.Status.REOPENED)
    with transaction.atomic():  # the close row written first: one connection, in turn
        in_turn = build(2)
    assert len(started) == 4
    assert rows(at_once) == rows(in_turn)
    assert len(rows(at_once)[0]) > 0 and len(rows(at_once)[1]) == 7
    figures = {key: value for key, value in at_once.result["total"].items() if key != "version"}
    assert figures == {key: value for key, value in in_turn.result["total"].items() if key != "version"}
    # A third version, at once again: its difference from the second (where one unit's
    # conference was not yet done) is read on its own connection, as in turn.
    PeriodClose.objects.filter(pk=in_turn.pk).update(status=PeriodClose.Status.REOPENED)
    SnapshotRow.objects.filter(close=in_turn, unit=world.unit_a, indicator="worker_conference").update(done=False)
    third = build(3)
    assert len(started) == 8
    changes = {(c["code"], c["indicator"], c["figure"], c["change"]) for c in third.result["diff"]["changes"]}
    assert changes == {("A001", "worker_conference", "done", "in")}
    assert third.result["diff"] == closing.version_diff(third)


@pytest.mark.django_db(transaction=True)
def test_a_close_that_fails_after_its_tables_were_written_leaves_no_rows(world, promised, monkeypatch):
    from qcdc import jobs
    from reports.closing import services as closing_services
    from reports.models import SnapshotRow

    if connection.vendor != "postgresql":
        pytest.skip("a snapshot is shared between connections on PostgreSQL only")

    def full_disk(close):
        raise OSError("No space left on device")

    monkeypatch.setattr(closing_services, "narratives_freeze", full_disk)  # after both tables committed
    close = PeriodClose.objects.create(node=world.district_x, year=2025, period=Period.YEAR, version=1)
    with pytest.raises(OSError, match="No space"):
        closing.close_build(jobs.claim(PeriodClose, close.pk, "test"))
    assert FollowUpSnapshotRow.objects.filter(close=close).exists()  # written on their own connections
    assert jobs.fail(PeriodClose, close.pk, reason="No space left on device")
    assert not SnapshotRow.objects.filter(close=close).exists()
    assert not FollowUpSnapshotRow.objects.filter(close=close).exists()


SNAPSHOT_ROW = ("unit_id", "indicator", "node_id", "node_path", "category", "done", "on_time", "quality", "record_id")
FOLLOWUP_ROW = ("item_id", "unit_id", "indicator", "node_id", "node_path", "category", "bucket", "text", "due_on")
