"""The run directory: everything ``opsim run`` leaves behind.

``events.parquet`` (the event log; ``events.csv`` too when asked, for
process-mining tools: it is seven times larger and slower to write), ``scenario.json``
(the resolved input), the CSV tables (``sim.report.tables``) and
``summary.json``, written last so that a directory with a summary is
complete. ``sim.log.run_dir.load_run`` reads it back.
"""
from __future__ import annotations

import json
from pathlib import Path

from rules.scenario import Scenario
from sim.analysis.ci import clean
from sim.log import files as logfile
from sim.log.records import EventLog
from sim.report.tables import write_tables


def write_run(out: Path, s: Scenario, log: EventLog, summary: dict, csv: bool = False) -> None:
    """Write the run's files, ``events.csv`` only with ``csv``; the summary
    goes last, so a directory with a summary.json is complete."""
    out.mkdir(parents=True, exist_ok=True)
    final = out / "summary.json"
    if final.exists():
        final.unlink()
    table = logfile.to_arrow(log)
    logfile.write_parquet(table, out / "events.parquet")
    text = out / "events.csv"
    if csv:
        logfile.write_csv(table, log.epoch, text)
    elif text.exists():
        text.unlink()  # an earlier run's: it would not match this one
    (out / "scenario.json").write_text(s.model_dump_json(by_alias=True, indent=1), encoding="utf-8")
    write_tables(out, s, log, summary)
    tmp = out / "summary.json.tmp"
    # Strict JSON: no NaN or Infinity, which strict readers refuse.
    tmp.write_text(json.dumps(clean(summary), indent=2, ensure_ascii=False, default=str,
                              allow_nan=False), encoding="utf-8")
    tmp.replace(final)
