"""The line of tasks waiting for a member of one pool.

Served by priority (smaller first), then first come first served: one FIFO
per priority level. A binary heap of ``(priority, seq, task)`` gives the same
order, but its pushes and pops walk a tree of scattered tuples whose depth
grows with the line; on Double 11 the warehouse and customer-service lines
hold thousands of tasks (tens of thousands at 10x the volume), so every
dispatch paid for the backlog. Here push and pop cost the same at any length.

Tasks carry ``priority`` and ``seq`` (their arrival order in the pool).
"""
from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Iterable
from typing import Any


class WaitingLine:
    """FIFO per priority level; ``size`` counts every task still in line."""
    __slots__ = ("levels", "order", "size")

    def __init__(self) -> None:
        self.levels: dict[int, deque] = {}
        #: Priority levels seen so far, most urgent first.
        self.order: list[int] = []
        self.size = 0

    def __len__(self) -> int:
        return self.size

    def _level(self, priority: int) -> deque:
        level = self.levels.get(priority)
        if level is None:
            level = self.levels[priority] = deque()
            bisect.insort(self.order, priority)
        return level

    def push(self, task: Any) -> None:
        """A new arrival: to the back of its priority level."""
        level = self.levels.get(task.priority)
        if level is None:
            level = self._level(task.priority)
        level.append(task)
        self.size += 1

    def pop(self) -> Any:
        """The most urgent, earliest task (the line must not be empty)."""
        levels = self.levels
        for p in self.order:
            level = levels[p]
            if level:
                self.size -= 1
                return level.popleft()
        raise IndexError("pop from an empty WaitingLine")

    def head(self) -> Any:
        """The task ``pop`` would return, left in line (None if empty)."""
        levels = self.levels
        for p in self.order:
            level = levels[p]
            if level:
                return level[0]
        return None

    def put_back(self, tasks: Iterable[Any]) -> None:
        """Tasks just popped, in the order they were popped, back at the
        front of their levels (as if never taken)."""
        for task in reversed(list(tasks)):
            self._level(task.priority).appendleft(task)
            self.size += 1

    def insert(self, task: Any) -> None:
        """A task that waited before (a preempted one): back in its level at
        its arrival position. Rare, so a linear scan is fine."""
        level = self._level(task.priority)
        i = next((j for j, other in enumerate(level) if other.seq > task.seq), len(level))
        level.insert(i, task)
        self.size += 1

    def remove(self, task: Any) -> bool:
        """Take ``task`` out of the line (a case the platform's timer moved
        on: ``sim.cases.timers``); False if it is not in line. The tasks a
        timer withdraws waited longest, near the front of their level."""
        level = self.levels.get(task.priority)
        if level is None:
            return False
        try:
            level.remove(task)
        except ValueError:
            return False
        self.size -= 1
        return True
