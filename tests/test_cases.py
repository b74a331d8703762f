"""Cases as objects (``sim.cases.interpreter.Case``), on a workflow with every step
kind: approvals with rework inside nested branches, a milestone that ends the
case inside a branch and one that starts another case, patience, a meeting
and a contest, on preemptive roles. Nothing but the open cases outlives the
run, with the cyclic collector off as in ``simulate``."""
from __future__ import annotations

import gc
import itertools
from collections import Counter
from types import GeneratorType

import numpy as np
import pytest
from invariants import check_survivors

from rules.checks import check_scenario
from rules.scenario import Scenario
from rules.shifts import duty_clock, role_shifts
from sim.cases.interpreter import Case
from sim.runs.replication import simulate
from sim.staff.pool import Task

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


def _fixed(hours: float) -> dict:
    return {"dist": "fixed", "value": hours, "unit": "hours"}


def _tri(low: float, mode: float, high: float) -> dict:
    return {"dist": "triangular", "low": low, "mode": mode, "high": high, "unit": "hours"}


def _approval(step_id: str, role: str, p: float, back_to: str, rounds: int = 2) -> dict:
    return {"id": step_id, "kind": "approval", "role": role, "duration": _tri(0.2, 0.5, 1),
            "reject_probability": p, "rework_to": back_to, "max_rounds": rounds}


INNER = [
    {"id": "iw", "kind": "work", "role": "r", "duration": _tri(0.1, 0.5, 2), "priority": 4},
    _approval("ia", "boss", 0.5, "iw"),
    {"id": "ib", "kind": "branch", "by": "probability", "cases": [
        {"name": "deep", "p": 0.5, "steps": [
            {"id": "dw", "kind": "work", "role": "r", "duration": _tri(0.1, 1, 3)},
            _approval("da", "boss", 0.6, "dw", 3),
            {"id": "dm", "kind": "milestone", "end_case": True}]},
        {"name": "shallow", "p": 0.5, "steps": [_approval("sa", "boss", 0.3, "sa", 1)]}]},
    {"id": "ms", "kind": "milestone", "starts": "side"},
]
STEPS = [
    {"id": "chat", "kind": "work", "role": "r", "duration": _tri(0.05, 0.2, 1),
     "patience": _tri(0.1, 0.5, 2), "priority": 1, "shared": True},
    {"id": "w0", "kind": "wait", "party": "customer", "duration": _tri(0.1, 3, 30)},
    {"id": "a0", "kind": "work", "role": "r", "duration": _tri(0.5, 1, 4), "priority": 6},
    _approval("oa", "boss", 0.4, "a0"),
    {"id": "ob", "kind": "branch", "by": "probability", "cases": [
        {"name": "x", "p": 0.6, "steps": INNER},
        {"name": "y", "p": 0.4, "steps": [
            {"id": "sc", "kind": "scheduled", "at": "09:30", "days": "working"}]}]},
    _approval("oa2", "boss", 0.5, "ob", 2),
    {"id": "mt", "kind": "meeting", "roles": {"r": 1, "boss": 1}, "duration": _fixed(0.5)},
    {"id": "pk", "kind": "contest", "role": "r", "entrants": 2, "duration": _tri(0.5, 1, 2),
     "judge": "boss", "judge_duration": _fixed(0.25)},
    {"id": "end", "kind": "milestone"},
]
SIDE = [{"id": "s1", "kind": "work", "role": "boss", "duration": _tri(0.1, 0.3, 1), "priority": 2},
        {"id": "s2", "kind": "wait", "party": "customer", "duration": _fixed(0.5)}]


def every_kind(preemptive: bool, headcount: int = 3, seed: int = 7) -> Scenario:
    role = {"department": "d", "headcount_basis": "assumed", "preemptive": preemptive}
    doc = {
        "name": "t", "horizon": {"start": "2026-10-12", "end": "2026-10-25"}, "seed": seed,
        "replications": 1,
        "org": {"projects": 1, "departments": {"d": {"name_zh": "部"}},
                "roles": {"r": {"name_zh": "员", "headcount": headcount, "concurrency": 2, **role},
                          "boss": {"name_zh": "主管", "headcount": 2, **role}},
                "parties": {"customer": {"name_zh": "顾客"}}},
        "calendars": {"holidays": {"source": "listed"},
                      "shifts": {"office": {"start": "09:00", "end": "18:00", "weekdays": WEEKDAYS}},
                      "rosters": {"office": [{"shift": "office"}]}},
        "workflows": {
            "w": {"name_zh": "流程", "number": 1, "lanes": ["r", "boss", "customer"],
                  "trigger": {"kind": "rate", "mean": 3, "per": "hour"}, "steps": STEPS},
            "side": {"name_zh": "侧", "number": 2, "lanes": ["boss", "customer"],
                     "trigger": {"kind": "none"}, "steps": SIDE, "priority": 3}},
    }
    s = Scenario.model_validate(doc)
    assert list(check_scenario(s)) == []
    return s


