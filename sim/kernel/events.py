"""Lean SimPy events for the engine's hot path.

SimPy's ``Event`` keeps its attributes in a per-instance dict (in CPython
3.11 a second allocation beside the object), and a case run as a SimPy
``Process`` costs a process object, an ``Initialize`` event, a termination
event and a bound method per wait. At Double 11 volumes those objects are
most of what a case holds while it waits for hours or days, and every one
is a cache miss when it wakes. A ``Signal`` is the same event in one
slotted object: SimPy's environment, processes and conditions use it as
they use their own events (they read only ``env``, ``callbacks``, ``_ok``
and ``_value``). It can only succeed (no ``fail``, ``trigger`` or ``&``/``|``).
A signal made with its one callback (``timeout(..., callback)``, ``soon``)
keeps it in a tuple: nothing else may wait on it, a Process included.
"""
from __future__ import annotations

from collections.abc import Callable, Generator
from heapq import heappush
from typing import Any, TypeVar

import simpy
from simpy.core import NORMAL, URGENT
from simpy.events import PENDING, EventPriority

S = TypeVar("S", bound="Signal")
#: A generator run by ``drive``: it yields nothing and is sent its callbacks' values.
Driven = Generator[None, Any, None]


class Signal:
    """An event: pending until ``succeed``, processed when SimPy has run its
    ``callbacks`` (each called with the signal)."""
    __slots__ = ("env", "callbacks", "_ok", "_value")

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self.callbacks: list | tuple | None = []
        self._ok = True
        self._value: Any = PENDING

    @property
    def triggered(self) -> bool:
        return self._value is not PENDING

    @property
    def processed(self) -> bool:
        return self.callbacks is None

    @property
    def ok(self) -> bool:
        return self._ok

    @property
    def value(self) -> Any:
        if self._value is PENDING:
            raise AttributeError(f"Value of {self} is not yet available")
        return self._value

    def succeed(self, value: Any = None) -> Signal:
        if self._value is not PENDING:
            raise RuntimeError(f"{self} has already been triggered")
        self._value = value
        # SimPy types the event as its Event; a Signal is one to SimPy's loop.
        self.env.schedule(self)  # type: ignore[arg-type]
        return self

    def __repr__(self) -> str:
        return f"<Signal at {id(self):#x}>"


def at_rest(signal: Signal, env: simpy.Environment) -> None:
    """Initialise ``signal`` (a subclass's instance, e.g. a case) as not
    waiting: no callbacks and a value, so it reads as already processed
    until ``fire_in`` makes it a timeout (SimPy clears the callbacks again
    when it fires)."""
    signal.env = env
    signal.callbacks = None
    signal._ok = True
    signal._value = None


def fire_in(signal: S, delay: float, callbacks: list | tuple | None = None,
            priority: EventPriority = NORMAL) -> S:
    """Make ``signal`` a timeout: successful, due ``delay`` hours from now,
    with ``callbacks`` if given (a shared tuple costs no object per signal)."""
    if callbacks is not None:
        signal.callbacks = callbacks
    signal._value = None
    # ``env.schedule(signal, priority, delay)`` inline, the same entry in
    # SimPy's heap (the engine's most frequent call: 300,000 in a Double 11
    # replication, each a Python call the push does not need). SimPy types
    # its queue's entries as holding its own Event, hence the ignore.
    env = signal.env
    heappush(env._queue, (env._now + delay, priority, next(env._eid), signal))  # type: ignore[misc]
    return signal


def timeout(env: simpy.Environment, delay: float,
            callback: Callable[[Any], object] | None = None) -> Signal:
    """A signal that fires ``delay`` hours from now (``env.timeout``'s twin).

    Given its one ``callback`` up front, its callbacks are a tuple, not a
    list: one small object less per wait, and nothing can be added."""
    if delay < 0:
        raise ValueError(f"Negative delay {delay}")
    return fire_in(Signal(env), delay, (callback,) if callback is not None else None)


def soon(env: simpy.Environment, callback: Callable[[Any], object]) -> Signal:
    """A signal that fires at this moment, ahead of the moment's ordinary
    events, as SimPy starts a new process (its ``Initialize``)."""
    return fire_in(Signal(env), 0.0, (callback,), URGENT)


def drive(gen: Driven) -> None:
    """Run a generator that waits on signals without a SimPy ``Process``.

    The generator's first ``yield`` receives its own ``send``; from then on
    it waits by handing that on as the callback of a signal (or as a staff
    task's ``waiter``) and yielding, so SimPy resumes it directly. It must
    never return (the ``StopIteration`` would surface in SimPy's event
    loop): it ends on a final bare ``yield`` after dropping its ``send``,
    and is freed once nothing waits on it.
    """
    next(gen)
    gen.send(gen.send)
