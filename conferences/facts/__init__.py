"""The report facts: one row per unit × year × period × indicator (``Fact``) and their
sums per node × category (``FactCube``), kept in step with the records and the tree in
the writing transaction (``signals`` → ``maintain``), built per unit (``build``) or for
whole years in one pass (``joined``), proven against a recomputation (``check``) and
read by every report, explanation, dashboard, grid and close (``selectors``)."""
