"""Builds ``summary.json`` from a run's facts and its replications merged
(:class:`sim.analysis.run_parts.RunView`), or from an event log."""
from __future__ import annotations

from typing import TYPE_CHECKING

from rules.scenario import Scenario
from sim.analysis.bottlenecks import ranked_bottlenecks
from sim.analysis.ci import clean
from sim.analysis.duties import duties_skipped, whole_member_open
from sim.analysis.kpis import (  # case_totals: also read from here (evaluation)
    case_totals,
    role_kpis,
    role_reps,
    time_shares_of,
    view_workflow_reps,
    workflow_rows,
)
from sim.analysis.lost_sales import lost_sales
from sim.analysis.payroll import staffing
from sim.analysis.platform import platform_actions
from sim.analysis.window_days import compliance_of_cases
from sim.analysis.windows import windows_of_cases
from sim.log.records import EventLog

if TYPE_CHECKING:
    from sim.analysis.run_parts import RunView


def summarize(s: Scenario, log: EventLog, facts: dict) -> dict:
    """Every section of the summary, from a log in memory (reduced
    replication by replication, as ``opsim run`` does)."""
    # Imported on use: run_parts reuses sim.analysis.evaluation, which imports this module.
    from sim.analysis.run_parts import view_of_log

    return summary_of(view_of_log(s, log), facts)


def summary_of(view: RunView, facts: dict, daily: dict | None = None) -> dict:
    """Every section of the summary from a run's merged view. Each analysis
    adds its own key. ``daily``: ``payroll.daily_staffing`` of the scenario,
    when already computed."""
    s, st = view.s, view.st
    out = {"run": facts, "cases": counts_of(view.cases, view.case_replications)}
    # ``roles``, ``workflows`` and ``bottlenecks`` (sim.analysis.kpis and
    # sim.analysis.bottlenecks), sharing one staff view.
    reps = role_reps(st)
    workflows = view_workflow_reps(view)
    shares = time_shares_of(st, view.out_code, view.workflows, view.out_enable, view.out_end)
    out.update(clean({"roles": role_kpis(st, reps), "workflows": workflow_rows(workflows, shares),
                      "bottlenecks": ranked_bottlenecks(st, reps, view.found, view.delays)}))
    # ``service_windows`` (verdicts), ``window_compliance_by_day`` and
    # ``window_misses`` (time budgets), as sim.analysis.window_report.
    out["service_windows"] = windows_of_cases(s, view.windows, view.replications)
    out["window_compliance_by_day"] = compliance_of_cases(s, view.windows, view.replications)
    out["window_misses"] = view.misses
    out["platform_actions"] = platform_actions(s, view.platform)
    out.update(staffing(s, daily))
    out["lost_sales"] = clean(lost_sales(s, st, view.orders_lost))
    out["duties_skipped"] = duties_skipped(st)
    out["whole_member_open"] = whole_member_open(st)
    return out


def case_counts(log: EventLog) -> dict:
    """Cases started, completed and still open at the horizon, per workflow
    (mean per replication)."""
    return counts_of(case_totals(log), max(1, int(log.meta.get("replications", 1))))


def counts_of(totals: dict[str, tuple[int, int]], reps: int) -> dict:
    """:func:`case_counts` from :func:`case_totals` (summed over replications)."""
    return {wf: {"started": started / reps, "completed": done / reps,
                 "open_at_end": (started - done) / reps}
            for wf, (started, done) in totals.items()}
