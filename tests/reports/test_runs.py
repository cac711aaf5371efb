"""Report runs: scoping, the job (in-process and on a real worker), de-duplication, failure."""

import datetime
import json
import time

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from qcdc import jobs
from reports import services
from reports.models import ReportRun
from tests.factories import RecordFactory

D = datetime.date


@pytest.fixture
def accepted(world):
    return RecordFactory(unit=world.unit_a, kind="worker_conference", held_on=D(2025, 3, 1), status="accepted")


# --- Scoping ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("persona, expected", [("staff_x", 200), ("leader_p", 200), ("admin", 200), ("chair_a", 403)])
def test_it_lists_runs_for_those_who_read_the_tree(client_as, world, persona, expected):
    assert client_as(getattr(world, persona)).get(reverse("reports:run_list")).status_code == expected


@pytest.mark.django_db
def test_it_sends_anonymous_visitors_to_login(client, world):
    assert client.get(reverse("reports:run_list")).status_code == 302
    assert client.post(reverse("reports:run_create"), {"node": world.district_x.pk, "year": 2025}).status_code == 302


@pytest.mark.django_db
def test_it_refuses_to_build_another_districts_report(client_as, world):
    response = client_as(world.staff_x).post(
        reverse("reports:run_create"), {"node": world.district_y.pk, "year": timezone.localdate().year}
    )
    assert response.status_code == 400
    assert not ReportRun.objects.exists()


@pytest.mark.django_db
def test_it_hides_another_districts_runs_and_files(client_as, world):
    run, _ = services.report_request(node=world.district_y, year=2025, by=world.staff_y)
    client = client_as(world.staff_x)
    for url in (
        reverse("reports:run_detail", args=[run.pk]),
        reverse("reports:run_status", args=[run.pk]),
        reverse("reports:run_download", args=[run.pk, "xlsx"]),
        reverse("reports:run_download", args=[run.pk, "json"]),
    ):
        assert client.get(url).status_code == 404, url
    assert run.pk not in [r.pk for r in client.get(reverse("reports:run_list")).context["page"]]
    assert client_as(world.chair_c).get(reverse("reports:run_detail", args=[run.pk])).status_code == 404


