"""Property-based tests: random small scenarios never crash the engine and
never break an event-log invariant.

Scenarios have 1-3 roles (headcount 1-3, concurrency 1-2, random shifts),
1-2 workflows started by Poisson (rate) triggers, built from every step kind
with valid references, and a horizon of 2-5 days. Each is validated like a
loaded file (schema, then rules.checks) before it is simulated.
"""
from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from invariants import check_cases_accounted, check_concurrency, check_times, check_whole_member

from rules.checks import check_scenario
from rules.scenario import Scenario
from rules.workload import shared_steps
from sim.runs.replication import simulate

KINDS = ("work", "approval", "meeting", "contest", "wait", "scheduled", "milestone", "branch")
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _duration(draw) -> dict:
    kind = draw(st.sampled_from(["fixed", "exponential", "uniform", "triangular", "lognormal"]))
    unit = draw(st.sampled_from(["minutes", "hours"]))
    scale = 30.0 if unit == "minutes" else 0.5
    if kind == "fixed":
        return {"dist": "fixed", "value": draw(st.floats(0, 4)) * scale, "unit": unit}
    if kind == "exponential":
        return {"dist": "exponential", "mean": draw(st.floats(0.1, 4)) * scale, "unit": unit}
    if kind == "uniform":
        lo = draw(st.floats(0, 2))
        return {"dist": "uniform", "low": lo * scale, "high": (lo + draw(st.floats(0, 2))) * scale,
                "unit": unit}
    if kind == "triangular":
        lo = draw(st.floats(0, 1))
        mode = lo + draw(st.floats(0, 1))
        return {"dist": "triangular", "low": lo * scale, "mode": mode * scale,
                "high": (mode + draw(st.floats(0.1, 2))) * scale, "unit": unit}
    return {"dist": "lognormal", "mean": draw(st.floats(0.1, 3)) * scale,
            "sd": draw(st.floats(0.05, 2)) * scale, "unit": unit}


def _shift(draw) -> dict:
    start = draw(st.integers(0, 20))
    end = draw(st.integers(start + 1, 24))
    days = draw(st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=7, unique=True))
    shift = {"start": f"{start:02d}:00", "end": f"{end:02d}:00", "weekdays": days,
             "holidays_off": draw(st.booleans())}
    if end - start >= 3 and draw(st.booleans()):
        b = draw(st.integers(start + 1, end - 1))
        shift["breaks"] = [[f"{b:02d}:00", f"{b:02d}:30"]]
    return shift


def _steps(draw, prefix: str, roles: dict[str, int], depth: int) -> list[dict]:
    """A valid step list; approvals rework to an earlier step of the same list."""
    names = sorted(roles)
    out: list[dict] = []
    for i in range(draw(st.integers(1, 4))):
        sid = f"{prefix}s{i}"
        kinds = KINDS if depth < 2 else KINDS[:-1]
        kind = draw(st.sampled_from(kinds))
        role = draw(st.sampled_from(names))
        step: dict = {"id": sid, "kind": kind}
        if draw(st.booleans()):
            step["priority"] = draw(st.integers(1, 9))
        if kind == "work":
            step.update(role=role, duration=_duration(draw), shared=draw(st.booleans()))
            if draw(st.booleans()):
                patience = _duration(draw)
                # A zero patience is refused, and so is one that rounds to zero hours
                # (hypothesis draws subnormal floats: 5e-324 minutes is 0.0 hours).
                if patience.get("value", 1.0) < 1e-3 or patience.get("high", 1.0) < 1e-3:
                    patience = {"dist": "fixed", "value": 0.5, "unit": "hours"}
                step["patience"] = patience
        elif kind == "approval":
            target = draw(st.sampled_from([s["id"] for s in out] + [sid]))
            step.update(role=role, duration=_duration(draw), rework_to=target,
                        reject_probability=draw(st.floats(0, 0.9)),
                        max_rounds=draw(st.integers(1, 3)))
        elif kind == "meeting":
            chosen = draw(st.lists(st.sampled_from(names), min_size=1, unique=True))
            step.update(duration=_duration(draw), roles={
                r: draw(st.one_of(st.just("all"), st.integers(1, roles[r]))) for r in chosen})
        elif kind == "contest":
            if roles[role] < 2:
                step.update(kind="work", role=role, duration=_duration(draw))
            else:
                step.update(role=role, entrants=draw(st.integers(2, roles[role])),
                            duration=_duration(draw), judge=draw(st.sampled_from(names)),
                            judge_duration=_duration(draw))
        elif kind == "wait":
            step.update(party="customer", duration=_duration(draw))
        elif kind == "scheduled":
            step.update(at=f"{draw(st.integers(0, 23)):02d}:{draw(st.sampled_from([0, 30])):02d}",
                        days=draw(st.sampled_from(["any", "working"])))
        elif kind == "milestone":
            step["end_case"] = draw(st.booleans()) and i > 0
        else:
            n = draw(st.integers(1, 3))
            weights = [draw(st.integers(1, 5)) for _ in range(n)]
            ps = [w / sum(weights) for w in weights]
            ps[-1] = 1.0 - sum(ps[:-1])
            step.update(by="probability", cases=[
                {"name": f"c{j}", "p": ps[j], "steps": _steps(draw, f"{sid}c{j}", roles, depth + 1)}
                for j in range(n)])
        out.append(step)
    return out


def _shared_roles(steps: list[dict]) -> set[str]:
    out = {s["role"] for s in steps if s["kind"] == "work" and s.get("shared")}
    for s in steps:
        for case in s.get("cases", []):
            out |= _shared_roles(case["steps"])
    return out


