"""The report facts: one row per unit × year × period × indicator, kept in step with the
records and the tree (``maintain``, ``signals``) and read by every report, explanation,
dashboard and close (``selectors``)."""
