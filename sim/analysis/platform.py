"""``platform_actions``: what the platform did when its timers ran out.

Each platform window with a ``timer`` (``rules.windows.PlatformTimer``)
leaves a record per act in the event log (activity ``action``, kind
``milestone``, role ``platform``: ``sim.cases.timers``). Counted per
replication, with a t-interval across replications, and priced where the
rules give a value per act (CNY).
"""
from __future__ import annotations

import numpy as np

from rules.scenario import Scenario
from sim.analysis.ci import nonnegative_ci
from sim.log.records import EventLog


def timed(s: Scenario) -> dict[str, str]:
    """Action -> the window whose timer takes it."""
    return {w.timer.action: wid for wid, w in s.service_windows.items() if w.timer is not None}


def platform_counts(s: Scenario, log: EventLog) -> dict[str, int]:
    """Acts of the platform in ``log`` (one replication), by action."""
    actions = timed(s)
    if not actions:
        return {}
    c = log.arrays
    rows = np.flatnonzero((c["role"] == log.code("platform")) & (c["kind"] == log.code("milestone")))
    acts = c["activity"][rows]
    return {a: int(np.count_nonzero(acts == log.code(a))) for a in actions}


def _r(x: float, nd: int = 2) -> float | None:
    return None if x != x else round(float(x), nd)


def platform_actions(s: Scenario, per_replication: list[dict[str, int]]) -> dict:
    """Per action: the window, what the case does, acts per replication
    (mean and 95% interval) and, with a value per act, their cost in CNY."""
    out: dict = {}
    for action, wid in timed(s).items():
        timer = s.service_windows[wid].timer
        if timer is None:  # timed() lists windows with timers only
            continue
        n = np.asarray([p.get(action, 0) for p in per_replication], dtype=float)
        m, lo, hi = nonnegative_ci(n)
        row: dict = {"window": wid, "then": timer.then, "per_replication": _r(m),
                     "ci95": [_r(lo), _r(hi)], "replications": int(n.size)}
        value = s.demand.average_order_value if s.demand is not None else None
        cost = timer.cost_per_act(value)
        if cost is not None:
            cm, clo, chi = nonnegative_ci(n * cost)
            row |= {"cost_per_act": cost, "cost_per_replication": _r(cm),
                    "cost_ci95": [_r(clo), _r(chi)], "cost_source": timer.cost_source}
            if timer.cost_of_order is not None:
                row["cost_of_order"] = {**timer.cost_of_order.model_dump(), "order_value": value}
        out[action] = row
    if out:
        out["counts_are"] = "mean per replication; money in CNY"
    return out