@pytest.mark.parametrize("preemptive", [False, True])
def test_only_the_open_cases_outlive_a_run_of_every_step_kind(preemptive: bool) -> None:
    was = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        # A seed with a meeting and a contest still gathering at the horizon.
        log = simulate(every_kind(preemptive, seed=9))
        objects = gc.get_objects()
        cases = [o.id for o in objects if type(o) is Case and o.workflow != "duty"]
        gens = sum(1 for o in objects if type(o) is GeneratorType
                   and o.__name__ in ("meeting", "contest"))
        tasks = sum(1 for o in objects if type(o) is Task)
        del objects
    finally:
        gc.collect()
        if was:
            gc.enable()
    c = log.columns
    is_open = c["outcome"] == "open"
    open_cases = set(c["case_id"][is_open].tolist())
    gathering = set(c["case_id"][is_open & np.isin(c["kind"], ["meeting", "contest"])].tolist())
    outcomes = Counter(c["outcome"].tolist())
    # Every path was taken, so the count below means something.
    assert {"abandoned", "rejected", "forced", "entry", "selected", "ended"} <= set(outcomes)
    assert (outcomes["preempted"] > 0) == preemptive
    assert len(gathering) > 0
    check_survivors(cases, c, open_cases)
    assert gens == len(gathering)
    # Tasks (meetings, contests) of open steps only.
    assert tasks <= 2 * int(is_open.sum())


def test_a_patience_timer_never_reaches_the_next_step_of_its_case() -> None:
    """A case is its own task step after step: the patience of its chat
    (its deadline) must not make the customer leave the next step's line,
    where patience does not apply."""
    steps = [{"id": "chat", "kind": "work", "role": "r", "duration": _fixed(0.15),
              "patience": _fixed(0.5), "priority": 1},
             {"id": "slow", "kind": "work", "role": "r", "duration": _fixed(0.15),
              "priority": 9}]
    doc = every_kind(False).model_dump(mode="json")
    doc["workflows"] = {"w": {**doc["workflows"]["w"], "steps": steps}}
    doc["org"]["roles"]["r"]["headcount"] = 1
    doc["org"]["roles"]["r"]["concurrency"] = 1
    s = Scenario.model_validate(doc)
    c = simulate(s).columns
    slow = c["activity"] == "slow"
    chat = c["activity"] == "chat"
    assert (c["outcome"][chat] == "abandoned").any()  # patience is at work
    assert not (c["outcome"][slow] == "abandoned").any()
    # ... and would have struck: slow steps still in line when their chat's
    # patience ran out (half an on-duty hour; a chat written off duty has none).
    member = role_shifts(s, "r")[0]
    x, f = duty_clock(list(member.intervals))
    on = {cid: any(a <= t < b for a, b in member.intervals)
          for cid, t in zip(c["case_id"][chat], c["enable_time"][chat])}
    clock = {cid: np.interp(t, x, f) for cid, t in zip(c["case_id"][chat], c["enable_time"][chat])}
    # Still in line at the horizon counts as waiting past the deadline.
    started = np.nan_to_num(c["start_time"][slow], nan=s.horizon.hours)
    waited = [cid for cid, e, st in zip(c["case_id"][slow], c["enable_time"][slow], started)
              if on[cid] and np.interp(e, x, f) - clock[cid] < 0.5 < np.interp(st, x, f) - clock[cid]]
    assert len(waited) > 10


