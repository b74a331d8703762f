"""Short backend work time-shared with the chats in hand (issue 16, the
ninth session's review items 1 and 2): a whole-member task of at most the
role's ``interleave_up_to_minutes`` is done by an agent holding chats, with
a free slot, without emptying first; the chats in hand make no progress
meanwhile (each ends later by exactly the overlap), no new chat starts
during it, and longer work still claims an agent who empties first. The
reference engine does the same (its logs: ``test_reference_engine``)."""
from __future__ import annotations

import pytest
import simpy
from small_docs import always_calendars

from rules.scenario import Scenario
from rules.shifts import MemberShifts
from sim import summarize
from sim.analysis.kpis import role_reps
from sim.analysis.slot_time import reserved_hours
from sim.analysis.staffing import StaffLog
from sim.analysis.windows import LogIndex
from sim.analysis.workload import workload
from sim.log.records import EventLog
from sim.runs.replication import simulate
from sim.staff.pool import StaffPool, Task

DAY = ((9.0, 18.0),)
#: Brief work: up to 3 minutes (0.05 h).
BRIEF = 0.05


def _pool(env: simpy.Environment, n: int = 1, concurrency: int = 5,
          interleave: float = BRIEF, pause: bool = False,
          shifts: tuple[tuple[float, float], ...] = DAY) -> StaffPool:
    return StaffPool(env, "r", [MemberShifts(f"r#{i + 1}", shifts) for i in range(n)], concurrency,
                     pause=pause, interleave=interleave)


def _at(env: simpy.Environment, t: float, pool: StaffPool, work: float, shared: bool,
        into: list[Task]) -> None:
    def go():
        yield env.timeout(t)
        into.append(pool.submit(work, 5, shared=shared))
    env.process(go())


def test_a_short_release_is_taken_beside_the_chats_which_end_later_by_the_overlap() -> None:
    """An agent holds chats ending at 10, 10.5 and 11; a 0.04 h release
    asked at 9.5 starts at once on that agent (no emptying: without
    time-sharing it would wait until 11), and each chat ends 0.04 h later."""
    env = simpy.Environment()
    pool = _pool(env)
    held: list[Task] = []
    whole: list[Task] = []
    for work in (1.0, 1.5, 2.0):
        _at(env, 9.0, pool, work, True, held)
    _at(env, 9.5, pool, 0.04, False, whole)
    env.run(until=18)
    [task] = whole
    assert (task.start, task.end) == (pytest.approx(9.5), pytest.approx(9.54))
    assert task.member is held[0].member
    assert [c.end for c in held] == [pytest.approx(e + 0.04) for e in (10.0, 10.5, 11.0)]


def test_without_interleaving_the_same_release_waits_for_the_chats_to_end() -> None:
    env = simpy.Environment()
    pool = _pool(env, interleave=0.0)
    held: list[Task] = []
    whole: list[Task] = []
    for work in (1.0, 1.5, 2.0):
        _at(env, 9.0, pool, work, True, held)
    _at(env, 9.5, pool, 0.04, False, whole)
    env.run(until=18)
    assert whole[0].start == pytest.approx(11.0)
    assert [c.end for c in held] == [pytest.approx(e) for e in (10.0, 10.5, 11.0)]


def test_no_new_chat_starts_during_brief_work_and_several_add_up() -> None:
    """Two releases back to back (9.5-9.52, then 9.52-9.54, the second
    asked while the first runs): a chat asked at 9.515 waits until 9.54,
    and a chat held through both ends 0.04 h later (within the 0.05 h)."""
    env = simpy.Environment()
    pool = _pool(env)
    held: list[Task] = []
    whole: list[Task] = []
    later: list[Task] = []
    _at(env, 9.0, pool, 1.0, True, held)
    _at(env, 9.5, pool, 0.02, False, whole)
    _at(env, 9.51, pool, 0.02, False, whole)
    _at(env, 9.515, pool, 0.5, True, later)
    env.run(until=18)
    assert [(w.start, w.end) for w in whole] == [(pytest.approx(9.5), pytest.approx(9.52)),
                                                 (pytest.approx(9.52), pytest.approx(9.54))]
    assert later[0].start == pytest.approx(9.54)
    assert held[0].end == pytest.approx(10.04)