@pytest.mark.django_db
def test_it_lets_a_province_leader_read_a_districts_report(
    client_as, world, accepted, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run, _ = services.report_request(node=world.district_x, year=2025, by=world.staff_x)
    client = client_as(world.leader_p)
    assert client.get(reverse("reports:run_detail", args=[run.pk])).status_code == 200
    assert client.get(reverse("reports:run_download", args=[run.pk, "pdf"])).status_code == 200


# --- The job, in-process ---------------------------------------------------------------------


@pytest.mark.django_db
def test_it_builds_a_run_with_its_files_and_payload(
    client_as, world, accepted, tmp_path, django_capture_on_commit_callbacks
):
    client = client_as(world.staff_x)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:run_create"), {"node": world.district_x.pk, "year": 2025})
    run = ReportRun.objects.get()
    assert response["Location"] == run.get_absolute_url()
    assert run.status == "done" and run.progress == 100 and run.attempts == 1
    assert run.requested_by == world.staff_x and run.duration is not None
    assert run.result["total"]["cells"]["worker_conference"]["done"] == 1
    body = json.loads(b"".join(client.get(reverse("reports:run_download", args=[run.pk, "json"])).streaming_content))
    assert body["org"] == "X" and body["year"] == 2025
    path = tmp_path / "r.xlsx"
    path.write_bytes(b"".join(client.get(reverse("reports:run_download", args=[run.pk, "xlsx"])).streaming_content))
    assert load_workbook(path).sheetnames[0] == "Tổng hợp"
    html = client.get(run.get_absolute_url()).content.decode()
    assert "Hội nghị người lao động" in html and 'id="unit-grid"' in html  # a district: its units, one by one


@pytest.mark.django_db
def test_it_serves_a_past_run_as_it_was_built(client_as, world, accepted, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run, _ = services.report_request(node=world.district_x, year=2025, by=world.staff_x)
    run.refresh_from_db()
    before = run.result
    RecordFactory(unit=world.unit_b, kind="cbccvc_conference", held_on=D(2025, 2, 1), status="accepted")
    run.refresh_from_db()
    assert run.result == before
    with django_capture_on_commit_callbacks(execute=True):
        fresh, created = services.report_request(node=world.district_x, year=2025, by=world.staff_x)
    fresh.refresh_from_db()
    assert created and fresh.pk != run.pk
    assert fresh.result["total"]["cells"]["cbccvc_conference"]["done"] == 1
    assert run.result["total"]["cells"]["cbccvc_conference"]["done"] == 0


@pytest.mark.django_db
def test_it_reuses_an_identical_run_still_in_progress(world):
    active = ReportRun.objects.create(node=world.district_x, year=2025, status="running", started_at=timezone.now())
    run, created = services.report_request(node=world.district_x, year=2025, by=world.staff_x)
    assert (run.pk, created) == (active.pk, False)
    other, created = services.report_request(node=world.district_x, year=2025, by_category=True, by=world.staff_x)
    assert created and other.pk != active.pk


@pytest.mark.django_db
def test_it_rebuilds_a_run_left_running_by_a_dead_worker_when_asked_again(world):
    """Asking again does not hand back the dead run: the sweep queues it again and it builds."""
    stale = timezone.now() - datetime.timedelta(seconds=61)
    stuck = ReportRun.objects.create(
        node=world.district_x, year=2025, status="running", attempts=1, started_at=stale, heartbeat_at=stale
    )
    run, created = services.report_request(node=world.district_x, year=2025, by=world.staff_x)
    stuck.refresh_from_db()
    assert stuck.status == "done" and stuck.attempts == 2
    assert created and run.pk != stuck.pk


@pytest.mark.django_db
def test_it_fails_a_run_whose_workers_died_three_times_with_the_reason(world):
    stale = timezone.now() - datetime.timedelta(seconds=61)
    stuck = ReportRun.objects.create(
        node=world.district_x, year=2025, status="running", attempts=3, started_at=stale, heartbeat_at=stale
    )
    jobs.sweep_all()
    stuck.refresh_from_db()
    assert stuck.status == "failed" and "dừng giữa chừng 3 lần" in stuck.error and stuck.finished_at


@pytest.mark.django_db
def test_it_ends_a_failing_run_as_failed_with_the_reason_after_retries(world):
    from reports.tasks import build_report_run

    run = ReportRun.objects.create(node=world.district_x, year=1850)
    build_report_run.apply(kwargs={"job_id": run.pk})
    run.refresh_from_db()
    assert run.status == "failed"
    assert "1850" in run.error
    assert run.attempts == 3


@pytest.mark.django_db
def test_it_shows_progress_until_done(client_as, world):
    run = ReportRun.objects.create(node=world.district_x, year=2025, status="running", progress=40)
    response = client_as(world.staff_x).get(reverse("reports:run_status", args=[run.pk]))
    assert 'hx-trigger="every 1s"' in response.content.decode() and "40%" in response.content.decode()
    assert "HX-Refresh" not in response
    ReportRun.objects.filter(pk=run.pk).update(status="failed", error="hết giờ")
    response = client_as(world.staff_x).get(reverse("reports:run_status", args=[run.pk]))
    assert response["HX-Refresh"] == "true" and "hết giờ" in response.content.decode()


# --- The command ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["json", "xlsx", "pdf"])
def test_it_builds_the_same_report_from_the_command_line(world, accepted, tmp_path, fmt):
    out = tmp_path / f"r.{fmt}"
    call_command("build_report", "--org", "X", "--year", "2025", "--format", fmt, "--out", str(out))
    data = out.read_bytes()
    if fmt == "json":
        body = json.loads(data)
        rows = {(r["org_code"], r["indicator"]): r for r in body["rows"]}
        assert rows[("X", "worker_conference")]["done"] == 1
    else:
        assert data.startswith(b"PK" if fmt == "xlsx" else b"%PDF")


@pytest.mark.django_db
def test_it_refuses_an_unknown_org_on_the_command_line(world, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("build_report", "--org", "NOPE", "--year", "2025", "--format", "json", "--out", "-")


# --- Reminders ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_reminds_chairs_of_due_obligations_and_sends_staff_a_digest(world):
    from reports.reminders import send_weekly_reminders

    result = send_weekly_reminders(nodes=[world.district_x])
    to = {address for message in mail.outbox for address in message.to}
    assert world.chair_a.email in to and world.staff_x.email in to
    assert world.unit_c.chair_email not in to and world.chair_c.email not in to
    # Only chairs who can sign in hear about it: B has no chair account, A's listed
    # address has none either (A's chair signs in as chair_a).
    assert world.unit_a.chair_email not in to
    assert result["digests"] == 1
    digest = next(m for m in mail.outbox if world.staff_x.email in m.to)
    assert "A001" in digest.body and "B001" in digest.body
    unreachable = digest.body.split("không nhận được nhắc việc:")[1]
    assert "B001" in unreachable and "A001" not in unreachable


# --- A real worker through Redis ---------------------------------------------------------------------


def _wait_for(run, statuses, seconds=60):
    deadline = time.monotonic() + seconds
    while True:
        run.refresh_from_db()
        if run.status in statuses:
            return run
        assert time.monotonic() < deadline, f"run stayed {run.status}"
        time.sleep(0.3)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_it_builds_a_run_on_the_real_worker(real_worker, world, accepted):
    run, created = services.report_request(node=world.district_x, year=2025, by=world.staff_x)
    again, created_again = services.report_request(node=world.district_x, year=2025, by=world.staff_x)
    assert created and not created_again and again.pk == run.pk
    run = _wait_for(run, {"done", "failed"})
    assert run.status == "done", run.error
    assert run.xlsx and run.pdf and run.result["total"]["cells"]["worker_conference"]["done"] == 1


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_it_fails_a_run_on_the_real_worker_with_its_reason(real_worker, world):
    from reports.tasks import build_report_run

    run = ReportRun.objects.create(node=world.district_x, year=1850)
    build_report_run.delay(job_id=run.pk)
    run = _wait_for(run, {"failed", "done"}, seconds=90)
    assert run.status == "failed" and "1850" in run.error and run.attempts == 3
