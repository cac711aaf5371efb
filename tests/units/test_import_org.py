"""Importing the organisation tree: order of rows, paths, bad rows, the command."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from units import importing
from units.models import OrgNode, Unit

pytestmark = pytest.mark.django_db


def plan_for(text, suffix=".csv"):
    data = text.encode() if isinstance(text, str) else text
    table = importing.read_table(data=data, suffix=suffix, columns=importing.ORG_IMPORT_COLUMNS)
    return importing.plan_org_import(table=table)


def errors_of(plan):
    return [(e.row, e.message) for e in plan.errors]


def assert_well_formed(node):
    parent_path = node.parent.path if node.parent else ""
    assert node.path == OrgNode.path_for(parent_path=parent_path, pk=node.pk)
    assert node.depth == (node.parent.depth + 1 if node.parent else 0)


def test_it_builds_a_tree_whose_parents_come_after_their_children(db):
    plan = plan_for("code,name,parent_code\nKV1,Khu vực 1,T\nCD1,Công đoàn 1,KV1\nT,Tỉnh T,\nKV2,Khu vực 2,T\n")
    assert plan.ok, plan.errors

    result = importing.org_import(plan=plan)

    assert (result.created, result.updated) == (4, 0)
    nodes = {n.code: n for n in OrgNode.objects.select_related("parent")}
    assert nodes["CD1"].parent == nodes["KV1"]
    assert nodes["KV1"].parent == nodes["T"]
    assert [nodes[c].depth for c in ("T", "KV1", "CD1")] == [0, 1, 2]
    for node in nodes.values():
        assert_well_formed(node)


def test_it_adds_nodes_under_an_existing_node_inside_the_staff_subtree(world):
    plan = plan_for("code,name,parent_code\nX-KCN,Công đoàn KCN,X\n")
    importing.org_import(plan=plan)

    node = OrgNode.objects.get(code="X-KCN")
    assert_well_formed(node)
    assert node.depth == 3
    assert node.is_within(world.district_x)
    assert OrgNode.objects.managed_by(world.staff_x).filter(pk=node.pk).exists()
    assert not OrgNode.objects.managed_by(world.staff_y).filter(pk=node.pk).exists()


def test_it_reads_an_xlsx_file_with_vietnamese_headers(world):
    wb = Workbook()
    for row in (["Mã", "Tên", "Mã cấp trên"], ["Z", "LĐLĐ khu vực Z", "P"], [None, None, None], ["Z1", "CĐ Z1", "Z"]):
        wb.active.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)

    plan = plan_for(buffer.getvalue(), suffix=".xlsx")
    assert plan.ok, plan.errors
    importing.org_import(plan=plan)
    assert OrgNode.objects.get(code="Z1").parent.code == "Z"


def test_it_renames_existing_nodes_and_leaves_the_rest(world):
    plan = plan_for("code,name,parent_code\nX,LĐLĐ khu vực X mới,P\nY,LĐLĐ khu vực Y,P\nVGCL,Tổng Liên đoàn,\n")
    assert (len(plan.creates), len(plan.updates), len(plan.unchanged)) == (0, 1, 2)
    assert [(str(c.label), c.old, c.new) for c in plan.updates[0].changes] == [
        ("Tên", "LĐLĐ khu vực X", "LĐLĐ khu vực X mới")
    ]

    result = importing.org_import(plan=plan)

    assert (result.created, result.updated) == (0, 1)
    x = OrgNode.objects.get(pk=world.district_x.pk)
    assert (x.name, x.path) == ("LĐLĐ khu vực X mới", world.district_x.path)


def test_it_refuses_to_move_an_existing_node_without_a_date(world):
    plan = plan_for("code,name,parent_code\nX,LĐLĐ khu vực X,Y\n")
    assert errors_of(plan) == [
        (2, "Đổi cấp trên cần ngày hiệu lực (cột «Hiệu lực từ»), để báo cáo các kỳ trước giữ cấp trên cũ.")
    ]


def test_it_refuses_to_turn_an_existing_node_into_a_root(world):
    plan = plan_for("code,name,parent_code,valid_from\nX,LĐLĐ khu vực X,,01/07/2025\n")
    assert errors_of(plan) == [(2, "Không thể biến một nút đã có thành nút gốc.")]


def test_it_loads_a_regrouping_with_effective_dates(world):
    import datetime

    from units.models import NodePathChange

    old_path = world.district_y.path
    plan = plan_for(
        "Mã,Tên,Mã cấp trên,Hiệu lực từ\n"
        "Y,LĐLĐ khu vực Y,Q,01/07/2025\n"  # Y moves under a province created by this file
        "Q,LĐLĐ tỉnh Q,VGCL,2025-07-01\n"
    )
    assert plan.ok, plan.errors
    assert [p.action for p in plan.preview()] == ["update", "create"]
    result = importing.org_import(plan=plan)
    assert (result.created, result.updated) == (1, 1)
    q = OrgNode.objects.get(code="Q")
    y = OrgNode.objects.get(code="Y")
    assert y.parent == q and y.path.startswith(q.path) and q.started_on == datetime.date(2025, 7, 1)
    assert NodePathChange.objects.get(node=y).old_path == old_path


def test_it_refuses_a_move_into_the_nodes_own_subtree_or_a_bad_date(world):
    plan = plan_for("code,name,parent_code,valid_from\nP,LĐLĐ tỉnh P,X,01/07/2025\nY,LĐLĐ khu vực Y,X,31/02/2025\n")
    assert errors_of(plan) == [
        (2, "Không thể chuyển một nút vào chính nó hoặc nút cấp dưới của nó."),
        (3, "Ngày hiệu lực «31/02/2025» không hợp lệ; hãy ghi dd/mm/yyyy hoặc YYYY-MM-DD."),
    ]


def test_it_refuses_a_move_that_would_change_closed_figures(world):
    from reports import closing
    from units.periods import Period

    closing.close_request(node=world.province, year=2025, period=Period.YEAR, by=world.admin)
    plan = plan_for("code,name,parent_code,valid_from\nY,LĐLĐ khu vực Y,VGCL,01/07/2025\n")
    assert len(plan.errors) == 1 and "đã chốt" in plan.errors[0].message


def test_it_reports_an_unknown_parent(world):
    plan = plan_for("code,name,parent_code\nN1,Nút 1,P\nN2,Nút 2,KHONGCO\n")
    assert errors_of(plan) == [(3, "Không có nút cấp trên mã «KHONGCO».")]


def test_it_reports_every_row_of_a_cycle(world):
    plan = plan_for("code,name,parent_code\nA,Nút A,C\nB,Nút B,A\nC,Nút C,B\nD,Nút D,A\nE,Nút E,P\n")
    assert [row for row, _message in errors_of(plan)] == [2, 3, 4]
    assert all(message.startswith("Vòng lặp cấp trên: ") for _row, message in errors_of(plan))


def test_it_reports_a_node_that_is_its_own_parent(db):
    plan = plan_for("code,name,parent_code\nA,Nút A,A\n")
    assert errors_of(plan) == [(2, "Một nút không thể là cấp trên của chính nó.")]


def test_it_reports_a_code_repeated_in_the_file(db):
    plan = plan_for("code,name,parent_code\nA,Nút A,\nB,Nút B,A\nA,Nút A lần hai,\n")
    assert errors_of(plan) == [(4, "Mã «A» trùng với dòng 2.")]


def test_it_reports_missing_codes_and_names(db):
    plan = plan_for("code,name,parent_code\n,Nút không mã,\nB,,\n")
    assert errors_of(plan) == [(2, "Thiếu mã."), (3, "Thiếu tên.")]


def test_it_reports_a_missing_or_unknown_column(db):
    assert errors_of(plan_for("code,name\nA,Nút A\n")) == [(1, "Thiếu cột bắt buộc: parent_code (Mã cấp trên).")]
    assert (1, "Cột không xác định: «cấp».") in errors_of(plan_for("code,name,parent_code,cấp\nA,Nút A,,1\n"))


def test_it_reports_a_tree_deeper_than_a_path_can_hold(db):
    rows = ["L0,Gốc,"] + [f"L{i},Cấp {i},L{i - 1}" for i in range(1, 30)]
    plan = plan_for("code,name,parent_code\n" + "\n".join(rows) + "\n")
    assert [row for row, _message in errors_of(plan)] == [30, 31]


# --- All or nothing, and the command -------------------------------------------------------


def test_it_writes_nothing_when_one_row_is_bad(world, tmp_path, capsys):
    counts = (OrgNode.objects.count(), Unit.objects.count())
    path = tmp_path / "org.csv"
    path.write_text("code,name,parent_code\nX,Tên mới,P\nN1,Nút 1,P\nN2,Nút 2,KHONGCO\nN3,,P\n", encoding="utf-8")

    with pytest.raises(CommandError, match="2 lỗi"):
        call_command("import_org", str(path))

    err = capsys.readouterr().err
    assert "Dòng 4: Không có nút cấp trên mã «KHONGCO»." in err
    assert "Dòng 5: Thiếu tên." in err
    assert (OrgNode.objects.count(), Unit.objects.count()) == counts
    assert OrgNode.objects.get(code="X").name == "LĐLĐ khu vực X"


def test_it_prints_the_counts_when_the_command_succeeds(world, tmp_path):
    path = tmp_path / "org.csv"
    path.write_text("code,name,parent_code\nX,Tên mới,P\nN1,Nút 1,P\n", encoding="utf-8")
    out = io.StringIO()
    call_command("import_org", str(path), stdout=out)
    assert "Đã nhập: 1 nút mới, 1 nút cập nhật." in out.getvalue()


def _queries_to_import(prefix, per_level):
    rows = [f"{prefix}R,Gốc {prefix},"]
    rows += [f"{prefix}A{i},Cấp 1 số {i},{prefix}R" for i in range(per_level)]
    rows += [f"{prefix}B{i},Cấp 2 số {i},{prefix}A{i}" for i in range(per_level)]
    with CaptureQueriesContext(connection) as queries:
        importing.org_import(plan=plan_for("code,name,parent_code\n" + "\n".join(rows) + "\n"))
    return len(queries)


def test_it_imports_a_tree_in_queries_per_level_not_per_node(db):
    # 120 nodes a level (8 columns each) fit in one statement even under SQLite's 999-parameter limit.
    assert _queries_to_import("S", 10) == _queries_to_import("L", 120)
