"""One replication: build the center from a scenario, run it, return the log."""
from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Generator, Iterable
from typing import Protocol

import numpy as np
import simpy

from rules.calendar import DayKinds
from rules.scenario import Scenario
from rules.shifts import MemberShifts, all_shifts, concurrency_changes, days_of
from sim.cases import timers
from sim.cases.duties import run_duty
from sim.cases.interpreter import Case, Context
from sim.cases.steps import Node, code_steps, compile_steps
from sim.inputs.demand import order_arrivals
from sim.inputs.planned import duty_times, planned_arrivals
from sim.inputs.streams import Streams
from sim.kernel.clock import Clock
from sim.kernel.events import Driven, drive, soon, timeout
from sim.log.records import EventLog, LogBuilder
from sim.staff.pool import StaffPool


class Stream(Protocol):
    """What sees a replication's records as they are added
    (``sim.runs.log_stream.LogStream``): it makes the log's arrays, and is
    given the log's builder after each batch of records moved into them,
    and once more with ``last`` after the final one."""

    def allocate(self, rows: int, dtype: np.dtype) -> np.ndarray: ...

    def __call__(self, log: LogBuilder, last: bool = False) -> None: ...


def simulate(s: Scenario, replication: int = 0, seed: int | None = None,
             stream: Stream | None = None) -> EventLog:
    """Run one replication of ``s`` and return its event log; ``stream``
    sees the records as they are added (rows once added never change)."""
    # The run allocates millions of short-lived objects and keeps a growing
    # list of records; Python's cyclic collector would rescan that list again
    # and again (measured: a third of the run time). Reference counting frees
    # almost everything; one collection afterwards takes the rest.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _simulate(s, replication, seed, stream)
    finally:
        if was_enabled:
            gc.enable()


def _simulate(s: Scenario, replication: int, seed: int | None, stream: Stream | None) -> EventLog:
    seed = s.seed if seed is None else seed
    env = Clock()
    streams = Streams(seed, replication)
    kinds = DayKinds(s.calendars.holidays)
    days = days_of(s)
    shifts = all_shifts(s)
    pools = {}
    for rid, role in s.org.roles.items():
        concurrency, changes = _concurrency(s, rid)
        pools[rid] = StaffPool(env, rid, shifts[rid], concurrency, role.at_shift_end == "pause",
                               role.preemptive, changes, (role.slowdown, role.concurrency),
                               role.claim_after_hours, role.interleave_up_to_minutes / 60.0)
    working = [kinds.is_working_day(d) for d in days]
    ctx = Context(env, replication, s.aftersales,
                  lambda i: i >= len(working) or i < 0 or working[i])
    flows = {wid: compile_steps(s, wid, wf.steps, pools, streams, wf.priority)
             for wid, wf in s.workflows.items() if wf.enabled}
    ctx.flows = flows
    timers.install(s, ctx, flows)
    # Records hold codes: the steps' text and the members' names are coded
    # once here, not per record.
    for wid, nodes in flows.items():
        code_steps(nodes, wid, ctx.code)
    for pool in pools.values():
        for member in pool.members:
            member.code = ctx.code(member.name)
    arrivals = _start_demand(s, env, ctx, flows, streams, days)
    _start_planned(s, env, ctx, flows, streams, kinds)
    _start_duties(s, env, ctx, pools, shifts, streams, kinds)
    epoch = dt.datetime.combine(s.horizon.start, dt.time())
    meta = {"scenario": s.name, "seed": seed, "replication": replication}
    # About eight records per customer arrival (Double 11: 7.8), plus duties;
    # a guess too small costs a copy of every column when the builder grows.
    log = LogBuilder(9 * arrivals + 20_000, vocab=ctx.vocab,
                     alloc=stream.allocate if stream is not None else None)
    env.process(_compact(env, ctx, log, stream))
    env.run(until=s.horizon.hours)
    log.add_coded(ctx.records + ctx.open_records() + timers.unsettled(ctx))
    if stream is not None:
        stream(log, True)
    return log.build(epoch, s.horizon.hours, meta)


def _concurrency(s: Scenario, role: str) -> tuple[int, list[tuple[float, int]]]:
    """The role's concurrency at the start and its changes by date."""
    return concurrency_changes(s, role) if s.calendars.concurrency else (
        s.org.roles[role].concurrency, [])


