"""Platform timers that act (issue 16 point 1): a timer that runs out takes
the platform's path (work nobody started withdrawn, the case resumed at a
later step, ended, or charged and going on), one that does not run out
leaves the case alone; dated limits; the acts counted in ``summary.json``."""
from __future__ import annotations

import datetime as dt
import math
import re

import pytest

from rules.checks import check_scenario
from rules.scenario import Scenario
from sim import run, summarize
from sim.analysis.window_misses import window_misses
from sim.analysis.windows import evaluate_windows, window_cases
from sim.runs.replication import simulate

ALL_WEEK = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
NAN = math.nan


def fixed(hours: float) -> dict:
    return {"dist": "fixed", "value": hours, "unit": "hours"}


def at(clock: str) -> dict:
    return {"kind": "every", "every": "year", "month": 10, "day": 12, "at": clock}


#: A request answered by the one agent, the buyer's parcel, the shop's check.
REQUEST = [
    {"id": "answer", "kind": "work", "role": "r", "duration": fixed(1)},
    {"id": "register", "kind": "work", "role": "r", "duration": fixed(0.25)},
    {"id": "ships", "kind": "wait", "party": "customer", "duration": fixed(2)},
    {"id": "check", "kind": "work", "role": "r", "duration": fixed(0.5)},
]


def scenario(limit: float, then: str = "resume", busy: float = 6.0, end: str = "answer",
             **window: object) -> Scenario:
    """One agent on 09:00-18:00 every day, busy from 09:00 for ``busy``
    hours (an earlier case); a request at 10:00 under a platform timer of
    ``limit`` hours from the case's start to the end of ``end``."""
    timer: dict = {"action": "platform_acts", "then": then, "cost": 5.0, "cost_source": "assumed"}
    if then == "resume":
        timer["resume_at"] = "ships"
    doc = {
        "name": "t", "horizon": {"start": "2026-10-12", "end": "2026-10-14"}, "seed": 7,
        "replications": 1,
        "org": {"projects": 1, "departments": {"d": {"name_zh": "部"}},
                "roles": {"r": {"name_zh": "员", "department": "d", "headcount": 1,
                                "headcount_basis": "assumed"}},
                "parties": {"customer": {"name_zh": "顾客"}, "platform": {"name_zh": "平台"}}},
        "calendars": {"holidays": {"source": "listed"},
                      "shifts": {"office": {"start": "09:00", "end": "18:00", "weekdays": ALL_WEEK}},
                      "rosters": {"office": [{"shift": "office"}]}},
        "workflows": {
            "busy": {"name_zh": "忙", "number": 1, "lanes": ["r"], "trigger": at("09:00"),
                     "steps": [{"id": "earlier", "kind": "work", "role": "r", "duration": fixed(busy)}]},
            "w": {"name_zh": "申请", "number": 2, "lanes": ["r", "customer"], "trigger": at("10:00"),
                  "steps": REQUEST}},
        "service_windows": {"answer_in_time": {
            "owner": "platform", "workflows": ["w"], "start": {"activity": "case_start"},
            "end": {"activity": end}, "limit": limit, "clock": "elapsed_hours", "timer": timer,
            **window}},
    }
    s = Scenario.model_validate(doc)
    assert list(check_scenario(s)) == []
    return s


def steps(s: Scenario) -> dict[str, tuple]:
    """Activity -> (start, end, outcome, role) of the request's records."""
    return {r.activity: (r.start_time, r.end_time, r.outcome, r.role)
            for r in simulate(s).records() if r.workflow == "w"}


def same(a: tuple, b: tuple) -> bool:
    return all((x != x and y != y) or x == y for x, y in zip(a, b, strict=True))


