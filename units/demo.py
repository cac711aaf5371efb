"""A fictional province for demos, tests by hand and benchmarks.

Everything is generated from one random seed so the same command rebuilds the same
data. Rows are written with ``bulk_create`` in batches: no per-unit queries.
"""

from __future__ import annotations

import csv
import datetime
import io
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from units.models import Category, OrgLevel, OrgNode, Role, Unit

DEMO_PASSWORD = "qcdc-demo-2026"  # noqa: S105 - printed on purpose for the demo accounts
# COPY reads this as NULL, so that empty strings stay empty strings.
NULL = r"\N"
BATCH = 5000

LEVELS = ["Tổng Liên đoàn Lao động Việt Nam", "LĐLĐ tỉnh, thành phố", "Công đoàn cấp trên trực tiếp cơ sở"]

# Fictional place names: the province "Sông Hồng" does not exist.
PLACES = [
    "Hồng Bàng",
    "Lê Chân",
    "Ngô Quyền",
    "Hải An",
    "Kiến An",
    "Đồ Sơn",
    "Dương Kinh",
    "An Dương",
    "Thủy Nguyên",
    "Tiên Lãng",
    "Vĩnh Bảo",
    "Cát Hải",
    "Bạch Long",
    "Kiến Thụy",
    "An Lão",
    "Minh Đức",
    "Tân Phong",
    "Hòa Bình",
    "Phú Xuân",
    "Đông Hải",
    "Tây Sơn",
    "Bắc Sơn",
    "Nam Sách",
    "Thanh Hà",
    "Kim Thành",
    "Gia Lộc",
    "Tứ Kỳ",
    "Ninh Giang",
    "Cẩm Giàng",
    "Bình Giang",
    "Thanh Miện",
    "Chí Linh",
]
NODE_KINDS = [
    ("LĐLĐ khu vực", "KV"),
    ("Công đoàn Khu công nghiệp", "KCN"),
    ("Công đoàn ngành", "NG"),
]
SECTORS = ["Giáo dục", "Y tế", "Công Thương", "Xây dựng", "Giao thông vận tải", "Nông nghiệp"]
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ"]
MIDDLE = ["Văn", "Thị", "Minh", "Thu", "Đức", "Hồng", "Quang", "Ngọc", "Thanh", "Hữu"]
GIVEN = [
    "An",
    "Bình",
    "Chi",
    "Dũng",
    "Giang",
    "Hà",
    "Hải",
    "Hương",
    "Khánh",
    "Lan",
    "Long",
    "Mai",
    "Nam",
    "Phương",
    "Quân",
    "Sơn",
    "Tâm",
    "Thảo",
    "Trang",
    "Tuấn",
    "Việt",
    "Yến",
]
WORDS = [
    "Thành Công",
    "Hưng Thịnh",
    "Phú Gia",
    "Đại Phát",
    "Tân Tiến",
    "Hòa Phát",
    "Bình Minh",
    "Sao Việt",
    "Hồng Hà",
    "Trường An",
    "Kim Long",
    "Vạn Xuân",
    "Đông Á",
    "Thái Bình Dương",
    "Hải Âu",
    "Lam Sơn",
]
FOREIGN = [
    "Sunrise Vina",
    "Hanshin Việt Nam",
    "Everbright Electronics",
    "Kyoto Precision",
    "Pacific Textile",
    "Lotus Footwear",
    "Nordic Furniture",
    "Seoul Components",
]

# Shares of categories, roughly as in an industrial province.
CATEGORY_WEIGHTS = [
    (Category.PRIVATE_ENTERPRISE, 45),
    (Category.PUBLIC_SERVICE_UNIT, 20),
    (Category.STATE_AGENCY, 9),
    (Category.FDI_ENTERPRISE, 10),
    (Category.STATE_ENTERPRISE, 5),
    (Category.NON_PUBLIC_UNIT, 4),
    (Category.COOPERATIVE, 5),
    (Category.OTHER, 2),
]


@dataclass
class DemoAccount:
    username: str
    role: str
    scope: str


@dataclass
class DemoResult:
    nodes: int
    units: int
    accounts: list[DemoAccount]


