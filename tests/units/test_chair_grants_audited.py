"""Chair roles granted in bulk (units imports, bulk invitations, letters) are in the audit
log as a grant made one at a time is (#19), written in bulk."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import UnitFactory
from tests.units.test_chairs import ROWS, import_file
from units import onboarding
from units.chairs import plan_chair_accounts
from units.models import AuditLog, Role
from units.services import role_facts

pytestmark = pytest.mark.django_db


def test_each_chair_role_an_import_grants_has_its_audit_entry(tmp_path, world):
    import_file(tmp_path, ROWS, "--as-user", "staff_x")
    granted = Role.objects.filter(kind=Role.Kind.CHAIR, unit__code__in=["N1", "N2", "N3"]).order_by("pk")
    entries = AuditLog.objects.filter(action=AuditLog.Action.ROLE_GRANTED).order_by("pk")
    assert [(e.target_type, e.target_id, e.target_repr) for e in entries] == [
        ("units.role", str(r.pk), str(r)) for r in granted
    ]
    assert {(e.by, e.node) for e in entries} == {(world.staff_x, world.district_x)}
    assert [e.after for e in entries] == [role_facts(r) for r in granted] and entries[0].before is None


def test_an_account_asked_to_accept_gets_no_grant_entry_until_it_does(tmp_path, world):
    import_file(tmp_path, [ROWS[4]])  # chair_a exists: invited, not granted
    assert not AuditLog.objects.exists()


def test_the_entries_are_written_in_bulk(world):
    def queries(units: int) -> int:
        made = [
            UnitFactory(code=f"Q{units}-{i}", node=world.district_x, chair_email=f"c{units}-{i}@example.vn")
            for i in range(units)
        ]
        plan = plan_chair_accounts(made)
        with CaptureQueriesContext(connection) as captured:
            onboarding.chair_accounts_create(plan=plan, by=world.staff_x)
        assert AuditLog.objects.filter(target_repr__contains=f"c{units}-").count() == units
        return len(captured)

    assert queries(2) == queries(12)
