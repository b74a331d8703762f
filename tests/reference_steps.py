"""Workflow steps for the reference engine (``tests/reference_engine.py``):
each step bound to its staff pool(s) and to random streams named as the fast
engine names them, and the state of a case that the horizon reports.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from reference_staff import Pool, Task

from rules.aftersales import AfterSales
from rules.calendar import hours_of
from rules.scenario import Scenario
from rules.workflow import Approval, Branch, Contest, Meeting, Milestone, Scheduled, Step, Wait, Work
from sim.inputs.streams import Streams

NAN = math.nan
Draw = Callable[[], float]


@dataclass(eq=False)
class Node:
    """A workflow step bound to its pool(s) and random streams."""
    kind: str
    id: str
    priority: int
    role: str = ""
    pool: Pool | None = None
    draw: Draw | None = None
    patience: Draw | None = None
    per_item: bool = False
    shared: bool = False
    u: Draw | None = None
    reject_p: float = 0.0
    max_rounds: int = 0
    rework: int = 0
    attendees: list[tuple[Pool, int]] = field(default_factory=list)
    entrants: int = 0
    judge: Pool | None = None
    judge_draw: Draw | None = None
    at: float | None = None
    attribute: str | None = None
    working_only: bool = False
    end_case: bool = False
    starts: str | None = None
    by: str = ""
    cases: list[tuple[float, str, list[Node]]] = field(default_factory=list)
    actions: dict[str, list[Node]] = field(default_factory=dict)


@dataclass(eq=False)
class Case:
    """A case in flight and the step it is in, for the records left open at
    the horizon: the step, when it was enabled and the staff tasks it holds."""
    id: int
    workflow: str
    attrs: dict
    node: Node | None = None
    enable: float = NAN
    tasks: list[Task] = field(default_factory=list)
    #: Platform timers (``reference_timers``): window -> running, stopped or
    #: ran out; the timer whose path the case takes after its step.
    clocks: dict[str, str] = field(default_factory=dict)
    divert: Any = None
    #: The step just left was withdrawn by a platform timer (it never ended).
    withdrawn: bool = False

    def at(self, node: Node | None, enable: float = NAN, tasks: list[Task] | None = None) -> None:
        self.node, self.enable, self.tasks = node, enable, tasks if tasks is not None else []


def compile_steps(s: Scenario, scope: str, steps: tuple[Step, ...], pools: dict[str, Pool],
                  streams: Streams, prio: int) -> list[Node]:
    """Bind steps to pools and to streams named as the fast engine names them
    (``dur:``, ``patience:``, ``approve:``, ``judge:``, ``wait:``, ``branch:``
    followed by ``scope:step``; a branch's steps have scope ``scope/step.case``)."""
    nodes = [_compile(s, scope, st, pools, streams, prio) for st in steps]
    ids = [st.id for st in steps]
    for node, st in zip(nodes, steps):
        if isinstance(st, Approval):
            node.rework = ids.index(st.rework_to)
    return nodes


def _compile(s: Scenario, scope: str, st: Step, pools: dict[str, Pool], streams: Streams,
             prio: int) -> Node:
    node = Node(st.kind, st.id, st.priority if st.priority is not None else prio)
    src = f"{scope}:{st.id}"
    if isinstance(st, (Work, Approval, Contest)):
        node.role, node.pool = st.role, pools[st.role]
        node.draw = streams.durations("dur:" + src, st.duration)
    if isinstance(st, Work) and st.patience is not None:
        node.patience = streams.durations("patience:" + src, st.patience)
    if isinstance(st, Work):
        node.per_item, node.shared = st.per_item, st.shared
    if isinstance(st, Approval):
        node.reject_p, node.max_rounds = st.reject_probability, st.max_rounds
        node.u = streams.uniforms("approve:" + src)
    elif isinstance(st, Contest):
        node.entrants, node.judge = st.entrants, pools[st.judge]
        node.judge_draw = streams.durations("judge:" + src, st.judge_duration)
    elif isinstance(st, Meeting):
        node.attendees = [(pools[r], s.org.headcount(r) if n == "all" else n)
                          for r, n in sorted(st.roles.items())]
        node.role = "+".join(sorted(st.roles))
        node.draw = streams.durations("dur:" + src, st.duration)
    elif isinstance(st, Wait):
        node.role = st.party
        node.draw = streams.durations("wait:" + src, st.duration)
    elif isinstance(st, Scheduled):
        node.at = hours_of(st.at) if st.at is not None else None
        node.attribute, node.working_only = st.attribute, st.days == "working"
    elif isinstance(st, Milestone):
        node.end_case, node.starts = st.end_case, st.starts
    elif isinstance(st, Branch):
        node.by, node.attribute = st.by, st.attribute
        if st.by == "probability":
            node.u = streams.uniforms(f"branch:{scope}:{st.id}")
            acc = 0.0
            for c in st.cases:
                acc += c.p
                sub = compile_steps(s, f"{scope}/{st.id}.{c.name}", c.steps, pools, streams, prio)
                node.cases.append((acc, c.name, sub))
        else:
            node.actions = {name: compile_steps(s, f"{scope}/{st.id}.{name}", sub, pools,
                                                streams, prio)
                            for name, sub in st.actions.items()}
    return node


def choose(node: Node, attrs: dict, aftersales: AfterSales | None) -> tuple[str, list[Node]]:
    """A branch's decision: by its uniform against the cumulative case
    probabilities (the last case if none is above it), by a decision table
    of the after-sales rules, or by a case attribute."""
    if node.by == "probability":
        u = node.u()
        _, name, sub = node.cases[-1]
        for acc, case_name, steps in node.cases:
            if u < acc:
                return case_name, steps
        return name, sub
    if node.by == "aftersales_table":
        name = aftersales.decide(attrs["kind"], attrs["fault"], attrs["resalable"])
    elif node.by == "refund_table":
        name = aftersales.refund_action(attrs["trade_status"])
    else:
        name = str(attrs[node.attribute])
    return name, node.actions[name]


def moment(node: Node, attrs: dict, now: float, working_day: Callable[[int], bool]) -> float:
    """When a scheduled step ends: the case's own moment (its attribute, or
    now if it has none), or the next ``at`` o'clock, on a working day if the
    step says so (a moment a nanosecond past counts as now)."""
    if node.attribute is not None:
        return float(attrs.get(node.attribute, now))
    day = int(now // 24)
    if day * 24 + node.at < now - 1e-9:
        day += 1
    while node.working_only and not working_day(day):
        day += 1
    return day * 24 + node.at
