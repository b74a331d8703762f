"""Replications of a scenario, and the files a run leaves behind.

A run directory holds ``events.csv`` (every replication's records; the same
in ``events.parquet``, which re-analysis reads),
``scenario.json`` (the fully resolved input, so the run can be re-analysed
without the original files) and ``summary.json``.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import pyarrow as pa

from rules.scenario import Scenario
from sim import logfile
from sim.model import simulate
from sim.records import EventLog

Progress = Callable[[int], None]


def input_hash(s: Scenario) -> str:
    return hashlib.sha256(s.model_dump_json(by_alias=True).encode("utf-8")).hexdigest()[:16]


def _one(args: tuple[Scenario, int, int]) -> EventLog:
    s, rep, seed = args
    return simulate(s, rep, seed)


def _one_packed(args: tuple[Scenario, int, int]) -> tuple[pa.Table, dict]:
    """In a worker process: the log as an Arrow table, which crosses the
    process boundary as buffers instead of millions of pickled strings."""
    log = _one(args)
    return logfile.to_arrow(log), log.meta


def replications(s: Scenario, seed: int, n: int, jobs: int = 1) -> Iterator[EventLog]:
    """Event logs of replications 0..n-1, in order, on ``jobs`` processes."""
    work = [(s, rep, seed) for rep in range(n)]
    if jobs <= 1 or n == 1:
        yield from map(_one, work)
        return
    epoch = dt.datetime.combine(s.horizon.start, dt.time())
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for table, meta in pool.map(_one_packed, work):
            yield logfile.from_arrow(table, epoch, s.horizon.hours, meta)


def combine(logs: list[EventLog]) -> EventLog:
    """One log holding every replication (the ``replication`` column tells them apart)."""
    meta = dict(logs[0].meta)
    meta.pop("replication", None)
    meta["replications"] = len(logs)
    return EventLog.concat(logs, meta)


def default_jobs() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def run(s: Scenario, seed: int, n: int, jobs: int = 1,
        progress: Progress | None = None) -> tuple[EventLog, dict]:
    """Simulate ``n`` replications; returns the combined log and run facts."""
    t0 = time.perf_counter()
    logs = []
    for log in replications(s, seed, n, jobs):
        logs.append(log)
        if progress is not None:
            progress(len(logs))
    wall = time.perf_counter() - t0
    facts = {
        "scenario": s.name,
        "description": s.description,
        "seed": seed,
        "replications": n,
        "input_hash": input_hash(s),
        "horizon": {"start": s.horizon.start.isoformat(), "end": s.horizon.end.isoformat(),
                    "hours": s.horizon.hours},
        "wall_seconds": round(wall, 3),
        "records": int(sum(len(log) for log in logs)),
    }
    return combine(logs), facts


def case_counts(log: EventLog) -> dict:
    """Cases started, completed and still open at the horizon, per workflow
    (mean per replication)."""
    c = log.columns
    reps = max(1, int(log.meta.get("replications", 1)))
    out: dict[str, dict] = {}
    starts = c["activity"] == "case_start"
    ends = c["activity"] == "case_end"
    for wf in sorted(set(c["workflow"][starts].tolist())):
        mine = c["workflow"] == wf
        started = int(np.count_nonzero(starts & mine))
        done = int(np.count_nonzero(ends & mine))
        out[wf] = {"started": started / reps, "completed": done / reps,
                   "open_at_end": (started - done) / reps}
    return out


def write_run(out: Path, s: Scenario, log: EventLog, summary: dict) -> None:
    """Write the run's files; the summary goes last, so a directory with a
    summary.json is complete."""
    out.mkdir(parents=True, exist_ok=True)
    final = out / "summary.json"
    if final.exists():
        final.unlink()
    table = logfile.to_arrow(log)
    logfile.write_csv(table, log.epoch, out / "events.csv")
    logfile.write_parquet(table, out / "events.parquet")
    (out / "scenario.json").write_text(s.model_dump_json(by_alias=True, indent=1), encoding="utf-8")
    from sim.analysis.tables import write_tables  # roles.csv, workflows.csv, daily_roles.csv

    write_tables(out, s, log, summary)
    tmp = out / "summary.json.tmp"
    tmp.write_text(json.dumps(summary, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    tmp.replace(final)


def load_run(run_dir: Path) -> tuple[Scenario, EventLog, dict]:
    """Scenario, event log and summary of a saved run."""
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    s = Scenario.model_validate_json((run_dir / "scenario.json").read_text(encoding="utf-8"))
    epoch = dt.datetime.combine(s.horizon.start, dt.time())
    meta = {"scenario": s.name, "seed": summary["run"]["seed"],
            "replications": summary["run"]["replications"]}
    fast = run_dir / "events.parquet"
    if fast.exists():
        log = logfile.read_parquet(fast, epoch, s.horizon.hours, meta)
    else:
        log = logfile.read_csv(run_dir / "events.csv", epoch, s.horizon.hours, meta)
    return s, log, summary
