"""The three window sections of ``summary.json``, from one pass over the log."""
from __future__ import annotations

from rules.scenario import Scenario
from sim.analysis.window_days import compliance_by_day
from sim.analysis.window_misses import window_misses
from sim.analysis.windows import all_window_cases, evaluate_windows
from sim.log.records import EventLog

__all__ = ["window_breakers", "window_sections"]


def window_breakers(summary: dict) -> list[dict]:
    """Who breaks the windows: per role, the missed cases (per replication)
    whose largest share of time was spent waiting for that role, and which
    windows they missed; most misses first. This answers "who breaks the
    window", which the active-period bottleneck (who holds the whole center
    back most of the time) does not."""
    roles: dict[str, dict] = {}
    for wid, m in (summary.get("window_misses") or {}).items():
        cause = m.get("largest_queue") or {}
        missed = m.get("missed_per_replication") or 0.0
        if not cause.get("role") or not missed:
            continue
        r = roles.setdefault(cause["role"], {"role": cause["role"], "missed": 0.0, "windows": []})
        r["missed"] += missed
        r["windows"].append({"window": wid, "missed": missed, "waiting_hours": cause.get("hours")})
    return sorted(roles.values(), key=lambda r: -r["missed"])


def window_sections(s: Scenario, log: EventLog) -> dict:
    """``service_windows`` (verdicts), ``window_compliance_by_day`` and
    ``window_misses`` (time budgets of the missed cases)."""
    cases, index = all_window_cases(s, log)
    return {
        "service_windows": evaluate_windows(s, log, cases, index),
        "window_compliance_by_day": compliance_by_day(s, log, cases, index),
        "window_misses": window_misses(s, log, cases, index),
    }
