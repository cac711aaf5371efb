"""The Django admin is a write path too: a unit's node and a node's place in the tree
change only through transfers, moves and merges, and an admin save bumps the version."""

from __future__ import annotations

import pytest
from django.urls import reverse

from units.models import OrgNode, Unit, UnitTransfer

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client_as, world):
    world.admin.is_staff = world.admin.is_superuser = True
    world.admin.save()
    return client_as(world.admin)


def unit_post(unit: Unit, **overrides) -> dict:
    data = {
        "code": unit.code, "name": unit.name, "category": unit.category, "node": unit.node_id,
        "tax_code": "", "address": "", "employees": unit.employees, "union_members": unit.union_members,
        "established_on": "2010-01-01", "dissolved_on": "", "union_name": "", "chair_name": "",
        "chair_email": "", "chair_phone": "", "work_year_start_month": unit.work_year_start_month,
    }  # fmt: skip
    return {**data, **overrides}


def test_the_admin_cannot_move_a_unit_to_another_node(admin_client, world):
    url = reverse("admin:units_unit_change", args=[world.unit_a.pk])
    page = admin_client.get(url).content.decode()
    assert 'name="node"' not in page
    response = admin_client.post(url, unit_post(world.unit_a, node=world.district_y.pk, name="Tên mới"))
    assert response.status_code == 302
    world.unit_a.refresh_from_db()
    assert (world.unit_a.name, world.unit_a.node_id) == ("Tên mới", world.district_x.pk)
    assert not UnitTransfer.objects.exists()


def test_an_admin_save_makes_an_open_staff_edit_stale(admin_client, client_as, world):
    opened = world.unit_a.version
    change = reverse("admin:units_unit_change", args=[world.unit_a.pk])
    admin_client.post(change, unit_post(world.unit_a, employees=5, union_members=5))
    world.unit_a.refresh_from_db()
    assert world.unit_a.version == opened + 1
    staff_form = unit_post(world.unit_a, employees=999, version=opened, established_on="01/01/2010")
    response = client_as(world.staff_x).post(reverse("units:unit_edit", args=[world.unit_a.pk]), staff_form)
    assert "Người khác đã sửa đơn vị này" in response.content.decode()
    world.unit_a.refresh_from_db()
    assert world.unit_a.employees == 5


def test_the_admin_cannot_move_end_or_merge_a_node(admin_client, world):
    url = reverse("admin:units_orgnode_change", args=[world.district_x.pk])
    page = admin_client.get(url).content.decode()
    for field in ("parent", "ended_on", "merged_into", "started_on"):
        assert f'name="{field}"' not in page
    admin_client.post(url, {"code": "X", "name": "LĐLĐ khu vực X", "parent": world.root.pk,
                            "ended_on": "2025-01-01", "merged_into": world.district_y.pk})  # fmt: skip
    node = OrgNode.objects.get(pk=world.district_x.pk)
    assert (node.parent_id, node.ended_on, node.merged_into_id) == (world.province.pk, None, None)
