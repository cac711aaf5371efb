"""The report facts equal a recomputation from the records after any sequence of writes."""

import contextlib
import datetime
import random

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F

from conferences import services
from conferences.facts.check import check_year, years_to_check
from conferences.models import Fact, FactCube, ObligationRule, Record
from conferences.quality import counts_for, unit_standing
from conferences.rules import rules_for_year
from tests.factories import OrgNodeFactory, pdf_bytes
from units import regrouping
from units import services as unit_services
from units.categories import category_on
from units.history import TreeAsOf
from units.models import Category, Unit
from units.periods import Period, period_end

pytestmark = pytest.mark.django_db
D = datetime.date
YEARS = (2024, 2025)
CATEGORIES = [
    Category.PRIVATE_ENTERPRISE, Category.PUBLIC_SERVICE_UNIT, Category.STATE_ENTERPRISE,
    Category.STATE_AGENCY, Category.FDI_ENTERPRISE, Category.OTHER,
]  # fmt: skip
KINDS = ["worker_conference", "cbccvc_conference", "dialogue_periodic", "qcdc_regulation", "inspection_board"]
COLUMNS = ("expected", "done", "on_time", "quality", "assessed", "record_id", "node_path", "category")


def recomputed(year: int) -> dict[tuple, tuple]:
    """The facts of ``year`` computed in Python from the records, with the record page's
    checks (``conferences.quality``)."""
    rules = rules_for_year(year)
    rows = {}
    for period in (Period.HALF, Period.YEAR):
        end = period_end(year, period)
        tree = TreeAsOf(end)
        for unit in Unit.objects.select_related("node"):
            for indicator, rule in rules.items():
                records = [
                    r
                    for r in unit.records.prefetch_related("contents", "attachments")
                    if counts_for(r, rule, year, end)
                ]
                established = unit.established_on is None or unit.established_on <= end
                active = established and (unit.dissolved_on is None or unit.dissolved_on >= D(year, 1, 1))
                category = category_on(unit, end)  # the category on the period's last day
                expected = active and rule.applies_to(unit, category)
                if not (expected or records):
                    continue
                standing = unit_standing(records, rule)
                rows[(unit.pk, period, indicator)] = (
                    expected,
                    standing.done,
                    standing.on_time,
                    standing.quality,
                    standing.assessed,
                    standing.record.pk if standing.record else None,
                    tree.unit_path(unit),
                    category,
                    standing.failures,
                )
    return rows


def stored(year: int) -> dict[tuple, tuple]:
    failure_columns = ("quorum_failures", "contents_failures", "minutes_failures", "resolution_failures")
    rows = {}
    for fact in Fact.objects.filter(year=year):
        failures = {c.removesuffix("_failures"): getattr(fact, c) for c in failure_columns}
        rows[(fact.unit_id, fact.period, fact.indicator)] = (
            *(getattr(fact, c) for c in COLUMNS),
            {code: n for code, n in failures.items() if n},
        )
    return rows


def upload():
    return SimpleUploadedFile("bien-ban.pdf", pdf_bytes(), content_type="application/pdf")


