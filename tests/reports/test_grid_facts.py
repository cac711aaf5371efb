"""The grid reads the report facts: what they say is what its cells, filters and sorts say."""

import pytest

from conferences.models import Fact
from reports import grid
from units.periods import Period

pytestmark = pytest.mark.django_db


def cell(page, code, indicator="worker_conference"):
    row = next(r for r in page.rows if r.code == code)
    return next(c for c in row.cells if c.indicator == indicator)


def test_its_cells_filters_and_sorts_follow_the_facts(tree, world):
    query = grid.GridQuery(node=world.province, year=2025, indicator="worker_conference")
    founded = tree["founded_mid_year"]  # bound for the year, no record at all
    assert cell(grid.grid_page(query), founded.code).state == grid.State.MISSING
    # The facts are the grid's only source of counted figures: say the unit is done.
    Fact.objects.filter(unit=founded, year=2025, period=Period.YEAR, indicator="worker_conference").update(
        done=True, on_time=True, quality=True
    )
    assert cell(grid.grid_page(query), founded.code).state == grid.State.DONE
    done = grid.grid_page(grid.GridQuery(node=world.province, year=2025, indicator="worker_conference", state="done"))
    assert founded.code in [r.code for r in done.rows]
    owing = grid.grid_page(
        grid.GridQuery(node=world.province, year=2025, indicator="worker_conference", state="not_done")
    )
    assert founded.code not in [r.code for r in owing.rows]
    by_column = grid.grid_page(
        grid.GridQuery(node=world.province, year=2025, indicator="worker_conference", sort="worker_conference")
    )
    codes = [r.code for r in by_column.rows]
    assert codes.index("F1") < codes.index(founded.code)  # the units owing it first
    assert codes[-1] == "H1"  # a unit the rule does not bind, last


def test_its_descending_column_sort_puts_the_done_first_and_the_unbound_last(tree, world):
    page = grid.grid_page(
        grid.GridQuery(node=world.province, year=2025, indicator="worker_conference", sort="-worker_conference")
    )
    states = [row.cells[0].state for row in page.rows]
    bound = [s for s in states if s != grid.State.NOT_EXPECTED]
    assert bound[0] == grid.State.DONE
    assert states[len(bound) :] == [grid.State.NOT_EXPECTED] * (len(states) - len(bound))
