"""Closing and reopening from the command line: the same service, permissions and
messages as the app; the build runs in-process and the command waits for it."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from conferences.models import Record
from conferences.permissions import is_frozen
from qcdc.celery import app
from reports.models import SnapshotRow
from tests.factories import UserFactory, grant
from units.models import Role
from units.periods import PeriodClose

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _commit_callbacks_at_once(monkeypatch):
    """The test's transaction never commits: run after-commit work at once, as a command would."""
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())


def run(name, *args):
    out = StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()


def close_x(user="staff_x", *extra):
    return run("close_period", "--org", "X", "--year", "2025", "--as-user", user, "--wait", "5", *extra)


def test_it_closes_a_period_in_process_and_prints_version_status_and_figures(tree, world):
    app.conf.task_always_eager = False  # as with a broker configured: the command still builds here
    printed = close_x()
    close = PeriodClose.objects.get(node=world.district_x)
    assert close.status == PeriodClose.Status.CLOSED and close.closed_by == world.staff_x
    assert SnapshotRow.objects.filter(close=close).exists() and close.xlsx and close.pdf
    assert "LĐLĐ khu vực X – Cả năm 2025 – lần 1: Đã chốt" in printed
    done = close.result["total"]["cells"]["worker_conference"]["done"]
    assert "Hội nghị người lao động: phải thực hiện" in printed and f"đã thực hiện {done} (" in printed
    assert is_frozen(Record.objects.get(unit=world.unit_a, kind="worker_conference"))
    assert app.conf.task_always_eager is False  # left as it was


def test_it_refuses_a_user_without_the_right_with_a_message_and_a_non_zero_exit(tree, world):
    with pytest.raises(CommandError, match="không có quyền"):
        close_x("staff_y")
    assert not PeriodClose.objects.exists()


def test_it_refuses_a_period_that_has_not_ended_with_the_services_message(world):
    with pytest.raises(CommandError, match="chưa kết thúc"):
        run("close_period", "--org", "X", "--year", "2100", "--as-user", "staff_x")


def test_it_refuses_a_period_closed_already_and_unknown_names(tree, world):
    close_x()
    with pytest.raises(CommandError, match="đã được chốt; chỉ cấp trên mới mở lại"):
        close_x()
    with pytest.raises(CommandError, match="Không có nút mã «NOPE»"):
        run("close_period", "--org", "NOPE", "--year", "2025", "--as-user", "staff_x")
    with pytest.raises(CommandError, match="Không có người dùng «nobody»"):
        close_x("nobody")


def test_only_the_level_above_reopens_with_a_reason_then_the_next_close_is_version_2(tree, world):
    close_x()
    args = ["--org", "X", "--year", "2025", "--reason", "F1 bổ sung biên bản"]
    with pytest.raises(CommandError, match="không có quyền"):
        run("reopen_period", *args, "--as-user", "staff_x")
    staff_p = UserFactory(username="staff_p")
    grant(staff_p, Role.Kind.STAFF, node=world.province)
    printed = run("reopen_period", *args, "--as-user", "staff_p")
    assert "lần 1: Đã mở lại" in printed
    assert PeriodClose.objects.get(node=world.district_x).reopen_reason == "F1 bổ sung biên bản"
    with pytest.raises(CommandError, match="chưa được chốt"):
        run("reopen_period", *args, "--as-user", "staff_p")
    assert "lần 2: Đã chốt" in close_x()


def test_reopening_needs_a_reason(tree, world):
    close_x()
    with pytest.raises(CommandError, match="Hãy ghi rõ lý do"):
        run("reopen_period", "--org", "X", "--year", "2025", "--reason", "  ", "--as-user", "admin")
