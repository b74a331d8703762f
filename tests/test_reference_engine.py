"""The fast engine against the reference engine (``tests/reference_engine.py``).

The fast engine (``sim.simulate``) runs cases as state machines on lean
events; the reference runs the same model with plain SimPy processes. On
the stress scenario (``tests/scenarios/stress.yaml``: every step kind, the
shipped workflows' branches by probability, decision table, refund table
and attribute, after-sales requests, duties one/each/together, milestones
that end a case or start another) both must write the same event log: the
same rows as a multiset, floats compared exactly (NaN read as None). The
stress workflows' durations are continuous and the shipped workflows' few
fixed ones never meet another event at one instant in these runs, so the
known differences in same-instant order (the reference's module docstring)
do not arise; a separate test with fixed durations, where they do, compares
KPIs instead.
"""
from __future__ import annotations

import datetime as dt
import functools
from collections import Counter

import numpy as np
import pytest
from reference_engine import simulate_reference

from rules.loader import load_scenario
from rules.scenario import Scenario
from sim import COLUMNS, EventLog, simulate
from sim.analysis.kpis import role_reps
from sim.analysis.staffing import staff_log
from sim.analysis.summary import case_counts

STRESS = "tests/scenarios/stress.yaml"
SEEDS = (1, 2, 3)
#: Role -> headcount for the "small" setting (busy lines, more preemption
#: and more customers who leave); "shipped" keeps the rules' headcounts.
SMALL = {"designer": 2, "customer_service": 1, "warehouse": 1}
#: Roles that the stress scenario makes preemptive.
PREEMPTIVE = ("customer_service", "aftersales_service", "designer", "design_supervisor",
              "warehouse")

Row = tuple


@functools.cache
def _loaded(path: str) -> Scenario:
    return load_scenario(path)


def _strip_patience(steps: list) -> None:
    """Remove ``patience`` from every work step, branches included."""
    for step in steps:
        step.pop("patience", None)
        for case in step.get("cases", []):
            _strip_patience(case["steps"])
        for sub in step.get("actions", {}).values():
            _strip_patience(sub)


def stress(preemptive: bool, patience: bool, headcount: str) -> Scenario:
    """The stress scenario with preemption on or off (on the roles above),
    patience on or off (every work step), and ``shipped`` or ``small`` staff."""
    s = _loaded(STRESS)
    roles = dict(s.org.roles)
    for rid in PREEMPTIVE:
        roles[rid] = roles[rid].model_copy(update={"preemptive": preemptive})
    if headcount == "small":
        for rid, n in SMALL.items():
            roles[rid] = roles[rid].model_copy(update={"headcount": n})
    s = s.model_copy(update={"org": s.org.model_copy(update={"roles": roles})})
    if not patience:
        doc = s.model_dump(mode="json")
        for wf in doc["workflows"].values():
            _strip_patience(wf["steps"])
        s = Scenario.model_validate(doc)
    return s


def rows(log: EventLog) -> list[Row]:
    """The log's rows as tuples, NaN as None, in a fixed order."""
    columns = [log.columns[c].tolist() for c in COLUMNS]
    out = [tuple(None if v != v else v for v in r) for r in zip(*columns)]  # NaN != NaN
    return sorted(out, key=repr)


def _by_time(row: Row) -> tuple:
    return (row[7], row[1], row[3])


def assert_same_log(s: Scenario, seed: int) -> list[Row]:
    """Run both engines; fail with the first rows that differ, in time order."""
    fast, ref = rows(simulate(s, 0, seed)), rows(simulate_reference(s, 0, seed))
    if fast != ref:
        only_fast = sorted((Counter(fast) - Counter(ref)).elements(), key=_by_time)
        only_ref = sorted((Counter(ref) - Counter(fast)).elements(), key=_by_time)
        pytest.fail(f"{s.name}, seed {seed}: {len(only_fast)} rows only in the fast engine's "
                    f"log, {len(only_ref)} only in the reference's; first ones:\n"
                    + "\n".join(f"fast: {r}" for r in only_fast[:5]) + "\n"
                    + "\n".join(f"ref:  {r}" for r in only_ref[:5]))
    return fast