def test_it_keeps_the_facts_equal_to_the_records_through_random_writes(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    rng = random.Random(17)
    admin = world.admin
    # Frequencies and terms other than the defaults' (edited before any record exists).
    ObligationRule.objects.filter(year=2025, indicator="dialogue_periodic").update(min_per_year=2)
    ObligationRule.objects.filter(year=2024, indicator="worker_conference").update(min_per_year=2)
    ObligationRule.objects.filter(year=2025, indicator="inspection_board").update(term_years=1)
    district_z = OrgNodeFactory(code="Z", name="Công đoàn ngành Z", parent=world.province)
    nodes = [world.district_x, world.district_y, district_z]
    units = [world.unit_a, world.unit_b, world.unit_c]
    for n in range(9):
        units.append(
            unit_services.unit_create(
                by=admin, code=f"R{n:03d}", name=f"Đơn vị {n}", category=rng.choice(CATEGORIES),
                node=rng.choice(nodes), employees=rng.choice([5, 50, 300]), union_members=3,
                established_on=rng.choice([None, D(2010, 1, 1), D(2025, 4, 1)]),
            )
        )  # fmt: skip
    records = []
    for _ in range(70):
        unit = rng.choice(units)
        kind = rng.choice(KINDS)
        held_on = D(rng.choice((2023, *YEARS)), rng.randint(1, 12), rng.randint(1, 28))
        invited = rng.randint(1, 100)
        data = {
            "held_on": held_on, "invited": invited, "attended": rng.randint(0, invited),
            "resolution_adopted": rng.choice([True, False, None]), "members": 3,
            "format": rng.choice(["full", "full", "delegate", ""]),
            "headcount": rng.choice([None, invited, invited + rng.randint(1, 60)]),
        }  # fmt: skip
        record = services.record_create(unit=unit, kind=kind, by=admin, data=data)
        if rng.random() < 0.25:  # imported history without the details that judge it
            Record.objects.filter(pk=record.pk).update(quality_assessed=False)
            record.refresh_from_db()
        if rng.random() < 0.6:
            services.attachment_add(record=record, by=admin, upload=upload(), purpose="minutes")
        if rng.random() < 0.5:
            record.contents.set(rules_for_year(held_on.year)[kind].contents.all() if kind in KINDS else [])
        records.append(record)
    for record in records:
        step = rng.random()
        if step < 0.55:
            services.record_accept(record=record, by=admin)
        elif step < 0.7:
            with contextlib.suppress(services.MinutesRequired):  # refused: it stays a draft
                services.record_submit(record=record, by=admin)
                services.record_return(record=record, by=admin, reason="Thiếu chữ ký")
        elif step < 0.8:
            services.record_delete_draft(record=record, by=admin)
    accepted = list(Record.objects.filter(status=Record.Status.ACCEPTED))
    for record in rng.sample(accepted, 4):
        services.record_reopen(record=record, by=admin, reason="Sửa số liệu")
    for record in rng.sample(list(Record.objects.filter(status=Record.Status.ACCEPTED)), 3):
        for attachment in record.attachments.all():
            attachment.delete()
    regrouping.unit_transfer(unit=world.unit_c, to_node=district_z, effective_on=D(2025, 3, 1), by=admin)
    moved = Unit.objects.get(pk=units[4].pk)
    target = world.district_y if moved.node_id == world.district_x.pk else world.district_x
    regrouping.unit_transfer(unit=moved, to_node=target, effective_on=D(2024, 9, 1), by=admin)
    unit = Unit.objects.get(pk=units[5].pk)
    unit_services.unit_update(
        unit=unit, by=admin, version=unit.version, category=Category.STATE_AGENCY, category_effective_on=D(2025, 2, 1)
    )
    unit_services.unit_deactivate(unit=Unit.objects.get(pk=world.unit_b.pk), by=admin, on=D(2024, 12, 31))
    regrouping.node_move(node=district_z, new_parent=world.root, effective_on=D(2025, 5, 1), by=admin)
    regrouping.node_merge(node=world.district_y, into=world.district_x, effective_on=D(2025, 8, 1), by=admin)

    for year in YEARS:
        facts = stored(year)
        assert sum(1 for row in facts.values() if row[1]) >= 5  # something was counted
        assert facts == recomputed(year)
        assert not check_year(year)
    call_command("facts_check")


def test_it_names_and_repairs_a_divergence(world, capsys):
    services.record_accept(
        record=services.record_create(
            unit=world.unit_a, kind="worker_conference", by=world.admin, data={"held_on": D(2025, 3, 1)}
        ),
        by=world.admin,
    )
    Fact.objects.filter(unit=world.unit_a, year=2025, indicator="worker_conference").update(done=False)
    Fact.objects.filter(unit=world.unit_c, year=2025).delete()
    FactCube.objects.filter(year=2025).update(done=F("done") + 1)
    with pytest.raises(CommandError):
        call_command("facts_check", "--year", "2025")
    assert "A001, C001" in capsys.readouterr().out
    with pytest.raises(CommandError, match="đã sửa"):
        call_command("facts_check", "--year", "2025", "--repair")
    call_command("facts_check", "--year", "2025")
    assert "2025: khớp" in capsys.readouterr().out.splitlines()[-1]


def test_it_rebuilds_a_year_after_a_rule_edit_before_counting(world):
    from reports import compute

    assert compute.build(world.district_x, 2025).total.cells["worker_conference"].expected == 1
    ObligationRule.objects.filter(year=2025, indicator="worker_conference").update(min_employees=500)
    assert compute.build(world.district_x, 2025).total.cells["worker_conference"].expected == 0


def test_it_fails_the_write_when_the_facts_cannot_be_written(world, monkeypatch):
    from conferences.facts import maintain

    def broken(*args, **kwargs):
        raise RuntimeError("facts unavailable")

    monkeypatch.setattr(maintain, "_insert", broken)
    record = services.record_create(
        unit=world.unit_a, kind="worker_conference", by=world.admin, data={"held_on": D(2025, 3, 1)}
    )
    with pytest.raises(RuntimeError):
        services.record_accept(record=record, by=world.admin)
    assert Record.objects.get(pk=record.pk).status == Record.Status.DRAFT


def test_it_rebuilds_a_year_from_the_command(world, capsys):
    Fact.objects.filter(year=2025).delete()
    call_command("facts_rebuild", "--year", "2025")
    assert "Năm 2025" in capsys.readouterr().out
    assert not check_year(2025)
    assert 2025 in years_to_check()


def test_it_pages_a_nodes_units_as_tuples(world):
    from conferences.facts.selectors import UNIT_ROW_COLUMNS, unit_rows

    services.record_accept(
        record=services.record_create(
            unit=world.unit_c, kind="worker_conference", by=world.admin, data={"held_on": D(2025, 3, 1)}
        ),
        by=world.admin,
    )
    rows = list(unit_rows(world.province, 2025, Period.YEAR, {"indicator": "worker_conference"}))
    assert [dict(zip(UNIT_ROW_COLUMNS, r, strict=True))["unit__code"] for r in rows] == ["A001", "C001"]
    by_code = {r[1]: dict(zip(UNIT_ROW_COLUMNS, r, strict=True)) for r in rows}
    assert by_code["C001"]["done"] and not by_code["A001"]["done"]
    assert list(unit_rows(world.district_y, 2025, Period.YEAR, {"done": False})) == [
        r for r in unit_rows(world.district_y, 2025, Period.YEAR) if not r[8]
    ]


def test_it_builds_a_whole_year_in_one_pass_with_the_same_rows(world, settings, tmp_path):
    """The joined form (whole years) against the per-unit form (facts_check's recomputation)."""
    test_it_keeps_the_facts_equal_to_the_records_through_random_writes(world, settings, tmp_path)
    before = {year: stored(year) for year in YEARS}
    for year in YEARS:
        call_command("facts_rebuild", "--year", str(year))
        assert stored(year) == before[year]
        assert not check_year(year)
