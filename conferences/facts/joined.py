"""The fact rows of every unit for a year × period × rule in one pass over the records.

The per-unit form in ``build.fact_rows`` runs its subqueries once per unit: right for a
refresh of a few units, slow for all of them. Here the qualifying records are read
once, checked, and summed per unit (a GROUP BY), then joined to the units as they were
placed, and of the category they had, on the period's last day. Both forms give the same
rows: ``facts_check`` proves a year built this way against the per-unit form.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, F

from conferences.facts.build import expected_q
from conferences.models import Attachment, ObligationRule, Record
from conferences.obligations import CONFERENCE_KINDS, STANDING_KINDS
from units.history import TreeAsOf
from units.models import Unit
from units.periods import Period, period_end, work_deadline


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def joined_rows(rule: ObligationRule, year: int, period: str, tree: TreeAsOf) -> tuple[str, list[Any]]:
    """SQL and parameters selecting the fact rows (``FACT_COLUMNS`` order) of all units.
    The conditions are ``build``'s, said once more in plain SQL; ``facts_check`` and the
    tests hold the two forms to the same rows."""
    placed = (
        tree.units_under(None)
        .annotate(
            p_id=F("pk"),
            p_category=F("hist_category"),
            f_expected=ExpressionWrapper(expected_q(rule, year, period), output_field=BooleanField()),
        )
        .order_by()
        .values_list("p_id", "hist_node_id", "hist_path", "p_category", "f_expected")
    )
    placed_sql, placed_params = placed.query.sql_with_params()
    # The qualifying records (``build.qualifying_records``), written out so that each
    # column has the name used below on every database.
    table = _q(Record._meta.db_table)
    condition = f"{_q('kind')} = %s AND {_q('status')} = %s"
    records_params: list[Any] = [rule.kind, Record.Status.ACCEPTED.value]
    if rule.kind in STANDING_KINDS:
        condition += f" AND {_q('year')} <= %s"
        records_params.append(year)
        if rule.term_years is not None:
            condition += f" AND {_q('year')} > %s"
            records_params.append(year - rule.term_years)
    else:
        condition += f" AND {_q('year')} = %s"
        records_params.append(year)
    if period != Period.YEAR:
        condition += f" AND {_q('held_on')} <= %s"
        records_params.append(period_end(year, period))
    records_sql = (
        f"SELECT id AS r_id, {_q('unit_id')} AS r_unit, {_q('held_on')} AS r_day, "  # noqa: S608
        f"{_q('attended')} AS r_attended, {_q('resolution_adopted')} AS r_resolution, "
        f"{_q('quality_assessed')} AS r_assessed, "
        f"(SELECT u.{_q('work_year_start_month')} FROM {_q(Unit._meta.db_table)} u "
        f"WHERE u.id = {table}.{_q('unit_id')}) AS r_month, "
        f"CASE WHEN {_q('format')} = '{Record.Format.FULL}' AND {_q('headcount')} IS NOT NULL "
        f"THEN {_q('headcount')} ELSE {_q('invited')} END AS r_base FROM {table} WHERE {condition}"
    )

    checks: dict[str, str] = {}
    params: list[Any] = []
    if rule.kind in CONFERENCE_KINDS and rule.quorum_percent is not None:
        factor = 2 * int(rule.quorum_percent * 100) - 1
        checks["quorum"] = (
            f"(r.r_base > 0 AND r.r_attended IS NOT NULL AND r.r_attended * 20000 >= r.r_base * {factor})"
        )
    required = [c.pk for c in rule.contents.all() if c.is_active]
    if required:
        table = _q(Record.contents.through._meta.db_table)
        listed = ", ".join(str(int(pk)) for pk in required)
        checks["contents"] = (
            f"((SELECT COUNT(*) FROM {table} rc WHERE rc.{_q('record_id')} = r.r_id "  # noqa: S608  (ids)
            f"AND rc.{_q('contentitem_id')} IN ({listed})) = {len(required)})"
        )
    if rule.kind not in STANDING_KINDS:
        table = _q(Attachment._meta.db_table)
        checks["minutes"] = (
            f"EXISTS (SELECT 1 FROM {table} att WHERE att.{_q('record_id')} = r.r_id "  # noqa: S608  (a constant)
            f"AND att.{_q('purpose')} = '{Attachment.Purpose.MINUTES}')"
        )
    if rule.requires_resolution:
        checks["resolution"] = "(r.r_resolution = TRUE)"
    # Only records whose quality can be judged pass or fail (``quality.unit_standing``).
    all_good = " AND ".join(["r.r_assessed = TRUE", *checks.values()])
    needed = int(rule.min_per_year)
    # The deadline moved with the unit's work year (``build.unit_deadline``).
    in_time = "1 = 1"
    if rule.deadline is not None:
        months = range(2, 13)
        in_time = f"r.r_day <= CASE r.r_month {' '.join('WHEN %s THEN %s' for _m in months)} ELSE %s END"
        for month in months:
            params += [month, work_deadline(rule.deadline, month)]
        params.append(rule.deadline)
    failures = ", ".join(
        f"SUM(CASE WHEN r.r_assessed = FALSE OR {checks[code]} THEN 0 ELSE 1 END) AS f_{code}"
        if code in checks
        else f"NULL AS f_{code}"
        for code in ("quorum", "contents", "minutes", "resolution")
    )
    failure_columns = ", ".join(
        f"COALESCE(a.f_{code}, 0)" if code in checks else "CAST(NULL AS INTEGER)"
        for code in ("quorum", "contents", "minutes", "resolution")
    )
    sql = f"""
        SELECT p.p_id, {int(year)}, '{period}', '{rule.indicator}', p.hist_node_id, p.hist_path, p.p_category,
               p.f_expected,
               (COALESCE(a.held, 0) >= {needed}),
               (COALESCE(a.in_time, 0) >= {needed}),
               (COALESCE(a.good, 0) >= {needed}),
               (COALESCE(a.assessed, 0) >= {needed}),
               f.first_id,
               {failure_columns}
        FROM ({placed_sql}) p
        LEFT JOIN (
            SELECT r.r_unit AS unit_id,
                   COUNT(*) AS held,
                   SUM(CASE WHEN {in_time} THEN 1 ELSE 0 END) AS in_time,
                   SUM(CASE WHEN {all_good} THEN 1 ELSE 0 END) AS good,
                   SUM(CASE WHEN r.r_assessed = TRUE THEN 1 ELSE 0 END) AS assessed,
                   MIN(r.r_day) AS first_day,
                   {failures}
            FROM ({records_sql}) r
            GROUP BY r.r_unit
        ) a ON a.unit_id = p.p_id
        LEFT JOIN (
            SELECT r.r_unit AS unit_id, r.r_day AS held_on, MIN(r.r_id) AS first_id
            FROM ({records_sql}) r
            GROUP BY r.r_unit, r.r_day
        ) f ON f.unit_id = a.unit_id AND f.held_on = a.first_day
        WHERE p.f_expected OR a.unit_id IS NOT NULL
    """  # noqa: S608  (names and numbers from the models and rules; values are parameters)
    return sql, [*placed_params, *params, *records_params, *records_params]
