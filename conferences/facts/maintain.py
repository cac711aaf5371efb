"""Keeping the facts equal to the records: set-based rewrites inside the writing transaction.

Every rewrite is one ``DELETE`` and ``INSERT … SELECT`` statements over the affected
units (a queryset, never a Python loop over rows), run in the transaction of the write
that made it necessary: if it fails, the write fails with it, so a fact never silently
disagrees with the record it was built from.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterable
from itertools import islice
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone

from conferences.facts.build import FACT_COLUMNS, FAILURE_COLUMNS, PERIODS, fact_rows
from conferences.facts.joined import joined_rows
from conferences.models import Fact, FactCube, FactYear, ObligationRule, Record
from units.history import TreeAsOf, trees_as_of
from units.models import Unit, UnitCategoryChange
from units.periods import period_end

# Parts joined with UNION ALL into one INSERT: a unit's refresh across every year is one
# statement, and a whole year (two periods × five indicators) is one too.
PARTS_PER_STATEMENT = 40


# The rule fields the facts read.
FACT_RULE_FIELDS = (
    "year", "indicator", "categories", "deadline", "quorum_percent", "min_employees", "requires_resolution",
    "min_per_year", "term_years",
)  # fmt: skip


def rules_by_year(years: Iterable[int] | None = None) -> dict[int, dict[str, ObligationRule]]:
    """The rules of ``years`` (of every year for None) by year and indicator (two queries)."""
    rules = ObligationRule.objects.only(*FACT_RULE_FIELDS).prefetch_related("contents")
    if years is not None:
        rules = rules.filter(year__in=list(years))
    found: dict[int, dict[str, ObligationRule]] = {}
    for rule in rules:
        found.setdefault(rule.year, {})[rule.indicator] = rule
    return found


def fingerprint(rules: dict[str, ObligationRule]) -> str:
    """What of a year's rules the facts depend on, hashed (rules with their contents prefetched)."""
    described = [
        [
            r.indicator,
            sorted(r.categories),
            r.deadline.isoformat() if r.deadline else None,
            str(r.quorum_percent) if r.quorum_percent is not None else None,
            r.min_employees,
            r.requires_resolution,
            sorted(c.pk for c in r.contents.all() if c.is_active),
            r.min_per_year,
            r.term_years,
        ]
        for r in sorted(rules.values(), key=lambda r: r.indicator)
    ]
    return hashlib.sha256(json.dumps(described).encode()).hexdigest()


# Stands in the compiled SQL for the ids of the units being refreshed: building and
# compiling the ORM query of a year × period × rule costs ~10 ms, so it is compiled once
# per rule version and tree state, and each refresh only substitutes its ids.
_UNITS_MARKER = "SELECT -1 /* fact units */"
_compiled: dict[tuple[Any, ...], tuple[str, tuple[Any, ...]]] = {}
IDS_PER_STATEMENT = 10000


def _part(
    rule: ObligationRule, year: int, period: str, tree: TreeAsOf, *, restricted: bool, joined: bool = False
) -> tuple[str, tuple]:
    shape = (tree.changed, tree.recategorised)  # which SQL units_under gives
    key = (connection.alias, year, period, fingerprint({rule.indicator: rule}), shape, restricted, joined)
    if key not in _compiled:
        if joined:
            sql, params = joined_rows(rule, year, period, tree)
        else:
            placed = tree.units_under(None)
            if restricted:
                placed = placed.filter(pk__in=RawSQL(_UNITS_MARKER, ()))  # noqa: S611  (a constant)
            sql, params = fact_rows(placed, rule, year, period).query.sql_with_params()
        _compiled[key] = (sql, tuple(params))
    return _compiled[key]


def _insert(parts: list[tuple[str, tuple]], unit_ids: list[int] | None) -> None:
    table = connection.ops.quote_name(Fact._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in FACT_COLUMNS)
    ids_sql = ""
    if unit_ids is not None:
        # Integers from the database, written out: no injection is possible.
        ids_sql = f"SELECT {int(unit_ids[0])}" if len(unit_ids) == 1 else _values(unit_ids)
    prepared = unit_ids is not None and len(unit_ids) <= PREPARED_UNITS and connection.vendor == "postgresql"
    it = iter(parts)
    while chunk := list(islice(it, PARTS_PER_STATEMENT)):
        sql = f"INSERT INTO {table} ({columns}) " + " UNION ALL ".join(part_sql for part_sql, _params in chunk)
        params = [p for _sql, part_params in chunk for p in part_params]
        if prepared:
            assert unit_ids is not None
            _execute_prepared(sql, params, unit_ids)
            continue
        if unit_ids is not None:
            sql = sql.replace(_UNITS_MARKER, ids_sql)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


