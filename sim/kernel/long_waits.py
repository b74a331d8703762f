"""Long waits kept in hour buckets outside SimPy's event heap.

Couriers, after-sales lags and pre-sale balance payments keep a case waiting
for days. As plain timeouts they would all sit in SimPy's heap, which then
grows with the order volume (15,000 entries at 10x Double 11) and makes every
event of the run dearer: each push and pop walks a deeper heap of scattered
objects. Here such a wait is an unscheduled event filed under the hour it
ends in; an hour ahead of that hour the bucket is handed to SimPy, each event
scheduled for its own exact time. The heap then holds about two hours of
waits whatever the volume, and the run keeps its cost per event.

Waits that end within the hour and the one after go to SimPy directly.
Events that end at the same moment keep the order in which they were parked.
"""
from __future__ import annotations

from array import array
from collections.abc import Callable, Generator
from typing import Any

import simpy

from sim.kernel.events import Signal, fire_in


class LongWaits:
    """Timeouts for one environment, long ones bucketed by ``width`` hours."""

    def __init__(self, env: simpy.Environment, width: float = 1.0) -> None:
        if not width > 0:
            raise ValueError('"width" must be > 0.')
        self.env = env
        self.width = width
        #: Buckets with a smaller index are already in SimPy's heap.
        self.released = 2
        #: Per hour: the due times (raw doubles) and the signals, in the
        #: order parked; no tuple or float object per wait.
        self.buckets: dict[int, tuple[array, list[Signal]]] = {}
        #: Set while nothing is parked: the releaser sleeps on it instead of
        #: waking every hour (a run that parks nothing pays nothing).
        self._idle: simpy.Event | None = None
        env.process(self._release())

    def timeout(self, delay: float, callback: Callable[[Any], object] | None = None) -> Signal:
        """An event that fires ``delay`` hours from now (like ``env.timeout``),
        with its one ``callback`` if given (see ``events.timeout``)."""
        event = Signal(self.env)
        if callback is not None:
            event.callbacks = (callback,)
        return self.put(event, delay)

    def put(self, event: Signal, delay: float) -> Signal:
        """Make ``event`` (a signal not in SimPy's heap, its callbacks set) a
        timeout ``delay`` hours from now. A case waits this way as its own
        signal, with no object made for the wait."""
        env = self.env
        if delay < 0:
            raise ValueError(f"Negative delay {delay}")
        if self._idle is not None:
            # Nothing parked and the releaser asleep: catch its hand-over
            # point up with the clock, so short waits go straight to SimPy
            # (in the order they are asked for, like plain timeouts).
            self.released = max(self.released, int(env.now // self.width) + 2)
        t = env.now + delay
        k = int(t // self.width)
        if k < self.released:
            return fire_in(event, delay)
        bucket = self.buckets.get(k)
        if bucket is None:
            self.buckets[k] = bucket = (array("d"), [])
        bucket[0].append(t)
        bucket[1].append(event)
        if self._idle is not None:
            self._idle.succeed()
            self._idle = None
        return event

    def pending(self) -> int:
        """Parked waits not yet handed to SimPy."""
        return sum(len(b[1]) for b in self.buckets.values())

    def _release(self) -> Generator:
        env, width, buckets = self.env, self.width, self.buckets
        while True:
            if not buckets:
                self._idle = env.event()
                yield self._idle  # ``released`` was brought up to date by timeout()
            # Bucket k is handed over at the start of bucket k - 1, so by the
            # time any of its events is due the whole bucket is in the heap.
            at = (self.released - 1) * width
            if at > env.now:
                yield env.timeout(at - env.now)
            bucket = buckets.pop(self.released, None)
            self.released += 1
            if bucket is None:
                continue
            now = env.now
            for t, event in zip(*bucket):
                fire_in(event, t - now)
