"""Platform timers that act (``rules.windows.PlatformTimer``).

A platform window with a ``timer`` runs a clock per case from its start
point to its end point, the events the analysis measures the window
between. The clock starts when the case first records the start point's
activity (its end, or the case's start for ``case_start``) and stops when
it next records the end point's activity. If it runs out first, the
platform acts at that moment: a record ``action`` (kind ``milestone``,
role ``platform``) and, for ``resume`` and ``end``, a diverted case.

What becomes of the staff work a diverted case was in (see DESIGN.md,
"Platform timers"): work nobody has started is withdrawn from its line
(recorded ``withdrawn`` at the deadline, no staff time); work in progress is
finished by the member who has it (the parcel is in their hands), and so is
an outside wait or a meeting; the case then takes the platform's path
instead of its next step (``interpreter._run`` looks at ``Case.divert``).

A running clock is a small parked signal (``Due``); stopping it only clears
its case, so nothing is taken out of the long waits. A ``continue`` clock
(a charge: every order's shipping deadline) schedules nothing: it is its
deadline, settled when the clock stops (``passed``), the case ends
(``ended``) or the run does (``unsettled``), its record dated at the
deadline, as the reference engine's timer would write it then.
"""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from rules.scenario import Scenario
from rules.windows import PlatformTimer
from sim.cases import rows
from sim.cases.steps import Node
from sim.kernel.events import Signal
from sim.log.records import Row

if TYPE_CHECKING:
    from sim.cases.interpreter import Case, Context

#: The role of the platform's records (an outside party, not staff).
PLATFORM = "platform"