def test_a_customer_leaves_at_the_deadline_also_when_the_line_reaches_them_later() -> None:
    """A case's patience is a deadline checked when the line reaches it:
    the customer still leaves at the deadline in the log (at night, at the
    weekend, at the horizon), and the case ends then."""
    doc = every_kind(False).model_dump(mode="json")
    doc["workflows"] = {"w": {**doc["workflows"]["w"], "steps": [
        {"id": "chat", "kind": "work", "role": "r", "duration": _fixed(0.4),
         "patience": _fixed(0.5), "shared": True}]}}
    s = Scenario.model_validate(doc)
    c = simulate(s).columns
    chat = c["activity"] == "chat"
    gone = chat & (c["outcome"] == "abandoned")
    still = chat & (c["outcome"] == "open")
    assert gone.sum() > 50 and still.sum() > 0  # a chat written off duty never leaves
    # Patience counts on-duty time only (issue 16): half an hour of it.
    member = role_shifts(s, "r")[0]  # everyone works the office shift
    duty_x, duty_f = duty_clock(list(member.intervals))
    waited = np.interp(c["end_time"][gone], duty_x, duty_f) - np.interp(
        c["enable_time"][gone], duty_x, duty_f)
    assert np.allclose(waited, 0.5)
    assert (c["end_time"][gone] - c["enable_time"][gone] > 1).any()  # across a night
    ends = dict(zip(c["case_id"][c["activity"] == "case_end"].tolist(),
                    c["end_time"][c["activity"] == "case_end"].tolist()))
    assert all(ends[cid] == t for cid, t in zip(c["case_id"][gone].tolist(),
                                                c["end_time"][gone].tolist()))
    # Those still within their patience at the horizon are open: they came
    # less than half an on-duty hour before the last shift's end.
    waiting = c["start_time"][still] != c["start_time"][still]
    last_end = member.intervals[-1][1]
    assert (np.interp(c["enable_time"][still][waiting], duty_x, duty_f)
            > np.interp(last_end, duty_x, duty_f) - 0.5).all()


def test_a_patience_ending_as_a_member_frees_up_is_served() -> None:
    """The rule at a tie (fixed durations only): a customer whose patience
    ends at the very moment a member is free is served."""
    doc = every_kind(False).model_dump(mode="json")
    doc["org"]["roles"]["r"].update(headcount=1, concurrency=1)
    w, side = doc["workflows"]["w"], doc["workflows"]["side"]
    doc["workflows"] = {
        "w": {**w, "trigger": {"kind": "every", "every": "day", "at": "08:00"},
              "steps": [{"id": "first", "kind": "work", "role": "r", "duration": _fixed(1)}]},
        "side": {**side, "trigger": {"kind": "every", "every": "day", "at": "08:30"},
                 "steps": [{"id": "chat", "kind": "work", "role": "r", "duration": _fixed(1),
                            "patience": _fixed(1.5), "priority": 9}]}}
    c = simulate(Scenario.model_validate(doc)).columns
    chat = c["activity"] == "chat"
    assert chat.sum() >= 9
    # The 09:00 task ends at 10:00, when the 08:30 chat's patience ends.
    assert (c["outcome"][chat] == "done").all()
    assert np.allclose(c["start_time"][chat], c["enable_time"][chat] + 1.5)


def test_every_started_case_ends_or_is_open_at_the_horizon() -> None:
    c = simulate(every_kind(True)).columns
    started = set(c["case_id"][c["activity"] == "case_start"].tolist())
    ended = set(c["case_id"][c["activity"] == "case_end"].tolist())
    still = set(c["case_id"][c["outcome"] == "open"].tolist())
    assert started == ended | still and not ended & still
    assert (c["workflow"] == "side").any()  # the milestone started its cases


def _compacting(records: list | None = None):
    """An environment, a context and a log that records its batches, with
    ``_compact`` running on them."""
    import simpy

    from sim.cases.interpreter import Context
    from sim.log.records import LogBuilder
    from sim.runs.replication import _compact

    env = simpy.Environment()
    ctx = Context(env, 0, None, lambda day: True)
    if records is not None:
        ctx.records = records

    class Recording(LogBuilder):
        def __init__(self) -> None:
            super().__init__()
            self.batches: list[tuple[float, int]] = []

        def add_coded(self, rows: list) -> None:
            self.batches.append((env.now, len(rows)))
            super().add_coded(rows)

    log = Recording()
    env.process(_compact(env, ctx, log))
    return env, ctx, log


def test_log_batches_follow_the_rate_of_records() -> None:
    """At a peak rate the log takes batches of about ``BATCH`` rows, not a
    quarter hour's worth (after the first check, which knows no rate yet)."""
    from sim.runs.replication import BATCH

    env, ctx, log = _compacting()
    row = (0, 1, 30, 31, 6, 32, 0, 0.0, 0.0, 0.0, 1, 0)  # text as codes, as the engine writes

    def source(per_hour: float, hours: float):
        for _ in range(int(per_hour * hours)):
            yield env.timeout(1 / per_hour)
            ctx.records.append(row)

    env.process(source(40_000, 2))  # 10,000 rows a quarter hour
    env.run(until=2.01)
    first, *later = [n for _, n in log.batches]
    assert first == 10_000
    assert len(later) >= 30 and max(later) < 1.5 * BATCH


