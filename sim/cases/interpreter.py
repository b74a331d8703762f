"""Runs cases through their compiled steps, appending records as they go.

A case is a small object that knows where it is in its workflow
(:class:`Case`), not a generator: ``_run`` takes it from its current step
to its next wait, and the wait's end calls it back. An outside wait makes
the case its own SimPy event (no event object per wait); for staff work the
case is its own task (``sim.staff.task``). At Double 11 volumes tens of thousands
of cases wait at once, and what each holds is what a wake reads back from
memory (see ``Case``). Meetings and contests, with several waits in one
step and rare, run as generators driven by ``kernel.events.drive``
(``sim.cases.meetings``).

A live case is registered in ``Context.live`` and carries the step it is in
(``node``, ``enable``, ``tasks``), so that, at the horizon, the run reports
that step as open instead of dropping it.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

import simpy

from rules.aftersales import AfterSales
from sim.cases import rows, timers
from sim.cases.case import Case
from sim.cases.horizon import left_rows, open_records
from sim.cases.meetings import contest, items_work, meeting
from sim.cases.routing import choose, milestone, moment
from sim.cases.steps import Node
from sim.kernel.events import Signal, drive, soon
from sim.kernel.long_waits import LongWaits
from sim.log.records import Row
from sim.log.vocabulary import Vocabulary

if TYPE_CHECKING:
    pass

NAN = math.nan
Hook = Callable[["Case"], None]


def _staff_done(case: Case) -> None:
    """The pool's call: the work or approval ``case`` waited on as its own
    task is done (or abandoned, the customer gone)."""
    node: Node = case.node  # type: ignore[assignment]  # the pool calls a case back in its step
    case.node = None
    ctx = case.ctx
    now = ctx.env.now
    if node.kind == "work":
        if case.abandoned:  # the customer left unserved (the case ends)
            _leave(case, node)
            return
        if case.stretches is None:  # task_rows' common case, on the hot path
            ctx.append(rows.row(ctx.replication, case.id, node.wf_code, node.id_code, rows.WORK,
                                node.role_code, case.member.code,  # type: ignore[union-attr]  # served: the pool set it
                                case.enable, case.start, now,
                                rows.DONE, node.priority))
        else:
            ctx.records.extend(rows.task_rows(ctx.replication, case.id, node.wf_code,
                                              node.id_code, rows.WORK, node.role_code, case,
                                              case.enable, now, rows.DONE, node.priority,
                                              ctx.code))
        if node.marks is not None:
            timers.passed(case, node)
        case.i += 1
    elif node.kind == "approval":
        outcome = case.outcome
        ctx.records.extend(rows.task_rows(ctx.replication, case.id, node.wf_code, node.id_code,
                                          node.kind_code, node.role_code, case, case.enable, now,
                                          ctx.code(outcome), node.priority, ctx.code))
        if node.marks is not None:
            timers.passed(case, node)
        if outcome == "rejected":
            rounds: dict[int, int]  # an approval's step list has its rounds (``_run``)
            rounds, i = case.rounds, case.i  # type: ignore[assignment]
            rounds[i] = rounds.get(i, 0) + 1
            case.i = node.rework
        else:
            case.i += 1
    else:
        raise ValueError(f"A {node.kind!r} step does not wait on a staff task")
    _run(case)


class Context:
    """What every case of one replication shares."""

    def __init__(self, env: simpy.Environment, replication: int, aftersales: AfterSales | None,
                 working_day: Callable[[int], bool], vocab: Vocabulary | None = None) -> None:
        self.env = env
        #: The event log's vocabulary: records hold codes (``sim.cases.rows``).
        self.vocab = Vocabulary(rows.WORDS) if vocab is None else vocab
        #: A text value's code (new ones are added): for what is made as the
        #: run goes; steps and members are coded once, beforehand.
        self.code: rows.Code = self.vocab.__getitem__
        #: Outside waits (couriers, platform, customers) go through here.
        self.long_waits = LongWaits(env)
        self.replication = replication
        self.aftersales = aftersales
        self.working_day = working_day
        self.records: list[Row] = []
        #: Bound once: the hot path's way to record.
        self.append = self.records.append
        #: Cases started and not yet ended, by id. A step in progress lives
        #: on its case (set and cleared without touching this dict), so the
        #: hot path pays one insertion and one deletion per case, not per step.
        self.live: dict[int, Case] = {}
        #: Compiled step lists of the enabled workflows, for milestones that
        #: start a case of another workflow.
        self.flows: dict[str, list[Node]] = {}
        self.hooks: dict[tuple[str, str], Hook] = {}
        #: Workflow -> platform timers whose clock starts with the case.
        self.timer_starts: dict[str, list[timers.TimerRule]] = {}
        self._case = 0

    def new_case(self, workflow: str, attrs: dict | None = None) -> Case:
        self._case += 1
        case = self.live[self._case] = Case(self, self._case, workflow, attrs or {})
        return case

    def start(self, workflow: str, attrs: dict | None = None) -> None:
        """Begin a case of ``workflow`` now, running it up to its first wait
        before returning (nothing if the workflow is disabled)."""
        nodes = self.flows.get(workflow)
        if nodes is not None:
            start_case(self, self.new_case(workflow, attrs), nodes)

    def start_after(self, delay: float, workflow: str, attrs: dict | None = None) -> None:
        """Begin a case of ``workflow`` ``delay`` hours from now (a parked
        wait: the case, and its id, exist only from then on)."""
        start = _Start(self.env)
        start.ctx, start.workflow, start.attrs = self, workflow, attrs
        start.callbacks = _BEGIN
        self.long_waits.put(start, delay)

    def start_soon(self, workflow: str, attrs: dict | None = None) -> None:
        """Begin a case of ``workflow`` at this moment, once the case that
        asks has gone on to its next wait (as a SimPy process would start):
        a case started by a milestone then queues behind its parent's next
        task at the same instant, not ahead of it."""
        soon(self.env, partial(self._start_now, workflow, attrs))

    def _start_now(self, workflow: str, attrs: dict | None, _signal: object) -> None:
        self.start(workflow, attrs)

    @staticmethod
    def resume(case: Case) -> None:
        """Go on with ``case`` from where it stands (``sim.cases.timers``)."""
        _run(case)

    def open_records(self) -> list[Row]:
        """Steps still in progress or waiting at the horizon (``sim.cases.horizon``)."""
        return open_records(self)


class _Start(Signal):
    """A case to begin later (an after-sales request days after delivery):
    one parked object, not a signal, its callbacks tuple, a partial and the
    partial's arguments, each of which the release would read back cold."""
    __slots__ = ("ctx", "workflow", "attrs")
    ctx: Context
    workflow: str
    attrs: dict | None


