"""Imports of the organisation tree and of units from CSV or XLSX.

Reading (``tables``, with the columns of ``unit_columns`` and ``org_rows``), checking into a
plan and writing it (``unit_rows``, ``org_rows``)
are separate steps: the browser shows the plan before anything is written, and the
confirmation checks the file again because the data may have changed meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from units.importing.common import ImportConflict
from units.importing.org_rows import ORG_IMPORT_COLUMNS, OrgImportPlan, org_import, plan_org_import
from units.importing.tables import Column, ImportFileError, ImportResult, RowError, Table, read_file, read_table
from units.importing.unit_columns import UNIT_IMPORT_COLUMNS
from units.importing.unit_rows import UnitImportPlan, plan_units_import, units_import
from units.importing.uploads import (
    MAX_UPLOAD_ROWS,
    Upload,
    stash_claim,
    stash_upload,
    upload_read,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
    from django.utils.functional import Promise

__all__ = [
    "MAX_UPLOAD_ROWS",
    "ORG",
    "ORG_IMPORT_COLUMNS",
    "UNITS",
    "UNIT_IMPORT_COLUMNS",
    "Column",
    "ImportConflict",
    "ImportFileError",
    "ImportKind",
    "ImportResult",
    "OrgImportPlan",
    "RowError",
    "Table",
    "UnitImportPlan",
    "Upload",
    "org_import",
    "plan_org_import",
    "plan_units_import",
    "read_file",
    "read_table",
    "stash_claim",
    "stash_upload",
    "units_import",
    "upload_read",
]


@dataclass(frozen=True)
class ImportKind:
    """What differs between the two imports, for the views and the commands."""

    url_name: str
    title: Promise | str
    columns: tuple[Column, ...]
    example: str
    plan: Callable[..., UnitImportPlan | OrgImportPlan]
    apply: Callable[..., ImportResult]
    done_message: Promise | str  # formatted with %(created)s and %(updated)s

    def plan_file(self, *, upload: Upload, by: AbstractBaseUser | AnonymousUser | None) -> Any:
        table = read_table(data=upload.data, suffix=upload.suffix, columns=self.columns, max_rows=MAX_UPLOAD_ROWS)
        return self.plan(table=table, by=by)


def _plan_org(*, table: Table, by: AbstractBaseUser | AnonymousUser | None) -> OrgImportPlan:
    return plan_org_import(table=table)


def _apply_org(*, plan: OrgImportPlan, by: AbstractBaseUser | AnonymousUser | None) -> ImportResult:
    return org_import(plan=plan)


UNITS = ImportKind(
    url_name="units:import_units",
    title=_("Nhập danh sách đơn vị"),
    columns=UNIT_IMPORT_COLUMNS,
    example=(
        "code,name,category,federation_code,employees,union_members,established_on,dissolved_on,"
        "chair_name,chair_email,address\n"
        "DV001,Công ty TNHH May Minh Anh,private_enterprise,KV01,250,230,15/03/2012,,Nguyễn Thị Lan,"
        'lan@example.vn,"Số 12, phường Hồng Bàng"\n'
        "DV002,Trường THCS Lê Lợi,Đơn vị sự nghiệp công lập,KV01,60,58,2005-09-01,,,,\n"
    ),
    plan=plan_units_import,
    apply=units_import,
    done_message=_("Đã nhập: %(created)s đơn vị mới, %(updated)s đơn vị cập nhật."),
)

ORG = ImportKind(
    url_name="units:import_org",
    title=_("Nhập cây tổ chức"),
    columns=ORG_IMPORT_COLUMNS,
    example="code,name,parent_code\nKV01,LĐLĐ khu vực 1,P01\nP01,LĐLĐ tỉnh A,\n",
    plan=_plan_org,
    apply=_apply_org,
    done_message=_("Đã nhập cây tổ chức: %(created)s nút mới, %(updated)s nút cập nhật."),
)
