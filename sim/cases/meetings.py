"""Steps that gather several people: meetings, contests ("PK") and work
done per item of a batch.

Each waits more than once (every attendee, then the meeting; every entrant,
then the judge; every item), so each runs as a generator driven by ``kernel.events.drive``
rather than as a state of its case (``interpreter.Case``). They are rare
next to plain work. A gathering ends by handing its case to ``then`` (the
interpreter's next step) and never returns (see ``kernel.events.drive``).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sim.cases.rows import CONTEST, DONE, ENTRY, MEETING, SELECTED, WORK, row, task_rows
from sim.cases.steps import Node
from sim.kernel.events import Driven, timeout

if TYPE_CHECKING:
    from sim.cases.interpreter import Case, Context

#: Every request that holds a person while waiting for others (meetings,
#: team duties) uses one priority, so such requests are served first come
#: first served within a pool; with roles acquired in sorted order this rules
#: out deadlock between meetings.
HOLD_PRIORITY = 3
Hook = Callable[["Case"], None]


def meeting(ctx: Context, case: Case, node: Node, then: Hook) -> Driven:
    """A meeting: hold every attendee, role by role, then meet (driven by
    ``kernel.events.drive``; several waits, so a generator of its own)."""
    resume = yield
    env = ctx.env
    enable = env.now
    tasks: list = []
    held: list = []
    case.node, case.enable, case.tasks = node, enable, tasks
    for pool, n in node.attendees:
        batch = [pool.acquire(HOLD_PRIORITY) for _ in range(n)]
        tasks.extend(batch)
        held.extend([pool] * n)
        # SimPy types its events as Event; a Signal is one to it (and a hold's done is set).
        env.all_of([t.done for t in batch]).callbacks.append(resume)  # type: ignore[misc]
        yield
    start = env.now
    timeout(env, node.draw(), resume)
    yield
    del resume  # see ``kernel.events.drive``: never return
    case.node = None
    for pool, task in zip(held, tasks):
        pool.release(task)
    names = ctx.code("+".join(t.member.name for t in tasks))
    ctx.records.append(row(ctx.replication, case.id, node.wf_code, node.id_code, MEETING,
                           node.role_code, names, enable, start, env.now, DONE, node.priority))
    then(case)
    yield


def contest(ctx: Context, case: Case, node: Node, then: Hook) -> Driven:
    """Entrants work at once on different members, then the judge picks
    (driven by ``kernel.events.drive``)."""
    resume = yield
    env = ctx.env
    enable = env.now
    tasks = node.pool.submit_distinct([node.draw() for _ in range(node.entrants)], node.priority)
    case.node, case.enable, case.tasks = node, enable, tuple(tasks)
    env.all_of([t.done for t in tasks]).callbacks.append(resume)  # type: ignore[misc]  # as above
    yield
    case.node = None
    for t in tasks:
        ctx.records.extend(task_rows(ctx.replication, case.id, node.wf_code, node.id_code, CONTEST,
                                     node.role_code, t, enable, t.end, ENTRY, node.priority,
                                     ctx.code))
    judged = env.now
    task = node.judge.submit(node.judge_draw(), node.priority, None, resume)
    case.node, case.enable, case.tasks = node, judged, task
    yield
    del resume
    case.node = None
    ctx.records.extend(task_rows(ctx.replication, case.id, node.wf_code, node.id_code, CONTEST,
                                 ctx.code(node.judge.role), task, judged, env.now, SELECTED,
                                 node.priority, ctx.code))
    then(case)
    yield


def items_of(attrs: dict) -> int:
    """Items in a case's batch: its ``items``, or one for a case without a batch."""
    return int(attrs.get("items", 1))


def items_work(ctx: Context, case: Case, node: Node, then: Hook) -> Driven:
    """A work step done once per item of the case's batch: the tasks go to
    the role's line at once, any free member takes the next, and the step
    ends when the last is done (driven by ``kernel.events.drive``)."""
    resume = yield
    env = ctx.env
    enable = env.now
    tasks = [node.pool.submit(node.draw(), node.priority, shared=node.shared)
             for _ in range(items_of(case.attrs))]
    case.node, case.enable, case.tasks = node, enable, tuple(tasks)
    env.all_of([t.done for t in tasks]).callbacks.append(resume)  # type: ignore[misc]  # as above
    yield
    del resume
    case.node = None
    for t in tasks:
        ctx.records.extend(task_rows(ctx.replication, case.id, node.wf_code, node.id_code, WORK,
                                     node.role_code, t, enable, t.end, DONE, node.priority,
                                     ctx.code))
    then(case)
    yield