# A refresh of a few units (a unit saved, a record accepted) runs statements that PostgreSQL
# takes ~150 ms to plan and ~20 ms to run; prepared once per connection with the unit ids
# as their one parameter and run with a generic plan, they cost only the running. Larger
# sets (a node moved) keep a plan made for their ids.
PREPARED_UNITS = 100
PREPARED_KEPT = 200


def _prepared_names() -> set[str]:
    """The fact statements prepared on this connection (forgotten when it is replaced)."""
    names: set[str] | None = getattr(connection, "_fact_statements", None)
    if names is None or getattr(connection, "_fact_statements_of", None) is not connection.connection:
        names = set()
        connection._fact_statements = names  # type: ignore[attr-defined]
        connection._fact_statements_of = connection.connection  # type: ignore[attr-defined]
    return names


def _execute_prepared(sql: str, params: list[Any], unit_ids: list[int]) -> None:
    with connection.cursor() as cursor:
        literal = cursor.mogrify(sql, params)
        literal = literal.decode() if isinstance(literal, bytes) else literal
        literal = literal.replace(_UNITS_MARKER, "SELECT unnest($1::bigint[])")
        name = "fact_" + hashlib.sha256(literal.encode()).hexdigest()[:24]
        names = _prepared_names()
        # One round trip, one statement as the callers count them, whether or not it was
        # prepared before on this connection.
        steps = []
        if name not in names:
            if len(names) >= PREPARED_KEPT:
                # Prepared statements live as long as the session: drop ours, not others'.
                steps += [f"DEALLOCATE {n}" for n in sorted(names)]
                names.clear()
            steps.append(f"PREPARE {name} (bigint[]) AS {literal.replace('%', '%%')}")
        steps += [
            "SET LOCAL plan_cache_mode = force_generic_plan",
            f"EXECUTE {name} (%s)",
            "SET LOCAL plan_cache_mode = DEFAULT",
        ]
        cursor.execute("; ".join(steps), [[int(i) for i in unit_ids]])
        # PREPARE outlives a rolled-back transaction, so the name stays valid after one.
        names.add(name)


def _values(unit_ids: list[int]) -> str:
    table = connection.ops.quote_name(Unit._meta.db_table)
    listed = ", ".join(str(int(i)) for i in unit_ids)
    return f"SELECT id FROM {table} WHERE id IN ({listed})"  # noqa: S608  (integers)


def refresh(
    *,
    units: QuerySet[Unit] | list[int] | None,
    years: Iterable[int] | None = None,
    indicators: Iterable[str] | None = None,
) -> None:
    """Rewrite the facts of ``units`` (a queryset or ids; every unit for None) for ``years`` (every year with
    rules for None) and ``indicators`` (all for None), in the caller's transaction."""
    by_year = rules_by_year(years)
    wanted = set(indicators) if indicators is not None else None
    stale = Fact.objects.all()
    if years is not None:
        stale = stale.filter(year__in=list(years))
    if wanted is not None:
        stale = stale.filter(indicator__in=wanted)
    trees = trees_as_of([period_end(y, p) for y in by_year for p in PERIODS])
    with transaction.atomic():
        if units is None:
            stale._raw_delete(stale.db)
            _insert(compiled_parts(by_year, trees, wanted, restricted=False, joined=True), None)
            rebuild_cube(list(years) if years is not None else None)
            return
        _share_years(sorted(by_year))
        ids = units if isinstance(units, list) else list(units.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), IDS_PER_STATEMENT):
            chunk = ids[start : start + IDS_PER_STATEMENT]
            stale_chunk = stale.filter(unit_id__in=chunk)
            _add_to_cube(stale_chunk, -1)
            stale_chunk._raw_delete(stale_chunk.db)
            _insert(compiled_parts(by_year, trees, wanted, restricted=True), chunk)
            _add_to_cube(stale_chunk, 1)


# PostgreSQL advisory locks, one per year ("FACT" in ASCII as the lock space).
_LOCK_SPACE = 0x46414354


def _share_years(years: list[int]) -> None:
    """Wait for a whole-year rebuild of any of ``years`` to finish and keep one from
    starting until this transaction ends: without it, a unit refreshed while its year
    is rebuilt would be written twice. Refreshes share the lock, so they never wait for
    each other; a lock, not the year's stamp row, since the stamp may not exist yet.
    (SQLite runs one writer at a time.)"""
    if years and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s, y) FROM unnest(%s) AS y", [_LOCK_SPACE, years])


