"""Staffed pools and shift calendars, against hand-worked timelines."""
from __future__ import annotations

import datetime as dt

import pytest
import simpy

from rules.loader import load_scenario
from rules.shifts import MemberShifts, merge, role_shifts, subtract
from sim.staff.pool import StaffPool

OFFICE = tuple((d * 24 + 9.0, d * 24 + 18.0) for d in range(10))


def pool(env: simpy.Environment, n: int = 1, **kw) -> StaffPool:
    return StaffPool(env, "r", [MemberShifts(f"r#{i + 1}", OFFICE) for i in range(n)], **kw)


def run_tasks(p: StaffPool, env: simpy.Environment, jobs: list[tuple[float, float, int]]) -> list:
    """Submit (time, work, priority) jobs; return their tasks after the run."""
    tasks: list = []

    def submitter(t: float, work: float, prio: int):
        yield env.timeout(t)
        tasks.append(p.submit(work, prio))

    for job in jobs:
        env.process(submitter(*job))
    env.run(until=24 * 10)
    return tasks


def test_pause_policy_resumes_next_shift() -> None:
    env = simpy.Environment()
    [task] = run_tasks(pool(env, pause=True), env, [(17.0, 3.0, 5)])
    assert task.start == 17.0
    assert task.end == pytest.approx(24 + 11.0)  # 1 h today, 2 h from 09:00 tomorrow


def test_finish_policy_works_past_the_shift_end() -> None:
    env = simpy.Environment()
    [task] = run_tasks(pool(env, pause=False), env, [(17.0, 3.0, 5)])
    assert task.end == pytest.approx(20.0)


def test_work_arriving_at_night_waits_for_the_shift() -> None:
    env = simpy.Environment()
    [task] = run_tasks(pool(env), env, [(2.0, 1.0, 5)])
    assert (task.start, task.end) == (pytest.approx(9.0), pytest.approx(10.0))


def test_priority_orders_only_waiting_tasks_then_fifo() -> None:
    env = simpy.Environment()
    tasks = run_tasks(pool(env), env, [(9.0, 2.0, 5), (9.5, 1.0, 5), (9.6, 1.0, 1), (9.7, 1.0, 5)])
    first, low_a, urgent, low_b = tasks
    assert first.start == 9.0  # running first: priority never interrupts without preemption
    assert urgent.start == pytest.approx(11.0)
    assert low_a.start == pytest.approx(12.0)
    assert low_b.start == pytest.approx(13.0)


def test_preemption_interrupts_less_urgent_work_which_resumes() -> None:
    env = simpy.Environment()
    low, urgent = run_tasks(pool(env, preemptive=True), env, [(9.0, 3.0, 5), (10.0, 1.0, 1)])
    assert urgent.start == pytest.approx(10.0) and urgent.end == pytest.approx(11.0)
    assert low.start == 9.0  # first start kept
    assert low.end == pytest.approx(13.0)  # 1 h done, 2 h left after the interruption


def test_concurrency_gives_each_member_several_slots() -> None:
    env = simpy.Environment()
    tasks = run_tasks(pool(env, concurrency=2), env, [(9.0, 1.0, 5)] * 3)
    assert sorted(t.start for t in tasks) == [9.0, 9.0, pytest.approx(10.0)]


def test_concurrency_must_be_positive() -> None:
    with pytest.raises(ValueError, match='"concurrency" must be >= 1.'):
        pool(simpy.Environment(), concurrency=0)


def test_hold_is_released_by_the_caller() -> None:
    env = simpy.Environment()
    p = pool(env)
    held = p.acquire(3)
    queued = p.submit(1.0, 5)
    env.run(until=12)
    assert held.done.triggered and not queued.done.triggered
    p.release(held)
    env.run(until=14)
    assert queued.start == pytest.approx(12.0) and queued.end == pytest.approx(13.0)


def test_interval_helpers() -> None:
    assert merge([(5, 6), (0, 2), (2, 3)]) == [(0, 3), (5, 6)]
    assert subtract([(0, 10)], 2, 4) == [(0, 2), (4, 10)]


def test_office_staff_are_off_on_national_day_and_work_the_makeup_day() -> None:
    s = load_scenario("scenarios/baseline.yaml")  # horizon starts 2026-10-01
    [member] = role_shifts(s, "planner")
    days_on = {int(a // 24) for a, _ in member.intervals}
    start = s.horizon.start
    on = {start + dt.timedelta(days=d) for d in days_on}
    assert not any(dt.date(2026, 10, d) in on for d in range(1, 8))  # 国庆 holiday
    assert dt.date(2026, 10, 10) in on  # Saturday make-up working day (调休)
    assert dt.date(2026, 10, 12) in on and dt.date(2026, 10, 17) not in on
    # 09:00-12:00 and 13:00-18:00: 8 hours on a working day
    d12 = (dt.date(2026, 10, 12) - start).days * 24
    assert sum(b - a for a, b in member.intervals if d12 <= a < d12 + 24) == pytest.approx(8.0)


def test_customer_service_covers_08_to_24_every_day() -> None:
    s = load_scenario("scenarios/baseline.yaml")
    members = role_shifts(s, "customer_service")
    assert len(members) == 4
    day3 = [(a % 24, b - (a - a % 24)) for m in members for a, b in m.intervals if 48 <= a < 72]
    assert min(a for a, _ in day3) == 8.0 and max(b for _, b in day3) == 24.0


def test_overrides_add_temporary_staff_and_remove_absent_ones() -> None:
    from rules.calendar import Override

    s = load_scenario("scenarios/baseline.yaml")
    cal = s.calendars.model_copy(update={"overrides": (
        Override(role="customer_service", start=dt.date(2026, 11, 10), end=dt.date(2026, 11, 12),
                 change="extra", members=3, shift="peak_day"),
        Override(role="aftersales_service", start=dt.date(2026, 10, 12), end=dt.date(2026, 10, 18),
                 change="absent", members=1),
    )})
    s2 = s.model_copy(update={"calendars": cal})
    cs = role_shifts(s2, "customer_service")
    temps = [m for m in cs if m.temporary]
    assert len(temps) == 3 and all(len(m.intervals) == 3 for m in temps)
    [after] = role_shifts(s2, "aftersales_service")
    lo = (dt.date(2026, 10, 12) - s.horizon.start).days * 24
    assert not any(lo <= a < lo + 7 * 24 for a, _ in after.intervals)


def test_an_absence_also_cancels_overtime_listed_after_it() -> None:
    from rules.calendar import Override

    s = load_scenario("scenarios/baseline.yaml")
    day = dt.date(2026, 10, 12)
    away = Override(role="planner", start=day, end=day, change="absent", members=1)
    extra = Override(role="planner", start=day, end=day, change="overtime", members=1,
                     shift="overtime_evening")
    lo = (day - s.horizon.start).days * 24
    for order in ((away, extra), (extra, away)):
        s2 = s.model_copy(update={"calendars": s.calendars.model_copy(update={"overrides": order})})
        [planner] = role_shifts(s2, "planner")
        assert not any(lo <= a < lo + 24 for a, _ in planner.intervals), order


def test_overlapping_breaks_are_refused() -> None:
    from rules.calendar import Shift

    with pytest.raises(ValueError, match=r"breaks overlap \(13:00 is after 12:30\)"):
        Shift(start="09:00", end="18:00", breaks=(("12:00", "13:00"), ("12:30", "14:00")))
