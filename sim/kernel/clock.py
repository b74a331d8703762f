"""SimPy's environment with the clock a plain attribute.

The engine reads the time about six times per event (a Double 11
replication: two million reads for 340,000 events), and SimPy's ``now`` is
a property: each read is a Python call (about 60 ns more than reading an
attribute, 4% of the run). ``Clock`` keeps the time in a slot, ``now``,
which its own ``step`` sets with SimPy's ``_now`` (which ``schedule`` and
``run`` read). Everything else is SimPy's: a ``Clock`` runs processes,
events and signals as SimPy's ``Environment`` does, in the same order.
"""
from __future__ import annotations

from heapq import heappop

import simpy
from simpy.core import EmptySchedule, SimTime, StopSimulation
from simpy.events import EventPriority


class Clock(simpy.Environment):
    """An environment whose ``now`` is read as an attribute, not a property."""
    # A slot in the subclass shadows the base class's ``now`` property.
    __slots__ = ("now",)
    #: SimPy's read-only property ``now``, here set by ``step``.
    now: SimTime

    def __init__(self, initial_time: SimTime = 0) -> None:
        super().__init__(initial_time)
        self.now = initial_time

    def step(self) -> None:
        """SimPy's ``Environment.step`` (4.1), which also sets ``now``."""
        try:
            self._now, _, _, event = heappop(self._queue)
        except IndexError:
            raise EmptySchedule from None
        self.now = self._now
        callbacks, event.callbacks = event.callbacks, None  # type: ignore[assignment]
        try:
            for callback in callbacks:
                callback(event)
        except StopSimulation:
            # As SimPy does: the remaining callbacks run when the simulation resumes.
            event.callbacks = callbacks[callbacks.index(callback) + 1:]
            self.schedule(event, EventPriority(-1))
            raise
        if not event._ok and not hasattr(event, "_defused"):
            # A failed event nobody defused crashes the run, as in SimPy.
            exc = type(event._value)(*event._value.args)
            exc.__cause__ = event._value
            raise exc