VARIANTS = [(True, True), (True, False), (False, True), (False, False)]


@pytest.mark.parametrize("headcount", ["shipped", "small"])
@pytest.mark.parametrize(("preemptive", "patience"), VARIANTS,
                         ids=["preempt+patience", "preempt", "patience", "plain"])
def test_stress_logs_are_identical(preemptive: bool, patience: bool, headcount: str) -> None:
    s = stress(preemptive, patience, headcount)
    outcomes: Counter = Counter()
    kinds: Counter = Counter()
    for seed in SEEDS:
        log = assert_same_log(s, seed)
        outcomes.update(r[10] for r in log)
        kinds.update(r[4] for r in log)
    # The comparison covers what it claims to: every step kind and outcome.
    assert {"work", "approval", "meeting", "contest", "wait", "scheduled", "milestone",
            "branch", "duty"} <= set(kinds)
    assert {"rejected", "forced", "entry", "selected", "ended", "open",
            "refund", "chat_only", "rush", "later", "deep"} <= set(outcomes)
    assert (outcomes["preempted"] > 0) == preemptive
    assert (outcomes["abandoned"] > 0) == patience


def test_stress_starts_cases_from_milestones_and_after_sales_requests() -> None:
    log = assert_same_log(stress(True, True, "small"), SEEDS[0])
    workflows = Counter(r[2] for r in log if r[3] == "case_start")
    assert workflows["stress_side"] > 0  # started by the ``hand_on`` milestone
    assert workflows["exchange"] + workflows["return"] > 0  # after-sales, after their lag


def _fixed(steps: list) -> None:
    """Every triangular duration (and patience) of ``steps`` fixed at its mode."""
    for step in steps:
        for key in ("duration", "patience", "judge_duration"):
            d = step.get(key)
            if d is not None and d["dist"] == "triangular":
                step[key] = {"dist": "fixed", "value": d["mode"], "unit": d["unit"]}
        for case in step.get("cases", []):
            _fixed(case["steps"])
        for sub in step.get("actions", {}).values():
            _fixed(sub)


def kpis(s: Scenario, log: EventLog) -> dict[str, dict[str, float]]:
    """Cases started and completed per workflow; tasks and utilisation per role."""
    out = {f"workflow {wf}": {k: float(v) for k, v in counts.items()}
           for wf, counts in case_counts(log).items()}
    for role, x in role_reps(staff_log(s, log)).items():
        out[f"role {role}"] = {"tasks": float(x["tasks"][0]),
                               "utilization": float(np.nan_to_num(x["utilization"][0]))}
    return out


@pytest.mark.parametrize("seed", SEEDS)
def test_with_fixed_durations_ties_may_reorder_but_kpis_agree(seed: int) -> None:
    """With fixed durations, events fall at the very same moment and the two
    engines' documented same-instant orders may differ (the reference's
    module docstring): e.g. seed 3 below, a designer's fixed hour of work,
    paused over the weekend, ends at 09:30 on Monday as another case's
    scheduled wait does; the fast engine puts the first case's approval in
    line at once, the reference after the other case's, and the supervisor
    takes them in the other order. From there the logs part, so the KPIs are
    compared instead, within what one reordering moves: case counts within
    2 (or 2%), role task counts within 3% (or 2), utilisation within 0.02.
    Mean waits are left out: for a role of one person a single swap moves
    them by hours."""
    s = stress(True, False, "shipped")
    doc = s.model_dump(mode="json")
    for wid in ("stress", "stress_side"):
        _fixed(doc["workflows"][wid]["steps"])
    s = Scenario.model_validate(doc)
    fast, ref = simulate(s, 0, seed), simulate_reference(s, 0, seed)
    if rows(fast) == rows(ref):
        return
    a, b = kpis(s, fast), kpis(s, ref)
    assert a.keys() == b.keys()
    for name, values in a.items():
        for key, x in values.items():
            y = b[name][key]
            tol = 0.02 if key == "utilization" else max(2.0, 0.03 * abs(x))
            assert abs(x - y) <= tol, f"{name} {key}: fast {x}, reference {y}"


