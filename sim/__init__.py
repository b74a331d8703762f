"""opsim's engine: a scenario in, an event log out; and what is made of the log.

The public API (pinned by ``tests/test_api.py``): :func:`simulate` runs one
replication, :func:`run` several; :func:`summarize` turns a log into the
summary (``summary.json``); :func:`evaluate` gives a scenario's windows,
roles and cases without a log or files (for searches); :func:`write_run` and :func:`load_run` write and
read a run directory; :class:`Record`, ``COLUMNS`` and ``FIELDS`` are the
event log's schema, :class:`EventLog` the log itself. Moves inside the
packages do not change these names.

The packages, bottom to top (each imports only those before it; see
``tests/test_layout.py`` and DESIGN.md): ``kernel`` and ``log``, ``staff``
and ``inputs``, ``cases``, ``runs``, ``analysis``, ``views``, ``report``,
``cli``.

The names are loaded on first use (PEP 562): importing any ``sim.*`` module
runs this file first, and eager imports here would load the whole engine,
scipy and pyarrow (0.6 s) for ``opsim check``, which needs none of them.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.analysis.evaluation import evaluate
    from sim.analysis.summary import summarize
    from sim.log.records import COLUMNS, FIELDS, EventLog, Record
    from sim.log.run_dir import load_run
    from sim.report.output import write_run
    from sim.runs.replication import simulate
    from sim.runs.runner import run

__all__ = ["COLUMNS", "FIELDS", "EventLog", "Record", "evaluate", "load_run", "run", "simulate",
           "summarize", "write_run"]

#: Where each public name lives.
_HOMES = {
    "COLUMNS": "sim.log.records", "FIELDS": "sim.log.records", "EventLog": "sim.log.records",
    "Record": "sim.log.records", "evaluate": "sim.analysis.evaluation",
    "load_run": "sim.log.run_dir", "run": "sim.runs.runner",
    "simulate": "sim.runs.replication", "summarize": "sim.analysis.summary", "write_run": "sim.report.output",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
