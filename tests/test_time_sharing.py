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

from rules.shifts import MemberShifts
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
    """Two releases back to back (9.5-9.54, then 9.54-9.58, the second
    asked while the first runs): a chat asked at 9.52 waits until 9.58,
    and a chat held through both ends 0.08 h later."""
    env = simpy.Environment()
    pool = _pool(env)
    held: list[Task] = []
    whole: list[Task] = []
    later: list[Task] = []
    _at(env, 9.0, pool, 1.0, True, held)
    _at(env, 9.5, pool, 0.04, False, whole)
    _at(env, 9.51, pool, 0.04, False, whole)
    _at(env, 9.52, pool, 0.5, True, later)
    env.run(until=18)
    assert [(w.start, w.end) for w in whole] == [(pytest.approx(9.5), pytest.approx(9.54)),
                                                 (pytest.approx(9.54), pytest.approx(9.58))]
    assert later[0].start == pytest.approx(9.58)
    assert held[0].end == pytest.approx(10.08)


def test_a_chat_paused_after_its_planned_end_came_ends_later_again() -> None:
    """A chat planned to end at 10 is paused twice: by a release at 9.98
    (so its planned end 10 finds 0.04 h left) and by another at 10.01,
    during that rest: it ends at 10 + 0.04 + 0.04."""
    env = simpy.Environment()
    pool = _pool(env)
    held: list[Task] = []
    whole: list[Task] = []
    _at(env, 9.0, pool, 1.0, True, held)
    _at(env, 9.98, pool, 0.04, False, whole)
    _at(env, 10.03, pool, 0.04, False, whole)
    env.run(until=18)
    assert held[0].end == pytest.approx(10.08)


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