def test_baseline_logs_are_identical_for_a_fortnight() -> None:
    s = _loaded("scenarios/baseline.yaml")
    horizon = s.horizon.model_copy(update={"end": s.horizon.start + dt.timedelta(days=13)})
    assert_same_log(s.model_copy(update={"horizon": horizon}), 5)


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_peak_options_and_rest_days_give_identical_logs(seed: int) -> None:
    """Issue 16: rotating rest days, patience counted on duty, concurrency
    by date (up and down), the bot's share of chats and people lent to
    another role, in both engines alike."""
    doc = stress(True, True, "small").model_dump(mode="json")
    doc["calendars"]["concurrency"] = [
        {"role": "customer_service", "start": "2026-10-28", "end": "2026-10-30", "value": 2},
        {"role": "customer_service", "start": "2026-11-01", "end": "2026-11-03", "value": 9}]
    doc["calendars"]["overrides"] = [
        {"role": "designer", "start": "2026-10-29", "end": "2026-10-30", "change": "lend",
         "to": "customer_service", "members": 1, "shift": "cs_late"}]
    doc["demand"]["bot_share_periods"] = [{"start": "2026-10-31", "end": "2026-11-02", "value": 0.5}]
    doc["org"]["roles"]["customer_service"]["slowdown"] = 0.05  # slower chats at 9 at once
    doc["org"]["roles"]["customer_service"]["claim_after_hours"] = 0.25  # backend work gathers
    s = Scenario.model_validate(doc)
    log = assert_same_log(s, seed)
    outcomes = Counter(r[10] for r in log)
    assert outcomes["abandoned"] > 0 and any(r[3] == "bot_reply" for r in log)
    assert any(r[6].startswith("customer_service#L") for r in log)


def short_timers(s: Scenario) -> Scenario:
    """``s`` with the platform's clocks so short that they run out often:
    a 2-hour shipping deadline, 3 hours to answer a request (the after-sales
    agent works office hours), 2 days from the buyer's dispatch to the
    shop's confirmation; and a dispute workflow's approval under a timer
    (the stress workflow's ``check``) that resumes at a later step."""
    limits = {"ship_within_deadline_72h": 2.0, "refund_auto_agree_5d": 3.0,
              "receipt_confirm_10d": 48.0}
    windows = {wid: w.model_copy(update={"limit": limits[wid]}) if wid in limits else w
               for wid, w in s.service_windows.items()}
    return s.model_copy(update={"service_windows": windows})


@pytest.mark.parametrize("headcount", ["shipped", "small"])
@pytest.mark.parametrize("preemptive", [True, False], ids=["preempt", "plain"])
def test_platform_timers_logs_are_identical(preemptive: bool, headcount: str) -> None:
    """Timers that run out (issue 16): the platform's records, work withdrawn
    from lines (preempted stretches included), cases resumed at a later step
    or ended, as the reference engine writes them."""
    s = short_timers(stress(preemptive, True, headcount))
    seen: Counter = Counter()
    for seed in SEEDS:
        log = assert_same_log(s, seed)
        seen.update((r[3], r[10]) for r in log if r[10] == "withdrawn" or r[5] == "platform")
    for action in ("late_shipment_compensation", "platform_auto_agree", "platform_auto_refund"):
        assert seen[(action, "done")] > 0, (action, seen)
    assert seen[("ask_reason", "withdrawn")] > 0 and seen[("receive_inspect", "withdrawn")] > 0
