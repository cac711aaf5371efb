import pytest

from tests.factories import RecordFactory


@pytest.fixture
def record_a(world):
    """A draft worker conference of unit A (district X), chair_a's."""
    return RecordFactory(unit=world.unit_a, created_by=world.chair_a)


@pytest.fixture
def record_c(world):
    """A submitted worker conference of unit C (district Y)."""
    return RecordFactory(unit=world.unit_c, status="submitted", created_by=world.chair_c)
