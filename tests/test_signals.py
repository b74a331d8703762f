"""Lean events (``sim.kernel.events``): SimPy takes them as its own, and a generator
driven without a Process runs as a process would and is freed when done."""
from __future__ import annotations

import gc
import weakref
from types import GeneratorType

import numpy as np
import pytest
import simpy
from invariants import check_survivors

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
        signal.value
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


def test_arrivals_are_built_lazily_and_the_same_each_time() -> None:
    from rules.loader import load_scenario
    from rules.shifts import days_of
    from sim.inputs.demand import order_arrivals
    from sim.inputs.streams import Streams

    s = load_scenario("scenarios/baseline.yaml")
    arrivals = order_arrivals(s, Streams(s.seed, 0), days_of(s))
    first, second = list(arrivals.pairs()), list(arrivals.pairs())
    assert first == second and len(first) == len(arrivals)
    times = [t for t, _ in first]
    assert times == sorted(times) and all(type(t) is float for t in times)
    lost = sum(a["contact"] == "chat_only" for _, a in first)
    assert lost == len(arrivals) - arrivals.n
    back = [a["aftersales"] for _, a in first if "aftersales" in a]
    assert len(back) == int((arrivals.aftersales.mix >= 0).sum()) > 0
    assert all(set(r) == {"kind", "fault", "resalable", "trade_status", "lag"} for r in back)


def test_a_run_leaves_no_case_behind_but_the_open_ones() -> None:
    """Cases wait without processes, as their own events or as their own
    staff tasks (in a pool's line), which the run's
    paused collector never sees: every finished case must be freed by
    reference counting, with the tasks and generators of its meetings. The
    one exception: a customer who left while in line stays there until the
    line reaches and skips the case."""
    import datetime as dt

    from rules.loader import load_scenario
    from rules.scenario import Horizon
    from sim.cases.interpreter import Case
    from sim.runs.replication import simulate
    from sim.staff.pool import Task

    s = load_scenario("scenarios/double11.yaml")
    s = s.model_copy(update={"horizon": Horizon(start=dt.date(2026, 11, 8),
                                                end=dt.date(2026, 11, 14))})
    was = gc.isenabled()
    gc.disable()
    try:
        gc.collect()
        log = simulate(s, 0)
        objects = gc.get_objects()
        cases = [o.id for o in objects if type(o) is Case and o.workflow != "duty"]
        gens = sum(1 for o in objects if type(o) is GeneratorType
                   and o.__name__ in ("meeting", "contest"))
        waiting = sum(1 for o in objects if type(o) is Task and o.waiter is not None)
        tasks = sum(1 for o in objects if type(o) is Task)
    finally:
        if was:
            gc.enable()
    c = log.columns
    is_open = (c["outcome"] == "open") & (c["workflow"] != "duty")
    open_cases = set(c["case_id"][is_open].tolist())
    assert len(open_cases) > 100
    check_survivors(cases, c, open_cases)
    gathering = set(c["case_id"][is_open & np.isin(c["kind"], ["meeting", "contest"])].tolist())
    assert gens == len(gathering)
    assert waiting <= len(open_cases)
    # Tasks still alive: those of open meetings, contests and duties; not
    # every task of the run.
    open_rows = int(((c["outcome"] == "open")).sum())
    assert open_rows < len(log) // 20 and tasks <= 2 * open_rows


def test_a_day_without_orders_still_has_its_lost_chats() -> None:
    import datetime as dt

    from rules.loader import load_scenario
    from rules.scenario import Horizon
    from rules.shifts import days_of
    from sim.inputs.demand import order_arrivals
    from sim.inputs.streams import Streams
    from sim.runs.replication import simulate

    s = load_scenario("scenarios/baseline.yaml")
    day = dt.date(2026, 10, 5)
    campaign = type(next(iter(load_scenario("scenarios/double11.yaml").demand.campaigns.values())))
    closed = campaign(name_zh="x", kind="event", start=day, end=day, order_multiplier=0,
                      chat_multiplier=1)
    s = s.model_copy(update={"horizon": Horizon(start=day, end=day),
                             "demand": s.demand.model_copy(update={"campaigns": {"closed": closed}})})
    arrivals = order_arrivals(s, Streams(s.seed, 0), days_of(s))
    got = list(arrivals.pairs())
    assert arrivals.n == 0 and len(got) == len(arrivals) > 50
    assert all(a == {"contact": "chat_only", "review_followup": "no"} for _, a in got)
    c = simulate(s, 0).columns
    assert (c["activity"] == "chat").sum() == len(got)


def test_a_launcher_starts_its_first_case_inside_the_run_even_at_time_zero() -> None:
    """Set-up (pools on duty, hooks) comes first: nothing starts while the
    replication is still being built, even an arrival at 00:00 of day one."""
    from sim.cases.interpreter import Context
    from sim.runs.replication import _launch

    env = simpy.Environment()
    ctx = Context(env, 0, None, lambda day: True)
    ctx.flows["w"] = []
    drive(_launch(env, ctx, "w", [(0.0, {}), (2.0, {})]))
    assert ctx._case == 0  # nothing yet
    env.run(until=1.0)
    assert ctx._case == 1
    env.run(until=3.0)
    assert ctx._case == 2
