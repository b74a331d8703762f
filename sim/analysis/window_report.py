"""The three window sections of ``summary.json``, from one pass over the log."""
from __future__ import annotations

from rules.scenario import Scenario
from sim.analysis.window_misses import window_misses
from sim.analysis.windows import all_window_cases, compliance_by_day, evaluate_windows
from sim.log.records import EventLog

__all__ = ["window_sections"]


def window_sections(s: Scenario, log: EventLog) -> dict:
    """``service_windows`` (verdicts), ``window_compliance_by_day`` and
    ``window_misses`` (time budgets of the missed cases)."""
    cases, index = all_window_cases(s, log)
    return {
        "service_windows": evaluate_windows(s, log, cases, index),
        "window_compliance_by_day": compliance_by_day(s, log, cases, index),
        "window_misses": window_misses(s, log, cases, index),
    }
