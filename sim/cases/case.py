"""A case in flight (``Case``): where it is in its workflow, and its own
SimPy event and staff task while it waits (``sim.cases.interpreter`` runs
it)."""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sim.cases import timers
from sim.cases.steps import Node, StepRef
from sim.kernel.events import Signal, at_rest
from sim.staff.task import TASK_FIELDS, Task

if TYPE_CHECKING:
    from sim.cases.interpreter import Context
    from sim.staff.member import Member
    from sim.staff.pool import StaffPool

NAN = math.nan


class Case(Signal):
    """A case in flight, the signal it waits on when it waits alone, and its
    own staff task when it waits on staff.

    ``node`` is the step it is in (None between steps), enabled at
    ``enable``, with the staff ``tasks`` it waits on (None when the case is
    its own task: a work or approval step). Where it is in its workflow
    lives here too: the step list ``nodes`` and the index ``i`` in it, the
    ``stack`` of step lists left for a branch (linked tuples ``(nodes, i,
    rounds, outer)``), the approval ``rounds`` of the current list and the
    ``outcome`` an approval in progress will record. The task fields
    (``sim.staff.task.TASK_FIELDS``) describe its current work or approval step,
    and ``deadline`` when its customer leaves that step's line (patience:
    see ``StaffPool.take``).

    A case is not a generator: a suspended generator carries a frame of
    every local and its stack (about 480 bytes for a case), and every wake
    after hours in line touches most of it. Nor does it make a task object
    per step and a timer per task: at 10x Double 11 about 80,000 cases wait
    at once, most of them in the pools' lines, far more than the CPU's cache
    holds, and a case is then one object of 264 bytes that the line brings
    into the cache when it is served. It waits as its own SimPy event for
    outside waits (callbacks ``(_resumed,)``) and, in pools without
    preemption, for the end of its work; its ``waiter`` is ``_staff_done``.

    Only the engine schedules a case, one wait at a time: a case must never
    be yielded by a process or combined with other events (between waits
    it reads as already processed).
    """
    __slots__ = ("ctx", "id", "workflow", "attrs", "node", "enable", "tasks",
                 "nodes", "i", "stack", "rounds", "outcome", "timers", "divert") + TASK_FIELDS
    # The task fields, typed as ``sim.staff.task.StaffTask`` has them (a case
    # is one): slots set by ``StaffPool.take``, so declared here, not in __init__.
    pool: StaffPool
    work: float | None
    priority: int
    seq: int
    waiter: Callable[[Any], object] | None
    member: Member | None
    start: float
    end: float
    timer: Signal | None
    resumed: float
    abandoned: bool
    stretches: list[tuple[str, float, float]] | None
    deadline: float
    shared: bool
    asked: float
    paused: float
    #: Task fields that are always None for a case.
    done: Signal | None = None
    distinct: set[Member] | None = None
    #: Timed by itself in pools without preemption (``sim.staff.task``).
    own_timer = True

    def __init__(self, ctx: Context, case_id: int, workflow: str, attrs: dict) -> None:
        # Not waiting yet: each wait sets the callbacks and the value
        # (``fire_in``), and SimPy clears the callbacks when it fires.
        at_rest(self, ctx.env)
        self.ctx = ctx
        self.id = case_id
        self.workflow = workflow
        self.attrs = attrs
        self.node: StepRef | None = None
        self.enable = NAN
        self.tasks: Task | tuple | list | None = ()
        self.nodes: list[Node] = []
        self.i = 0
        self.stack: tuple | None = None
        self.rounds: dict[int, int] | None = None
        self.outcome = ""
        #: Platform timers (``sim.cases.timers``): window -> running clock; the path to take.
        self.timers: dict[str, timers.Due | tuple[float, timers.TimerRule] | None] | None = None
        self.divert: timers.TimerRule | None = None
        # The task fields are set by ``StaffPool.take`` at each staff step;
        # until then a case has none (``open_records`` reads them only
        # when ``tasks`` is None).

    def __repr__(self) -> str:
        step = self.node.id if self.node is not None else None
        return f"<Case {self.id} of {self.workflow!r} at step {step!r}>"
