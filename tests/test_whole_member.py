"""Conversations share an agent, other work takes the whole member (issue 16,
review item 3): a whole-member task waits for the chats in hand and claims
its member meanwhile (no new chat), is never starved by a steady stream of
chats, is followed by the next such task ahead of the chats, and counts as
the whole member in busy time, utilisation, workload and bottlenecks."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import simpy
from small_docs import always_calendars

import sim
from rules.loader import load_scenario
from rules.scenario import Scenario
from rules.shifts import MemberShifts
from rules.workload import shared_steps
from sim.analysis.bottlenecks import active_periods
from sim.analysis.kpis import role_reps
from sim.analysis.staffing import StaffLog
from sim.analysis.windows import LogIndex
from sim.analysis.workload import workload
from sim.log.records import EventLog
from sim.runs.replication import simulate
from sim.staff.pool import StaffPool, Task

DAY = ((9.0, 18.0),)


def _pool(env: simpy.Environment, n: int = 1, concurrency: int = 5) -> StaffPool:
    return StaffPool(env, "r", [MemberShifts(f"r#{i + 1}", DAY) for i in range(n)], concurrency)


def _at(env: simpy.Environment, t: float, pool: StaffPool, work: float, shared: bool,
        into: list[Task]) -> None:
    def go():
        yield env.timeout(t)
        into.append(pool.submit(work, 5, shared=shared))
    env.process(go())


def test_a_whole_member_task_waits_for_the_chats_in_hand_and_no_new_chat_comes() -> None:
    """One agent (5 chats at once) holds chats ending at 10, 10.5 and 11; a
    whole-member task at 9.5 waits for all three and claims the agent, so
    chats asking at 9.6 and 9.7 wait too, although slots are free."""
    env = simpy.Environment()
    pool = _pool(env)
    held: list[Task] = []
    later: list[Task] = []
    whole: list[Task] = []
    for work in (1.0, 1.5, 2.0):
        _at(env, 9.0, pool, work, True, held)
    _at(env, 9.5, pool, 0.5, False, whole)
    _at(env, 9.6, pool, 1.0, True, later)
    _at(env, 9.7, pool, 1.0, True, later)
    env.run(until=18)
    [task] = whole
    assert (task.start, task.end) == (pytest.approx(11.0), pytest.approx(11.5))
    assert [c.start for c in later] == [pytest.approx(11.5)] * 2  # not before the task ends


def test_a_steady_stream_of_chats_never_starves_whole_member_work() -> None:
    """Chats of an hour every 0.4 h keep the agent's two slots filled, so
    the agent is never empty of itself; the task claims the agent at 9.5,
    the chats in hand end by 10.4, and the task starts then."""
    env = simpy.Environment()
    pool = _pool(env, concurrency=2)
    chats: list[Task] = []
    whole: list[Task] = []
    for k in range(20):
        _at(env, 9.0 + 0.4 * k, pool, 1.0, True, chats)
    _at(env, 9.5, pool, 0.25, False, whole)
    env.run(until=18)
    [task] = whole
    assert task.start == pytest.approx(10.4)
    assert not any(9.5 < c.start < task.end - 1e-9 for c in chats)
    # Without the claim the agent would never be empty while chats come:
    busy_at = [sum(c.start <= t < c.end for c in chats) for t in np.arange(9.01, 10.4, 0.05)]
    assert min(busy_at) >= 1


def test_the_claim_goes_to_the_agent_whose_chats_end_first() -> None:
    env = simpy.Environment()
    pool = _pool(env, n=2, concurrency=5)
    chats: list[Task] = []
    whole: list[Task] = []
    _at(env, 9.0, pool, 3.0, True, chats)   # agent 1: one chat, to 12
    _at(env, 9.0, pool, 1.0, True, chats)   # agent 2: one chat, to 10
    _at(env, 9.5, pool, 0.5, False, whole)
    env.run(until=18)
    [task] = whole
    assert task.member is not None and task.member.name == "r#2"
    assert task.start == pytest.approx(10.0)


def test_a_member_done_with_whole_member_work_takes_the_next_ahead_of_chats() -> None:
    """Released orders one after another: the agent who has emptied its
    hands for the first takes the second before the chat that came between."""
    env = simpy.Environment()
    pool = _pool(env)
    chats: list[Task] = []
    whole: list[Task] = []
    _at(env, 9.0, pool, 1.0, True, chats)
    _at(env, 9.2, pool, 0.1, False, whole)
    _at(env, 9.3, pool, 0.5, True, chats)
    _at(env, 9.4, pool, 0.1, False, whole)
    env.run(until=18)
    first, second = whole
    assert (first.start, second.start) == (pytest.approx(10.0), pytest.approx(10.1))
    assert chats[1].start == pytest.approx(10.2)


def _standalone() -> Scenario:
    """One agent around the clock, five chats at once: chats of 2 h and 1 h
    at 09:00, a whole-member task of 0.5 h at 09:30, a chat of 1 h at 09:45."""
    def wf(number: int, at: str, hours: float, shared: bool) -> dict:
        step = {"id": "talk" if shared else "release", "kind": "work", "role": "agent",
                "shared": shared, "duration": {"dist": "fixed", "value": hours, "unit": "hours"}}
        return {"name_zh": "流程", "number": number, "lanes": ["agent"],
                "trigger": {"kind": "every", "every": "day", "at": at}, "steps": [step]}
    doc = {
        "name": "whole", "horizon": {"start": "2026-03-02", "end": "2026-03-04"}, "seed": 1,
        "replications": 1,
        "org": {"projects": 1, "departments": {"d": {"name_zh": "部"}},
                "roles": {"agent": {"name_zh": "客服", "department": "d", "headcount": 1,
                                    "headcount_basis": "assumed", "concurrency": 5,
                                    "roster": "always"}},
                "parties": {}},
        "calendars": always_calendars(),
        "workflows": {"long": wf(1, "09:00", 2.0, True), "short": wf(2, "09:00", 1.0, True),
                      "orders": wf(3, "09:30", 0.5, False), "late": wf(4, "09:45", 1.0, True)},
    }
    return Scenario.model_validate(doc)


def _rows(log: EventLog, workflow: str) -> list[tuple[float, float]]:
    c = log.columns
    pick = (c["workflow"] == workflow) & (c["kind"] == "work")
    return sorted(zip(c["start_time"][pick].tolist(), c["end_time"][pick].tolist()))


def test_busy_time_utilisation_workload_and_bottlenecks_count_the_whole_member() -> None:
    s = _standalone()
    log = simulate(s, 0, 1)
    days = 3
    assert _rows(log, "orders") == [(24.0 * d + 11.0, 24.0 * d + 11.5) for d in range(days)]
    assert _rows(log, "late") == [(24.0 * d + 11.5, 24.0 * d + 12.5) for d in range(days)]
    st = StaffLog(s, log)
    x = role_reps(st)["agent"]
    # Slot-hours a day: chats 2 + 1 + 1, the task 0.5 h x all 5 slots.
    assert x["busy"][0] == pytest.approx(days * (4.0 + 0.5 * 5))
    assert x["utilization"][0] == pytest.approx(days * 6.5 / (days * 24 * 5))
    w = workload(s, log, st, {}, LogIndex(log))
    # Person-hours: a chat is a fifth of the agent, the task all of it.
    assert w.work_hours["agent"] == pytest.approx([4.0 / 5 + 0.5] * days)
    # The agent is active (every slot busy) while it does the task.
    periods = active_periods(st, st.roles.index("agent"), 0)
    assert any(a <= 11.0 + 1e-9 and b >= 11.5 - 1e-9 for a, b, _ in periods)
    assert shared_steps(s) == {("long", "talk"), ("short", "talk"), ("late", "talk")}


def test_on_11_november_an_agent_releasing_an_order_starts_nothing_else() -> None:
    """Double 11 (20 chats at once on the day): an agent releasing an order
    holds no other whole-member work and starts no chat meanwhile (before
    whole-member work, one held 11 releases at once); the chats in hand
    pause beside a release of at most 3 minutes (``interleave_up_to_minutes``),
    and many releases are done so."""
    s = load_scenario("scenarios/double11.yaml")
    s = s.model_copy(update={"horizon": s.horizon.model_copy(
        update={"start": dt.date(2026, 11, 10), "end": dt.date(2026, 11, 12)})})
    log, _ = sim.run(s, 1, 1)
    c = log.columns
    cs = (c["role"] == "customer_service") & ~np.isnan(c["start_time"])
    releases = cs & (c["activity"] == "arrange_shipment")
    assert releases.sum() > 1000
    shared = {a for w, a in shared_steps(s) if w == "presales_order"}
    beside = 0
    for member in set(c["resource"][releases].tolist()):
        mine = np.flatnonzero(cs & (c["resource"] == member))
        # (Work still running at the horizon: to the horizon.)
        start, end = c["start_time"][mine], np.nan_to_num(c["end_time"][mine], nan=log.horizon_hours)
        whole = np.array([a not in shared for a in c["activity"][mine].tolist()])
        for i in np.flatnonzero(whole):
            overlap = (start < end[i] - 1e-9) & (end > start[i] + 1e-9)
            overlap[i] = False
            assert not (overlap & whole).any(), f"{member} holds other work during a whole-member task"
            assert not (overlap & (start > start[i] + 1e-9)).any(), f"{member} starts a chat meanwhile"
            if overlap.any():
                assert end[i] - start[i] <= 0.05 + 1e-9
                beside += 1
    assert beside > 100


def test_more_chats_at_once_make_each_slower_only_when_the_role_says_so() -> None:
    """A slowdown of 10% per conversation beyond the role's 5: at a peak of 20
    at once, the sixth chat begun takes 1.1 h, the seventh 1.2 h; none
    without a slowdown."""
    for slowdown, want in ((0.1, [1.0] * 5 + [1.1, 1.2]), (0.0, [1.0] * 7)):
        env = simpy.Environment()
        pool = StaffPool(env, "r", [MemberShifts("r#1", DAY)], 20, slowdown=(slowdown, 5))
        chats: list[Task] = []
        for _ in range(7):
            _at(env, 9.0, pool, 1.0, True, chats)
        _at(env, 9.0, pool, 0.5, False, [])  # whole-member work is never slowed
        env.run(until=18)
        assert [c.end - c.start for c in chats] == pytest.approx(want)


def test_whole_member_work_may_gather_before_it_claims_an_agent() -> None:
    """With claim_after 0.5 h, the release asked at 9.2 claims the agent at
    the first moment it has waited that long and the line is looked at
    (the chat asking at 9.8); meanwhile the chat at 9.3 still joins the
    agent, and the second release rides along in the same clearing."""
    env = simpy.Environment()
    pool = StaffPool(env, "r", [MemberShifts("r#1", DAY)], 5, claim_after=0.5)
    chats: list[Task] = []
    whole: list[Task] = []
    _at(env, 9.0, pool, 1.0, True, chats)
    _at(env, 9.2, pool, 0.1, False, whole)
    _at(env, 9.3, pool, 1.0, True, chats)
    _at(env, 9.4, pool, 0.1, False, whole)
    _at(env, 9.8, pool, 0.5, True, chats)
    env.run(until=18)
    assert chats[1].start == pytest.approx(9.3)  # before the claim
    assert [w.start for w in whole] == [pytest.approx(10.3), pytest.approx(10.4)]
    assert chats[2].start == pytest.approx(10.5)


def test_urgent_whole_member_work_interrupts_only_a_members_only_task() -> None:
    """Preemptive agents with chats in hand (review 9 item 3): a priority-1
    release interrupts the chat of the agent holding only it and starts at
    once; it does not interrupt one of several chats, which would free
    nothing (the chat took its slot back while the release waited)."""
    def run(n: int) -> tuple[list[Task], Task]:
        env = simpy.Environment()
        pool = StaffPool(env, "r", [MemberShifts(f"r#{i + 1}", DAY) for i in range(n)], 5,
                         preemptive=True)
        chats = [pool.submit(w, 5, shared=True) for w in (2.0, 3.0, 4.0)]  # from 9:00
        whole: list[Task] = []

        def go():
            yield env.timeout(10.0)
            whole.append(pool.submit(0.5, 1, shared=False))
        env.process(go())
        env.run(until=18)
        return chats, whole[0]

    chats, release = run(1)  # one agent holding three chats: nothing to interrupt
    assert all(c.stretches is None for c in chats)
    assert (release.start, release.end) == (pytest.approx(13.0), pytest.approx(13.5))
    chats, release = run(2)  # the second agent holds one chat: that one is interrupted
    assert [c.member.name for c in chats] == ["r#1", "r#1", "r#1"]
    assert [c.stretches for c in chats] == [None, [("r#2", 9.0, 10.0)], None]
    assert (release.start, release.end, release.member.name) == (10.0, 10.5, "r#2")
