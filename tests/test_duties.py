"""Recurring duties (``sim.cases.duties``): who counts as a member, day
boundaries, duties open at the horizon, and the duty cross-check of
``rules.checks``."""
from __future__ import annotations

import math

from rules.checks import check_scenario
from rules.scenario import Scenario
from sim.runs.replication import simulate

ALL_WEEK = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def fixed(hours: float) -> dict:
    return {"dist": "fixed", "value": hours, "unit": "hours"}


def scenario(duties: dict, *, days: int = 3, shifts: dict | None = None,
             roster: list | None = None, overrides: list | None = None,
             headcount: int = 2) -> Scenario:
    """Role ``r`` (2 members, 09:00-18:00 every day from Monday 2026-10-12)
    with the given duties and an idle workflow."""
    doc = {
        "name": "t", "horizon": {"start": "2026-10-12", "end": f"2026-10-{11 + days}"},
        "seed": 7, "replications": 1,
        "org": {"projects": 1, "departments": {"d": {"name_zh": "部"}},
                "roles": {"r": {"name_zh": "员", "department": "d", "headcount": headcount,
                                "headcount_basis": "assumed"}},
                "parties": {}},
        "duties": duties,
        "calendars": {"holidays": {"source": "listed"},
                      "shifts": shifts or {"office": {"start": "09:00", "end": "18:00",
                                                      "weekdays": ALL_WEEK}},
                      "rosters": {"office": roster or [{"shift": "office"}]},
                      "overrides": overrides or []},
        "workflows": {"w": {"name_zh": "流程", "number": 1, "lanes": ["r"],
                            "steps": [{"id": "x", "kind": "work", "role": "r",
                                       "duration": fixed(1)}]}},
    }
    s = Scenario.model_validate(doc)
    assert list(check_scenario(s)) == []
    return s


def duty_rows(s: Scenario, did: str) -> list:
    return [r for r in simulate(s).records() if r.activity == did]


def test_duties_count_regular_members_not_temporary_staff() -> None:
    # One temporary member works Monday only; afterwards the role is its two
    # regular members, so "each" means two tasks and "together" two people.
    s = scenario({
        "each": {"role": "r", "every": "day", "at": "09:00", "who": "each",
                 "duration": fixed(0.5)},
        "team": {"role": "r", "every": "week", "weekday": "tue", "at": "10:00",
                 "who": "together", "duration": fixed(1)},
    }, overrides=[{"role": "r", "start": "2026-10-12", "end": "2026-10-12",
                   "change": "extra", "members": 1, "shift": "office"}])
    each = duty_rows(s, "each")
    for day in (1, 2):
        assert len([r for r in each if day * 24 <= r.enable_time < day * 24 + 24]) == 2
    (team,) = duty_rows(s, "team")
    assert team.outcome == "done" and sorted(team.resource.split("+")) == ["r#1", "r#2"]


def test_daily_duty_is_not_placed_on_a_day_after_a_shift_ending_at_midnight() -> None:
    # The only shift is Monday 16:00-24:00: nobody works on Tuesday.
    s = scenario({"d": {"role": "r", "every": "day", "at": "09:00", "who": "one",
                        "duration": fixed(0.5)}},
                 days=2, shifts={"late": {"start": "16:00", "end": "24:00", "weekdays": ["mon"]}},
                 roster=[{"shift": "late"}])
    assert [r.enable_time for r in duty_rows(s, "d")] == [9.0]


def test_each_duty_open_at_the_horizon_keeps_its_finished_tasks() -> None:
    # One member on 09:00-24:00, the other 09:00-12:00: at 22:00 the first
    # does both tasks, one after the other; the second is open at 24:00.
    s = scenario({"d": {"role": "r", "every": "day", "at": "22:00", "who": "each",
                        "duration": fixed(1.5)}},
                 days=1, shifts={"long": {"start": "09:00", "end": "24:00", "weekdays": ALL_WEEK},
                                 "short": {"start": "09:00", "end": "12:00", "weekdays": ALL_WEEK}},
                 roster=[{"shift": "long", "members": 1}, {"shift": "short", "members": 1}])
    got = sorted((r.resource, r.start_time, r.end_time, r.outcome) for r in duty_rows(s, "d"))
    assert len(got) == 2
    assert got[0] == ("r#1", 22.0, 23.5, "done")
    assert got[1][:2] == ("r#1", 23.5) and math.isnan(got[1][2]) and got[1][3] == "open"


def test_a_duty_of_an_unknown_role_is_a_problem_not_a_crash() -> None:
    s = scenario({})
    bad = s.model_copy(update={"duties": {"d": s.duties.get("d") or _duty("desiger")}})
    problems = list(check_scenario(bad))
    assert [(p, m) for p, m in problems if p[:2] == ("duties", "d")] == [
        (("duties", "d", "role"), "unknown role 'desiger'; expected one of: r")]


def _duty(role: str):
    from rules.org import Duty
    return Duty.model_validate({"role": role, "every": "day", "duration": fixed(1)})