def _own_year(year: int) -> None:
    """The exclusive side of ``_share_years``, for a whole-year rebuild."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_SPACE, year])


def compiled_parts(
    by_year: dict[int, dict[str, ObligationRule]],
    trees: dict[datetime.date, TreeAsOf],
    wanted: set[str] | None,
    *,
    restricted: bool,
    joined: bool = False,
) -> list[tuple[str, tuple]]:
    """The compiled SELECTs of the facts of each year × period × rule: per unit (for a
    few units, ``restricted`` to the ids substituted later), or ``joined`` (all units,
    one pass over the records)."""
    return [
        _part(rule, year, period, trees[period_end(year, period)], restricted=restricted, joined=joined)
        for year, rules in sorted(by_year.items())
        for period in PERIODS
        for indicator, rule in sorted(rules.items())
        if wanted is None or indicator in wanted
    ]


CUBE_KEY = ("year", "period", "node_path", "category", "indicator")
CUBE_SUMS = ("expected", "done", "on_time", "quality", "assessed", *FAILURE_COLUMNS.values())


def cube_rows(facts: QuerySet[Fact], sign: int = 1) -> QuerySet[Any]:
    """The facts summed by ``CUBE_KEY`` as the report counts them: only expected units."""
    expected = Q(expected=True)
    sums: dict[str, Any] = {
        "c_expected": Count("pk", filter=expected),
        "c_done": Count("pk", filter=expected & Q(done=True)),
        "c_on_time": Count("pk", filter=expected & Q(on_time=True)),
        "c_quality": Count("pk", filter=expected & Q(quality=True)),
        "c_assessed": Count("pk", filter=expected & Q(assessed=True)),
    }
    for column in FAILURE_COLUMNS.values():
        sums[f"c_{column}"] = Coalesce(Sum(column, filter=expected), 0)
    if sign < 0:
        sums = {name: -expr for name, expr in sums.items()}
    return facts.order_by().values(*CUBE_KEY).annotate(**sums).values_list(*CUBE_KEY, *sums)


def _add_to_cube(facts: QuerySet[Fact], sign: int) -> None:
    """Add (or, with ``sign`` -1, take away) ``facts``' sums to the cube: one upsert."""
    sql, params = cube_rows(facts, sign).query.sql_with_params()
    q = connection.ops.quote_name
    table = q(FactCube._meta.db_table)
    key = ", ".join(q(c) for c in CUBE_KEY)
    updates = ", ".join(f"{q(c)} = {table}.{q(c)} + excluded.{q(c)}" for c in CUBE_SUMS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({key}, {', '.join(q(c) for c in CUBE_SUMS)}) {sql} "
            f"ON CONFLICT ({key}) DO UPDATE SET {updates}",
            params,
        )


def rebuild_cube(years: list[int] | None) -> None:
    """Rewrite the cube rows of ``years`` (of all years for None) from the facts."""
    cube = FactCube.objects.all() if years is None else FactCube.objects.filter(year__in=years)
    cube._raw_delete(cube.db)
    _add_to_cube(Fact.objects.all() if years is None else Fact.objects.filter(year__in=years), 1)


def schema_ready() -> bool:
    """Whether the tables have every column this code reads and writes. The data
    migration that first built the facts (conferences 0004) runs this code against the
    tables of its day: it then builds nothing, and the migration that completes the
    tables (conferences 0012) builds the facts. Asked afresh on every rebuild (five
    catalogue reads beside seconds of work): a cached answer outlived a migration back.
    The units' category changes (units 0013) may come after conferences 0012: without
    their table nothing is built then, and a year is built when it is asked for
    (``conferences.facts.years``)."""
    with connection.cursor() as cursor:
        if UnitCategoryChange._meta.db_table not in connection.introspection.table_names(cursor):
            return False
        return all(
            {f.column for f in model._meta.concrete_fields}
            <= {c.name for c in connection.introspection.get_table_description(cursor, model._meta.db_table)}
            for model in (Fact, FactCube, Record, ObligationRule, Unit)
        )


def rebuild_year(year: int, *, only_if_stale: bool = False) -> int:
    """Rewrite every fact of ``year`` and stamp it with the rules it was built from;
    returns the number of rows. Serialised per year by a lock on its stamp; with
    ``only_if_stale``, skipped when another rebuild did it while this one waited."""
    if not schema_ready():
        return 0
    with transaction.atomic():
        _own_year(year)
        FactYear.objects.get_or_create(year=year, defaults={"rules_fingerprint": "", "built_at": timezone.now()})
        stamp = FactYear.objects.select_for_update().get(year=year)
        rules = rules_by_year([year]).get(year, {})
        if only_if_stale and stamp.rules_fingerprint == fingerprint(rules):
            return Fact.objects.filter(year=year).count()
        refresh(units=None, years=[year])
        stamp.rules_fingerprint = fingerprint(rules)
        stamp.built_at = timezone.now()
        stamp.save(update_fields=["rules_fingerprint", "built_at"])
        return Fact.objects.filter(year=year).count()


def rule_years() -> list[int]:
    return sorted(ObligationRule.objects.order_by("year").values_list("year", flat=True).distinct())
