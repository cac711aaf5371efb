"""The annual report: figures from the report computation, the narrative, DOCX and PDF that
say the same, personas and scoping."""

import datetime
import io
import subprocess

import pytest
from django.urls import reverse

from reports.activity import activity
from reports.annual import services
from reports.annual.compose import compose, figures, formalism
from reports.annual.models import AnnualNarrative, AnnualReportRun
from reports.services import report_payload
from tests.factories import RecordFactory
from units.periods import Period, PeriodClose

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def held(world):
    RecordFactory(unit=world.unit_a, kind="worker_conference", held_on=D(2025, 3, 10), status="accepted",
                  invited=120, attended=70, resolution_adopted=False)  # fmt: skip
    RecordFactory(unit=world.unit_b, kind="cbccvc_conference", held_on=D(2025, 1, 15), status="accepted",
                  invited=40, attended=38, resolution_adopted=True)  # fmt: skip
    RecordFactory(unit=world.unit_a, kind="worker_conference", held_on=D(2024, 3, 1), status="accepted", attended=99)
    return world


def query(world, **extra):
    return {"node": world.district_x.pk, "year_from": 2024, "year_to": 2025, "period": "year", **extra}


def test_it_takes_the_results_from_the_report_payload_and_the_counts_from_activity(held):
    data = figures(held.district_x, 2024, 2025, Period.YEAR)
    payload = report_payload(held.district_x, 2025, Period.YEAR, by_category=False)
    assert data["results"] == payload["total"]["cells"]
    assert data["activity"] == activity(held.district_x, 2025, Period.YEAR)
    assert [y["year"] for y in data["years"]] == [2024, 2025]
    assert data["years"][0]["total"]["worker_conference"]["done"] == 1


def test_it_counts_conferences_without_resolution_or_quorum(held):
    counted = formalism(held.district_x, 2025, Period.YEAR)
    assert {k: counted[k] for k in ("conferences", "records", "without_resolution", "below_quorum")} == {
        "conferences": 2,
        "records": 2,
        "without_resolution": 1,
        "below_quorum": 1,  # 70 of 120 is under the two-thirds quorum of the worker conference rule
    }


def test_its_signals_are_the_per_node_lists_counts(held):
    """One definition, one count: each signal counted in the annual figures is the length of
    the "dấu hiệu hình thức" list filtered on it (the records here are all accepted)."""
    RecordFactory(unit=held.unit_a, kind="dialogue_periodic", held_on=D(2025, 6, 1), status="accepted",
                  invited=None, attended=None, agreements="")  # fmt: skip
    counted = formalism(held.district_x, 2025, Period.YEAR)
    from conferences.minutes.formalism import SIGNALS
    from conferences.minutes.selectors import signal_records

    for code in SIGNALS:
        listed = signal_records(user=held.staff_x, filters={"year": 2025, "node": held.district_x, "signal": code})
        assert counted["signals"][code] == listed.count(), code
    assert counted["signals"]["no_resolution"] == counted["without_resolution"] == 1
    assert counted["signals"]["no_agreement"] == 1
    assert (
        counted["signals"]["any"]
        == signal_records(user=held.staff_x, filters={"year": 2025, "node": held.district_x}).count()
    )
    narrative = services.narrative_for(held.district_x, 2025, 2025, Period.YEAR)
    assert "Đối thoại không có thỏa thuận: 1" in narrative.limitations


def test_it_prefills_the_narrative_with_the_figures_it_cites(held):
    narrative = services.narrative_for(held.district_x, 2025, 2025, Period.YEAR)
    assert narrative.pk is None
    assert "Hội nghị người lao động: 1/1 đơn vị (100,0%)" in narrative.strengths
    assert "1 hội nghị chưa có nghị quyết, 1 hội nghị không đủ tỷ lệ tham dự" in narrative.limitations


