"""A saved run read back: its scenario, event log and summary.

A run directory (written by ``opsim run`` or ``sim.report.output.write_run``)
holds ``events.parquet`` (every replication's records, one file per
replication in that directory; one file in runs written before) and, when
asked, ``events.csv``,
``scenario.json`` (the fully resolved input, so the run can be re-analysed
without the original files) and ``summary.json``, written last.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from rules.scenario import Scenario
from sim.log import files as logfile
from sim.log.records import EventLog


def load_run(run_dir: Path) -> tuple[Scenario, EventLog, dict]:
    """Scenario, event log and summary of a saved run."""
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    s = Scenario.model_validate_json((run_dir / "scenario.json").read_text(encoding="utf-8"))
    epoch = dt.datetime.combine(s.horizon.start, dt.time())
    meta = {"scenario": s.name, "seed": summary["run"]["seed"],
            "replications": summary["run"]["replications"]}
    fast = run_dir / logfile.PARQUET
    if fast.exists():
        log = logfile.read_events(fast, epoch, s.horizon.hours, meta)
    else:
        log = logfile.read_csv(run_dir / logfile.CSV, epoch, s.horizon.hours, meta)
    return s, log, summary
