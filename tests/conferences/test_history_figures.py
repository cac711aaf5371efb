"""A 2016–2022 history imported on a fresh database gives figures, not "0/0 —": the
seeded rules of those years apply."""

import pytest

from conferences import importing
from reports import compute
from units.importing import read_table

pytestmark = pytest.mark.django_db


def test_it_counts_an_imported_2018_history_against_the_rules_of_2018(world):
    text = (
        "unit_code,kind,date,invited,attended,status\n"
        "A001,worker_conference,15/03/2018,100,90,accepted\n"
        "B001,cbccvc_conference,20/12/2018,40,39,accepted\n"
        + "".join(f"A001,dialogue_periodic,2018-{m:02d}-20,,,accepted\n" for m in (3, 6, 9, 12))
    )
    table = read_table(data=text.encode(), suffix=".csv", columns=importing.EVENT_IMPORT_COLUMNS)
    plan = importing.plan_events_import(table=table, by=world.staff_x)
    assert plan.ok, plan.errors
    importing.events_import(plan=plan, by=world.staff_x, file_name="2018.csv")
    cells = compute.build(world.district_x, 2018).total.cells
    assert (cells["worker_conference"].done, cells["worker_conference"].expected) == (1, 1)
    assert (cells["cbccvc_conference"].done, cells["cbccvc_conference"].expected) == (1, 1)
    # Four dialogues: the Labour Code 2012's one every three months.
    assert (cells["dialogue_periodic"].done, cells["dialogue_periodic"].expected) == (1, 1)
