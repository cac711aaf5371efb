"""Follow-up figures of a report: what the conferences and dialogues counted in a period
promised, and what became of it, per report row and indicator.

``queries`` says which items a period counts and in which bucket each falls as of the
report's date (one definition, read by the figures, the explanation lists, the closed
snapshot and the grid); ``figures`` puts the counts into a report's payload (live,
rolled up from closed children, or read off a closed snapshot); ``files`` writes them
into the XLSX. ``models`` holds the snapshot rows a close freezes them in.
"""
