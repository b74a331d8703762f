"""Builds ``summary.json`` from a run's facts and its event log."""
from __future__ import annotations

import numpy as np

from rules.scenario import Scenario
from sim.analysis.bottlenecks import bottlenecks
from sim.analysis.ci import clean
from sim.analysis.kpis import role_kpis, role_reps, workflow_kpis
from sim.analysis.staffing import staff_log
from sim.analysis.window_report import window_sections
from sim.log.records import EventLog


def summarize(s: Scenario, log: EventLog, facts: dict) -> dict:
    """Every section of the summary. Each analysis adds its own key."""
    out = {
        "run": facts,
        "cases": case_counts(log),
    }
    out.update(_kpis(s, log))
    out.update(_windows(s, log))
    return out


def _windows(s: Scenario, log: EventLog) -> dict:
    """``service_windows`` (verdicts), ``window_compliance_by_day`` and
    ``window_misses`` (time budgets), from sim.analysis.window_report."""
    return window_sections(s, log)


def _kpis(s: Scenario, log: EventLog) -> dict:
    """``roles``, ``workflows`` and ``bottlenecks`` (sim.analysis.kpis and
    sim.analysis.bottlenecks), sharing one prepared view of the log."""
    st = staff_log(s, log)
    reps = role_reps(st)
    return clean({"roles": role_kpis(st, reps), "workflows": workflow_kpis(st, log),
                  "bottlenecks": bottlenecks(s, log, st, reps)})


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
