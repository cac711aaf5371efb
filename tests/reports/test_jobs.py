"""The job machine (qcdc.jobs): claiming, retries, failure, files, the sweep, the shared
status and download views, and faults on a real stack (a killed worker, a broker that
does not answer)."""

from __future__ import annotations

import datetime
import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.files.storage import FileSystemStorage
from django.urls import reverse
from django.utils import timezone

from qcdc import jobs
from reports import closing, services
from reports.models import ReportRun
from tests.conftest import ROOT
from tests.support import broker_down, wait_for_status
from units.periods import Period, PeriodClose

pytestmark = pytest.mark.django_db


def test_a_job_is_claimed_once_and_its_own_attempt_may_claim_it_again(world) -> None:
    run = ReportRun.objects.create(node=world.district_x, year=2025)
    assert jobs.claim(ReportRun, run.pk, "attempt-1") is not None
    assert jobs.claim(ReportRun, run.pk, "someone-else") is None  # a duplicate message
    again = jobs.claim(ReportRun, run.pk, "attempt-1")  # the retry or redelivery of the same task
    assert again is not None and again.attempts == 2 and again.worker == "attempt-1"


def test_a_running_job_whose_heartbeat_stopped_may_be_claimed_by_another_attempt(world, settings) -> None:
    stale = timezone.now() - datetime.timedelta(seconds=settings.JOB_DEAD_AFTER_SECONDS + 1)
    run = ReportRun.objects.create(
        node=world.district_x, year=2025, status="running", worker="dead", heartbeat_at=stale
    )
    assert jobs.claim(ReportRun, run.pk, "fresh").worker == "fresh"


def test_a_result_lands_only_while_the_attempt_still_holds_the_job(world) -> None:
    run = ReportRun.objects.create(node=world.district_x, year=2025)
    mine = jobs.claim(ReportRun, run.pk, "attempt-1")
    jobs.claim(ReportRun, run.pk, "attempt-1")
    ReportRun.objects.filter(pk=run.pk).update(worker="attempt-2")  # swept and claimed again meanwhile
    assert not jobs.finish(mine, result={})
    assert ReportRun.objects.get(pk=run.pk).status == "running"


def test_a_database_outage_is_waited_out_over_minutes_and_other_errors_over_seconds() -> None:
    from django.db import OperationalError

    outage = [jobs.retry_countdown(OperationalError("server closed the connection"), n) for n in range(6)]
    assert outage[:5] == [30, 60, 120, 240, 480] and outage[5] is None
    assert sum(outage[:5]) >= 15 * 60
    bug = [jobs.retry_countdown(ZeroDivisionError(), n) for n in range(3)]
    assert bug == [5, 10, None]


def test_files_are_kept_all_or_none(world, monkeypatch, settings) -> None:
    run = ReportRun.objects.create(node=world.district_x, year=2025)
    real_save = FileSystemStorage._save

    def disk_full_on_pdf(storage, name, content):
        if name.endswith(".pdf"):
            (settings.MEDIA_ROOT / name).parent.mkdir(parents=True, exist_ok=True)
            (settings.MEDIA_ROOT / name).write_bytes(b"%PDF-")  # the disk fills midway
            raise OSError(28, "No space left on device")
        return real_save(storage, name, content)

    monkeypatch.setattr(FileSystemStorage, "_save", disk_full_on_pdf)
    with pytest.raises(OSError):
        jobs.save_files(run, {"xlsx": b"PK-xlsx", "pdf": b"%PDF-1.7"})
    written = [p for p in (settings.MEDIA_ROOT / "reports").rglob("*") if p.is_file()]
    assert written == [] and not run.xlsx


def test_a_report_keeps_no_xlsx_when_its_pdf_cannot_be_made(world, monkeypatch, settings) -> None:
    """The XLSX is stored before the PDF is laid out (so that its bytes are let go), and
    deleted again when the PDF fails."""
    from reports import exports

    run = ReportRun.objects.create(node=world.district_x, year=2025)
    payload = services.report_payload(world.district_x, 2025, Period.YEAR, by_category=False)
    stored_before_the_pdf = []

    def pdf_fails(data: dict) -> bytes:
        stored_before_the_pdf.extend(p for p in (settings.MEDIA_ROOT / "reports").rglob("*.xlsx") if p.is_file())
        raise RuntimeError("Pango could not load a font")

    monkeypatch.setattr(exports, "pdf_bytes", pdf_fails)
    with pytest.raises(RuntimeError):
        services.report_files_save(job=run, payload=payload)
    written = [p for p in (settings.MEDIA_ROOT / "reports").rglob("*") if p.is_file()]
    assert len(stored_before_the_pdf) == 1 and written == [] and not run.xlsx


