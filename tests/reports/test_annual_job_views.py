"""The annual report is a job like the others: the shared status fragment (with its
rebuild button) and the shared download view, scoped like every view."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from reports.annual.models import AnnualReportRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed_run(world) -> AnnualReportRun:
    return AnnualReportRun.objects.create(
        node=world.district_x, year_from=2024, year_to=2025, status="failed", error="Hết chỗ trên đĩa."
    )


@pytest.fixture
def done_run(world) -> AnnualReportRun:
    run = AnnualReportRun.objects.create(node=world.district_x, year_from=2025, year_to=2025, status="done")
    run.docx.save("bao-cao.docx", ContentFile(b"PK\x03\x04"), save=False)
    run.pdf.save("bao-cao.pdf", ContentFile(b"%PDF-1.4"), save=True)
    return run


def test_it_shows_a_failed_run_with_its_reason_and_a_rebuild_button_to_the_staff(client_as, world, failed_run):
    html = client_as(world.staff_x).get(failed_run.get_absolute_url()).content.decode()
    assert "Hết chỗ trên đĩa." in html and 'id="job-rebuild"' in html
    assert f'action="{reverse("reports:annual_build")}"' in html and 'name="year_from" value="2024"' in html


def test_it_shows_no_rebuild_button_to_a_leader_who_cannot_build(client_as, world, failed_run):
    html = client_as(world.leader_p).get(failed_run.get_absolute_url()).content.decode()
    assert "Hết chỗ trên đĩa." in html and 'id="job-rebuild"' not in html


def test_it_polls_the_shared_status_fragment_while_the_run_is_active(client_as, world, failed_run):
    AnnualReportRun.objects.filter(pk=failed_run.pk).update(status="running", progress=40)
    status_url = reverse("reports:annual_status", args=[failed_run.pk])
    client = client_as(world.staff_x)
    assert f'hx-get="{status_url}"' in client.get(failed_run.get_absolute_url()).content.decode()
    fragment = client.get(status_url)
    assert fragment.status_code == 200 and "40%" in fragment.content.decode() and "HX-Refresh" not in fragment


def test_it_tells_the_page_to_reload_once_the_run_ended(client_as, world, done_run):
    response = client_as(world.staff_x).get(reverse("reports:annual_status", args=[done_run.pk]))
    assert response["HX-Refresh"] == "true"


def test_it_downloads_the_files_through_the_shared_view_with_the_safe_headers(client_as, world, done_run):
    client = client_as(world.leader_p)
    response = client.get(reverse("reports:annual_download", args=[done_run.pk, "docx"]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"PK\x03\x04"
    assert response["Content-Disposition"] == f'attachment; filename="{done_run.file_stem()}.docx"'
    assert response["X-Content-Type-Options"] == "nosniff"
    for fmt in ("xlsx", "json", "csv"):
        assert client.get(reverse("reports:annual_download", args=[done_run.pk, fmt])).status_code == 404, fmt


@pytest.mark.parametrize("name", ["annual_run", "annual_status", "annual_download"])
def test_it_hides_the_run_from_another_district_and_from_chairs(client_as, world, done_run, name):
    args = [done_run.pk, "pdf"] if name == "annual_download" else [done_run.pk]
    url = reverse(f"reports:{name}", args=args)
    assert client_as(world.staff_y).get(url).status_code == 404
    assert client_as(world.chair_a).get(url).status_code == 403  # the wrong role
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and reverse("login") in anonymous["Location"]


def test_it_answers_404_for_the_files_of_a_run_that_is_not_done(client_as, world, failed_run):
    response = client_as(world.staff_x).get(reverse("reports:annual_download", args=[failed_run.pk, "pdf"]))
    assert response.status_code == 404