@st.composite
def scenarios(draw) -> Scenario:
    n_roles = draw(st.integers(1, 3))
    roles = {f"r{i}": draw(st.integers(1, 3)) for i in range(n_roles)}
    shifts = {f"sh{i}": _shift(draw) for i in range(n_roles)}
    role_defs = {
        rid: {"name_zh": rid, "department": "d", "headcount": n, "headcount_basis": "assumed",
              "concurrency": draw(st.integers(1, 2)),
              "at_shift_end": draw(st.sampled_from(["finish", "pause"])), "roster": f"sh{i}"}
        for i, (rid, n) in enumerate(roles.items())}
    workflows = {}
    for w in range(draw(st.integers(1, 2))):
        workflows[f"w{w}"] = {
            "name_zh": f"w{w}", "number": w + 1, "lanes": sorted(roles) + ["customer"],
            "priority": draw(st.integers(1, 9)),
            "trigger": {"kind": "rate", "mean": draw(st.floats(0.2, 3)),
                        "per": draw(st.sampled_from(["hour", "day"]))},
            "steps": _steps(draw, "", roles, 0),
        }
    # A concurrency that no shared step could use is refused (rules/workload.py).
    sharing = {role for wf in workflows.values() for role in _shared_roles(wf["steps"])}
    for rid, role in role_defs.items():
        if rid not in sharing:
            role["concurrency"] = 1
    start = dt.date(2026, 1, 1) + dt.timedelta(days=draw(st.integers(0, 300)))
    days = draw(st.integers(2, 5))
    data = {
        "name": "random",
        "horizon": {"start": start, "end": start + dt.timedelta(days=days - 1)},
        "seed": draw(st.integers(0, 2 ** 32 - 1)),
        "org": {"projects": 1, "departments": {"d": {"name_zh": "d"}}, "roles": role_defs,
                "parties": {"customer": {"name_zh": "顾客"}}},
        "calendars": {"holidays": {"source": draw(st.sampled_from(["listed", "chinese_calendar"]))},
                      "shifts": shifts,
                      "rosters": {f"sh{i}": [{"shift": f"sh{i}"}] for i in range(n_roles)}},
        "workflows": workflows,
    }
    s = Scenario.model_validate(data)
    problems = list(check_scenario(s))
    assert not problems, problems
    return s


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_random_scenarios_keep_the_invariants(s: Scenario) -> None:
    log = simulate(s, 0)
    assert log.horizon_hours == s.horizon.hours
    check_times(log)
    check_cases_accounted(log)
    check_concurrency(log, {rid: role.concurrency for rid, role in s.org.roles.items()})
    check_whole_member(log, shared_steps(s),
                       {rid: r.interleave_up_to_minutes / 60 for rid, r in s.org.roles.items()})
    c = log.columns
    starts = int((c["activity"] == "case_start").sum())
    assert starts == len(set(c["case_id"][c["activity"] == "case_start"].tolist()))


def contest_scenario(seed: int, per_day: float, high: float) -> Scenario:
    """Three members of one role on duty all day; a PK of 2 entrants,
    entries taking 1..``high`` hours, ``per_day`` PKs a day."""
    data = {
        "name": "contest", "seed": seed,
        "horizon": {"start": dt.date(2026, 3, 2), "end": dt.date(2026, 3, 2)},
        "org": {"projects": 1, "departments": {"d": {"name_zh": "d"}}, "parties": {},
                "roles": {"r": {"name_zh": "r", "department": "d", "headcount": 3,
                                "headcount_basis": "assumed", "roster": "day"}}},
        "calendars": {"holidays": {"source": "listed"},
                      "shifts": {"day": {"start": "00:00", "end": "24:00", "weekdays": ["mon"]}},
                      "rosters": {"day": [{"shift": "day"}]}},
        "workflows": {"pk": {
            "name_zh": "PK", "number": 1, "lanes": ["r"],
            "trigger": {"kind": "rate", "mean": per_day, "per": "day"},
            "steps": [{"id": "pk", "kind": "contest", "role": "r", "entrants": 2, "judge": "r",
                       "duration": {"dist": "uniform", "low": 1, "high": high},
                       "judge_duration": {"dist": "fixed", "value": 0.5}}]}},
    }
    s = Scenario.model_validate(data)
    assert not list(check_scenario(s))
    return s


def test_open_contest_names_each_entrant() -> None:
    """Regression (fixed in c37ea16): a contest open at the horizon was
    reported as one record joining every entrant from the latest start, so
    finished entries lost their record and their members looked busy to the
    horizon while they had moved on (seed 4: 'r#3+r#3'; seed 0: 'r#1+r#2'
    with one entry done). Each entrant has its own record."""
    for seed in (0, 4):
        log = simulate(contest_scenario(seed, 1, 30), 0)
        c = log.columns
        contest = c["kind"] == "contest"
        joined = [r for r in c["resource"][contest].tolist() if "+" in r]
        assert not joined, f"seed {seed}: contest records joining members: {joined}"
        check_concurrency(log, {"r": 1})


def test_contest_entrants_are_different_members() -> None:
    """Regression (fixed in c37ea16): "n members of a role work in parallel,
    then a judge picks" (rules/workflow.py Contest), but the pool gave
    several entries of one PK to the same member one after the other when the
    others were busy (seed 0, case 2: both entries by r#3)."""
    for seed in (0, 4, 5):
        log = simulate(contest_scenario(seed, 6, 8), 0)
        c = log.columns
        entries = (c["kind"] == "contest") & (c["outcome"] == "entry")
        by_case: dict[int, list[str]] = {}
        for case, member in zip(c["case_id"][entries].tolist(), c["resource"][entries].tolist()):
            by_case.setdefault(case, []).append(member)
        same = {k: v for k, v in by_case.items() if len(set(v)) < len(v)}
        assert not same, f"seed {seed}: one member did several entries of a PK: {same}"