def test_a_report_stores_its_xlsx_and_pdf(world, settings) -> None:
    run = ReportRun.objects.create(node=world.district_x, year=2025)
    payload = services.report_payload(world.district_x, 2025, Period.YEAR, by_category=False)

    services.report_files_save(job=run, payload=payload)

    assert run.xlsx.read(2) == b"PK" and run.pdf.read(5) == b"%PDF-"


def test_a_job_the_broker_cannot_take_fails_with_a_reason_and_a_rebuild_button(
    world, client_as, django_capture_on_commit_callbacks
) -> None:
    """With Redis down, asking for a report answers a clear page, not a 500, and no row
    stays queued waiting for a message that never left."""
    client = client_as(world.staff_x)
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            reverse("reports:run_create"), {"node": world.district_x.pk, "year": 2025, "period": "year"}
        )
    response = client.get(answer["Location"])
    run = ReportRun.objects.get()
    assert response.status_code == 200
    assert run.status == "failed" and "Không gửi được việc tới hàng đợi" in run.error
    page = response.content.decode()
    assert "Không gửi được việc tới hàng đợi" in page and 'id="job-rebuild"' in page


def test_an_email_the_broker_cannot_take_is_sent_from_the_request(world, django_capture_on_commit_callbacks):
    from conferences import services as record_services
    from tests.factories import RecordFactory

    record = RecordFactory(unit=world.unit_a, held_on=datetime.date(2026, 3, 2), status="submitted")
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        record_services.record_return(record=record, by=world.staff_x, reason="Thiếu biên bản có chữ ký")
    assert any(world.chair_a.email in m.to for m in mail.outbox)


def test_the_sweep_resends_a_job_queued_too_long(world, settings) -> None:
    run = ReportRun.objects.create(node=world.district_x, year=2025)
    ReportRun.objects.filter(pk=run.pk).update(queued_at=timezone.now() - jobs.QUEUE_PATIENCE * 2)
    assert jobs.sweep_all() == 1
    run.refresh_from_db()
    assert run.status == "done"  # in-process here: the resent message built it


