"""Each step kind, executed on a tiny standalone scenario with known timings."""
from __future__ import annotations

import math

import pytest

from rules.checks import check_scenario
from rules.scenario import Scenario
from sim.runs.replication import simulate

ALL_WEEK = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def scenario(steps: list, *, headcount: int = 2, start: str = "2026-10-12",
             trigger: dict | None = None, days: int = 7) -> Scenario:
    """One role on a 09:00-18:00 shift every day, one workflow started once."""
    end = f"2026-10-{12 + days - 1}"
    doc = {
        "name": "t", "horizon": {"start": start, "end": end}, "seed": 7, "replications": 1,
        "org": {"projects": 1, "departments": {"d": {"name_zh": "部"}},
                "roles": {"r": {"name_zh": "员", "department": "d", "headcount": headcount,
                                "headcount_basis": "assumed"},
                          "boss": {"name_zh": "主管", "department": "d", "headcount": 1,
                                   "headcount_basis": "assumed"}},
                "parties": {"customer": {"name_zh": "顾客"}}},
        "calendars": {"holidays": {"source": "listed"},
                      "shifts": {"office": {"start": "09:00", "end": "18:00", "weekdays": ALL_WEEK}},
                      "rosters": {"office": [{"shift": "office"}]}},
        "workflows": {"w": {"name_zh": "流程", "number": 1, "lanes": ["r", "boss", "customer"],
                            "trigger": trigger or {"kind": "every", "every": "year", "month": 10,
                                                   "day": 12, "at": "10:00"},
                            "steps": steps}},
    }
    s = Scenario.model_validate(doc)
    assert list(check_scenario(s)) == []
    return s


def fixed(hours: float) -> dict:
    return {"dist": "fixed", "value": hours, "unit": "hours"}


def rows(s: Scenario) -> list:
    return [r for r in simulate(s).records() if r.workflow == "w"]


def test_work_then_wait_then_scheduled_upload() -> None:
    s = scenario([
        {"id": "make", "kind": "work", "role": "r", "duration": fixed(2)},
        {"id": "customer_reads", "kind": "wait", "party": "customer", "duration": fixed(10)},
        {"id": "upload", "kind": "scheduled", "at": "09:30", "days": "any"},
    ])
    by = {r.activity: r for r in rows(s)}
    assert (by["make"].start_time, by["make"].end_time) == (10.0, 12.0)
    assert by["customer_reads"].role == "customer" and by["customer_reads"].end_time == 22.0
    assert by["upload"].end_time == pytest.approx(24 + 9.5)  # next 09:30
    assert by["case_end"].end_time == pytest.approx(33.5)


def test_rejections_rework_until_the_cap_then_pass() -> None:
    s = scenario([
        {"id": "draft", "kind": "work", "role": "r", "duration": fixed(1)},
        {"id": "approve", "kind": "approval", "role": "boss", "duration": fixed(0.5),
         "reject_probability": 1.0, "rework_to": "draft", "max_rounds": 2},
    ])
    outcomes = [(r.activity, r.outcome) for r in rows(s) if r.kind != "case"]
    assert outcomes == [("draft", "done"), ("approve", "rejected"), ("draft", "done"),
                        ("approve", "rejected"), ("draft", "done"), ("approve", "forced")]


def test_meeting_waits_for_every_attendee() -> None:
    s = scenario([
        {"id": "busy", "kind": "work", "role": "boss", "duration": fixed(3)},
        {"id": "sync", "kind": "meeting", "roles": {"r": "all", "boss": 1}, "duration": fixed(1)},
    ])
    sync = next(r for r in rows(s) if r.activity == "sync")
    assert sync.start_time == 13.0 and sync.end_time == 14.0
    assert sorted(sync.resource.split("+")) == ["boss#1", "r#1", "r#2"]


