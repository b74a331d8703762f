"""Runs one case through its compiled steps, appending records as it goes.

A case is a plain generator function, driven without a SimPy ``Process``:
each wait hands the generator's own ``send`` on as the callback of the
signal it waits on (or as its staff task's ``waiter``), then yields. SimPy's
event loop then resumes the case directly, with no process object, no start
and end events and no bound method per wait (at Double 11 volumes those
were most of what a waiting case held in memory). A live case is registered in ``Context.live`` and
carries the step it is in (``node``, ``enable``, ``tasks``), so that, at the
horizon, the run reports that step as open instead of dropping it.
"""
from __future__ import annotations

import math
from functools import partial
from typing import Callable, Generator

import simpy

from rules.aftersales import AfterSales
from sim.nodes import Node
from sim.parking import Parking
from sim.records import Row
from sim.signals import drive, soon, timeout
from sim.staff import Task

NAN = math.nan
#: Every request that holds a person while waiting for others (meetings,
#: team duties) uses one priority, so such requests are served first come
#: first served within a pool; with roles acquired in sorted order this rules
#: out deadlock between meetings.
HOLD_PRIORITY = 3
Hook = Callable[["Case"], None]


class Case:
    """A case in flight. ``node`` is the step it is in (None between steps),
    enabled at ``enable``, with the staff ``tasks`` it waits on (one Task
    for a work step: no tuple held while it waits in line)."""
    __slots__ = ("id", "workflow", "attrs", "node", "enable", "tasks")

    def __init__(self, case_id: int, workflow: str, attrs: dict) -> None:
        self.id = case_id
        self.workflow = workflow
        self.attrs = attrs
        self.node = None
        self.enable = NAN
        self.tasks: Task | tuple | list = ()


class Context:
    """What every case of one replication shares."""

    def __init__(self, env: simpy.Environment, replication: int, aftersales: AfterSales | None,
                 working_day: Callable[[int], bool]) -> None:
        self.env = env
        #: Outside waits (couriers, platform, customers) go through here.
        self.parking = Parking(env)
        self.replication = replication
        self.aftersales = aftersales
        self.working_day = working_day
        self.records: list[Row] = []
        # Bound once and shared: a case that keeps them in its frame then
        # holds no bound-method objects of its own while it waits.
        self.park = self.parking.timeout
        self.append = self.records.append
        #: Cases started and not yet ended, by id. A step in progress lives
        #: on its case (set and cleared without touching this dict), so the
        #: hot path pays one insertion and one deletion per case, not per step.
        self.live: dict[int, Case] = {}
        #: Compiled step lists of the enabled workflows, for milestones that
        #: start a case of another workflow.
        self.flows: dict[str, list[Node]] = {}
        self.hooks: dict[tuple[str, str], Hook] = {}
        self._case = 0

    def new_case(self, workflow: str, attrs: dict | None = None) -> Case:
        self._case += 1
        case = self.live[self._case] = Case(self._case, workflow, attrs or {})
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
        self.parking.timeout(delay, partial(self._start_now, workflow, attrs))

    def start_soon(self, workflow: str, attrs: dict | None = None) -> None:
        """Begin a case of ``workflow`` at this moment, once the case that
        asks has gone on to its next wait (as a SimPy process would start):
        a case started by a milestone then queues behind its parent's next
        task at the same instant, not ahead of it."""
        soon(self.env, partial(self._start_now, workflow, attrs))

    def _start_now(self, workflow: str, attrs: dict | None, _signal: object) -> None:
        self.start(workflow, attrs)

    def open_records(self) -> list[Row]:
        """Steps still in progress or waiting at the horizon."""
        out: list[Row] = []
        rep = self.replication
        for case in self.live.values():
            node, enable, tasks = case.node, case.enable, case.tasks
            if node is None:
                continue
            if isinstance(tasks, Task):
                tasks = (tasks,)
            if tasks and tasks[0].work is not None:  # staff work: one record per task
                # Several tasks are a contest's entrants or a duty each member
                # does: those already finished are reported as when the step ends.
                finished = ("entry" if node.kind == "contest" else "done") if len(tasks) > 1 else None
                for t in tasks:
                    done = finished is not None and t.end == t.end
                    out.extend(task_rows(rep, case.id, case.workflow, node.id, node.kind,
                                         t.pool.role, t, enable, t.end if done else NAN,
                                         finished if done else "open", node.priority))
                continue
            starts = [t.start for t in tasks] if tasks else [enable]
            start = max(starts) if starts and not any(math.isnan(x) for x in starts) else NAN
            names = "+".join(t.member.name for t in tasks if t.member is not None) if tasks else ""
            out.append((rep, case.id, case.workflow, node.id, node.kind, node.role,
                        names, enable, start, NAN, "open", node.priority))
        return out


