"""Admin of the reports app: report runs are read in the app itself; closes and
deadlines belong to the periods layer (``units.admin``)."""
