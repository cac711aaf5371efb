"""The hand-built tree the report tests count on, and helpers to make records good."""

import datetime

import pytest

from conferences.models import Attachment, ContentItem
from tests.factories import RecordFactory, UnitFactory
from units.models import Category

D = datetime.date


def minutes(record):
    Attachment.objects.create(
        record=record, purpose="minutes", file="minutes/x.pdf", original_name="x.pdf",
        content_type="application/pdf", size=1, sha256="0" * 64,
    )  # fmt: skip
    return record


def full_contents(record):
    record.contents.set(ContentItem.objects.filter(kind=record.kind))
    return record


def good(record):
    return full_contents(minutes(record))


@pytest.fixture
def tree(world):
    """District X: a mix of every case; district Y: one good unit."""
    x = world.district_x
    units = {
        # unit A (private enterprise, from `world`): conference on time and good; dialogue on the last day.
        "A": world.unit_a,
        # unit B (public service unit, from `world`): CBCCVC held late (15/04), formal (no minutes).
        "B": world.unit_b,
        "dissolved": UnitFactory(code="D1", node=x, dissolved_on=D(2024, 6, 30)),
        "founded_mid_year": UnitFactory(code="E1", node=x, established_on=D(2025, 7, 1)),
        "returned_only": UnitFactory(code="F1", node=x),
        "wrong_year": UnitFactory(code="G1", node=x),
        "other": UnitFactory(code="H1", node=x, category=Category.OTHER),
        "C": world.unit_c,
    }
    good(RecordFactory(unit=units["A"], kind="worker_conference", held_on=D(2025, 3, 10), status="accepted"))
    good(RecordFactory(unit=units["A"], kind="dialogue_periodic", held_on=D(2025, 12, 31), status="accepted"))
    RecordFactory(unit=units["B"], kind="cbccvc_conference", held_on=D(2025, 4, 15), status="accepted")
    good(RecordFactory(unit=units["dissolved"], kind="worker_conference", held_on=D(2024, 3, 1), status="accepted"))
    good(RecordFactory(unit=units["returned_only"], kind="worker_conference", held_on=D(2025, 3, 1), status="returned"))
    good(RecordFactory(unit=units["wrong_year"], kind="worker_conference", held_on=D(2024, 12, 30), status="accepted"))
    good(RecordFactory(unit=units["other"], kind="worker_conference", held_on=D(2025, 3, 1), status="accepted"))
    good(RecordFactory(unit=units["C"], kind="worker_conference", held_on=D(2025, 2, 1), status="accepted"))
    # A regulation issued in 2023 is still in force in 2025; B's board was set up in 2025.
    RecordFactory(unit=units["A"], kind="qcdc_regulation", held_on=D(2023, 5, 1), status="accepted")
    RecordFactory(unit=units["B"], kind="inspection_board", held_on=D(2025, 1, 20), status="accepted", members=3)
    return units