def _begin(start: _Start) -> None:
    start.ctx.start(start.workflow, start.attrs)


_BEGIN = (_begin,)


def start_case(ctx: Context, case: Case, nodes: list[Node]) -> None:
    """Run ``case`` now, through ``nodes``, up to its first wait."""
    t0 = ctx.env.now
    ctx.append(rows.marker(ctx.replication, case.id, ctx.code(case.workflow), rows.CASE_START, t0,
                           rows.DONE))
    case.nodes, case.i = nodes, 0
    for rule in ctx.timer_starts.get(case.workflow, ()):
        timers.start(case, rule)
    _run(case)


def _run(case: Case) -> None:
    """Run ``case`` from its step ``i`` up to its next wait, or to its end.

    Plain work and waits are inline (the hot path). A branch pushes the
    step list it leaves on the case's stack instead of recursing. Before
    each wait the position is stored on the case; the wait's end calls
    back (``_staff_done`` for staff work, ``_resumed`` for outside waits),
    which records the step and comes back here.
    """
    if case.divert is not None and not timers.divert(case):
        _end(case, True)  # the platform's path ends the case
        return
    ctx = case.ctx
    env = ctx.env
    nodes, i, rounds, stack = case.nodes, case.i, case.rounds, case.stack
    while True:
        if i >= len(nodes):
            if stack is None:
                _end(case, False)
                return
            nodes, i, rounds, stack = stack
            i += 1  # past the branch step that was left
            continue
        node = nodes[i]
        kind = node.kind
        if kind == "milestone":
            if milestone(ctx, case, node):
                _end(case, True)
                return
            if node.marks is not None:
                timers.passed(case, node)
            i += 1
            continue
        if kind == "branch":
            stack = (nodes, i, rounds, stack)
            sub = choose(ctx, case, node)
            if node.marks is not None:
                timers.passed(case, node)
            nodes, i, rounds = sub, 0, None
            continue
        case.nodes = nodes
        case.i = i
        case.rounds = rounds
        case.stack = stack
        if kind == "work":
            if node.per_item:
                drive(items_work(ctx, case, node, _next))
                return
            case.node, case.enable, case.tasks = node, env.now, None
            patience = node.patience() if node.patience is not None else None
            node.pool.take(case, node.draw(), node.priority, patience, _staff_done, node.shared)
        elif kind == "wait":
            case.node, case.enable, case.tasks = node, env.now, ()
            case.callbacks = _RESUMED
            ctx.long_waits.put(case, node.draw())
        elif kind == "approval":
            case.rounds = rounds = rounds if rounds is not None else {}
            done = rounds.get(i, 0)
            rejected = node.u() < node.reject_p
            if rejected and done >= node.max_rounds:
                case.outcome = "forced"
            else:
                case.outcome = "rejected" if rejected else "approved"
            case.node, case.enable, case.tasks = node, env.now, None
            node.pool.take(case, node.draw(), node.priority, None, _staff_done, False)
        elif kind == "scheduled":
            now = env.now
            target = moment(ctx, case, node, now)
            case.node, case.enable, case.tasks = node, now, ()
            case.callbacks = _RESUMED
            ctx.long_waits.put(case, max(0.0, target - now))
        elif kind == "meeting":
            drive(meeting(ctx, case, node, _next))
        elif kind == "contest":
            drive(contest(ctx, case, node, _next))
        else:
            raise ValueError(f"Unknown step kind {kind!r}")
        return


