"""Views of the reports app: runs and the dashboard (``runs``), periods, closes and
explanation lists (``periods``)."""
