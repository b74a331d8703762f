"""The run directory: everything ``opsim run`` leaves behind.

``events.parquet/`` (the event log, one Parquet file per replication;
``events.csv`` too when asked, for process-mining tools: it is seven times
larger and slower to write), ``scenario.json`` (the resolved input), the CSV
tables (``sim.report.tables``), ``aggregates.npz`` (what ``opsim report``
and ``opsim compare`` read instead of the log) and ``summary.json``, written
last so that a directory with a summary is complete. ``opsim run`` has its workers write
the log (``sim.analysis.run_parts.run_view``) and then calls
:func:`finish_run`; :func:`write_run` writes all of it from a log in memory.
``sim.log.run_dir.load_run`` reads it back.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from rules.scenario import Scenario
from sim.analysis.aggregates import read_aggregates, write_aggregates
from sim.analysis.ci import clean
from sim.analysis.compare import compare_aggregates
from sim.analysis.run_parts import RunView, view_of
from sim.log import files as logfile
from sim.log.records import EventLog
from sim.report.plot_numbers import PlotNumbers, numbers_from_arrays, numbers_to_arrays, plot_numbers
from sim.report.tables import write_tables


def write_run(out: Path, s: Scenario, log: EventLog, summary: dict, csv: bool = False) -> None:
    """Write the run's files, ``events.csv`` only with ``csv``; the summary
    goes last, so a directory with a summary.json is complete."""
    out.mkdir(parents=True, exist_ok=True)
    _unfinish(out)
    events = out / logfile.PARQUET
    if events.is_dir():
        shutil.rmtree(events)
    elif events.exists():
        events.unlink()
    rep = log.columns["replication"]
    ids = np.unique(rep)
    csv_parts = out / ".events.csv.parts" if csv else None
    for r in ids if ids.size else np.zeros(1, np.int64):
        logfile.write_part(log.where(rep == r) if ids.size > 1 else log, events, int(r), csv_parts)
    text = out / logfile.CSV
    if csv_parts is not None:
        logfile.join_csv(csv_parts, text)
    elif text.exists():
        text.unlink()  # an earlier run's: it would not match this one
    finish_run(out, s, log, summary)


def run_aggregates(kept: tuple[dict, dict[str, np.ndarray]],
                   numbers: PlotNumbers) -> tuple[dict, dict[str, np.ndarray]]:
    """What ``opsim report DIR`` and ``opsim compare`` read instead of the
    log (``sim.analysis.aggregates``): the comparisons' per-replication KPIs
    (``kept``: ``compare_aggregates`` of the run's view, with its windows and
    cases) and the plots' numbers."""
    index, arrays = kept
    plots, more = numbers_to_arrays(numbers)
    return {"compare": index, "plots": plots}, {**arrays, **{f"plots/{k}": a for k, a in more.items()}}


def read_plot_numbers(run_dir: Path) -> PlotNumbers | None:
    """The plot numbers a run saved; ``None`` for runs saved without them."""
    saved = read_aggregates(run_dir)
    if saved is None or "plots" not in saved[0]:
        return None
    index, arrays = saved
    return numbers_from_arrays(index["plots"], {k.removeprefix("plots/"): a for k, a in arrays.items()
                                                if k.startswith("plots/")})


def _unfinish(out: Path) -> None:
    final = out / "summary.json"
    if final.exists():
        final.unlink()


def finish_run(out: Path, s: Scenario, run: EventLog | RunView, summary: dict,
               aggregates: tuple[dict, dict[str, np.ndarray]] | None = None,
               staffed: dict | None = None) -> None:
    """Everything but the event log: ``scenario.json``, the tables, the
    aggregates (:func:`run_aggregates`, made from ``run`` unless given) and,
    last, ``summary.json``. ``staffed``: ``payroll.daily_staffing`` of ``s``,
    when already computed."""
    _unfinish(out)
    (out / "scenario.json").write_text(s.model_dump_json(by_alias=True, indent=1), encoding="utf-8")
    write_tables(out, s, run, summary, staffed)
    if aggregates is None:
        view = view_of(s, run)
        aggregates = run_aggregates(compare_aggregates(view), plot_numbers(s, view))
    write_aggregates(out, *aggregates)
    tmp = out / "summary.json.tmp"
    # Strict JSON: no NaN or Infinity, which strict readers refuse.
    tmp.write_text(json.dumps(clean(summary), indent=2, ensure_ascii=False, default=str,
                              allow_nan=False), encoding="utf-8")
    tmp.replace(out / "summary.json")