def _resumed(case: Case) -> None:
    """SimPy's call: the outside wait or scheduled moment of ``case`` is over."""
    node: Node = case.node  # type: ignore[assignment]  # SimPy calls a case back in its step
    case.node = None
    ctx = case.ctx
    enable = case.enable
    ctx.append(rows.outside(ctx.replication, case.id, node.wf_code, node.id_code, node.kind_code,
                            node.role_code, enable, ctx.env.now, node.priority))
    if node.marks is not None:
        timers.passed(case, node)
    case.i += 1
    _run(case)


#: The callbacks of a case waiting as its own signal: one tuple for all.
_RESUMED = (_resumed,)


def _next(case: Case) -> None:
    """Go on past the step just done (a meeting or contest)."""
    node = case.nodes[case.i]
    if node.marks is not None:
        timers.passed(case, node)
    case.i += 1
    _run(case)


def _leave(case: Case, node: Node) -> None:
    """The customer left the line of a work step (at its deadline, which
    may be before now: see ``StaffPool._gone``); the case ends then."""
    ctx = case.ctx
    ctx.live.pop(case.id, None)
    ctx.records.extend(left_rows(case, node))
    if case.timers is not None:  # charges due before the customer left
        timers.ended(case, case.deadline)


def _end(case: Case, ended: bool) -> None:
    ctx = case.ctx
    t1 = ctx.env.now
    ctx.live.pop(case.id, None)  # None: a case built by hand, never registered
    ctx.append(rows.marker(ctx.replication, case.id, ctx.code(case.workflow), rows.CASE_END, t1,
                           rows.ENDED if ended else rows.DONE))
    if case.timers is not None:
        timers.ended(case, t1)
