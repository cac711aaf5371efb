"""The report facts: one row per unit × year × period × indicator (``Fact``) and their
sums per node × category (``FactCube``), kept in step with the records and the tree in
the writing transaction (``signals`` → ``maintain``), for the built years only
(``years``: those with records or being reported on), built per unit (``build``) or for
whole years in one pass (``joined``), built on demand when a year is first asked for
(``preparing``), proven against a recomputation (``check``) and read by every report,
explanation, dashboard, grid and close (``selectors``)."""
