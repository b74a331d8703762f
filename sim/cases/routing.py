"""Where a case goes next: branch decisions, milestones, scheduled moments.

Plain functions of the case and its context, apart from the interpreter's
run loop, which calls them; none of them waits.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from sim.cases import rows
from sim.cases.steps import Node

if TYPE_CHECKING:
    from sim.cases.interpreter import Case, Context


def milestone(ctx: Context, case: Case, node: Node) -> bool:
    """Record a milestone and run what it sets off (a hook such as an
    after-sales request, a new case); True if it ends the case."""
    now = ctx.env.now
    ctx.records.append(rows.instant(ctx.replication, case.id, node.wf_code, node.id_code,
                                    rows.MILESTONE, now, rows.DONE, node.priority))
    hook = ctx.hooks.get((case.workflow, node.id))
    if hook is not None:
        hook(case)
    if node.starts is not None:
        # The new case carries its parent's attributes (a batch's items).
        ctx.start_soon(node.starts, case.attrs)
    return bool(node.end_case)


def choose(ctx: Context, case: Case, node: Node) -> list[Node]:
    """Record a branch's decision (by probability, decision table or case
    attribute) and return the chosen step list."""
    if node.by == "probability":
        u = node.u()
        name, sub = node.cases[-1][1], node.cases[-1][2]
        for acc, case_name, steps in node.cases:
            if u < acc:
                name, sub = case_name, steps
                break
    else:
        a = case.attrs
        # A table branch is only valid with after-sales rules (``rules.checks``).
        if node.by == "aftersales_table":
            name = ctx.aftersales.decide(a["kind"], a["fault"], a["resalable"])  # type: ignore[union-attr]
        elif node.by == "refund_table":
            name = ctx.aftersales.refund_action(a["trade_status"])  # type: ignore[union-attr]
        else:
            name = str(a[node.attribute])
        sub = node.actions[name]
    now = ctx.env.now
    ctx.records.append(rows.instant(ctx.replication, case.id, node.wf_code, node.id_code,
                                    rows.BRANCH, now, ctx.code(name), node.priority))
    return sub


def moment(ctx: Context, case: Case, node: Node, now: float) -> float:
    """The time a scheduled step waits for: the case's own attribute, or the
    next ``at`` o'clock (on a working day when the step says so)."""
    if node.attribute is not None:
        return float(case.attrs.get(node.attribute, now))
    at: float = node.at  # type: ignore[assignment]  # no attribute: the rules require ``at``
    day = int(now // 24)
    if day * 24 + at < now - 1e-9:
        day += 1
    while node.working_only and not ctx.working_day(day):
        day += 1
    return day * 24 + at