def test_a_chat_paused_after_its_planned_end_came_ends_later_again() -> None:
    """A chat planned to end at 10 is paused twice: by a release at 9.99
    (so its planned end 10 finds 0.01 h left) and by another at 10.005,
    during that rest: it ends at 10 + 0.02 + 0.02."""
    env = simpy.Environment()
    pool = _pool(env)
    held: list[Task] = []
    whole: list[Task] = []
    _at(env, 9.0, pool, 1.0, True, held)
    _at(env, 9.99, pool, 0.02, False, whole)
    _at(env, 10.005, pool, 0.02, False, whole)
    env.run(until=18)
    assert held[0].end == pytest.approx(10.04)


def test_a_chat_in_hand_pauses_no_longer_than_the_limit_in_all() -> None:
    """Review 10 item 1: an agent holds a 1-hour chat; 20 releases of
    0.04 h (2.4 min) arrive at 0.5 h. Before, the agent did them one
    after another beside the chat, which ended at 1.80 (48 minutes with no
    reply). Now it does one (2.4 + 2.4 > 3 minutes) and the rest wait for
    the chat to end, as longer work does (claim_after 0)."""
    env = simpy.Environment()
    pool = StaffPool(env, "r", [MemberShifts("r#1", ((0.0, 100.0),))], 5, interleave=BRIEF)
    held: list[Task] = []
    whole: list[Task] = []
    _at(env, 0.0, pool, 1.0, True, held)
    for _ in range(20):
        _at(env, 0.5, pool, 0.04, False, whole)
    env.run(until=10)
    assert held[0].end == pytest.approx(1.04)
    assert whole[0].start == pytest.approx(0.5)
    assert [w.start for w in whole[1:]] == pytest.approx([1.04 + 0.04 * i for i in range(19)])


def test_a_brief_task_another_agent_may_share_goes_to_that_agent() -> None:
    """Two agents: #1 holds one chat already paused 0.04 h, #2 holds two
    fresh ones. A 0.02 h release would pause #1's chat 0.06 h: the less
    busy #1 may not take it, #2 does; a chat asked meanwhile goes to #1."""
    env = simpy.Environment()
    pool = _pool(env, n=2)
    held: list[Task] = []
    whole: list[Task] = []
    _at(env, 9.0, pool, 1.0, True, held)   # #1 (first at a tie)
    _at(env, 9.0, pool, 1.0, True, held)   # #2
    _at(env, 9.05, pool, 0.04, False, whole)  # #1 (as busy as #2: first)
    _at(env, 9.06, pool, 1.0, True, held)  # #2 (#1 is time-sharing)
    _at(env, 9.5, pool, 0.02, False, whole)
    env.run(until=18)
    names = [w.member.name for w in whole]  # type: ignore[union-attr]
    assert names == ["r#1", "r#2"]
    assert whole[1].start == pytest.approx(9.5)
    assert all(c.paused <= BRIEF + 1e-9 for c in held)


def test_long_whole_member_work_still_claims_and_waits_for_empty_hands() -> None:
    """A 0.5 h task (beyond the 3 minutes) asked at 9.5 claims the agent:
    it starts when the last chat ends (11), and the chats keep their ends."""
    env = simpy.Environment()
    pool = _pool(env)
    held: list[Task] = []
    whole: list[Task] = []
    later: list[Task] = []
    for work in (1.0, 1.5, 2.0):
        _at(env, 9.0, pool, work, True, held)
    _at(env, 9.5, pool, 0.5, False, whole)
    _at(env, 9.6, pool, 1.0, True, later)
    env.run(until=18)
    assert whole[0].start == pytest.approx(11.0)
    assert [c.end for c in held] == [pytest.approx(e) for e in (10.0, 10.5, 11.0)]
    assert later[0].start == pytest.approx(11.5)


def test_a_full_agent_does_not_take_brief_work_until_a_slot_frees() -> None:
    """Two slots, both held (ending 10 and 11): the release waits for the
    first slot to free (10), then runs beside the other chat, which ends
    later by the release's duration."""
    env = simpy.Environment()
    pool = _pool(env, concurrency=2)
    held: list[Task] = []
    whole: list[Task] = []
    _at(env, 9.0, pool, 1.0, True, held)
    _at(env, 9.0, pool, 2.0, True, held)
    _at(env, 9.5, pool, 0.04, False, whole)
    env.run(until=18)
    assert whole[0].start == pytest.approx(10.0)
    assert held[1].end == pytest.approx(11.04)


