"""Compare scenarios or saved runs on their key KPIs.

The first input is the base; every other is compared with it. Scenario
files are simulated here with one seed and one number of replications for
all, so replication i of each shares its random numbers and the
differences are paired (paired t). Saved runs are paired when their seeds
and replication counts agree, otherwise compared with Welch's t.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rules.loader import load_scenario
from rules.scenario import Scenario
from sim.analysis.aggregates import read_aggregates
from sim.analysis.ci import clean, mean_ci, paired_diff, welch_diff
from sim.analysis.kpis import role_reps, view_workflow_reps
from sim.analysis.lost_sales import lost_sales_reps
from sim.analysis.payroll import staffing
from sim.analysis.run_parts import RunView, run_view, view_of_log
from sim.analysis.whatif import window_reps_of
from sim.analysis.windows import windows_of_cases
from sim.log.records import EventLog
from sim.log.run_dir import load_run

#: Smaller is better for these metrics (the rest: larger is better).
LOWER_IS_BETTER = ("wait", "cycle", "utilisation", "lost")


@dataclass
class Side:
    label: str
    scenario: Scenario
    #: Per-replication values of the key KPIs, by display name (:func:`metrics_of`).
    metrics: dict[str, np.ndarray]
    #: Each window's met share, interval and verdict (``windows_of_cases``).
    windows: dict
    seed: int
    replications: int
    source: str  # "run" (a saved run directory) or "scenario" (simulated here)


def load_side(path: str, seed: int | None, replications: int | None, jobs: int,
              sets: Sequence[str] = (), temps: Sequence[str] = (),
              periods: Sequence[str] = (), allow_outside: bool = False) -> Side:
    """A saved run directory (its aggregates; the event log only for runs
    saved without them), or a scenario file simulated now (with the
    what-ifs ``sets`` and ``temps``; a saved run is as it was run), reduced
    replication by replication: no side holds a log."""
    p = Path(path)
    if p.is_dir() and (p / "summary.json").exists():
        return saved_side(p, str(path))
    s = load_scenario(path, sets, temps, periods, allow_outside)
    seed = s.seed if seed is None else seed
    n = s.replications if replications is None else replications
    view, _ = run_view(s, seed, n, jobs)
    return side_of_view(str(path), view, seed, n, "scenario")


def saved_side(run_dir: Path, label: str) -> Side:
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    seed, n = int(summary["run"]["seed"]), int(summary["run"]["replications"])
    saved = read_aggregates(run_dir)
    if saved is None or "compare" not in saved[0]:
        s, log, _ = load_run(run_dir)  # a run saved without its aggregates
        return side_of_view(label, view_of_log(s, log), seed, n, "run")
    index, arrays = saved
    s = Scenario.model_validate_json((run_dir / "scenario.json").read_text(encoding="utf-8"))
    names = index["compare"]["metrics"]
    return Side(label, s, {name: arrays[f"compare/{name}"] for name in names},
                index["compare"]["windows"], seed, n, "run")


def side_of_view(label: str, view: RunView, seed: int, n: int, source: str) -> Side:
    return Side(label, view.s, metrics_of(view), windows_of_cases(view.s, view.windows, view.replications),
                seed, n, source)


def side_of_log(label: str, s: Scenario, log: EventLog, seed: int, n: int, source: str) -> Side:
    return side_of_view(label, view_of_log(s, log), seed, n, source)


def metrics_of(view: RunView) -> dict[str, np.ndarray]:
    """Per-replication values of the key KPIs, by display name."""
    st = view.st
    out: dict[str, np.ndarray] = {}
    for wid, v in window_reps_of(view.windows, st.reps).items():
        out[f"window {wid}: met share"] = v
    for role, x in role_reps(st).items():
        if x["tasks"].sum() == 0:
            continue
        out[f"role {role}: wait mean (h)"] = x["wait_mean"]
        out[f"role {role}: utilisation"] = x["utilization"]
    for wf, x in view_workflow_reps(view).items():
        if "cycle_p50" not in x or not np.isfinite(x["cycle_p50"]).any():
            continue
        out[f"workflow {wf}: cycle p50 (h)"] = x["cycle_p50"]
        out[f"workflow {wf}: cycle p95 (h)"] = x["cycle_p95"]
    lost = lost_sales_reps(view.s, st, view.orders_lost)
    if lost is not None:
        out["sales: chats lost"] = lost["chats_lost"]
        if view.s.demand is not None and view.s.demand.average_order_value is not None:
            out[f"sales: value lost ({view.s.costs.currency})"] = lost["value_lost"]
    return out


def compare_aggregates(view: RunView) -> tuple[dict, dict[str, np.ndarray]]:
    """What a saved run keeps for comparisons (``sim.analysis.aggregates``):
    the per-replication KPIs and the windows' verdicts."""
    values = metrics_of(view)
    index = {"metrics": list(values),
             "windows": clean(windows_of_cases(view.s, view.windows, view.replications))}
    return index, {f"compare/{name}": v for name, v in values.items()}


def metrics(side: Side) -> dict[str, np.ndarray]:
    return side.metrics


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
        for wid, w in side.windows.items():
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
