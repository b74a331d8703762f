"""Staffed pools (``sim.staff.pool``): shift policies, priorities, preemption
(also at a shift start) and concurrency, against hand-worked timelines."""
from __future__ import annotations

import re

import pytest
import simpy

from rules.shifts import MemberShifts
from sim.staff.pool import StaffPool

OFFICE = tuple((d * 24 + 9.0, d * 24 + 18.0) for d in range(10))


def pool(env: simpy.Environment, n: int = 1, **kw) -> StaffPool:
    return StaffPool(env, "r", [MemberShifts(f"r#{i + 1}", OFFICE) for i in range(n)], **kw)


def run_tasks(p: StaffPool, env: simpy.Environment, jobs: list[tuple[float, float, int]],
              shared: bool = False) -> list:
    """Submit (time, work, priority) jobs; return their tasks after the run."""
    tasks: list = []

    def submitter(t: float, work: float, prio: int):
        yield env.timeout(t)
        tasks.append(p.submit(work, prio, shared=shared))

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
    tasks = run_tasks(pool(env, concurrency=2), env, [(9.0, 1.0, 5)] * 3, shared=True)
    assert sorted(t.start for t in tasks) == [9.0, 9.0, pytest.approx(10.0)]


def test_concurrency_must_be_positive() -> None:
    with pytest.raises(ValueError, match=re.escape('"concurrency" must be >= 1.')):
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


def run_pool(jobs: list[tuple[float, float, int, float | None]],
             second: tuple[tuple[float, float], ...] | None = None) -> simpy.Environment:
    """One preemptive ``pause`` member on shift 00-08 and 24-32 (and a
    second member on the ``second`` intervals)."""
    env = simpy.Environment()
    members = [MemberShifts("r#1", ((0.0, 8.0), (24.0, 32.0)))]
    members += [MemberShifts("r#2", second)] if second else []
    pool = StaffPool(env, "r", members,
                     pause=True, preemptive=True)
    out: dict = {}

    def job(i: int, at: float, work: float, prio: int, patience: float | None):
        yield env.timeout(at)
        task = pool.submit(work, prio, patience)
        yield task.done
        out[i] = (task.start, task.end, task.abandoned)

    for i, (at, work, prio, patience) in enumerate(jobs):
        env.process(job(i, at, work, prio, patience))
    env.run(until=40)
    return out


def test_urgent_work_waiting_overnight_preempts_at_the_shift_start() -> None:
    out = run_pool([(0.0, 10.0, 5, None), (12.0, 1.0, 1, None)])
    assert out[1][:2] == (24.0, 25.0)  # the urgent task takes the member at 24:00
    assert out[0][1] == 27.0  # the paused task's last 2 hours after it


def test_a_customer_who_left_does_not_block_preemption() -> None:
    # r#2 (on duty 00-12) holds an urgent job it never finishes; job 1 comes
    # at 10, is left waiting and leaves at 11 (patience 1 h, on duty), still
    # at the head of the line at 24, when r#1 comes back; job 2, as urgent,
    # must still preempt r#1's paused job.
    out = run_pool([(0.0, 10.0, 5, None), (0.0, 20.0, 1, None), (10.0, 1.0, 1, 1.0),
                    (12.0, 1.0, 1, None)], second=((0.0, 12.0),))
    assert out[2][2] is True and out[2][1] == 11.0
    assert out[3][:2] == (24.0, 25.0)


def test_patience_waits_for_the_shift_when_nobody_is_on_duty() -> None:
    # Job 1 comes at 10, with nobody on duty: its patience runs from 24.
    out = run_pool([(0.0, 10.0, 5, None), (10.0, 1.0, 1, 1.0)])
    assert out[1] == (24.0, 25.0, False)


def test_a_case_declares_the_task_fields_as_the_protocol_does() -> None:
    """A case is its own staff task: its slots and types for the task fields
    are the protocol's, named once in ``sim.staff.task``."""
    from sim.cases.interpreter import Case
    from sim.staff.task import TASK_FIELDS, StaffTask, Task

    assert set(TASK_FIELDS) <= set(Case.__slots__) and set(TASK_FIELDS) <= set(Task.__slots__)
    protocol = {k: v for k, v in StaffTask.__annotations__.items() if k != "own_timer"}
    assert {k: v for k, v in Case.__annotations__.items() if k in protocol} == protocol
    assert Case.own_timer is True and Task.own_timer is False


def test_a_message_written_while_nobody_is_on_duty_is_never_abandoned() -> None:
    # Job 1 comes at 10 with nobody on duty; at 24 r#1 first finishes the
    # urgent job 2 (3 h), so job 1 waits past 25 (an hour of patience from
    # the shift start) and is still answered: a night message, not a
    # customer waiting on the line (issue 16 point 5). Job 3 comes at 24,
    # on duty, and leaves at 25 as before.
    out = run_pool([(0.0, 8.0, 5, None), (10.0, 1.0, 1, 1.0), (23.0, 3.0, 0, None),
                    (24.0, 1.0, 1, 1.0)])
    assert out[1] == (27.0, 28.0, False)
    assert out[3][2] is True and out[3][1] == 25.0