def test_log_batches_are_checked_at_least_every_quarter_hour_when_quiet() -> None:
    from sim.runs.replication import CHECK_MAX

    seen: list[float] = []

    class Counting(list):
        def __len__(self) -> int:
            seen.append(env.now)
            return super().__len__()

    env, _ctx, _log = _compacting(Counting())
    env.run(until=3)
    checks = sorted(set(seen))
    assert len(checks) >= 12
    assert all(b - a <= CHECK_MAX + 1e-9 for a, b in itertools.pairwise(checks))


def test_a_case_called_back_at_a_step_without_a_task_says_so() -> None:
    import simpy

    from sim.cases.interpreter import Context, _staff_done
    from sim.cases.steps import Node

    ctx = Context(simpy.Environment(), 0, None, lambda day: True)
    case = Case(ctx, 1, "w", {})
    case.node = Node("wait", "courier", 5)
    with pytest.raises(ValueError, match="A 'wait' step does not wait on a staff task"):
        _staff_done(case)
    assert repr(case) == "<Case 1 of 'w' at step None>"


def test_a_preempted_case_is_not_kept_alive_by_its_stale_timer() -> None:
    """A preempted case's old completion timer stays in SimPy's heap until
    it is due (here after the horizon: its member's next shift is days
    away), but must let go of the case, which finished on another member."""
    import simpy

    from rules.shifts import MemberShifts
    from sim.cases.interpreter import Context, start_case
    from sim.cases.steps import Node, code_steps
    from sim.kernel.events import timeout
    from sim.staff.pool import StaffPool

    was = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        env = simpy.Environment()
        members = [MemberShifts("A", ((0.0, 1.0), (50.0, 60.0))),
                   MemberShifts("B", ((0.5, 100.0),))]
        pool = StaffPool(env, "r", members, 1, pause=True, preemptive=True)
        ctx = Context(env, 0, None, lambda day: True)

        def work(step: str, hours: float, priority: int) -> Node:
            node = Node("work", step, priority)
            node.role, node.pool, node.draw = "r", pool, lambda: hours
            return node

        flows = {"x": [work("x", 2.0, 5)], "y": [work("y", 0.3, 1)]}
        for wf, nodes in flows.items():  # records hold codes, as a replication sets up
            code_steps(nodes, wf, ctx.code)
        for member in pool.members:
            member.code = ctx.code(member.name)
        for t, wf in ((0.0, "x"), (0.2, "y")):
            timeout(env, t, lambda _s, wf=wf: start_case(ctx, ctx.new_case(wf), flows[wf]))
        env.run(until=10)
        rows = ctx.records + ctx.open_records()
        alive = [o for o in gc.get_objects() if type(o) is Case]
    finally:
        gc.collect()
        if was:
            gc.enable()
    words = ctx.vocab.words
    done = [(words[r[3]], words[r[6]], words[r[10]]) for r in rows if words[r[3]] in ("x", "y")]
    assert done == [("y", "A", "done"), ("x", "A", "preempted"), ("x", "B", "done")]
    assert alive == []


def test_a_run_leaves_no_case_behind_but_the_open_ones() -> None:
    """Cases wait without processes, as their own events or as their own
    staff tasks (in a pool's line), which the run's
    paused collector never sees: every finished case must be freed by
    reference counting, with the tasks and generators of its meetings. The
    one exception: a customer who left while in line stays there until the
    line reaches and skips the case."""
    import datetime as dt

    from rules.loader import load_scenario
    from rules.scenario import Horizon

    s = load_scenario("scenarios/double11.yaml")
    s = s.model_copy(update={"horizon": Horizon(start=dt.date(2026, 11, 8),
                                                end=dt.date(2026, 11, 14))})
    was = gc.isenabled()
    gc.disable()
    try:
        gc.collect()
        log = simulate(s, 0)
        objects = gc.get_objects()
        cases = [o.id for o in objects if type(o) is Case and o.workflow != "duty"]
        gens = sum(1 for o in objects if type(o) is GeneratorType
                   and o.__name__ in ("meeting", "contest"))
        waiting = sum(1 for o in objects if type(o) is Task and o.waiter is not None)
        tasks = sum(1 for o in objects if type(o) is Task)
    finally:
        if was:
            gc.enable()
    c = log.columns
    is_open = (c["outcome"] == "open") & (c["workflow"] != "duty")
    open_cases = set(c["case_id"][is_open].tolist())
    assert len(open_cases) > 100
    check_survivors(cases, c, open_cases)
    gathering = set(c["case_id"][is_open & np.isin(c["kind"], ["meeting", "contest"])].tolist())
    assert gens == len(gathering)
    assert waiting <= len(open_cases)
    # Tasks still alive: those of open meetings, contests and duties; not
    # every task of the run.
    open_rows = int(((c["outcome"] == "open")).sum())
    assert open_rows < len(log) // 20 and tasks <= 2 * open_rows