def task_rows(rep: int, cid: int, wf: str, activity: str, kind: str, role: str, task: Task,
              enable: float, end: float, outcome: str, priority: int) -> list[Row]:
    """The records of one staff task. A task cut short by preemption leaves
    one record per stretch of work (outcome ``preempted`` for all but the
    last), each enabled when the one before was interrupted: busy time, waits
    and a member's concurrency then add up as they happened."""
    rows: list[Row] = []
    start = task.start
    if task.stretches:
        for name, a, b in task.stretches:
            rows.append((rep, cid, wf, activity, kind, role, name, enable, a, b, "preempted",
                         priority))
            enable = b
        start = task.resumed  # NaN while it waits in line again
    name = task.member.name if task.member is not None and start == start else ""
    rows.append((rep, cid, wf, activity, kind, role, name, enable, start, end, outcome, priority))
    return rows


def start_case(ctx: Context, case: Case, nodes: list[Node]) -> None:
    """Run ``case`` now, up to its first wait."""
    drive(run_case(ctx, case, nodes))


def run_case(ctx: Context, case: Case, nodes: list[Node]) -> Generator:
    """A case from start to end, as one generator driven by ``signals.drive``.

    Branches push the step list they leave on an explicit stack instead of
    recursing, and plain work and waits run inline: every resume of a case
    then wakes one generator frame, not a chain of them (the hot path).
    """
    resume = yield  # the generator's own ``send``: the callback of each wait
    env = ctx.env
    park = ctx.park
    append = ctx.append
    rep, cid, wf = ctx.replication, case.id, case.workflow
    t0 = env.now
    append((rep, cid, wf, "case_start", "case", "", "", t0, t0, t0, "done", 0))
    # The step lists left for a branch, as linked tuples (nodes, i, rounds,
    # outer): nothing is allocated for it while the case waits outside one.
    stack: tuple | None = None
    i, rounds, ended = 0, None, False
    while True:
        if i >= len(nodes):
            if stack is None:
                break
            nodes, i, rounds, stack = stack
            i += 1  # past the branch step that was left
            continue
        node = nodes[i]
        kind = node.kind
        if kind == "work":
            enable = env.now
            patience = node.patience() if node.patience is not None else None
            task = node.pool.submit(node.draw(), node.priority, patience, resume)
            case.node, case.enable, case.tasks = node, enable, task
            yield
            case.node = None
            if task.abandoned:  # the customer left unserved
                append((rep, cid, wf, node.id, kind, node.role, "", enable, NAN, env.now,
                        "abandoned", node.priority))
                ended = True
                break
            if task.stretches is None:  # task_rows' common case, inline on the hot path
                append((rep, cid, wf, node.id, kind, node.role, task.member.name, enable,
                        task.start, env.now, "done", node.priority))
            else:
                ctx.records.extend(task_rows(rep, cid, wf, node.id, kind, node.role, task, enable,
                                             env.now, "done", node.priority))
        elif kind == "wait":
            enable = env.now
            case.node, case.enable, case.tasks = node, enable, ()
            park(node.draw(), resume)
            yield
            case.node = None
            append((rep, cid, wf, node.id, kind, node.role, "", enable, enable, env.now, "done",
                    node.priority))
        elif kind == "milestone":
            if _milestone(ctx, case, node):
                ended = True
                break
        elif kind == "branch":
            stack = (nodes, i, rounds, stack)
            nodes, i, rounds = _choose(ctx, case, node), 0, None
            continue
        elif kind == "approval":
            rounds = rounds if rounds is not None else {}
            done = rounds.get(i, 0)
            rejected = node.u() < node.reject_p
            if rejected and done >= node.max_rounds:
                outcome = "forced"
            else:
                outcome = "rejected" if rejected else "approved"
            yield from _approval(ctx, case, node, outcome, resume)
            if outcome == "rejected":
                rounds[i] = done + 1
                i = node.rework
                continue
        elif kind == "meeting":
            yield from _meeting(ctx, case, node, resume)
        elif kind == "contest":
            yield from _contest(ctx, case, node, resume)
        elif kind == "scheduled":
            yield from _scheduled(ctx, case, node, resume)
        i += 1
    t1 = env.now
    ctx.live.pop(cid, None)  # None: a case built by hand, never registered
    append((rep, cid, wf, "case_end", "case", "", "", t1, t1, t1, "ended" if ended else "done", 0))
    del resume  # see ``signals.drive``: never return
    yield


