"""Staff tasks: what a pool queues, assigns and times.

A task is anything with the task fields (``TASK_FIELDS``): a :class:`Task`,
made per request, or a case that is its own task while it waits on staff
(``interpreter.Case``, which has the same fields as slots). At Double 11
volumes tens of thousands of cases wait in line at once; a case that is its
own task is one object per waiting customer instead of two, and the line
brings the case's memory into the cache when it is served, not a separate
task that the case then has to follow.

A task that names no completion object of its own is timed by a
:class:`TaskTimer`. A case in a pool without preemption is its own timer
(``own_timer``): it waits as its own SimPy event, as it does for outside
waits, and no object is made for the completion. Patience is a task's
``deadline``, checked when the line reaches it (``StaffPool.submit``).
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

import simpy

from sim.kernel.events import Signal, fire_in

if TYPE_CHECKING:
    from sim.staff.member import Member
    from sim.staff.pool import StaffPool



class StaffTask(Protocol):
    """What a pool reads and writes on a task: the ``TASK_FIELDS``, ``done``,
    ``distinct`` and ``own_timer``. A :class:`Task` and a case that is its own
    task (``interpreter.Case``) both have them; the types say what each field
    holds while the task is in a pool (see ``Task.__init__``)."""
    pool: StaffPool
    work: float | None
    priority: int
    seq: int
    #: Called with the task itself (``Any``: a case's waiter takes a case).
    waiter: Callable[[Any], object] | None
    member: Member | None
    start: float
    end: float
    timer: Signal | None
    resumed: float
    abandoned: bool
    stretches: list[tuple[str, float, float]] | None
    deadline: float
    done: Signal | None
    distinct: set[Member] | None
    own_timer: bool
    #: A conversation sharing the member's attention up to the pool's
    #: concurrency; else the task takes the whole member.
    shared: bool
    #: When it asked the pool for a member (``claims``: how long it waited).
    asked: float
    #: Hours a conversation has been paused so far for brief whole-member
    #: work of its member (``claims.time_share``), held within the role's
    #: ``interleave_up_to_minutes`` (``claims.may_share``).
    paused: float


#: What a pool reads and writes on a task, besides ``done``, ``distinct`` and
#: ``own_timer`` (class attributes of a case): the slots a task and a case
#: share, named once, by the protocol.
TASK_FIELDS: tuple[str, ...] = tuple(
    name for name in StaffTask.__annotations__ if name not in ("done", "distinct", "own_timer"))


class Task:
    """A request for one member: ``work`` hours, or a hold (``work`` None)
    released by the caller (meetings)."""
    __slots__ = TASK_FIELDS + ("done", "distinct")
    #: A task made per request is timed by a TaskTimer.
    own_timer = False

    def __init__(self, pool: StaffPool, env: simpy.Environment, work: float | None,
                 priority: int, seq: int, shared: bool = False) -> None:
        self.pool = pool
        self.work = work
        self.priority = priority
        self.seq = seq
        self.shared = shared
        self.asked = env.now
        #: What the caller waits on, unless it gave a ``waiter`` (then None
        #: for good). For work that starts at once it is the completion
        #: timer itself (one event instead of two); otherwise an event fired
        #: at completion (set by the pool after enqueueing).
        self.done: Signal | None = Signal(env) if work is None else None
        #: Called with the task when it is done or abandoned, in place of
        #: ``done`` (a driven generator's ``send``: no event of its own, see
        #: ``StaffPool.submit``; a case that is its own task has
        #: ``interpreter._staff_done``).
        self.waiter: Callable[[Any], object] | None = None
        self.member: Member | None = None
        self.start = math.nan
        self.end = math.nan
        #: The completion timer in force; a preempted task's old timer is
        #: stale and ignored when it fires.
        self.timer: Signal | None = None
        self.resumed = math.nan
        self.abandoned = False
        #: Members already taken by sibling tasks that must go to different
        #: people (the entrants of a contest), shared among the siblings.
        self.distinct: set[Member] | None = None
        #: Stretches of work cut short by preemption: (member name, start,
        #: end). ``resumed`` is NaN while a preempted task waits in line.
        self.stretches: list[tuple[str, float, float]] | None = None
        #: When the customer leaves the line if nobody has started the task
        #: by then (patience; ``StaffPool.submit``).
        self.deadline = math.inf
        self.paused = 0.0


def reset(task: StaffTask, pool: StaffPool, work: float, priority: int, seq: int,
          waiter: Callable[[Any], object], shared: bool) -> None:
    """Make ``task`` (a case that is its own task) a fresh request, as
    ``Task.__init__`` would, with its ``waiter``."""
    task.pool = pool
    task.work = work
    task.priority = priority
    task.seq = seq
    task.shared = shared
    task.asked = pool.env.now
    task.waiter = waiter
    task.member = task.timer = task.stretches = None
    task.start = task.end = task.resumed = math.nan
    task.abandoned = False
    task.paused = 0.0


class TaskTimer(Signal):
    """A timer that knows its task: its callbacks are one shared tuple, so a
    timer is one object, not a signal, a tuple and a bound method."""
    __slots__ = ("task",)
    task: StaffTask | None


def _completion_due(timer: TaskTimer) -> None:
    task, timer.task = timer.task, None  # no task <-> timer cycle left behind
    # None or another timer: the stale timer of a preempted stretch.
    if task is not None and task.timer is timer:
        task.timer = None
        task.pool._complete(task, timer)


def _own_completion_due(task: StaffTask) -> None:
    # A case timed by itself: only in pools without preemption, so never stale.
    task.timer = None
    task.pool._complete(task, task)


COMPLETION = (_completion_due,)
OWN_COMPLETION = (_own_completion_due,)


def task_timer(env: simpy.Environment, task: StaffTask, delay: float,
               callbacks: tuple | list) -> TaskTimer:
    timer = TaskTimer(env)
    timer.task = task
    return fire_in(timer, delay, callbacks)

