"""Lean events (``sim.kernel.events``): SimPy takes them as its own, and a generator
driven without a Process runs as a process would and is freed when done."""
from __future__ import annotations

import gc
import weakref

import pytest
import simpy

from sim.kernel.events import Signal, drive, timeout


def test_a_simpy_process_waits_on_signals_and_timeouts() -> None:
    env = simpy.Environment()
    got = []
    signal = Signal(env)

    def proc(env):
        value = yield signal
        got.append((env.now, value))
        yield timeout(env, 2.5)
        got.append((env.now, None))

    env.process(proc(env))

    def fire(env):
        yield env.timeout(1.0)
        signal.succeed("member")

    env.process(fire(env))
    env.run()
    assert got == [(1.0, "member"), (3.5, None)]
    assert signal.triggered and signal.processed and signal.ok and signal.value == "member"


def test_all_of_waits_for_every_signal() -> None:
    env = simpy.Environment()
    signals = [timeout(env, d) for d in (3.0, 1.0, 2.0)]
    done = []

    def proc(env):
        yield env.all_of(signals)
        done.append(env.now)

    env.process(proc(env))
    env.run()
    assert done == [3.0]


def test_a_signal_fires_once_and_a_timeout_is_never_negative() -> None:
    env = simpy.Environment()
    signal = Signal(env)
    assert not signal.triggered
    with pytest.raises(AttributeError, match="not yet available"):
        _ = signal.value
    signal.succeed()
    with pytest.raises(RuntimeError, match="has already been triggered"):
        signal.succeed()
    with pytest.raises(ValueError, match="Negative delay -1"):
        timeout(env, -1)


def _waiter(env: simpy.Environment, log: list, delays: list[float]):
    resume = yield
    for d in delays:
        timeout(env, d).callbacks.append(resume)
        yield
        log.append(env.now)
    del resume
    yield


def test_a_driven_generator_wakes_at_the_same_times_as_a_process() -> None:
    delays = [0.5, 2.0, 0.0, 7.25]
    env = simpy.Environment()
    driven: list[float] = []
    drive(_waiter(env, driven, delays))

    def proc(env, log):
        for d in delays:
            yield env.timeout(d)
            log.append(env.now)

    plain: list[float] = []
    env.process(proc(env, plain))
    env.run()
    assert driven == plain == [0.5, 2.5, 2.5, 9.75]


def test_a_driven_generator_is_freed_when_it_ends_without_the_cyclic_collector() -> None:
    was = gc.isenabled()
    gc.disable()
    try:
        env = simpy.Environment()
        log: list[float] = []
        gen = _waiter(env, log, [1.0, 1.0])
        ref = weakref.ref(gen)
        drive(gen)
        del gen
        assert ref() is not None  # waiting: held by its signal's callbacks
        env.run()
        assert log == [1.0, 2.0]
        assert ref() is None  # freed by reference counting alone
        ended = _waiter(env, log, [])
        ref = weakref.ref(ended)
        drive(ended)
        del ended
        assert ref() is None  # never waited
    finally:
        if was:
            gc.enable()
