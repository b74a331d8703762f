"""Sales lost to customers who left a chat before anyone answered.

A pre-sales chat abandoned while agents were on duty (patience counts only
on-duty time, ``sim.staff.pool``) is a customer gone. The log says how
many, and which of them were would-be orders: the case's ``contact``
branch records whether the customer was one who buys (``chat_order``) or
one who only asks (``chat_only``; ``demand.chat_conversion`` sets their
mix). What an order is worth is data (``demand.average_order_value``,
with its source in the scenario). Per replication, then the mean and a 95%
t-interval.
"""
from __future__ import annotations

import numpy as np

from rules.scenario import Scenario
from rules.workflow import Work, walk
from sim.analysis.ci import nonnegative_ci
from sim.analysis.staffing import StaffLog
from sim.inputs.demand import CHAT_ORDER
from sim.log.records import EventLog


def orders_lost_in(s: Scenario, log: EventLog) -> int:
    """The chats of would-be orders lost in ``log``: abandoned work of the
    order workflow in a case whose ``contact`` branch was ``chat_order``."""
    d = s.demand
    if d is None or not len(log):
        return 0
    c, code = log.arrays, log.code
    mine = c["workflow"] == code(d.order_workflow)
    buyers = c["case_id"][mine & (c["kind"] == code("branch")) & (c["outcome"] == code(CHAT_ORDER))]
    lost = c["case_id"][mine & (c["kind"] == code("work")) & (c["outcome"] == code("abandoned"))]
    return int(np.isin(lost, buyers).sum())


def lost_sales_reps(s: Scenario, st: StaffLog,
                    orders: np.ndarray | None = None) -> dict[str, np.ndarray] | None:
    """Per replication: ``chats_lost`` (abandoned steps of the order
    workflow), ``orders_lost`` (``orders``, each replication's
    :func:`orders_lost_in`; without them, the chats lost at the chats'
    conversion) and ``value_lost`` (None without demand)."""
    d = s.demand
    if d is None:
        return None
    gone = np.zeros(st.R)
    wf = s.workflows.get(d.order_workflow)
    if wf is not None and d.order_workflow in st.workflows:
        code = st.workflows.index(d.order_workflow)
        # Only the roles of its steps with a patience (the chat): a step the
        # platform withdraws (sim.cases.timers) is not a customer who left.
        roles = {step.role for _, step, _ in walk(wf.steps)
                 if isinstance(step, Work) and step.patience is not None}
        codes = [st.roles.index(r) for r in roles if r in st.roles]
        rows = st.role_row[np.isin(st.role_id, codes)]
        mask = st.abandoned[rows] & (st.wf_code[rows] == code) & ~st.preempted[rows]
        gone = np.bincount(st.rep[rows[mask]], minlength=st.R).astype(float)
    orders = gone * d.chat_conversion if orders is None else np.asarray(orders, float)
    value = orders * (d.average_order_value or 0.0)
    return {"chats_lost": gone, "orders_lost": orders, "value_lost": value}


def lost_sales(s: Scenario, st: StaffLog, orders: np.ndarray | None = None) -> dict:
    """The ``lost_sales`` section of ``summary.json`` (empty without demand)."""
    return lost_sales_of(s, lost_sales_reps(s, st, orders))


def lost_sales_of(s: Scenario, reps: dict[str, np.ndarray] | None) -> dict:
    """The ``lost_sales`` section from the per-replication arrays of
    :func:`lost_sales_reps` (``sim.evaluate`` gathers them replication by
    replication)."""
    if not reps or s.demand is None:
        return {}
    out: dict = {"workflow": s.demand.order_workflow,
                 "chat_conversion": s.demand.chat_conversion,
                 "average_order_value": s.demand.average_order_value,
                 "currency": s.costs.currency}
    for key, values in reps.items():
        if key == "value_lost" and s.demand.average_order_value is None:
            out[key], out[key + "_ci95"] = None, [None, None]
            continue
        m, lo, hi = nonnegative_ci(values)
        out[key], out[key + "_ci95"] = m, [lo, hi]
    return out