@pytest.fixture
def closed_x(tree, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        close, _new = closing.close_request(node=world.district_x, year=2025, period=Period.YEAR, by=world.staff_x)
    close.refresh_from_db()
    return close


def test_staff_regenerate_a_closes_files_and_the_figures_stay(
    closed_x, world, client_as, django_capture_on_commit_callbacks
):
    closed_x.xlsx.storage.delete(closed_x.xlsx.name)  # the file was lost
    url = reverse("reports:close_regenerate_files", args=[closed_x.pk])
    assert client_as(world.leader_p).post(url).status_code == 403
    assert client_as(world.staff_y).post(url).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(world.staff_x).post(url, follow=True)
    assert "Đang tạo lại tệp XLSX và PDF" in response.content.decode()
    after = PeriodClose.objects.get(pk=closed_x.pk)
    assert after.result == closed_x.result and after.xlsx.storage.exists(after.xlsx.name)
    assert (
        client_as(world.staff_x).get(reverse("reports:close_download", args=[closed_x.pk, "xlsx"])).status_code == 200
    )


def test_a_close_sends_one_task_per_file_and_each_stores_only_its_own(
    tree, world, client_as, settings, django_capture_on_commit_callbacks
):
    """Two worker processes make a root close's XLSX and PDF at once; each task writes
    its own field, and the page offers the file that is ready and says which is not."""
    from unittest import mock

    from reports import tasks

    with (
        mock.patch.object(tasks.render_close_files, "apply_async") as sent,
        django_capture_on_commit_callbacks(execute=True),
    ):
        close, _new = closing.close_request(node=world.district_x, year=2025, period=Period.YEAR, by=world.staff_x)
    assert [c.kwargs["kwargs"] for c in sent.call_args_list] == [
        {"close_id": close.pk, "kinds": ["xlsx"]},
        {"close_id": close.pk, "kinds": ["pdf"]},
    ]
    close.refresh_from_db()
    assert close.status == PeriodClose.Status.CLOSED and not close.xlsx and not close.pdf

    tasks.render_close_files.apply(kwargs={"close_id": close.pk, "kinds": ["pdf"]})

    close.refresh_from_db()
    assert close.pdf.read(5) == b"%PDF-" and not close.xlsx
    page = client_as(world.staff_x).get(close.get_absolute_url()).content.decode()
    assert reverse("reports:close_download", args=[close.pk, "pdf"]) in page
    assert reverse("reports:close_download", args=[close.pk, "xlsx"]) not in page
    assert "Đang tạo tệp XLSX… tải lại trang sau ít phút" in page

    stale = PeriodClose.objects.get(pk=close.pk)  # a second delivery of the XLSX's message
    tasks.render_close_files.apply(kwargs={"close_id": close.pk, "kinds": ["xlsx"]})
    closing.close_files(close_id=close.pk, kinds=["pdf"])  # an older message for both: nothing missing

    close.refresh_from_db()
    assert close.xlsx.read(2) == b"PK" and close.pdf
    assert 'id="files-pending"' not in client_as(world.staff_x).get(close.get_absolute_url()).content.decode()
    kept = {close.xlsx.name, close.pdf.name}
    # The second delivery read the row before the first stored its file: it makes the
    # file again, finds the field taken, and deletes its own copy.
    with mock.patch.object(PeriodClose.objects, "select_related") as fetch:
        fetch.return_value.get.return_value = stale
        closing.close_files(close_id=close.pk, kinds=["xlsx"])
    close.refresh_from_db()
    assert {close.xlsx.name, close.pdf.name} == kept
    stored = {str(p.relative_to(settings.MEDIA_ROOT)) for p in settings.MEDIA_ROOT.rglob(f"*{close.file_stem()}*")}
    assert stored == kept


def test_a_close_whose_pdf_cannot_be_made_keeps_its_xlsx_and_offers_to_make_the_pdf_again(
    closed_x, world, client_as, monkeypatch, settings, django_capture_on_commit_callbacks
):
    closed_x.discard_files()
    closed_x.save(update_fields=["xlsx", "pdf"])
    real_save = FileSystemStorage._save

    def disk_full_on_pdf(storage, name, content):
        if name.endswith(".pdf"):
            (settings.MEDIA_ROOT / name).parent.mkdir(parents=True, exist_ok=True)
            (settings.MEDIA_ROOT / name).write_bytes(b"%PDF-half")  # written in part, then:
            raise OSError(28, "No space left on device")
        return real_save(storage, name, content)

    monkeypatch.setattr(FileSystemStorage, "_save", disk_full_on_pdf)
    with pytest.raises(OSError):
        closing.close_files(close_id=closed_x.pk)
    closed_x.refresh_from_db()
    assert closed_x.xlsx.read(2) == b"PK" and not closed_x.pdf
    assert not list(settings.MEDIA_ROOT.rglob("*.pdf"))  # the half file is gone
    page = client_as(world.staff_x).get(closed_x.get_absolute_url()).content.decode()
    assert "Đang tạo tệp PDF… tải lại trang sau ít phút" in page and 'id="regenerate-files"' in page

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        client_as(world.staff_x).post(reverse("reports:close_regenerate_files", args=[closed_x.pk]))
    closed_x.refresh_from_db()
    assert closed_x.xlsx.read(2) == b"PK" and closed_x.pdf.read(5) == b"%PDF-"


@pytest.mark.parametrize("kind", ["run", "close"])
def test_one_status_and_download_view_serves_every_job(
    kind, closed_x, world, client_as, django_capture_on_commit_callbacks
) -> None:
    if kind == "run":
        with django_capture_on_commit_callbacks(execute=True):
            job, _new = services.report_request(node=world.district_x, year=2025, by=world.staff_x)
        job.refresh_from_db()
    else:
        job = closed_x
    status = reverse(f"reports:{kind}_status", args=[job.pk])
    assert client_as(world.staff_y).get(status).status_code == 404
    assert client_as(world.chair_a).get(status).status_code == 403
    assert client_as(world.staff_x).get(status)["HX-Refresh"] == "true"
    for fmt, starts in (("xlsx", b"PK"), ("pdf", b"%PDF"), ("json", b"{")):
        response = client_as(world.staff_x).get(reverse(f"reports:{kind}_download", args=[job.pk, fmt]))
        assert response.status_code == 200 and b"".join(response.streaming_content).startswith(starts)
        assert response["Content-Disposition"].endswith(f'{job.file_stem()}.{fmt}"')
    assert client_as(world.staff_x).get(reverse(f"reports:{kind}_download", args=[job.pk, "docx"])).status_code == 404


# --- Faults on a real stack -------------------------------------------------------------


def _worker(queue: str, name: str, **env: str) -> subprocess.Popen:
    db = django_settings.DATABASES["default"]
    url = f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    log = (ROOT / "test-artifacts" / f"{name}.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "qcdc", "worker", "--pool=solo", "-Q", queue, "-n", f"{name}@%h",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO"],
        cwd=ROOT, env={**os.environ, "DATABASE_URL": url, "CONN_MAX_AGE": "0", **env}, stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_run_is_detected_and_the_job_rebuilt(real_worker, record_property) -> None:
    """Kill -9 the worker running a report; the sweep finds the heartbeat silent for
    JOB_DEAD_AFTER_SECONDS (60, the production default) and queues the run again, and
    another worker builds it. Beat sweeps every minute in production, every second here."""
    from reports import demo
    from reports.tasks import build_report_run, sweep_jobs
    from units.models import OrgNode

    demo.build(units=3000, first_year=2025, last_year=2025, seed=7)
    root = OrgNode.objects.get(code="VGCL")
    doomed = _worker("fault-test", "doomed", JOB_HEARTBEAT_SECONDS="1")
    try:
        run = ReportRun.objects.create(node=root, year=2025, by_category=True)
        build_report_run.apply_async(kwargs={"job_id": run.pk}, queue="fault-test")
        deadline = time.monotonic() + 60
        while not ReportRun.objects.filter(pk=run.pk, status="running").exists():
            assert time.monotonic() < deadline and doomed.poll() is None, "the doomed worker never started the run"
            time.sleep(0.05)
        time.sleep(0.3)
        os.kill(doomed.pid, signal.SIGKILL)
        killed = time.monotonic()
    finally:
        doomed.kill()
        doomed.wait(timeout=10)
    assert ReportRun.objects.get(pk=run.pk).status == "running"  # what the dead worker left
    detected = None
    while (current := ReportRun.objects.get(pk=run.pk)).status != "done":
        assert current.status != "failed", current.error
        assert time.monotonic() - killed < 120, "not rebuilt within two minutes"
        if detected is None and (current.status == "queued" or current.attempts > 1):
            detected = time.monotonic()
        sweep_jobs.delay()  # beat's job, every second here instead of every minute
        time.sleep(1)
    recovered = time.monotonic() - killed
    assert current.attempts == 2 and current.xlsx and current.pdf
    record_property("recovered_seconds", round(recovered, 1))
    assert detected is not None
    print(f"killed worker: detected after {detected - killed:.1f} s, run rebuilt {recovered:.1f} s after the kill")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_close_redelivered_to_its_own_task_id_is_finished_by_the_redelivery(real_worker, tree, world) -> None:
    """The message of an attempt that died is delivered again with the same task id: that
    delivery re-claims the close it had begun (its heartbeat is still fresh) and finishes it."""
    from reports.tasks import build_close

    close = PeriodClose.objects.create(
        node=world.district_x, year=2025, period=Period.YEAR, version=1, status="running", attempts=1,
        worker="attempt-7", heartbeat_at=timezone.now(), started_at=timezone.now(),
    )  # fmt: skip
    build_close.apply_async(kwargs={"job_id": close.pk}, task_id="attempt-7")
    current = wait_for_status(PeriodClose, close.pk, "closed")
    assert current.attempts == 2 and current.rows.exists()