def test_a_timer_that_runs_out_withdraws_waiting_work_and_resumes_the_case() -> None:
    # Deadline 13:00; the agent is busy until 15:00: the answer, not started,
    # is withdrawn at the deadline and the buyer ships at once (13:00-15:00);
    # the skipped register costs no staff time.
    by = steps(scenario(limit=3.0))
    assert same(by["answer"], (NAN, 13.0, "withdrawn", "r"))
    assert by["platform_acts"] == (13.0, 13.0, "done", "platform")
    assert "register" not in by
    assert by["ships"][:2] == (13.0, 15.0)
    assert by["check"][:3] == (15.0, 15.5, "done")
    assert by["case_end"][1:3] == (15.5, "done")


def test_a_timer_that_does_not_run_out_leaves_the_case_alone() -> None:
    # Deadline 18:00; the answer is done 15:00-16:00.
    by = steps(scenario(limit=8.0))
    assert by["answer"][:3] == (15.0, 16.0, "done")
    assert "platform_acts" not in by
    assert [a for a in by if a not in ("case_start", "case_end")] == ["answer", "register", "ships",
                                                                     "check"]


def test_work_in_progress_is_finished_then_the_case_takes_the_platforms_path() -> None:
    # Not busy: the answer runs 10:00-11:00 past a 0.5-hour deadline; the
    # agent finishes it, then the case goes on at the buyer's shipment.
    by = steps(scenario(limit=0.5, busy=0.01))
    assert by["platform_acts"][:2] == (10.5, 10.5)
    assert by["answer"][:3] == (10.0, 11.0, "done")
    assert "register" not in by and by["ships"][:2] == (11.0, 13.0)


def test_a_timer_that_ends_the_case_and_one_that_charges() -> None:
    ended = steps(scenario(limit=3.0, then="end"))
    assert ended["answer"][2] == "withdrawn"
    assert ended["case_end"][1:3] == (13.0, "ended")
    assert "ships" not in ended
    charged = steps(scenario(limit=3.0, then="continue"))
    assert charged["platform_acts"][:2] == (13.0, 13.0)
    assert charged["answer"][:3] == (15.0, 16.0, "done")  # the shop still answers, late
    assert charged["case_end"][2] == "done"


def test_the_window_counts_what_the_timer_did() -> None:
    for limit, met in ((3.0, 0.0), (8.0, 1.0)):
        s = scenario(limit=limit)
        assert evaluate_windows(s, simulate(s))["answer_in_time"]["met"] == met


def test_a_dated_limit_applies_to_clocks_started_that_day() -> None:
    # The platform extends the deadline for requests of 12 Oct to 8 hours.
    longer = [{"start": "2026-10-12", "end": "2026-10-12", "limit": 8.0, "source": "assumed"}]
    s = scenario(limit=3.0, limit_periods=longer)
    assert s.service_windows["answer_in_time"].limit_on(dt.date(2026, 10, 12)) == 8.0
    assert s.service_windows["answer_in_time"].limit_on(dt.date(2026, 10, 13)) == 3.0
    by = steps(s)
    assert "platform_acts" not in by and by["answer"][2] == "done"
    assert evaluate_windows(s, simulate(s))["answer_in_time"]["met"] == 1.0


def test_summary_counts_the_platforms_acts_and_their_cost() -> None:
    s = scenario(limit=3.0).model_copy(update={"replications": 3})
    log, facts = run(s, 7, 3)
    acts = summarize(s, log, facts)["platform_actions"]
    got = acts["platform_acts"]
    assert got["window"] == "answer_in_time" and got["then"] == "resume"
    assert got["per_replication"] == 1.0 and got["replications"] == 3
    assert got["cost_per_act"] == 5.0 and got["cost_per_replication"] == 5.0
    assert acts["counts_are"].startswith("mean per replication")