#: Records are moved into the log's arrays in batches of about this many:
#: big enough that a batch's fixed cost is small, small enough that the
#: batch's rows are still in the CPU's cache when they are converted.
BATCH = 2048
#: Bounds of the wait between two checks for a full batch (hours).
CHECK_MIN, CHECK_MAX = 1 / 60, 0.25


def _compact(env: simpy.Environment, ctx: Context, log: LogBuilder,
             stream: Stream | None = None) -> Generator:
    """Move the records into column arrays, a few numbers per record instead
    of a tuple of boxed floats (the run's memory then stays flat).

    By count, not by hour: the next check comes when, at the rate of records
    of the last interval, a batch should be there (at most a quarter of an
    hour away). At 10x Double 11 the peak day makes 30,000 rows an hour,
    checked every four minutes instead of every quarter hour."""
    records = ctx.records
    wait = CHECK_MAX
    while True:
        before = len(records)
        yield env.timeout(wait)
        n = len(records)
        rate = (n - before) / wait
        if n >= BATCH:
            log.add_coded(records)
            records.clear()  # the same list: bound ``append``s stay valid
            n = 0
            if stream is not None:
                stream(log, False)
        wait = min(CHECK_MAX, max(CHECK_MIN, (BATCH - n) / rate)) if rate > 0 else CHECK_MAX


def _launch(env: simpy.Environment, ctx: Context, workflow: str,
            arrivals: Iterable[tuple[float, dict]]) -> Driven:
    """Start a case at each arrival (driven by ``kernel.events.drive``)."""
    resume = yield
    # Begin inside the run, as a SimPy process would (after the set-up:
    # pools on duty, hooks in place), even for an arrival at time 0.
    soon(env, resume)
    yield
    for t, attrs in arrivals:
        if t > env.now:
            timeout(env, t - env.now, resume)
            yield
        ctx.start(workflow, attrs)
    del resume
    yield


def _start_demand(s: Scenario, env: simpy.Environment, ctx: Context, flows: dict[str, list[Node]],
                  streams: Streams, days: list[dt.date]) -> int:
    """Start the customers' cases; the number of arrivals."""
    d = s.demand
    if d is None or d.order_workflow not in flows:
        return 0
    arrivals = order_arrivals(s, streams, days)
    drive(_launch(env, ctx, d.order_workflow, arrivals.pairs()))
    targets = {"exchange": d.exchange_workflow, "return": d.return_workflow}

    def request(case: Case) -> None:
        req = case.attrs.get("aftersales")
        if req is not None and targets[req["kind"]] in flows:
            ctx.start_after(req["lag"], targets[req["kind"]], req)

    ctx.hooks[(d.order_workflow, d.aftersales_from)] = request
    return len(arrivals)


def _start_planned(s: Scenario, env: simpy.Environment, ctx: Context,
                   flows: dict[str, list[Node]], streams: Streams, kinds: DayKinds) -> None:
    for wid in flows:
        wf = s.workflows[wid]
        if wf.trigger.kind in ("demand", "none") and not wf.extra_triggers:
            continue
        arrivals = planned_arrivals(wid, wf, s, kinds, streams)
        if arrivals:
            drive(_launch(env, ctx, wid, arrivals))


def _start_duties(s: Scenario, env: simpy.Environment, ctx: Context, pools: dict[str, StaffPool],
                  shifts: dict[str, list[MemberShifts]], streams: Streams, kinds: DayKinds) -> None:
    for did, duty in s.duties.items():
        members = shifts[duty.role]
        times = [t for t in duty_times(duty, s, kinds) if _someone_on(members, t)]
        draw = streams.durations(f"duty:{did}", duty.duration)
        # "each" and "together" mean the role's own members: temporary staff
        # (on duty only for their dates) are not among them.
        role, holds = duty.role, None
        if duty.attendees:
            # Held as a meeting is: every role in sorted order.
            people = {r: s.org.headcount(r) if n == "all" else n for r, n in duty.attendees.items()}
            people[duty.role] = 1 if duty.who == "one" else s.org.headcount(duty.role)
            role = "+".join(sorted(people))
            holds = [(pools[r], people[r]) for r in sorted(people)]
        env.process(run_duty(env, ctx, did, role, duty.who, duty.priority, pools[duty.role],
                             s.org.headcount(duty.role), draw, times, holds, duty.grace_hours,
                             duty.appointment))


def _someone_on(members: list[MemberShifts], t: float) -> bool:
    day = t // 24
    return any(day * 24 < b and a < day * 24 + 24 for m in members for a, b in m.intervals
               if not m.temporary)
