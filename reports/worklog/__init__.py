"""The federation's own work log: what a node did about QCDC in a period.

It lives in ``reports`` because it is read by the reports (the annual report's section
on the federation's activities, the JSON ``activity`` figures) and because its entries
are frozen by closed periods, which ``reports`` owns; ``conferences`` may not import
``reports``, so putting it there would need another hook.
"""
