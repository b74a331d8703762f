"""Parked waits (``sim.kernel.long_waits``) fire exactly when plain timeouts would, and
the waiting line (``sim.staff.line``) serves tasks in the order a heap of
``(priority, seq)`` would."""
from __future__ import annotations

import heapq
import itertools
import re

import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.kernel.long_waits import LongWaits
from sim.staff.line import WaitingLine


def _fire_times(delays_at: list[tuple[float, float]], parked: bool) -> list[tuple[float, int]]:
    """Start a wait of ``delay`` at ``start`` for each pair; (time fired, index)."""
    env = simpy.Environment()
    parking = LongWaits(env)
    fired: list[tuple[float, int]] = []

    def waiter(i: int, start: float, delay: float):
        yield env.timeout(start)
        yield parking.timeout(delay) if parked else env.timeout(delay)
        fired.append((env.now, i))

    for i, (start, delay) in enumerate(delays_at):
        env.process(waiter(i, start, delay))
    env.run()
    return fired


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 200), st.floats(0, 300)), max_size=40))
def test_parked_waits_fire_when_plain_timeouts_would(pairs: list[tuple[float, float]]) -> None:
    plain = _fire_times(pairs, parked=False)
    parked = _fire_times(pairs, parked=True)
    assert sorted(i for _, i in plain) == sorted(i for _, i in parked)
    want = {i: t for t, i in plain}
    for t, i in parked:
        assert t == want[i]  # to the bit: released on whole hours, t - now is exact


def test_waits_ending_together_keep_the_order_they_were_parked_in() -> None:
    env = simpy.Environment()
    parking = LongWaits(env)
    order: list[int] = []

    def waiter(i: int, start: float):
        yield env.timeout(start)
        yield parking.timeout(100.0 - start)  # all end at 100 h
        order.append(i)

    for i, start in enumerate([0.0, 3.5, 1.0, 50.0, 98.5, 99.9]):
        env.process(waiter(i, start))
    env.run()
    assert order == [0, 2, 1, 3, 4, 5]  # by the time they were parked


def test_short_waits_asked_while_nothing_is_parked_keep_plain_timeout_order() -> None:
    env = simpy.Environment()
    parking = LongWaits(env)
    order: list[str] = []

    def parked(name: str):
        yield parking.timeout(0.5)
        order.append(name)

    def plain(name: str):
        yield env.timeout(0.5)
        order.append(name)

    def both():
        yield env.timeout(4.5)  # the releaser has long been asleep
        env.process(parked("A"))
        env.process(plain("B"))
        yield env.timeout(0)

    env.process(both())
    env.run()
    assert order == ["A", "B"]  # both end at 5.0, in the order they were asked for


def test_long_waits_stay_out_of_the_simpy_heap() -> None:
    env = simpy.Environment()
    parking = LongWaits(env)
    for k in range(1000):
        parking.timeout(48.0 + k / 10)
    assert parking.pending() == 1000
    assert len(env._queue) <= 2  # the releaser's wake-up, not the thousand waits
    env.run(until=47.5)
    assert parking.pending() == 990  # hour 48 handed over at 47:00, hour 49 waits for 48:00
    assert len(env._queue) <= 10 + 2


def test_a_run_that_parks_nothing_schedules_no_release_events() -> None:
    env = simpy.Environment()
    LongWaits(env)
    env.run(until=10_000)
    # Event ids count every scheduling: the releaser's start and the stop
    # event, no hourly wake-ups (it sleeps until something is parked).
    assert next(env._eid) <= 3


def test_a_signal_put_in_parking_fires_again_and_again_with_its_own_callbacks() -> None:
    """How a case waits outside: the same object, parked (or, for a short
    wait, scheduled) once per wait, each time fired at its exact time."""
    from sim.kernel.events import Signal

    env = simpy.Environment()
    parking = LongWaits(env)
    fired: list[float] = []
    delays = iter([30.25, 0.5, 5.0])

    def again(signal: Signal) -> None:
        fired.append(env.now)
        delay = next(delays, None)
        if delay is not None:
            signal.callbacks = callbacks
            assert parking.put(signal, delay) is signal

    callbacks = (again,)
    signal = Signal(env)
    signal.callbacks = callbacks
    parking.put(signal, 10.0)
    env.run()
    assert fired == [10.0, 40.25, 40.75, 45.75]
    with pytest.raises(ValueError, match="Negative delay -2"):
        parking.put(Signal(env), -2)


def test_bad_arguments_are_refused() -> None:
    env = simpy.Environment()
    with pytest.raises(ValueError, match=re.escape('"width" must be > 0.')):
        LongWaits(env, width=0)
    with pytest.raises(ValueError, match="Negative delay -1"):
        LongWaits(env).timeout(-1)


class _T:
    def __init__(self, priority: int, seq: int, shared: bool = False) -> None:
        self.priority, self.seq, self.shared = priority, seq, shared


ops = st.lists(st.one_of(st.tuples(st.just("push"), st.integers(0, 7)),
                         st.tuples(st.just("whole"), st.just(0)),
                         st.tuples(st.just("pop"), st.integers(1, 3)),
                         st.tuples(st.just("skip"), st.integers(1, 3)),
                         st.tuples(st.just("reinsert"), st.just(0))), max_size=80)


@settings(max_examples=150, deadline=None)
@given(ops)
def test_waiting_line_serves_in_heap_order(script: list[tuple[str, int]]) -> None:
    line, heap = WaitingLine(), []
    seq = itertools.count()
    for op, arg in script:
        if op == "push":  # priority 0-3, a conversation from 4 up
            t = _T(arg % 4, next(seq), arg >= 4)
            line.push(t)
            heapq.heappush(heap, (t.priority, t.seq, t))
        elif op == "whole":  # the earliest whole-member task of the most urgent level
            top = [x for x in heap if x[0] == heap[0][0]] if heap else []
            whole = sorted(x for x in top if not x[2].shared)
            got = line.pop_whole()
            assert got is (whole[0][2] if whole else None)
            if whole:
                heap.remove(whole[0])
                heapq.heapify(heap)
        elif op in ("pop", "skip"):
            n = min(arg, len(heap))
            got = [line.pop() for _ in range(n)]
            want = [heapq.heappop(heap)[2] for _ in range(n)]
            assert got == want
            if op == "skip":  # popped, then put back untouched (contest siblings)
                line.put_back(got)
                for t in got:
                    heapq.heappush(heap, (t.priority, t.seq, t))
        else:  # preempted tasks return to their arrival positions, in any order
            n = min(3, len(heap))
            taken = [line.pop() for _ in range(n)]
            assert taken == [heapq.heappop(heap)[2] for _ in range(n)]
            for t in taken:  # earliest first: each lands behind the one before
                line.insert(t)
                heapq.heappush(heap, (t.priority, t.seq, t))
        assert len(line) == len(heap)
        assert line.head() is (heap[0][2] if heap else None)
    assert [line.pop() for _ in range(len(heap))] == [t for _, _, t in sorted(heap)]
    with pytest.raises(IndexError, match="pop from an empty WaitingLine"):
        line.pop()