def test_an_empty_agent_takes_brief_work_before_one_holding_chats() -> None:
    env = simpy.Environment()
    pool = _pool(env, n=2)
    held: list[Task] = []
    whole: list[Task] = []
    _at(env, 9.0, pool, 1.0, True, held)
    _at(env, 9.5, pool, 0.04, False, whole)
    env.run(until=18)
    assert whole[0].member is not held[0].member
    assert held[0].end == pytest.approx(10.0)


def test_pauses_count_working_time_when_work_pauses_at_shift_end() -> None:
    """``pause`` at the shift end: a chat started at 17.5 with an hour of
    work, paused by a release of 0.04 h at 17.6, ends at 9.54 the next
    morning (0.5 h before 18:00, 0.54 h from 9:00)."""
    env = simpy.Environment()
    pool = _pool(env, pause=True, shifts=((9.0, 18.0), (33.0, 42.0)))
    held: list[Task] = []
    whole: list[Task] = []
    _at(env, 17.5, pool, 1.0, True, held)
    _at(env, 17.6, pool, 0.04, False, whole)
    env.run(until=48)
    assert held[0].end == pytest.approx(33.54)


def _wf(number: int, at: str, hours: float, shared: bool, priority: int = 5) -> dict:
    step = {"id": "talk" if shared else "release", "kind": "work", "role": "agent",
            "shared": shared, "duration": {"dist": "fixed", "value": hours, "unit": "hours"}}
    return {"name_zh": "流程", "number": number, "lanes": ["agent"], "priority": priority,
            "trigger": {"kind": "every", "every": "day", "at": at}, "steps": [step]}


def _agent(interleave: float, orders_hours: float, urgent: int = 0) -> Scenario:
    """One agent around the clock, five chats at once: chats of 2 h and 1 h
    at 09:00, a whole-member task at 09:30, a chat of 1 h at 09:31, for
    three days; with ``urgent``, that many more such tasks at 09:30, more
    urgent than the chats (a queue of releases)."""
    wf = _wf
    doc = {
        "name": "timeshare", "horizon": {"start": "2026-03-02", "end": "2026-03-04"}, "seed": 1,
        "replications": 1,
        "org": {"projects": 1, "departments": {"d": {"name_zh": "部"}},
                "roles": {"agent": {"name_zh": "客服", "department": "d", "headcount": 1,
                                    "headcount_basis": "assumed", "concurrency": 5,
                                    "roster": "always", "interleave_up_to_minutes": interleave}},
                "parties": {}},
        "calendars": always_calendars(),
        "workflows": {"long": wf(1, "09:00", 2.0, True), "short": wf(2, "09:00", 1.0, True),
                      "orders": wf(3, "09:30", orders_hours, False),
                      "late": wf(4, "09:31", 1.0, True)},
    }
    for k in range(urgent):
        doc["workflows"][f"urgent{k}"] = wf(5 + k, "09:30", orders_hours, False, priority=1)  # type: ignore[index]
    return Scenario.model_validate(doc)


def _rows(log: EventLog, workflow: str) -> list[tuple[float, float]]:
    c = log.columns
    pick = (c["workflow"] == workflow) & (c["kind"] == "work")
    return sorted(zip(c["start_time"][pick].tolist(), c["end_time"][pick].tolist()))


DAYS = 3


def test_busy_time_counts_the_member_fully_busy_and_the_paused_chats_nothing_more() -> None:
    """A 3-minute release at 09:30 beside chats of 2 h and 1 h: they end
    3 minutes later, the chat asking at 09:31 starts when the release is
    done; busy slot-time is the chats' 4 h of work plus the release's 5
    slots (not the chats' 4.1 h of records on top of them), utilisation
    stays at most 1 at every moment, and the chats paused 0.1 h a day."""
    s = _agent(3.0, 0.05)
    log = simulate(s, 0, 1)
    d = [24.0 * k for k in range(DAYS)]
    assert _rows(log, "orders") == [(pytest.approx(t + 9.5), pytest.approx(t + 9.55)) for t in d]
    assert _rows(log, "long") == [(pytest.approx(t + 9.0), pytest.approx(t + 11.05)) for t in d]
    assert _rows(log, "late") == [(pytest.approx(t + 9.55), pytest.approx(t + 10.55)) for t in d]
    st = StaffLog(s, log)
    x = role_reps(st)["agent"]
    assert x["busy"][0] == pytest.approx(DAYS * (4.0 + 0.05 * 5))
    assert x["paused"][0] == pytest.approx(DAYS * 0.1)
    assert 0 < x["utilization"][0] <= 1
    w = workload(s, log, st, {}, LogIndex(log))
    assert w.work_hours["agent"] == pytest.approx([4.0 / 5 + 0.05] * DAYS)
    roles = summarize(s, log, {})["roles"]["agent"]
    assert roles["paused_chat_hours"] == pytest.approx(DAYS * 0.1)
    assert roles["reserved_slot_hours"] == 0


