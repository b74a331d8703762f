"""Preemption in the event log: one record per stretch of work, so busy time,
waits and concurrency add up as they happened (utilisation stays <= 1)."""
from __future__ import annotations

import math

import pytest

from rules.scenario import Scenario
from sim.analysis.kpis import role_reps
from sim.analysis.staffing import StaffLog
from sim.model import simulate
from invariants import check_concurrency, check_times
from test_interpreter import fixed, scenario


def _preemptive(urgent_at: str, low_hours: float, days: int = 7) -> Scenario:
    """Role ``r`` (one member, 09-18, preemptive): a 5-priority job at 10:00
    on 12 Oct and an urgent 1-hour job (priority 1) at ``urgent_at``."""
    s = scenario([{"id": "make", "kind": "work", "role": "r", "duration": fixed(low_hours),
                   "priority": 5}], headcount=1, days=days)
    urgent = s.workflows["w"].model_copy(update={
        "trigger": s.workflows["w"].trigger.model_copy(update={"at": urgent_at}),
        "steps": (s.workflows["w"].steps[0].model_copy(
            update={"id": "fix", "duration": s.workflows["w"].steps[0].duration.model_copy(
                update={"value": 1.0}), "priority": 1}),)})
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