@pytest.mark.parametrize(("change", "message"), [
    ({"owner": "shop"}, "a window with a timer needs owner: platform"),
    ({"clock": "calendar_days"}, "a timer runs on elapsed_hours, not calendar_days"),
    ({"end": {"activity": "answer", "edge": "start"}}, r"edge: end\), not at its 'start'"),
    ({"timer": {"action": "answer", "then": "end"}}, "'answer' is already an activity"),
    ({"timer": {"action": "x", "then": "resume", "resume_at": "answer"}},
     "'answer' must come after the step that ends the window"),
    ({"timer": {"action": "x", "then": "resume", "resume_at": "nowhere"}},
     "'nowhere' is not a top-level step of workflow 'w'"),
    ({"limit_periods": [{"start": "2027-01-01", "end": "2027-01-02", "limit": 5.0}]},
     "so this limit would never apply"),
])
def test_timers_that_could_not_act_as_written_are_refused(change: dict, message: str) -> None:
    s = scenario(limit=3.0)
    win = s.service_windows["answer_in_time"].model_dump(mode="json") | change
    doc = s.model_dump(mode="json")
    doc["service_windows"]["answer_in_time"] = win
    problems = list(check_scenario(Scenario.model_validate(doc)))
    assert any(re.search(message, m) for _, m in problems), problems


def test_resume_needs_its_step_and_only_resume_takes_one() -> None:
    with pytest.raises(ValueError, match="then: resume needs 'resume_at'"):
        scenario(limit=3.0).service_windows["answer_in_time"].timer.model_validate(
            {"action": "x", "then": "resume"})
    with pytest.raises(ValueError, match="'resume_at' is only for then: resume"):
        scenario(limit=3.0).service_windows["answer_in_time"].timer.model_validate(
            {"action": "x", "then": "end", "resume_at": "ships"})


def test_a_window_the_platform_settled_is_measured_to_its_act() -> None:
    # Opened 10:00, acted on at 13:00 (the answer withdrawn, the buyer ships
    # 13:00-15:00, the check 15:00-15:30): the window's case took 3 hours,
    # not the 5.5 the case ran on, and its missed time is the wait for the answer.
    for then in ("resume", "end"):
        s = scenario(limit=3.0, then=then)
        log = simulate(s)
        row = evaluate_windows(s, log)["answer_in_time"]
        assert row["met"] == 0.0 and row["p95_hours"] == 3.0
        misses = window_misses(s, log)["answer_in_time"]
        assert misses["missed"] == 1
        assert misses["budget_hours"]["total"] == 3.0 and misses["budget_hours"]["waiting"] == {"r": 3.0}
        assert misses["budget_hours"]["outside"] == {} and misses["budget_hours"]["working"] == {}
    # Going on after the act (then: continue), the shop's late answer at 16:00
    # is the end; unanswered at the horizon, the case is open until it.
    s = scenario(limit=3.0, then="continue")
    assert evaluate_windows(s, simulate(s))["answer_in_time"]["p95_hours"] == 6.0
    s = scenario(limit=3.0, then="continue", busy=30.0)
    s = s.model_copy(update={"horizon": s.horizon.model_copy(update={"end": s.horizon.start})})
    log = simulate(s)
    wc = window_cases(s, log, "answer_in_time")
    assert wc.open.tolist() == [True] and wc.hours.tolist() == [log.horizon_hours - 10.0]


@pytest.mark.parametrize(("order_value", "per_act"), [(200.0, 10.0), (400.0, 20.0),
                                                      (60.0, 5.0), (1000.0, 30.0)])
def test_the_late_shipment_compensation_follows_the_scenarios_order_value(
        order_value: float, per_act: float) -> None:
    # One order value for lost sales and the compensation (issue 16, review
    # item 11): 5% of demand.average_order_value, at least 5, at most 30 CNY.
    from rules.loader import load_scenario
    from sim.analysis.platform import platform_actions
    s = load_scenario("scenarios/baseline.yaml",
                      [f"demand.average_order_value={order_value:g}"])
    timer = s.service_windows["ship_within_deadline_72h"].timer
    assert timer is not None and timer.cost is None and timer.cost_of_order is not None
    acts = platform_actions(s, [{"late_shipment_compensation": 3},
                                {"late_shipment_compensation": 5}])
    got = acts["late_shipment_compensation"]
    assert got["cost_per_act"] == per_act
    assert got["cost_per_replication"] == pytest.approx(4 * per_act)
    assert got["cost_of_order"] == {"rate": 0.05, "minimum": 5.0, "maximum": 30.0,
                                    "order_value": order_value}