def _approval(ctx: Context, case: Case, node: Node, outcome: str, resume: Callable) -> Generator:
    """The approver's review (no patience: approvals are internal work)."""
    enable = ctx.env.now
    task = node.pool.submit(node.draw(), node.priority, None, resume)
    case.node, case.enable, case.tasks = node, enable, task
    yield
    case.node = None
    ctx.records.extend(task_rows(ctx.replication, case.id, case.workflow, node.id, node.kind,
                                 node.role, task, enable, ctx.env.now, outcome, node.priority))


def _milestone(ctx: Context, case: Case, node: Node) -> bool:
    now = ctx.env.now
    ctx.records.append((ctx.replication, case.id, case.workflow, node.id, "milestone", "",
                              "", now, now, now, "done", node.priority))
    hook = ctx.hooks.get((case.workflow, node.id))
    if hook is not None:
        hook(case)
    if node.starts is not None:
        ctx.start_soon(node.starts)
    return bool(node.end_case)


def _choose(ctx: Context, case: Case, node: Node) -> list[Node]:
    if node.by == "probability":
        u = node.u()
        name, sub = node.cases[-1][1], node.cases[-1][2]
        for acc, case_name, steps in node.cases:
            if u < acc:
                name, sub = case_name, steps
                break
    else:
        a = case.attrs
        if node.by == "aftersales_table":
            name = ctx.aftersales.decide(a["kind"], a["fault"], a["resalable"])
        elif node.by == "refund_table":
            name = ctx.aftersales.refund_action(a["trade_status"])
        else:
            name = str(a[node.attribute])
        sub = node.actions[name]
    now = ctx.env.now
    ctx.records.append((ctx.replication, case.id, case.workflow, node.id, "branch", "", "",
                              now, now, now, name, node.priority))
    return sub


def _meeting(ctx: Context, case: Case, node: Node, resume: Callable) -> Generator:
    env = ctx.env
    enable = env.now
    tasks: list = []
    held: list = []
    case.node, case.enable, case.tasks = node, enable, tasks
    for pool, n in node.attendees:
        batch = [pool.acquire(HOLD_PRIORITY) for _ in range(n)]
        tasks.extend(batch)
        held.extend([pool] * n)
        env.all_of([t.done for t in batch]).callbacks.append(resume)
        yield
    start = env.now
    timeout(env, node.draw(), resume)
    yield
    case.node = None
    for pool, task in zip(held, tasks):
        pool.release(task)
    names = "+".join(t.member.name for t in tasks)
    ctx.records.append((ctx.replication, case.id, case.workflow, node.id, "meeting", node.role,
                        names, enable, start, env.now, "done", node.priority))


def _contest(ctx: Context, case: Case, node: Node, resume: Callable) -> Generator:
    env = ctx.env
    enable = env.now
    tasks = node.pool.submit_distinct([node.draw() for _ in range(node.entrants)], node.priority)
    case.node, case.enable, case.tasks = node, enable, tuple(tasks)
    env.all_of([t.done for t in tasks]).callbacks.append(resume)
    yield
    case.node = None
    for t in tasks:
        ctx.records.extend(task_rows(ctx.replication, case.id, case.workflow, node.id, "contest",
                                     node.role, t, enable, t.end, "entry", node.priority))
    judged = env.now
    task = node.judge.submit(node.judge_draw(), node.priority, None, resume)
    case.node, case.enable, case.tasks = node, judged, task
    yield
    case.node = None
    ctx.records.extend(task_rows(ctx.replication, case.id, case.workflow, node.id, "contest",
                                 node.judge.role, task, judged, env.now, "selected",
                                 node.priority))


def _scheduled(ctx: Context, case: Case, node: Node, resume: Callable) -> Generator:
    env = ctx.env
    now = env.now
    target = _moment(ctx, case, node, now)
    case.node, case.enable, case.tasks = node, now, ()
    ctx.parking.timeout(max(0.0, target - now), resume)
    yield
    case.node = None
    ctx.records.append((ctx.replication, case.id, case.workflow, node.id, "scheduled", "", "",
                        now, now, env.now, "done", node.priority))


def _moment(ctx: Context, case: Case, node: Node, now: float) -> float:
    """The time a scheduled step waits for: the case's own attribute, or the
    next ``at`` o'clock (on a working day when the step says so)."""
    if node.attribute is not None:
        return float(case.attrs.get(node.attribute, now))
    day = int(now // 24)
    if day * 24 + node.at < now - 1e-9:
        day += 1
    while node.working_only and not ctx.working_day(day):
        day += 1
    return day * 24 + node.at
