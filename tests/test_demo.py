"""The demo data the README's run command and the benchmarks rely on."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from conferences.models import Record
from reports.models import ReportRun
from units.models import OrgNode, Role, Unit

pytestmark = pytest.mark.django_db


def seed(*args):
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_it_builds_a_province_with_units_records_and_logins():
    output = seed("--units", "40", "--years", "2024-2025", "--seed", "3")
    assert Unit.objects.count() == 40
    assert Record.objects.filter(year__in=[2024, 2025]).exists()
    assert OrgNode.objects.filter(code="SH").exists()
    for login in ("quantri", "lanhdao.tinh", "canbo1", "canbo2", "chutich1", "chutich2"):
        assert login in output
    assert Role.objects.filter(kind="chair").count() == 2


def test_it_rebuilds_the_same_data_from_the_same_seed():
    seed("--units", "30", "--years", "2025", "--seed", "9")
    first = list(Unit.objects.order_by("code").values_list("code", "name", "category", "employees"))
    records = Record.objects.count()
    ReportRun.objects.create(node=OrgNode.objects.get(code="SH"), year=2025, status="done")
    seed("--units", "30", "--years", "2025", "--seed", "9", "--reset")
    assert list(Unit.objects.order_by("code").values_list("code", "name", "category", "employees")) == first
    assert Record.objects.count() == records
    assert not ReportRun.objects.exists()


def test_it_keeps_existing_data_with_if_empty_and_refuses_without_a_flag():
    seed("--units", "10", "--years", "2025")
    assert "giữ nguyên" in seed("--units", "99", "--if-empty")
    assert Unit.objects.count() == 10
    with pytest.raises(CommandError):
        seed("--units", "99")


def test_with_reports_it_builds_every_year_for_the_personas_nodes(monkeypatch):
    from django.db import transaction

    # As under `make run`: no broker, and outside a test's transaction on_commit runs at once.
    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())
    output = seed("--units", "20", "--years", "2024-2025", "--seed", "3", "--with-reports")
    nodes = OrgNode.objects.filter(roles__kind__in=["staff", "leader"]).distinct()
    assert "Đã lập 6 báo cáo mẫu" in output
    assert ReportRun.objects.filter(status="done").count() == nodes.count() * 2 == 6
