"""opsim's engine: a scenario in, an event log out; and what is made of the log.

The public API (pinned by ``tests/test_api.py``): :func:`simulate` runs one
replication, :func:`run` several; :func:`summarize` turns a log into the
summary (``summary.json``); :func:`write_run` and :func:`load_run` write and
read a run directory; :class:`Record`, ``COLUMNS`` and ``FIELDS`` are the
event log's schema, :class:`EventLog` the log itself. Moves inside the
packages do not change these names.

The packages, bottom to top (each imports only those before it; see
``tests/test_layout.py`` and DESIGN.md): ``kernel`` and ``log``, ``staff``
and ``inputs``, ``cases``, ``runs``, ``analysis``, ``views``, ``report``,
``cli``.
"""
from sim.analysis.summary import summarize
from sim.log.records import COLUMNS, FIELDS, EventLog, Record
from sim.log.run_dir import load_run
from sim.report.output import write_run
from sim.runs.replication import simulate
from sim.runs.runner import run

__all__ = ["COLUMNS", "FIELDS", "EventLog", "Record", "load_run", "run", "simulate", "summarize",
           "write_run"]
