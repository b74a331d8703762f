"""Builds ``summary.json`` from a run's facts and its event log."""
from __future__ import annotations

from rules.scenario import Scenario
from sim.records import EventLog
from sim.runner import case_counts


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
    from sim.analysis.window_report import window_sections

    return window_sections(s, log)


def _kpis(s: Scenario, log: EventLog) -> dict:
    """``roles``, ``workflows`` and ``bottlenecks`` (sim.analysis.kpis and
    sim.analysis.bottlenecks), sharing one prepared view of the log."""
    from sim.analysis.bottlenecks import bottlenecks
    from sim.analysis.ci import clean
    from sim.analysis.kpis import role_kpis, role_reps, workflow_kpis
    from sim.analysis.staffing import staff_log

    st = staff_log(s, log)
    reps = role_reps(st)
    return clean({"roles": role_kpis(st, reps), "workflows": workflow_kpis(st, log),
                  "bottlenecks": bottlenecks(s, log, st, reps)})
