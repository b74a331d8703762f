"""The line of tasks waiting for a member of one pool.

Served by priority (smaller first), then first come first served: FIFOs
per priority level. A binary heap of ``(priority, seq, task)`` gives the same
order, but its pushes and pops walk a tree of scattered tuples whose depth
grows with the line; on Double 11 the warehouse and customer-service lines
hold thousands of tasks (tens of thousands at 10x the volume), so every
dispatch paid for the backlog. Here push and pop cost the same at any length.

Each level keeps three FIFOs, the shared conversations, the short
whole-member tasks a member holding conversations may time-share
(``brief``: work of at most ``brief`` hours, the role's
``interleave_up_to_minutes``) and the other whole-member tasks, and
serves the earliest of their heads: the same order as one FIFO. A member
that has just done whole-member work finds the next such task of the most
urgent level at once (``pop_whole``), and a member holding conversations
the next task it may take (``pop_light``), however many tasks it may not
take wait before it.

Tasks carry ``priority``, ``seq`` (their arrival order in the pool),
``shared`` and ``work`` (None for a hold).
"""
from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Iterable
from typing import Any


class WaitingLine:
    """FIFOs per priority level; ``size`` counts every task still in line."""
    __slots__ = ("levels", "order", "size", "brief")

    def __init__(self, brief: float = -1.0) -> None:
        #: priority -> (shared conversations, brief whole-member tasks, other
        #: whole-member tasks), each in arrival order.
        self.levels: dict[int, tuple[deque, deque, deque]] = {}
        #: Priority levels seen so far, most urgent first.
        self.order: list[int] = []
        self.size = 0
        #: Hours of work up to which a whole-member task is brief (negative: none is).
        self.brief = brief

    def __len__(self) -> int:
        return self.size

    def is_brief(self, task: Any) -> bool:
        """A whole-member task short enough for a member holding
        conversations to do between their messages (``StaffPool``)."""
        return self.brief >= 0 and not task.shared and task.work is not None and (
            task.work <= self.brief)

    def _fifo(self, task: Any) -> deque:
        level = self.levels.get(task.priority)
        if level is None:
            level = self.levels[task.priority] = (deque(), deque(), deque())
            bisect.insort(self.order, task.priority)
        if task.shared:
            return level[0]
        if self.brief < 0:  # no task is brief (and tasks need no ``work``)
            return level[2]
        return level[1] if task.work is not None and task.work <= self.brief else level[2]

    def push(self, task: Any) -> None:
        """A new arrival: to the back of its priority level."""
        self._fifo(task).append(task)
        self.size += 1

    def pop(self) -> Any:
        """The most urgent, earliest task (the line must not be empty)."""
        levels = self.levels
        for p in self.order:
            shared, brief, other = levels[p]
            # The earliest head of the level (inline: the engine's hottest call).
            best = shared if shared else None
            if brief and (best is None or brief[0].seq < best[0].seq):
                best = brief
            if other and (best is None or other[0].seq < best[0].seq):
                best = other
            if best is not None:
                self.size -= 1
                return best.popleft()
        raise IndexError("pop from an empty WaitingLine")

    def head(self) -> Any:
        """The task ``pop`` would return, left in line (None if empty)."""
        levels = self.levels
        for p in self.order:
            fifo = _earliest(levels[p])
            if fifo is not None:
                return fifo[0]
        return None

    def pop_light(self, brief_ok: bool = True) -> Any:
        """The earliest conversation or brief task of the most urgent level
        that holds one, taken out of line (the other whole-member tasks
        before it passed over); None if none waits: what a member holding
        conversations may take. ``brief_ok`` False: conversations only (a
        brief task nobody holding conversations could take waits, and those
        behind it with it)."""
        levels = self.levels
        for p in self.order:
            shared, brief, _ = levels[p]
            if not brief_ok:
                if shared:
                    self.size -= 1
                    return shared.popleft()
                continue
            if shared or brief:
                self.size -= 1
                if brief and (not shared or brief[0].seq < shared[0].seq):
                    return brief.popleft()
                return shared.popleft()
        return None

    def pop_whole(self) -> Any:
        """The earliest whole-member task of the most urgent level that
        holds any task, taken out of line; None if that level holds only
        conversations (or the line is empty)."""
        levels = self.levels
        for p in self.order:
            shared, brief, other = levels[p]
            if brief or other:
                self.size -= 1
                if brief and (not other or brief[0].seq < other[0].seq):
                    return brief.popleft()
                return other.popleft()
            if shared:
                return None
        return None

    def put_back(self, tasks: Iterable[Any]) -> None:
        """Tasks just popped, in the order they were popped, back at the
        front of their levels (as if never taken)."""
        for task in reversed(list(tasks)):
            self._fifo(task).appendleft(task)
            self.size += 1

    def insert(self, task: Any) -> None:
        """A task that waited before (a preempted one): back in its level at
        its arrival position. Rare, so a linear scan is fine."""
        fifo = self._fifo(task)
        i = next((j for j, other in enumerate(fifo) if other.seq > task.seq), len(fifo))
        fifo.insert(i, task)
        self.size += 1

    def remove(self, task: Any) -> bool:
        """Take ``task`` out of the line (a case the platform's timer moved
        on: ``sim.cases.timers``; a claimed member's task); False if it is
        not in line. The tasks a timer withdraws waited longest, near the
        front of their level."""
        if task.priority not in self.levels:
            return False
        try:
            self._fifo(task).remove(task)
        except ValueError:
            return False
        self.size -= 1
        return True


def _earliest(level: tuple[deque, deque, deque]) -> deque | None:
    """The FIFO of a level whose head came first (None if all are empty)."""
    shared, brief, other = level
    best = shared if shared else None
    if brief and (best is None or brief[0].seq < best[0].seq):
        best = brief
    if other and (best is None or other[0].seq < best[0].seq):
        best = other
    return best