def test_slots_a_claim_holds_idle_while_chats_wait_are_reserved_time() -> None:
    """The same with a half-hour task (beyond the 3 minutes): it claims the
    agent at 09:30, who lets its chats end (10:00, 11:00) and takes the chat
    asking at 09:31 only after the task (11:30): from 09:31 the free slots
    (3 until 10:00, 4 until 11:00) are held idle while it waits."""
    s = _agent(3.0, 0.5)
    log = simulate(s, 0, 1)
    assert _rows(log, "late")[0] == (pytest.approx(11.5), pytest.approx(12.5))
    st = StaffLog(s, log)
    want = 3 * (10.0 - (9.0 + 31 / 60)) + 4 * 1.0
    assert reserved_hours(st)[st.roles.index("agent"), 0] == pytest.approx(DAYS * want)
    roles = summarize(s, log, {})["roles"]["agent"]
    assert roles["reserved_slot_hours"] == pytest.approx(DAYS * want)
    assert roles["reserved_share"] == pytest.approx(DAYS * want / (DAYS * 24 * 5))
    assert roles["paused_chat_hours"] == 0
    assert 0 < roles["utilization"] <= 1


def test_the_reference_engine_time_shares_alike() -> None:
    """Both engines write the same log for brief work beside chats (the
    chats' ends moved by the release) and for longer work that claims; the
    stress scenario's logs (``test_reference_engine``) hold several hundred
    releases beside chats too."""
    from test_reference_engine import assert_same_log
    for orders in (0.05, 0.5):
        rows = assert_same_log(_agent(3.0, orders), 1)
        assert len(rows) > 4 * DAYS


def test_a_queue_of_urgent_releases_pauses_no_chat_beyond_the_limit() -> None:
    """Review 10 items 1 and 5: twelve releases of 2.4 minutes, more
    urgent than the chats, wait at 09:30 beside two chats in hand. Before,
    the agent did them one after another while its chats stood still (36
    minutes with no reply); now each chat is paused at most 3 minutes in
    all (the invariant), the chats end 2.4 minutes late, and the releases
    left wait for the chats to end. Both engines alike."""
    from invariants import check_whole_member
    from test_reference_engine import assert_same_log
    s = _agent(3.0, 0.04, urgent=11)
    log = simulate(s, 0, 1)
    check_whole_member(log, {(w, "talk") for w in ("long", "short", "late")}, {"agent": 0.05})
    assert _rows(log, "long")[0] == (pytest.approx(9.0), pytest.approx(11.04))
    assert _rows(log, "short")[0] == (pytest.approx(9.0), pytest.approx(10.04))
    roles = summarize(s, log, {})["roles"]["agent"]
    assert roles["chats_paused_share"] == pytest.approx(2 / 3)  # the chat at 09:31 is not
    assert roles["chat_pause_p95_minutes"] == pytest.approx(2.4)
    assert roles["chat_pause_max_minutes"] == pytest.approx(2.4)
    assert_same_log(s, 1)


def test_daily_utilisation_takes_the_paused_chats_out_as_the_summary_does() -> None:
    """Review 10 item 2: daily_roles.csv (and the heatmap) counted a
    paused chat besides its member's full busy time, so days went above 1
    (1.46 on Double 11). Each day's busy slot-time now sums to the
    summary's busy time, and no day is above 1."""
    from sim.report.tables import daily_roles
    for urgent in (0, 11):
        s = _agent(3.0, 0.05 if not urgent else 0.04, urgent)
        log = simulate(s, 0, 1)
        st = StaffLog(s, log)
        util = daily_roles(st)["utilization"][st.roles.index("agent")]
        assert (util <= 1 + 1e-12).all()
        slots_a_day = 24.0 * 5
        assert util.sum() * slots_a_day == pytest.approx(role_reps(st)["agent"]["busy"][0])