def test_contest_entrants_work_in_parallel_then_a_judge_picks() -> None:
    s = scenario([{"id": "pk", "kind": "contest", "role": "r", "entrants": 2,
                   "duration": fixed(2), "judge": "boss", "judge_duration": fixed(0.5)}])
    pk = [r for r in rows(s) if r.activity == "pk"]
    entries = [r for r in pk if r.outcome == "entry"]
    assert {r.resource for r in entries} == {"r#1", "r#2"}
    assert all(r.start_time == 10.0 for r in entries)
    [judge] = [r for r in pk if r.outcome == "selected"]
    assert (judge.role, judge.start_time, judge.end_time) == ("boss", 12.0, 12.5)


def test_probability_branch_and_end_case() -> None:
    s = scenario([
        {"id": "fork", "kind": "branch", "by": "probability", "cases": [
            {"name": "stop", "p": 1.0, "steps": [{"id": "lost", "kind": "milestone", "end_case": True}]},
            {"name": "go", "p": 0.0, "steps": []}]},
        {"id": "never", "kind": "work", "role": "r", "duration": fixed(1)},
    ])
    got = [(r.activity, r.outcome) for r in rows(s)]
    assert ("fork", "stop") in got and ("case_end", "ended") in got
    assert all(a != "never" for a, _ in got)


def test_work_open_at_the_horizon_is_reported_not_dropped() -> None:
    s = scenario([{"id": "long", "kind": "work", "role": "r", "duration": fixed(500)}], days=3)
    [open_row] = [r for r in rows(s) if r.activity == "long"]
    assert open_row.outcome == "open" and open_row.start_time == 10.0
    assert math.isnan(open_row.end_time)
    assert not any(r.activity == "case_end" for r in rows(s))


def test_a_night_chat_is_answered_at_the_shift_start_not_lost() -> None:
    """Issue 16 point 5: a chat written while nobody is on duty is a message
    the first shift answers; patience does not run through the night."""
    s = scenario([{"id": "chat", "kind": "work", "role": "r", "duration": fixed(1),
                   "patience": fixed(2)}],
                 trigger={"kind": "every", "every": "year", "month": 10, "day": 12, "at": "02:00"})
    by = {r.activity: r for r in rows(s)}
    assert by["chat"].outcome == "done"
    assert (by["chat"].enable_time, by["chat"].start_time) == (2.0, 9.0)


def test_patience_runs_only_while_someone_is_on_duty() -> None:
    """A customer waiting while the only member is busy leaves after two
    on-duty hours: 17:00-18:00 today and 09:00-10:00 tomorrow, not at 19:00."""
    s = scenario([{"id": "chat", "kind": "work", "role": "r", "duration": fixed(1),
                   "patience": fixed(2)}], headcount=1,
                 trigger={"kind": "every", "every": "year", "month": 10, "day": 12, "at": "17:00"})
    doc = s.model_dump(mode="json")
    doc["workflows"]["block"] = {**doc["workflows"]["w"], "number": 2, "steps": [
        {"id": "block", "kind": "work", "role": "r", "duration": fixed(20)}],
        "trigger": {"kind": "every", "every": "year", "month": 10, "day": 12, "at": "16:00"}}
    by = {r.activity: r for r in rows(Scenario.model_validate(doc))}
    assert by["chat"].outcome == "abandoned" and by["chat"].end_time == 24 + 10.0
    assert by["case_end"].outcome == "ended"


def test_scheduled_until_a_case_attribute() -> None:
    import simpy

    from sim.cases.interpreter import Case, Context, start_case
    from sim.cases.steps import code_steps, compile_steps
    from sim.inputs.streams import Streams

    s = scenario([{"id": "balance", "kind": "scheduled", "attribute": "balance_at"}])
    env = simpy.Environment()
    ctx = Context(env, 0, None, lambda day: True)
    nodes = compile_steps(s, "w", s.workflows["w"].steps, {}, Streams(1, 0), 5)
    code_steps(nodes, "w", ctx.code)  # records hold codes, as a replication sets up
    start_case(ctx, Case(ctx, 1, "w", {"balance_at": 30.5}), nodes)
    env.run(until=100)
    [row] = [r for r in ctx.records if r[3] == ctx.code("balance")]
    assert row[7:10] == (0.0, 0.0, 30.5)


