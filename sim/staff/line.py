"""The line of tasks waiting for a member of one pool.

Served by priority (smaller first), then first come first served: FIFOs
per priority level. A binary heap of ``(priority, seq, task)`` gives the same
order, but its pushes and pops walk a tree of scattered tuples whose depth
grows with the line; on Double 11 the warehouse and customer-service lines
hold thousands of tasks (tens of thousands at 10x the volume), so every
dispatch paid for the backlog. Here push and pop cost the same at any length.

Each level keeps two FIFOs, the shared conversations and the tasks that take
the whole member, and serves the earlier of their heads: the same order as
one FIFO, and a member that has just done whole-member work finds the next
such task of the most urgent level at once (``pop_whole``), however many
chats wait before it.

Tasks carry ``priority``, ``seq`` (their arrival order in the pool) and
``shared``.
"""
from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Iterable
from typing import Any


class WaitingLine:
    """FIFOs per priority level; ``size`` counts every task still in line."""
    __slots__ = ("levels", "order", "size")

    def __init__(self) -> None:
        #: priority -> (shared conversations, whole-member tasks), each in arrival order.
        self.levels: dict[int, tuple[deque, deque]] = {}
        #: Priority levels seen so far, most urgent first.
        self.order: list[int] = []
        self.size = 0

    def __len__(self) -> int:
        return self.size

    def _fifo(self, task: Any) -> deque:
        level = self.levels.get(task.priority)
        if level is None:
            level = self.levels[task.priority] = (deque(), deque())
            bisect.insort(self.order, task.priority)
        return level[0] if task.shared else level[1]

    def push(self, task: Any) -> None:
        """A new arrival: to the back of its priority level."""
        self._fifo(task).append(task)
        self.size += 1

    def pop(self) -> Any:
        """The most urgent, earliest task (the line must not be empty)."""
        levels = self.levels
        for p in self.order:
            shared, whole = levels[p]
            if shared:
                self.size -= 1
                if whole and whole[0].seq < shared[0].seq:
                    return whole.popleft()
                return shared.popleft()
            if whole:
                self.size -= 1
                return whole.popleft()
        raise IndexError("pop from an empty WaitingLine")

    def head(self) -> Any:
        """The task ``pop`` would return, left in line (None if empty)."""
        levels = self.levels
        for p in self.order:
            shared, whole = levels[p]
            if shared:
                return whole[0] if whole and whole[0].seq < shared[0].seq else shared[0]
            if whole:
                return whole[0]
        return None

    def pop_shared(self) -> Any:
        """The earliest conversation of the most urgent level that holds
        one, taken out of line (the whole-member tasks before it passed
        over); None if no conversation waits."""
        levels = self.levels
        for p in self.order:
            shared = levels[p][0]
            if shared:
                self.size -= 1
                return shared.popleft()
        return None

    def pop_whole(self) -> Any:
        """The earliest whole-member task of the most urgent level that
        holds any task, taken out of line; None if that level holds only
        conversations (or the line is empty)."""
        levels = self.levels
        for p in self.order:
            shared, whole = levels[p]
            if whole:
                self.size -= 1
                return whole.popleft()
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
        level = self.levels.get(task.priority)
        if level is None:
            return False
        try:
            level[0 if task.shared else 1].remove(task)
        except ValueError:
            return False
        self.size -= 1
        return True
