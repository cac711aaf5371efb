"""The per-unit grid: one row per unit under a node, one cell per indicator of the year.

This package is the grid's only data source: the page, the exports and the JSON's
``"units"`` list all read ``grid_page``/``grid_rows``. Cells, filters and sorts read the
report facts (``conferences.facts.selectors``), so a unit counted as done in a report's
figure is done in its cell; records are read only for what facts do not hold (a draft,
a return). A page costs a fixed number of queries whatever the number of units: the
count, the page of units, one for the page's facts and one for its records. The page
counts its units only up to ``COUNT_INLINE_UP_TO`` (a count reads every unit under the
node: 200,000 index entries at a province's root); past that it says "more than", reads
one row beyond the page to know whether there is a next one, and the exact count is
asked for separately (``grid_count``), so the rows do not wait for it.
"""

from reports.grid.pages import grid_count, grid_page, grid_rows, units_payload
from reports.grid.types import (
    COUNT_INLINE_UP_TO,
    EXPORT_CHUNK,
    FILTERS,
    PAGE_SIZES,
    SORTS,
    STATE_LABELS,
    GridCell,
    GridPage,
    GridQuery,
    GridRow,
    State,
)
from reports.grid.units import filtered_units, records_in_period

__all__ = [
    "COUNT_INLINE_UP_TO",
    "EXPORT_CHUNK",
    "FILTERS",
    "PAGE_SIZES",
    "SORTS",
    "STATE_LABELS",
    "GridCell",
    "GridPage",
    "GridQuery",
    "GridRow",
    "State",
    "filtered_units",
    "grid_count",
    "grid_page",
    "grid_rows",
    "records_in_period",
    "units_payload",
]