def test_scheduled_needs_exactly_one_moment() -> None:
    from pydantic import ValidationError

    from rules.workflow import Scheduled

    with pytest.raises(ValidationError, match="give exactly one of 'at'"):
        Scheduled(id="x", kind="scheduled")
    with pytest.raises(ValidationError, match="give exactly one of 'at'"):
        Scheduled(id="x", kind="scheduled", at="09:00", attribute="t")


def chained(headcount: int = 2) -> Scenario:
    """Workflow w (shoot 2 h, a milestone that starts v, tidy up 1 h) and v
    (a 2 h template, started only by w), on role r."""
    s = scenario([
        {"id": "shoot", "kind": "work", "role": "r", "duration": fixed(2)},
        {"id": "handed_on", "kind": "milestone"},
        {"id": "tidy_up", "kind": "work", "role": "r", "duration": fixed(1)},
    ], headcount=headcount)
    w = s.workflows["w"]
    steps = list(w.steps)
    steps[1] = steps[1].model_copy(update={"starts": "v"})
    w = w.model_copy(update={"steps": tuple(steps)})
    v = w.model_copy(update={"trigger": w.trigger.model_copy(update={"kind": "none"}),
                             "steps": (w.steps[0].model_copy(update={"id": "template"}),)})
    s = s.model_copy(update={"workflows": {"w": w, "v": v}})
    assert list(check_scenario(s)) == []
    return s


def test_a_milestone_starts_a_case_of_another_workflow() -> None:
    s = chained()
    w, v = s.workflows["w"], s.workflows["v"]
    log = [r for r in simulate(s).records() if r.workflow in ("w", "v")]
    started = [r for r in log if r.workflow == "v" and r.activity == "case_start"]
    assert [r.start_time for r in started] == [12.0]  # at the milestone, 10:00 + 2 h
    template = next(r for r in log if r.activity == "template")
    tidy = next(r for r in log if r.activity == "tidy_up")
    assert template.case_id == started[0].case_id
    # Both cases go on at once, on the role's two members side by side.
    assert template.start_time == tidy.start_time == 12.0
    assert template.resource != tidy.resource
    # A disabled target starts nothing; the rest of the run is unchanged.
    off = s.model_copy(update={"workflows": {"w": w, "v": v.model_copy(update={"enabled": False})}})
    assert not [r for r in simulate(off).records() if r.workflow == "v"]


def test_a_started_case_queues_behind_its_parents_next_step() -> None:
    """A case started at a milestone begins once its parent has gone on to
    its next wait (as a new SimPy process would): with one member, the
    parent's next task, asked for at the same instant, is served first."""
    log = {r.activity: r for r in simulate(chained(headcount=1)).records()
           if r.workflow in ("w", "v")}
    assert (log["tidy_up"].start_time, log["tidy_up"].end_time) == (12.0, 13.0)
    assert (log["template"].enable_time, log["template"].start_time) == (12.0, 13.0)


def test_every_cycle_of_starts_is_reported_once() -> None:
    s = scenario([{"id": "go", "kind": "milestone"}])
    w = s.workflows["w"]

    def flow(*targets: str):
        steps = [w.steps[0].model_copy(update={"id": f"to_{t}", "starts": t}) for t in targets]
        return w.model_copy(update={"steps": tuple(steps)})

    # a <-> b and b <-> c, with b's starts listed c first.
    s = s.model_copy(update={"workflows": {"a": flow("b"), "b": flow("c", "a"), "c": flow("b")}})
    cycles = sorted(m for p, m in check_scenario(s) if p[-1] == "starts")
    assert cycles == ["workflows start each other in a cycle (a -> b -> a); a chain of starts must end",
                      "workflows start each other in a cycle (b -> c -> b); a chain of starts must end"]