class TimerRule:
    """One window's timer, compiled for a replication."""
    __slots__ = ("window", "action", "then", "resume", "limits", "default")

    def __init__(self, window: str, timer: PlatformTimer, limits: list[float],
                 default: float) -> None:
        self.window = window
        self.action = timer.action
        self.then = timer.then
        #: Workflow -> index of ``resume_at`` in its top-level steps.
        self.resume: dict[str, int] = {}
        #: The limit in hours for a clock started on day i of the horizon.
        self.limits = limits
        self.default = default

    def limit(self, t: float) -> float:
        day = int(t // 24)
        return self.limits[day] if 0 <= day < len(self.limits) else self.default


class Due(Signal):
    """A running clock: fires at the deadline unless its case is cleared."""
    __slots__ = ("case", "rule")
    case: Case | None
    rule: TimerRule


def install(s: Scenario, ctx: Context, flows: dict[str, list[Node]]) -> None:
    """Mark the nodes whose end starts or stops a timer; the case starts
    that start one go in ``ctx.timer_starts``."""
    days = [s.horizon.start + dt.timedelta(days=i) for i in range(s.horizon.days)]
    for wid, win in s.service_windows.items():
        if win.timer is None:
            continue
        hours = 24.0 if win.clock != "elapsed_hours" else 1.0
        rule = TimerRule(wid, win.timer, [win.limit_on(d) * hours for d in days],
                         win.limit * hours)
        for w in win.workflows:
            nodes = flows.get(w)
            if nodes is None:
                continue
            if win.timer.resume_at is not None:
                rule.resume[w] = [n.id for n in nodes].index(win.timer.resume_at)
            if win.start.activity == "case_start":
                ctx.timer_starts.setdefault(w, []).append(rule)
            for node in _all(nodes):
                if node.id == win.start.activity:
                    _mark(node, 0, rule)
                if node.id == win.end.activity:
                    _mark(node, 1, rule)


def _all(nodes: list[Node]) -> list[Node]:
    out = []
    for node in nodes:
        out.append(node)
        if node.kind == "branch":
            for _, _, sub in node.cases or ():
                out.extend(_all(sub))
            for sub in (node.actions or {}).values():
                out.extend(_all(sub))
    return out


def _mark(node: Node, which: int, rule: TimerRule) -> None:
    if node.marks is None:
        node.marks = ([], [])
    node.marks[which].append(rule)


def passed(case: Case, node: Node) -> None:
    """``case`` recorded the end of ``node``, which starts or stops timers."""
    starts, stops = node.marks  # type: ignore[misc]  # called for marked nodes only
    timers = case.timers
    if timers is not None:
        for rule in stops:
            due = timers.get(rule.window)
            if due is None:
                continue
            if isinstance(due, tuple):  # a charge: late if the deadline has passed
                if due[0] < case.ctx.env.now:
                    _charge(case, due)
            else:
                due.case = None
            timers[rule.window] = None
    for rule in starts:
        start(case, rule)


def start(case: Case, rule: TimerRule) -> None:
    """Start ``rule``'s clock for ``case``, once per case (a window counts a
    case's first start)."""
    if case.timers is None:
        case.timers = {}
    elif rule.window in case.timers:
        return
    ctx = case.ctx
    if rule.then == "continue":
        case.timers[rule.window] = (ctx.env.now + rule.limit(ctx.env.now), rule)
        return
    due = Due(ctx.env)
    due.case, due.rule = case, rule
    due.callbacks = _FIRE
    case.timers[rule.window] = due
    ctx.long_waits.put(due, rule.limit(ctx.env.now))


def _charge(case: Case, clock: tuple[float, TimerRule]) -> None:
    ctx = case.ctx
    ctx.append(rows.platform(ctx.replication, case.id, ctx.code(case.workflow),
                             ctx.code(clock[1].action), clock[0]))


def ended(case: Case, t: float) -> None:
    """``case`` ended at ``t``: its charges whose deadline had passed are due."""
    for clock in case.timers.values():  # type: ignore[union-attr]  # called for cases with timers
        if isinstance(clock, tuple) and clock[0] < t:
            _charge(case, clock)


def unsettled(ctx: Context) -> list[Row]:
    """At the horizon: the charges of live cases whose deadline has passed."""
    now, out = ctx.env.now, []
    for case in ctx.live.values():
        for clock in (case.timers or {}).values():
            if isinstance(clock, tuple) and clock[0] < now:
                out.append(rows.platform(ctx.replication, case.id, ctx.code(case.workflow),
                                         ctx.code(clock[1].action), clock[0]))
    return out


def _fire(due: Due) -> None:
    case, rule = due.case, due.rule
    if case is None:  # stopped: the shop reached the end point in time
        return
    due.case = None
    case.timers[rule.window] = None  # type: ignore[index]  # a running clock's case has timers
    ctx = case.ctx
    if case.id not in ctx.live:
        return  # the case ended first (a customer who left): nothing left to act on
    now = ctx.env.now
    ctx.append(rows.platform(ctx.replication, case.id, ctx.code(case.workflow), ctx.code(rule.action),
                             now))
    if rule.then == "continue":
        return
    case.divert = rule
    node = case.node
    if node is None or case.tasks is not None or case.member is not None:
        return  # in progress, outside or in a meeting: diverted when the step ends
    if case.deadline <= now or not case.pool.withdraw(case):
        return  # the customer has left already, or the pool has let them go
    case.node = None
    ctx.records.extend(rows.task_rows(ctx.replication, case.id, ctx.code(case.workflow), node.id_code,
                                      node.kind_code, node.role_code, case, case.enable, now,
                                      rows.WITHDRAWN, node.priority, ctx.code))
    ctx.resume(case)


_FIRE = (_fire,)


def divert(case: Case) -> bool:
    """Put ``case`` on the platform's path: on at a later top-level step
    (True), or to its end (False: the interpreter ends it)."""
    rule: TimerRule = case.divert  # type: ignore[assignment]  # called when set
    case.divert = None
    if rule.then == "end":
        return False
    case.nodes = case.ctx.flows[case.workflow]
    case.i, case.stack, case.rounds = rule.resume[case.workflow], None, None
    return True
