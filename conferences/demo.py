"""Demo records for the fictional province: conferences, dialogues, regulations, boards.

Realistic shares (most units hold their conference, some late, some formal only),
reproducible from the seed, written in bulk (COPY on PostgreSQL).
"""

from __future__ import annotations

import csv
import datetime
import io
import random
from collections.abc import Sequence
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone

from conferences.facts.signals import deferred_rebuilds
from conferences.followup.models import FollowUpItem
from conferences.models import Attachment, AuditEntry, ContentItem, Fact, FactCube, FactYear, Record
from conferences.obligations import CONFERENCE_KINDS, STANDING_KINDS, Kind
from conferences.rules import rules_for_year, seed_rules
from units.models import Unit

# COPY reads this as NULL, so that empty strings stay empty strings.
NULL = r"\N"
BATCH = 20_000
DEMO_MINUTES = "minutes/demo/bien-ban-mau.pdf"


def _reserve_ids(model: type[models.Model], n: int) -> list[int]:
    """Ids for ``n`` new rows, so that related rows can be written in the same pass."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, %s)"  # noqa: S608
            cursor.execute(sql, [n])
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
        start = cursor.fetchone()[0] + 1
        return list(range(start, start + n))


def _insert(model: type[models.Model], columns: Sequence[str], rows: list[Sequence[Any]]) -> None:
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**dict(zip(columns, row, strict=True))) for row in rows], batch_size=2000)
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([NULL if v is None else v for v in row])
    buffer.seek(0)
    db_columns = [model._meta.get_field(c).column for c in columns]
    with connection.cursor() as cursor:
        cursor.copy_expert(
            f"COPY {model._meta.db_table} ({', '.join(db_columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", buffer
        )


def skip_fk_checks() -> bool:
    """Inside the current transaction, skip foreign-key triggers while generated rows load.

    The rows are generated consistent; checking each of millions of them at commit took
    longer than writing them. Needs a PostgreSQL superuser (as in `make test` and the
    benchmark); elsewhere the checks simply stay on.
    """
    if connection.vendor != "postgresql":
        return False
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
    except DatabaseError:
        return False
    return True


def _demo_minutes(pdf: bytes) -> str:
    if not default_storage.exists(DEMO_MINUTES):
        default_storage.save(DEMO_MINUTES, ContentFile(pdf))
    return DEMO_MINUTES


RECORD_COLUMNS = (
    "id", "unit_id", "kind", "held_on", "year", "place", "convened_by", "format", "invited", "attended",
    "resolution_adopted", "resolution_text", "trigger", "employer_reps", "employer_rep_names", "worker_reps",
    "worker_rep_names", "topics", "agreements", "follow_up", "members", "member_names", "notes", "status",
    "version", "on_paper", "return_reason", "created_at", "updated_at", "submitted_at", "reviewed_at",
    "quality_assessed",
)  # fmt: skip


@transaction.atomic
def build_records(*, first_year: int, last_year: int, seed: int) -> int:
    """Records for every unit and year in the range; returns how many were written. The
    facts are not built: ``build_facts`` does, once every demo row is written."""
    rng = random.Random(seed * 7919)
    skip_fk_checks()
    with deferred_rebuilds():  # the facts are built once, at the end (``build_facts``)
        for year in range(first_year, last_year + 1):
            seed_rules(year=year)
    minutes_name = _demo_minutes(sample_pdf("Bien ban hoi nghi (mau)"))
    contents = {kind: list(ContentItem.objects.filter(kind=kind).values_list("pk", flat=True)) for kind in
                ("worker_conference", "cbccvc_conference", "dialogue_periodic")}  # fmt: skip
    now = timezone.now()
    today = timezone.localdate()
    rules_by_year = {year: rules_for_year(year) for year in range(first_year, last_year + 1)}
    # Rates improve over the years, as they did in the seeds (67% → 74% in one district).
    base_rate = {year: 0.62 + 0.03 * (year - first_year) for year in rules_by_year}
    # The (work) year of each unit's latest standing record (regulation, board) by kind.
    standing_since: dict[tuple[int, str], int] = {}
    pending: list[tuple[Any, ...]] = []
    written = 0
    units = Unit.objects.values_list("pk", "category", "employees", "established_on", "dissolved_on").order_by("pk")
    for unit_id, category, employees, established, dissolved in units.iterator(chunk_size=10_000):
        for year, rules in rules_by_year.items():
            if (established and established.year > year) or (dissolved and dissolved.year < year):
                continue
            for rule in rules.values():
                if category not in rule.categories:
                    continue
                since = standing_since.get((unit_id, rule.kind))
                if since is not None and (rule.term_years is None or since > year - rule.term_years):
                    continue  # a standing record still in force (a board is elected again after its term)
                if rng.random() > base_rate[year] + (0.2 if rule.kind in STANDING_KINDS else 0):
                    continue
                row = _record(rng, unit_id, rule, year, employees, today, first=since is None)
                pending.append(row)
                if rule.kind in STANDING_KINDS:
                    standing_since[(unit_id, rule.kind)] = row[3]
        if len(pending) >= BATCH:
            written += _flush(pending, contents, minutes_name, now)
            pending = []
    written += _flush(pending, contents, minutes_name, now)
    return written


def build_facts() -> dict[int, int]:
    """The report facts of the years to build (``facts.years.years_to_build``: those with
    records or being reported on, not every year with rules), from the units and records
    just written in bulk (no signals), with fresh planner statistics first on PostgreSQL.
    Returns the rows written by year."""
    from conferences.facts.maintain import rebuild_year
    from conferences.facts.years import years_to_build

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {year: rebuild_year(year) for year in years_to_build()}


def _record(
    rng: random.Random, unit_id: int, rule: Any, year: int, employees: int, today: datetime.date, *, first: bool
) -> tuple:
    deadline = rule.deadline or datetime.date(year, 12, 31)
    if rule.kind in STANDING_KINDS:
        # The unit's first one may be older than the demo's years; a re-election is of the year.
        held = datetime.date(rng.randint(2018, year) if first else year, rng.randint(1, 12), rng.randint(1, 28))
    elif rng.random() < 0.85:
        start = datetime.date(year, 1, 5)
        held = start + datetime.timedelta(days=rng.randint(0, max(0, (deadline - start).days)))
    else:
        held = deadline + datetime.timedelta(days=rng.randint(1, 60))
    held = min(held, today, datetime.date(year, 12, 31))
    invited = max(5, min(employees, 400))
    formal_only = rng.random() < 0.15  # "held for show": low turnout, no resolution
    attended = int(invited * (rng.uniform(0.4, 0.65) if formal_only else rng.uniform(0.7, 1.0)))
    status = rng.choices(["accepted", "submitted", "returned", "draft"], [88, 6, 3, 3])[0]
    is_conference = rule.kind in CONFERENCE_KINDS
    is_dialogue = rule.kind == Kind.DIALOGUE_PERIODIC
    return (
        unit_id, rule.kind, held, held.year, "Hội trường đơn vị" if rule.kind not in STANDING_KINDS else "",
        "", "full" if is_conference else "", invited if is_conference else None,
        attended if is_conference else None, (not formal_only) if is_conference else None, "", "",
        3 if is_dialogue else None, "", 5 if is_dialogue else None, "", "", "", "",
        rng.randint(3, 5) if rule.kind == Kind.INSPECTION_BOARD else None, "", "", status, 1,
        rng.random() < 0.3, "", formal_only,
    )  # fmt: skip


def _flush(pending: list[tuple], contents: dict[str, list[int]], minutes_name: str, now: datetime.datetime) -> int:
    if not pending:
        return 0
    ids = _reserve_ids(Record, len(pending))
    records, links, files = [], [], []
    for record_id, row in zip(ids, pending, strict=True):
        *fields, formal_only = row
        status = fields[22]
        submitted = now if status != "draft" else None
        reviewed = now if status in ("accepted", "returned") else None
        # Filed in the app with every detail: assessed (only bare imported history is not).
        records.append((record_id, *fields[:25], "Thiếu biên bản" if status == "returned" else "", now, now,
                        submitted, reviewed, True))  # fmt: skip
        kind = fields[1]
        if kind in contents:
            items = contents[kind] if not formal_only else contents[kind][: len(contents[kind]) // 2]
            links.extend((record_id, item) for item in items)
        if kind not in STANDING_KINDS and not formal_only:
            # Every demo row points at one stored sample; a distinct digest per record keeps
            # the "same file filed twice" signal for real duplicates.
            digest = f"{record_id:064x}"
            files.append((record_id, "minutes", minutes_name, "bien-ban.pdf", "application/pdf", 1024, digest, now))
    _insert(Record, RECORD_COLUMNS, records)
    _insert(Record.contents.through, ("record_id", "contentitem_id"), links)
    _insert(
        Attachment,
        ("record_id", "purpose", "file", "original_name", "content_type", "size", "sha256", "uploaded_at"),
        files,
    )
    return len(records)


def sample_pdf(text: str = "Bien ban hoi nghi") -> bytes:
    """A small valid one-page PDF with one line of ASCII text."""
    body = f"BT /F1 12 Tf 50 750 Td ({text.encode('ascii', 'replace').decode()}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(body)).encode() + b" >>\nstream\n" + body + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for n, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def reset() -> None:
    """Delete every record with its files rows and audit (demo data only!)."""
    with transaction.atomic():
        for model in (Fact, FactCube, FactYear, AuditEntry, FollowUpItem, Attachment, Record.contents.through, Record):
            model.objects.all()._raw_delete(connection.alias)  # type: ignore[attr-defined]
