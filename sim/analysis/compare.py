"""Compare scenarios or saved runs on their key KPIs.

The first input is the base; every other is compared with it. Scenario
files are simulated here with one seed and one number of replications for
all, so replication i of each shares its random numbers and the
differences are paired (paired t). Saved runs are paired when their seeds
and replication counts agree, otherwise compared with Welch's t.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rules.loader import load_scenario
from rules.scenario import Scenario
from sim.analysis.ci import clean, mean_ci, paired_diff, welch_diff
from sim.analysis.kpis import role_reps, workflow_reps
from sim.analysis.payroll import staffing
from sim.analysis.staffing import StaffLog
from sim.analysis.whatif import window_reps
from sim.analysis.windows import evaluate_windows
from sim.log.records import EventLog
from sim.log.run_dir import load_run
from sim.runs.runner import run

#: Smaller is better for these metrics (the rest: larger is better).
LOWER_IS_BETTER = ("wait", "cycle", "utilisation")


@dataclass
class Side:
    label: str
    scenario: Scenario
    log: EventLog
    seed: int
    replications: int
    source: str  # "run" (a saved run directory) or "scenario" (simulated here)


def load_side(path: str, seed: int | None, replications: int | None, jobs: int,
              simulate: Callable[[Scenario, int, int, int], EventLog] | None = None,
              sets: Sequence[str] = (), temps: Sequence[str] = (),
              periods: Sequence[str] = (), allow_outside: bool = False) -> Side:
    """A saved run directory, or a scenario file simulated now (with the
    what-ifs ``sets`` and ``temps``; a saved run is as it was run)."""
    p = Path(path)
    if p.is_dir() and (p / "summary.json").exists():
        s, log, summary = load_run(p)
        return Side(str(path), s, log, int(summary["run"]["seed"]),
                    int(summary["run"]["replications"]), "run")
    s = load_scenario(path, sets, temps, periods, allow_outside)
    seed = s.seed if seed is None else seed
    n = s.replications if replications is None else replications
    if simulate is not None:
        log = simulate(s, seed, n, jobs)
    else:
        log, _ = run(s, seed, n, jobs)
    return Side(str(path), s, log, seed, n, "scenario")


def metrics(side: Side) -> dict[str, np.ndarray]:
    """Per-replication values of the key KPIs, by display name."""
    st = StaffLog(side.scenario, side.log)
    out: dict[str, np.ndarray] = {}
    for wid, v in window_reps(side.scenario, side.log, st.reps).items():
        out[f"window {wid}: met share"] = v
    for role, x in role_reps(st).items():
        if x["tasks"].sum() == 0:
            continue
        out[f"role {role}: wait mean (h)"] = x["wait_mean"]
        out[f"role {role}: utilisation"] = x["utilization"]
    for wf, x in workflow_reps(st, side.log).items():
        if "cycle_p50" not in x or not np.isfinite(x["cycle_p50"]).any():
            continue
        out[f"workflow {wf}: cycle p50 (h)"] = x["cycle_p50"]
        out[f"workflow {wf}: cycle p95 (h)"] = x["cycle_p95"]
    return out


def paired(a: Side, b: Side) -> bool:
    return a.seed == b.seed and a.replications == b.replications


def compare(sides: list[Side]) -> dict:
    """Differences of every other side against the first."""
    base = sides[0]
    mb = metrics(base)
    out: dict[str, Any] = {"base": base.label, "sides": [_describe(s) for s in sides],
                           "side_by_side": side_by_side(sides), "comparisons": []}
    for other in sides[1:]:
        mo = metrics(other)
        pair = paired(base, other)
        rows = []
        for name in [k for k in mb if k in mo] + [k for k in mo if k not in mb]:
            a = mb.get(name, np.full(base.replications, np.nan))
            b = mo.get(name, np.full(other.replications, np.nan))
            d = paired_diff(a, b) if pair else welch_diff(a, b)
            if pair:  # the means of the replications the difference pairs
                both = np.isfinite(a) & np.isfinite(b)
                a, b = (a[both], b[both]) if both.any() else (a, b)
            rows.append({"metric": name, "base": mean_ci(a)[0], "other": mean_ci(b)[0], **d,
                         "better": _better(name, d)})
        out["comparisons"].append({"other": other.label, "paired": pair, "rows": rows})
    return clean(out)


def side_by_side(sides: list[Side]) -> dict:
    """Each side's own numbers, one column each: every window's met share,
    interval and verdict against its target (overall and per period), and
    the staffing's person-days and cost."""
    windows: dict[str, list[dict | None]] = {}
    for i, side in enumerate(sides):
        for wid, w in evaluate_windows(side.scenario, side.log).items():
            windows.setdefault(wid, [None] * len(sides))[i] = {
                k: w.get(k) for k in ("name_zh", "met", "met_ci95", "verdict", "target", "periods")}
    costs = [staffing(side.scenario) for side in sides]
    return {"windows": windows,
            "cost_cny_total": [c["cost_cny_total"] for c in costs],
            "person_days": [sum(r["person_days"] for r in c["staffing"].values()) for c in costs],
            "temporary_person_days": [sum(r["temporary_person_days"] for r in c["staffing"].values())
                                      for c in costs]}


def _describe(s: Side) -> dict:
    return {"label": s.label, "scenario": s.scenario.name, "seed": s.seed,
            "replications": s.replications, "source": s.source}


def _better(name: str, d: dict) -> str | None:
    if not d["significant"]:
        return None
    measure = name.rsplit(": ", 1)[-1]  # not the role, window or workflow id before it
    lower = any(w in measure for w in LOWER_IS_BETTER)
    return "better" if (d["diff"] < 0) == lower else "worse"


def write_json(path: Path, result: dict) -> None:
    path.write_text(json.dumps(clean(result), indent=2, ensure_ascii=False, allow_nan=False),
                    encoding="utf-8")
