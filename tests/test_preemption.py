"""Preemption in the event log: one record per stretch of work, so busy time,
waits and concurrency add up as they happened (utilisation stays <= 1)."""
from __future__ import annotations

import math

import pytest
from invariants import check_concurrency, check_times
from test_interpreter import fixed, scenario

from rules.scenario import Scenario
from sim.analysis.kpis import role_reps
from sim.analysis.staffing import StaffLog
from sim.runs.replication import simulate


def _preemptive(urgent_at: str, low_hours: float, days: int = 7, low: dict | None = None,
                headcount: int = 1) -> Scenario:
    """Role ``r`` (one member, 09-18, preemptive): a 5-priority job at 10:00
    on 12 Oct (``low`` replaces its step) and an urgent 1-hour job (priority
    1) at ``urgent_at``."""
    s = scenario([low or {"id": "make", "kind": "work", "role": "r",
                          "duration": fixed(low_hours), "priority": 5}],
                 headcount=headcount, days=days)
    w = s.workflows["w"]
    fix = {"id": "fix", "kind": "work", "role": "r", "duration": fixed(1.0), "priority": 1}
    urgent = w.model_copy(update={"trigger": w.trigger.model_copy(update={"at": urgent_at}),
                                  "steps": (type(w).model_validate(
                                      {**w.model_dump(), "steps": [fix]}).steps[0],)})
    roles = dict(s.org.roles)
    roles["r"] = roles["r"].model_copy(update={"preemptive": True})
    return s.model_copy(update={"workflows": {"w": s.workflows["w"], "u": urgent},
                                "org": s.org.model_copy(update={"roles": roles})})


def _rows(s: Scenario, activity: str) -> list:
    return [r for r in simulate(s).records() if r.activity == activity]


def test_a_preempted_step_leaves_one_record_per_stretch() -> None:
    s = _preemptive("11:00", 5.0)
    make = _rows(s, "make")
    assert [(r.resource, r.enable_time, r.start_time, r.end_time, r.outcome) for r in make] == [
        ("r#1", 10.0, 10.0, 11.0, "preempted"),  # an hour's work, then the urgent job
        ("r#1", 11.0, 12.0, 16.0, "done"),  # back in line at 11, the 4 hours left
    ]
    (fix,) = _rows(s, "fix")
    assert (fix.start_time, fix.end_time) == (11.0, 12.0)


def test_preemption_keeps_concurrency_and_utilisation_honest() -> None:
    s = _preemptive("11:00", 5.0)
    log = simulate(s)
    check_times(log)
    check_concurrency(log, {"r": 1, "boss": 1})  # one task at a time, never two
    util = role_reps(StaffLog(s, log))["r"]["utilization"]
    assert util[0] == pytest.approx(6.0 / (7 * 9))  # 5 + 1 hours busy in 7 shifts of 9 h
    assert 0.0 <= util[0] <= 1.0


def test_a_step_preempted_and_still_waiting_at_the_horizon_is_open_without_a_member() -> None:
    # The low job starts 10:00 on the last day and is preempted at 11:00 by an
    # urgent job of 8 hours (to 19:00, past the horizon): it waits in line.
    s = _preemptive("11:00", 5.0, days=1)
    urgent = s.workflows["u"]
    long_fix = urgent.model_copy(update={"steps": (urgent.steps[0].model_copy(
        update={"duration": fixed_model(8.0)}),)})
    s = s.model_copy(update={"workflows": {"w": s.workflows["w"], "u": long_fix}})
    make = _rows(s, "make")
    assert [(r.resource, r.enable_time, r.start_time, r.outcome) for r in make[:1]] == [
        ("r#1", 10.0, 10.0, "preempted")]
    last = make[1]
    assert (last.resource, last.enable_time, last.outcome) == ("", 11.0, "open")
    assert math.isnan(last.start_time) and math.isnan(last.end_time)


def fixed_model(hours: float):
    from rules.distributions import Fixed
    return Fixed.model_validate(fixed(hours))


def test_work_interrupted_as_it_begins_leaves_no_empty_stretch() -> None:
    # Both jobs at 10:00: the low one is taken first, then given up at once.
    s = _preemptive("10:00", 5.0)
    make = _rows(s, "make")
    assert [(r.enable_time, r.start_time, r.end_time, r.outcome) for r in make] == [
        (10.0, 11.0, 16.0, "done")]  # it really started after the urgent job


def test_work_due_at_the_moment_urgent_work_arrives_is_not_interrupted() -> None:
    s = _preemptive("11:00", 1.0)  # the low job ends at 11:00, as the urgent one arrives
    make, (fix,) = _rows(s, "make"), _rows(s, "fix")
    assert [(r.start_time, r.end_time, r.outcome) for r in make] == [(10.0, 11.0, "done")]
    assert (fix.start_time, fix.end_time) == (11.0, 12.0)  # not an hour late


def test_a_preempted_contest_entrant_resumes() -> None:
    pk = {"id": "pk", "kind": "contest", "role": "r", "entrants": 2, "judge": "boss",
          "duration": fixed(5.0), "judge_duration": fixed(1.0), "priority": 5}
    s = _preemptive("11:00", 5.0, low=pk, headcount=2)
    rows = sorted((r.outcome, r.enable_time, r.start_time, r.end_time) for r in _rows(s, "pk"))
    assert rows == [("entry", 10.0, 10.0, 15.0),
                    ("entry", 11.0, 12.0, 16.0),  # back at work once the urgent job is done
                    ("preempted", 10.0, 10.0, 11.0),
                    ("selected", 16.0, 16.0, 17.0)]


def test_windows_and_task_counts_read_a_preempted_step_as_one() -> None:
    from rules.windows import ServiceWindow
    from sim.analysis.windows import window_cases

    s = _preemptive("11:00", 5.0)
    window = ServiceWindow.model_validate({
        "name_zh": "做完", "owner": "shop", "workflows": ["w"], "clock": "elapsed_hours",
        "limit": 3,
        "start": {"activity": "case_start", "edge": "start"},
        "end": {"activity": "make", "edge": "end"}})
    s = s.model_copy(update={"service_windows": {"made": window}})
    log = simulate(s)
    cases = window_cases(s, log, "made")
    assert cases.end.tolist() == [16.0]  # when it was done, not when it was interrupted
    assert cases.met.tolist() == [False]
    r = role_reps(StaffLog(s, log))["r"]
    assert r["tasks"][0] == 2  # make and fix; the interrupted stretch is not a task
    assert r["wait_mean"][0] == pytest.approx((0 + 1 + 0) / 2)  # make waited 1 h to resume