def test_it_builds_a_docx_and_a_pdf_with_the_same_figures(held, tmp_path, django_capture_on_commit_callbacks):
    from docx import Document

    services.narrative_save(
        node=held.district_x, year_from=2024, year_to=2025, period="year", by=held.staff_x, version=None,
        data={"strengths": "Ưu điểm viết tay", "limitations": "Còn hình thức", "causes": "", "next_tasks": "Tập huấn"},
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        run = services.annual_request(
            node=held.district_x, year_from=2024, year_to=2025, period="year", by=held.staff_x
        )
    run.refresh_from_db()
    assert run.status == AnnualReportRun.Status.DONE and run.progress == 100
    word = Document(io.BytesIO(run.docx.read()))
    text = "\n".join(p.text for p in word.paragraphs)
    cells = "\n".join(c.text for t in word.tables for row in t.rows for c in row.cells)
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(run.pdf.read())
    pdf_text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for expected in (
        "BÁO CÁO KẾT QUẢ THỰC HIỆN QUY CHẾ DÂN CHỦ Ở CƠ SỞ GIAI ĐOẠN 2024–2025",
        "Ưu điểm viết tay",
        "Còn hình thức",
        "Tập huấn",
        "Độc lập - Tự do - Hạnh phúc",
        "1 hội nghị không có nghị quyết",
    ):
        assert expected in text + cells, expected
        assert expected in " ".join(pdf_text.split()), expected
    # II: the worker conferences held (1, at 1 unit, 70 attending) in both files.
    rows = [[c.text for c in row.cells] for t in word.tables for row in t.rows]
    assert ["Hội nghị người lao động", "1", "1", "70"] in rows
    assert any(
        line.split()[-3:] == ["1", "1", "70"] for line in pdf_text.splitlines() if "Hội nghị người lao động" in line
    )


def test_it_lists_visits_with_their_findings_and_sums_commendations(held):
    from reports.worklog.models import WorkLogEntry

    visit = WorkLogEntry(node=held.district_x, kind="inspection", held_on=D(2025, 9, 20), title="Kiểm tra HN NLĐ",
                         findings="Còn hình thức", follow_up="Tổ chức lại")  # fmt: skip
    visit.save()
    visit.units.set([held.unit_a])
    WorkLogEntry(node=held.district_x, kind="commendation", held_on=D(2025, 12, 1), title="Khen",
                 collectives=3, individuals=7).save()  # fmt: skip
    WorkLogEntry(node=held.district_y, kind="inspection", held_on=D(2025, 9, 1), title="Huyện khác").save()
    doc = compose(figures(held.district_x, 2025, 2025, Period.YEAR), {})
    rows = [row for kind, table in doc.blocks if kind == "table" for row in table]
    assert ["20/09/2025", "Kiểm tra", "Kiểm tra HN NLĐ", "1", "Còn hình thức", "Tổ chức lại"] in rows
    assert not any("Huyện khác" in row for row in rows)
    assert ("paragraph", "Khen thưởng: 3 tập thể, 7 cá nhân.") in doc.blocks


def test_it_renders_the_same_blocks_in_both_files(held):
    doc = compose(figures(held.district_x, 2025, 2025, Period.YEAR), {"strengths": "A", "next_tasks": "B"})
    kinds = [kind for kind, _ in doc.blocks]
    assert kinds[0] == "title" and kinds.count("heading") == 7


# --- Pages ---------------------------------------------------------------------------------


def test_it_sends_anonymous_visitors_to_login(client, held):
    response = client.get(reverse("reports:annual_report"), query(held))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_it_keeps_the_annual_report_from_chairs(client_as, held):
    assert client_as(held.chair_a).get(reverse("reports:annual_report"), query(held)).status_code == 403


def test_it_does_not_open_another_districts_node(client_as, held):
    response = client_as(held.staff_y).get(reverse("reports:annual_report"), query(held))
    assert response.status_code == 200 and 'id="narrative"' not in response.content.decode()
    run = AnnualReportRun.objects.create(node=held.district_x, year_from=2025, year_to=2025)
    assert client_as(held.staff_y).get(run.get_absolute_url()).status_code == 404
    assert client_as(held.staff_y).post(reverse("reports:annual_build"), query(held)).status_code == 404


def test_it_lets_leaders_read_the_narrative_but_not_write_or_build(client_as, held):
    client = client_as(held.leader_x)
    html = client.get(reverse("reports:annual_report"), query(held)).content.decode()
    assert 'id="narrative"' in html and "Lưu nhận định" not in html
    assert client.post(reverse("reports:annual_report") + "?" + "&".join(f"{k}={v}" for k, v in query(held).items()),
                       {"strengths": "x"}).status_code == 403  # fmt: skip
    assert client.post(reverse("reports:annual_build"), query(held)).status_code == 403


def test_it_saves_the_narrative_and_refuses_a_stale_save(client_as, held):
    client = client_as(held.staff_x)
    url = reverse("reports:annual_report") + "?" + "&".join(f"{k}={v}" for k, v in query(held).items())
    data = {"strengths": "Một", "limitations": "", "causes": "", "next_tasks": "", "version": "1"}
    assert client.post(url, data).status_code == 302
    assert client.post(url, {**data, "strengths": "Hai"}).status_code == 302
    response = client.post(url, {**data, "strengths": "Ba"})
    assert "Người khác vừa sửa" in response.content.decode()
    assert AnnualNarrative.objects.get().strengths == "Hai"


def test_it_freezes_the_narrative_once_the_period_is_closed(client_as, held):
    PeriodClose.objects.create(node=held.province, year=2025, period="year", version=1, status="closed")
    html = client_as(held.staff_x).get(reverse("reports:annual_report"), query(held)).content.decode()
    assert 'id="frozen"' in html and "Lưu nhận định" not in html


def test_it_builds_from_the_page_and_downloads_both_files(client_as, held, django_capture_on_commit_callbacks):
    client = client_as(held.staff_x)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:annual_build"), query(held))
    run = AnnualReportRun.objects.get()
    assert response["Location"] == run.get_absolute_url()
    assert client.get(reverse("reports:annual_download", args=[run.pk, "docx"])).status_code == 200
    pdf = client.get(reverse("reports:annual_download", args=[run.pk, "pdf"]))
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert client.get(reverse("reports:annual_download", args=[run.pk, "xlsx"])).status_code == 404