def _person(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def _unit_name(rng: random.Random, category: str, place: str) -> str:
    word = rng.choice(WORDS)
    match category:
        case Category.STATE_AGENCY:
            return rng.choice([f"UBND phường {place}", f"Phòng Tài chính khu vực {place}", f"Chi cục Thuế {place}"])
        case Category.PUBLIC_SERVICE_UNIT:
            return rng.choice(
                [
                    f"Trường THCS {place}",
                    f"Trường Tiểu học {word}",
                    f"Trung tâm Y tế {place}",
                    f"Trường Mầm non {word}",
                    f"Bệnh viện Đa khoa {place}",
                ]
            )
        case Category.STATE_ENTERPRISE:
            return rng.choice([f"Công ty TNHH MTV Cấp nước {place}", f"Tổng công ty Điện lực {word}"])
        case Category.PRIVATE_ENTERPRISE:
            return rng.choice([f"Công ty TNHH {word}", f"Công ty Cổ phần {word}", f"Công ty TNHH May {word}"])
        case Category.FDI_ENTERPRISE:
            return f"Công ty TNHH {rng.choice(FOREIGN)}"
        case Category.NON_PUBLIC_UNIT:
            return rng.choice([f"Trường Phổ thông tư thục {word}", f"Phòng khám Đa khoa {word}"])
        case Category.COOPERATIVE:
            return rng.choice([f"Hợp tác xã Nông nghiệp {place}", f"Hợp tác xã Vận tải {word}"])
    return f"Hội Doanh nghiệp {place}"


def _bulk_nodes(parent: OrgNode, rows: list[tuple[str, str]]) -> list[OrgNode]:
    """Insert children of ``parent`` in bulk, then give them their paths."""
    nodes = OrgNode.objects.bulk_create(
        [
            OrgNode(code=code, name=name, parent=parent, path=f"new-{code}", depth=parent.depth + 1)
            for code, name in rows
        ]
    )
    for node in nodes:
        node.path = OrgNode.path_for(parent_path=parent.path, pk=node.pk)
    OrgNode.objects.bulk_update(nodes, ["path"])
    return nodes


def _insert_units(rows: list[dict[str, object]]) -> int:
    """Insert generated units: COPY on PostgreSQL (10× faster than INSERT), bulk_create elsewhere."""
    if connection.vendor != "postgresql":
        Unit.objects.bulk_create([Unit(**row) for row in rows])
        return len(rows)
    now = timezone.now().isoformat()
    columns = [*rows[0].keys(), "work_year_start_month", "version", "created_at", "updated_at"]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([*(NULL if v is None else v for v in row.values()), 1, 1, now, now])
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.copy_expert(
            f"COPY {Unit._meta.db_table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')",
            buffer,
        )
    return len(rows)


def reset() -> None:
    """Delete every unit, node, role and non-superuser account (demo data only!)."""
    from units.models import Unit as UnitModel

    with transaction.atomic():
        Role.objects.all().delete()
        # Raw deletes: the ORM would load 200,000 rows and write a history row for each.
        UnitModel.history.model.objects.all()._raw_delete(connection.alias)  # type: ignore[attr-defined]
        UnitModel.objects.all()._raw_delete(connection.alias)  # type: ignore[attr-defined]
        for depth in OrgNode.objects.order_by("-depth").values_list("depth", flat=True).distinct():
            OrgNode.objects.filter(depth=depth).delete()
        get_user_model().objects.filter(is_superuser=False).delete()


@transaction.atomic
def build(*, units: int, first_year: int, last_year: int, seed: int) -> DemoResult:
    """Build the province with ``units`` units active over ``first_year``–``last_year``."""
    rng = random.Random(seed)
    for depth, name in enumerate(LEVELS):
        OrgLevel.objects.update_or_create(depth=depth, defaults={"name": name})

    root = OrgNode(code="VGCL", name="Tổng Liên đoàn Lao động Việt Nam")
    root.save()
    province = OrgNode(code="SH", name="LĐLĐ tỉnh Sông Hồng", parent=root)
    province.save()
    other_province = OrgNode(code="BS", name="LĐLĐ tỉnh Bắc Sơn", parent=root)
    other_province.save()

    # One direct-superior node per ~2,500 units, at least four, in the two provinces.
    node_count = max(4, min(len(PLACES) * len(NODE_KINDS), units // 2500 + 1))
    rows: list[tuple[str, str]] = []
    for i in range(node_count):
        kind_name, kind_code = NODE_KINDS[0] if i < 2 else NODE_KINDS[i % len(NODE_KINDS)]
        place = PLACES[i % len(PLACES)]
        label = f"{kind_name} {SECTORS[i % len(SECTORS)]}" if kind_code == "NG" else f"{kind_name} {place}"
        rows.append((f"SH-{kind_code}{i + 1:03d}", label))
    sh_nodes = _bulk_nodes(province, rows[:-1])
    bs_nodes = _bulk_nodes(other_province, [("BS-KV001", "LĐLĐ khu vực Bắc Sơn")])
    direct = sh_nodes + bs_nodes

    categories, weights = zip(*CATEGORY_WEIGHTS, strict=True)
    rows: list[dict[str, object]] = []
    created = 0
    for i in range(units):
        node = direct[i % len(direct)]
        category = rng.choices(categories, weights)[0]
        place = PLACES[rng.randrange(len(PLACES))]
        employees = int(rng.lognormvariate(4.0, 1.1)) + 5
        # Most units predate the period; a few open or close inside it.
        if rng.random() < 0.08:
            established = datetime.date(rng.randint(first_year, last_year), rng.randint(1, 12), rng.randint(1, 28))
        else:
            established = datetime.date(rng.randint(1976, first_year - 1), rng.randint(1, 12), rng.randint(1, 28))
        dissolved = None
        if rng.random() < 0.04:
            year = rng.randint(max(first_year, established.year), last_year)
            dissolved = max(datetime.date(year, rng.randint(1, 12), 28), established)
        code = f"{node.code.split('-')[0]}{i + 1:07d}"
        province_name = "tỉnh Sông Hồng" if code.startswith("SH") else "tỉnh Bắc Sơn"
        rows.append(
            {
                "code": code,
                "name": _unit_name(rng, category, place),
                "category": category,
                "node_id": node.pk,
                "tax_code": f"{rng.randrange(10**9, 10**10)}",
                "address": f"Số {rng.randint(1, 300)}, phường {place}, {province_name}",
                "employees": employees,
                "union_members": int(employees * rng.uniform(0.5, 1.0)),
                "established_on": established,
                "dissolved_on": dissolved,
                "union_name": f"Công đoàn cơ sở {code}",
                "chair_name": _person(rng),
                "chair_email": f"chutich.{code.lower()}@example.vn",
                "chair_phone": f"09{rng.randrange(10**7, 10**8)}",
            }
        )
        if len(rows) >= BATCH:
            created += _insert_units(rows)
            rows = []
    if rows:
        created += _insert_units(rows)

    accounts = _demo_accounts(province=province, first=sh_nodes[0], second=sh_nodes[1])
    return DemoResult(nodes=OrgNode.objects.count(), units=created, accounts=accounts)


def _demo_accounts(*, province: OrgNode, first: OrgNode, second: OrgNode) -> list[DemoAccount]:
    user_model = get_user_model()

    def account(username: str, full_name: str, **extra: bool) -> object:
        first_name, _sep, last_name = full_name.rpartition(" ")
        user, _created = user_model.objects.update_or_create(
            username=username,
            defaults={"email": f"{username}@example.vn", "first_name": first_name, "last_name": last_name, **extra},
        )
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        return user

    result: list[DemoAccount] = []
    admin = account("quantri", "Quản Trị Viên", is_staff=True, is_superuser=True)
    Role.objects.create(user=admin, kind=Role.Kind.ADMIN)
    result.append(DemoAccount("quantri", str(Role.Kind.ADMIN.label), "toàn hệ thống"))
    leader = account("lanhdao.tinh", "Phạm Thu Hà")
    Role.objects.create(user=leader, kind=Role.Kind.LEADER, node=province)
    result.append(DemoAccount("lanhdao.tinh", str(Role.Kind.LEADER.label), province.name))
    for n, node in enumerate((first, second), start=1):
        staff = account(f"canbo{n}", f"Trần Minh Cán Bộ{n}")
        Role.objects.create(user=staff, kind=Role.Kind.STAFF, node=node)
        result.append(DemoAccount(f"canbo{n}", str(Role.Kind.STAFF.label), node.name))
        unit = Unit.objects.filter(node=node, dissolved_on__isnull=True).exclude(category=Category.OTHER).first()
        if unit:
            chair = account(f"chutich{n}", unit.chair_name or "Chủ Tịch")
            Role.objects.create(user=chair, kind=Role.Kind.CHAIR, unit=unit)
            result.append(DemoAccount(f"chutich{n}", str(Role.Kind.CHAIR.label), unit.name))
    return result
