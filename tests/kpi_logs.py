"""Small hand-made scenarios and event logs for the KPI, bottleneck and
compare tests."""
from __future__ import annotations

import datetime as dt
import functools
import math
from pathlib import Path

from rules.loader import load_scenario
from rules.scenario import Horizon, Scenario
from sim.log.records import EventLog, Record

NAN = math.nan
MONDAY = dt.date(2026, 10, 12)  # an ordinary working week


@functools.cache
def baseline() -> Scenario:
    return load_scenario(Path(__file__).resolve().parent.parent / "scenarios" / "baseline.yaml")


def with_headcount(s: Scenario, **headcounts: int) -> Scenario:
    roles = dict(s.org.roles)
    for role, n in headcounts.items():
        roles[role] = roles[role].model_copy(update={"headcount": n})
    return s.model_copy(update={"org": s.org.model_copy(update={"roles": roles})})


def small(days: int = 2, **headcounts: int) -> Scenario:
    """Baseline rules over ``days`` days from a Monday, with headcounts changed."""
    s = baseline().model_copy(update={
        "horizon": Horizon(start=MONDAY, end=MONDAY + dt.timedelta(days=days - 1))})
    return with_headcount(s, **headcounts)


def rec(rep, case, wf, act, kind, role, res, enable, start, end, outcome="done", prio=5) -> Record:
    return Record(rep, case, wf, act, kind, role, res, enable, start, end, outcome, prio)


def log_of(s: Scenario, records: list[Record], reps: int = 1) -> EventLog:
    epoch = dt.datetime.combine(s.horizon.start, dt.time())
    return EventLog.from_records(records, epoch, s.horizon.hours, {"replications": reps})


def warehouse_log(s: Scenario) -> EventLog:
    """Two warehouse members (office-like shift 09-12, 13-18), 48 hours.

    rep 0: A 8->9->11 (#1), B 8.5->9->10 (#2), C 9.5->10->12.5 (#2, runs
    into lunch), a meeting warehouse#1+designer#1 13->14->15, D enabled at
    40 and never started. rep 1: one task waiting 3 h.
    Workflow ``ship``: case 1 from 8 to 12.5, case 2 open from 40.
    """
    r = [
        rec(0, 1, "ship", "case_start", "case", "", "", 8, 8, 8, prio=0),
        rec(0, 1, "ship", "a", "work", "warehouse", "warehouse#1", 8, 9, 11),
        rec(0, 1, "ship", "b", "work", "warehouse", "warehouse#2", 8.5, 9, 10),
        rec(0, 1, "ship", "c", "work", "warehouse", "warehouse#2", 9.5, 10, 12.5),
        rec(0, 1, "ship", "truck", "wait", "courier", "", 12.5, 12.5, 12.5),
        rec(0, 1, "ship", "case_end", "case", "", "", 12.5, 12.5, 12.5, prio=0),
        rec(0, 3, "meet", "m", "meeting", "warehouse+designer", "warehouse#1+designer#1", 13, 14, 15),
        rec(0, 2, "ship", "case_start", "case", "", "", 40, 40, 40, prio=0),
        rec(0, 2, "ship", "d", "work", "warehouse", "", 40, NAN, NAN, "open"),
        rec(1, 1, "ship", "case_start", "case", "", "", 9, 9, 9, prio=0),
        rec(1, 1, "ship", "a", "work", "warehouse", "warehouse#1", 9, 12, 13),
        rec(1, 1, "ship", "case_end", "case", "", "", 13, 13, 13, prio=0),
    ]
    return log_of(s, r, reps=2)
