"""The event log: the record schema, the column-oriented log, its files.

``records`` declares the fields of a record once (name, type, meaning) and
holds the in-memory :class:`~sim.log.records.EventLog`; ``files`` writes and
reads ``events.csv`` and ``events.parquet``; ``run_dir`` reads a saved run
back. It imports only ``rules`` (for the scenario a run was made of), so the
engine writes records and the analysis reads them through one schema.
"""

#: A run directory's event log: one Parquet file per replication in this
#: directory (``files``); with ``--csv`` the same records in this file too.
PARQUET = "events.parquet"
CSV = "events.csv"
