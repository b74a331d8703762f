"""Service windows computed from event logs: clocks, populations, open cases,
verdicts and intervals on hand-made logs; then the engine end to end."""
from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pytest

from rules.calendar import DayKinds, Holidays
from rules.loader import load_scenario
from rules.scenario import Horizon
from rules.windows import ServiceWindow
from sim.analysis.clocks import (
    calendar_day_deadline,
    elapsed_deadline,
    in_active_hours,
    working_day_deadline,
    working_flags,
)
from sim.analysis.window_misses import on_duty_between, on_duty_clock, window_misses
from sim.analysis.window_report import window_sections
from sim.analysis.windows import evaluate_windows, verdict, wilson, window_cases
from sim.log.records import EventLog, Record

ROOT = Path(__file__).resolve().parents[1]
FIRST = dt.date(2026, 9, 14)  # a Monday


def hours(day: dt.date, hh: float) -> float:
    return (day - FIRST).days * 24.0 + hh


@pytest.fixture(scope="module")
def base():
    return load_scenario(ROOT / "scenarios" / "baseline.yaml")


def flags(n: int = 80) -> np.ndarray:
    return working_flags(DayKinds(Holidays()), FIRST, n)[0]


# --- clocks ---------------------------------------------------------------

FRI_0918 = hours(dt.date(2026, 9, 18), 20)   # before the make-up Sunday 20 Sep
FRI_0925 = hours(dt.date(2026, 9, 25), 20)   # Mid-autumn holiday 25-27 Sep
TUE_0929 = hours(dt.date(2026, 9, 29), 20)   # before National Day 1-7 Oct
FRI_1009 = hours(dt.date(2026, 10, 9), 20)   # before the make-up Saturday 10 Oct


def test_elapsed_hours_count_nights_and_weekends():
    assert elapsed_deadline(np.array([FRI_0918]), 72)[0] == hours(dt.date(2026, 9, 21), 20)


def test_calendar_days_end_at_midnight_of_the_limit_th_day():
    due = calendar_day_deadline(np.array([FRI_0918, FRI_0925, hours(dt.date(2026, 9, 18), 0)]), 3)
    assert list(due) == [hours(dt.date(2026, 9, 22), 0), hours(dt.date(2026, 9, 29), 0),
                         hours(dt.date(2026, 9, 22), 0)]


def test_working_days_follow_holidays_and_makeup_days():
    due = working_day_deadline(np.array([FRI_0918, FRI_0925, TUE_0929]), 3, flags())
    # Sun 20 Sep is a make-up working day: 20, 21, 22 Sep.
    assert due[0] == hours(dt.date(2026, 9, 23), 0)
    # 26-27 Sep are holidays: 28, 29, 30 Sep.
    assert due[1] == hours(dt.date(2026, 10, 1), 0)
    # National Day 1-7 Oct: 30 Sep, 8 Oct, 9 Oct.
    assert due[2] == hours(dt.date(2026, 10, 10), 0)
    # Sat 10 Oct is a make-up working day.
    one = working_day_deadline(np.array([FRI_1009]), 1, flags())
    assert one[0] == hours(dt.date(2026, 10, 11), 0)


def test_working_days_need_flags_far_enough():
    with pytest.raises(ValueError, match="end before a deadline"):
        working_day_deadline(np.array([FRI_0925]), 3, flags(16))


def test_working_flags_fall_back_to_monday_to_friday_for_unknown_years():
    f, unknown = working_flags(DayKinds(Holidays()), dt.date(2026, 12, 31), 5)
    assert unknown == [2027]
    assert list(f) == [True, True, False, False, True]  # Thu 31 Dec .. Mon 4 Jan


def test_active_hours():
    assert list(in_active_hours(np.array([7.99, 8.0, 23.5, 24 + 3]), (8, 24))) == [False, True, True, False]
    assert in_active_hours(np.array([3.0]), None).all()


def test_on_duty_clock_counts_on_duty_hours():
    clock = on_duty_clock([(9.0, 12.0), (13.0, 18.0)])
    got = on_duty_between(clock, np.array([0.0, 10.0, 12.0, 17.0]), np.array([24.0, 14.0, 13.0, 40.0]))
    assert list(got) == [8.0, 3.0, 0.0, 1.0]


# --- hand-made logs -------------------------------------------------------

def rec(rep: int, case: int, act: str, enable: float, start: float | None = None,
        end: float | None = None, kind: str = "work", role: str = "warehouse",
        wf: str = "return") -> Record:
    start = enable if start is None else start
    end = start if end is None else end
    return Record(rep, case, wf, act, kind, role, "", enable, start, end,
                  "open" if math.isnan(end) else "done", 2)


def log_of(records: list[Record], horizon: float, reps: int = 1) -> EventLog:
    return EventLog.from_records(records, dt.datetime.combine(FIRST, dt.time()), horizon,
                                 {"replications": reps})


def scen(base, windows: dict[str, ServiceWindow], targets: dict[str, float] | None = None,
         days: int = 80):
    return base.model_copy(update={
        "horizon": Horizon(start=FIRST, end=FIRST + dt.timedelta(days=days - 1)),
        "service_windows": windows, "targets": targets or {}})


def win(clock: str = "elapsed_hours", limit: float = 72, **kw) -> ServiceWindow:
    return ServiceWindow(owner=kw.pop("owner", "shop"), workflows=("exchange", "return"),
                         start={"activity": "report_inspection", "edge": "end"},
                         end={"activity": "ship_back_refused", "edge": "end"},
                         limit=limit, clock=clock, **kw)


def pair(rep: int, case: int, t0: float, t1: float | None) -> list[Record]:
    """A case whose window starts at t0 and ends at t1 (None: open)."""
    out = [rec(rep, case, "report_inspection", t0 - 0.1, t0 - 0.1, t0),
           rec(rep, case, "refusal_accepted", t0 + 1, kind="milestone", role="")]
    if t1 is None:
        out.append(rec(rep, case, "ship_back_refused", t0 + 1, math.nan, math.nan))
    else:
        out.append(rec(rep, case, "ship_back_refused", t0 + 1, t1 - 0.1, t1))
    return out


def test_friday_evening_case_under_three_clocks(base):
    windows = {"h": win("elapsed_hours", 72), "c": win("calendar_days", 3), "w": win("working_days", 3)}
    s = scen(base, windows)
    mon_21h = hours(dt.date(2026, 9, 21), 21)    # 73 h after Fri 20:00
    tue_10h = hours(dt.date(2026, 9, 22), 10)
    log = log_of(pair(0, 1, FRI_0918, mon_21h) + pair(0, 2, FRI_0918, tue_10h), 80 * 24)
    got = evaluate_windows(s, log)
    assert got["h"]["met"] == 0.0
    assert got["c"]["met"] == 0.5   # Monday 21:00 is within the 3rd day, Tuesday is not
    assert got["w"]["met"] == 1.0   # make-up Sunday, Monday, Tuesday
    assert got["h"]["max_hours"] == pytest.approx(tue_10h - FRI_0918, abs=0.01)


def test_holiday_week_under_working_days(base):
    s = scen(base, {"w": win("working_days", 3)})
    log = log_of(pair(0, 1, TUE_0929, hours(dt.date(2026, 10, 9), 17))
                 + pair(0, 2, TUE_0929, hours(dt.date(2026, 10, 10), 9)), 80 * 24)
    wc = window_cases(s, log, "w")
    assert list(wc.met) == [True, False]


def test_open_cases_are_missed_when_due_and_reported_when_not(base):
    s = scen(base, {"h": win()}, {"h": 0.9}, days=20)
    H = 20 * 24.0
    log = log_of(pair(0, 1, 10.0, 20.0)          # met
                 + pair(0, 2, 100.0, None)        # open, due at 172 < H: missed
                 + pair(0, 3, H - 10, None),      # open, due after H: open_not_due
                 H)
    got = evaluate_windows(s, log)["h"]
    assert (got["cases"], got["open"], got["missed"], got["open_not_due"]) == (3, 2, 1, 1)
    assert got["met"] == 0.5
    assert got["max_hours"] == pytest.approx(H - 100.0)
    misses = window_misses(s, log)["h"]
    assert misses["missed"] == 1
    assert misses["examples"][0]["end"] is None


def test_only_if_keeps_cases_that_reached_the_activity(base):
    s = scen(base, {"h": win(only_if="refusal_accepted")})
    recs = pair(0, 1, 10.0, 20.0) + [r for r in pair(0, 2, 30.0, 200.0) if r.activity != "refusal_accepted"]
    got = evaluate_windows(s, log_of(recs, 80 * 24))["h"]
    assert got["cases"] == 1 and got["met"] == 1.0
    # case 2 has no case_end: it may still reach refusal_accepted
    assert got["pending_only_if"] == 1


def test_active_hours_filter_starts(base):
    w = ServiceWindow(owner="platform", workflows=("presales_order",),
                      start={"activity": "chat", "edge": "enabled"},
                      end={"activity": "chat", "edge": "start"}, limit=0.05,
                      clock="elapsed_hours", active_hours=(8, 24), on_breach="reply rate")
    s = scen(base, {"chat": w})
    recs = [rec(0, 1, "chat", 3.0, 3.5, 3.7, wf="presales_order", role="customer_service"),   # 03:00: out
            rec(0, 2, "chat", 9.0, 9.01, 9.2, wf="presales_order", role="customer_service"),  # met
            rec(0, 3, "chat", 10.0, 10.5, 10.7, wf="presales_order", role="customer_service"),  # missed
            rec(0, 4, "chat", 11.0, math.nan, math.nan, wf="presales_order", role="customer_service"),
            # abandoned after 1.5 h unanswered: the case ended without a reply
            rec(0, 5, "chat", 12.0, math.nan, 13.5, wf="presales_order", role="customer_service"),
            rec(0, 5, "case_end", 13.5, kind="case", role="", wf="presales_order")]
    got = evaluate_windows(s, log_of(recs, 80 * 24))["chat"]
    assert got["cases"] == 4 and got["missed"] == 3 and got["met"] == pytest.approx(1 / 4, abs=1e-4)
    assert got["open"] == 1 and got["unreached"] == 1
    assert got["breaches_per_replication"] == 3 and got["on_breach"] == "reply rate"
    misses = window_misses(s, log_of(recs, 80 * 24))["chat"]
    assert misses["largest_queue"]["role"] == "customer_service"
    unreached = [e for e in misses["examples"] if e["case_id"] == 5]
    assert unreached[0]["status"] == "unreached" and unreached[0]["hours"] == 1.5


def test_a_night_chat_is_a_miss_in_the_window_not_in_the_service_hours_view(base):
    """Issue 16 point 5: a chat written at 03:00, when nobody is on duty, is
    answered at the shift start and still counted against the 3-minute
    window (a miss); the platform's reading, questions asked 08:00-24:00,
    is shown beside it and leaves the night chat out."""
    w = base.service_windows["chat_first_reply_3min"]
    assert w.active_hours is None and w.service_hours_view == (8, 24)
    s = scen(base, {"chat_first_reply_3min": w})
    cs = {"wf": "presales_order", "role": "customer_service"}
    recs = [rec(0, 1, "chat", 3.0, 8.0, 8.2, **cs),    # night: answered at 08:00
            rec(0, 2, "chat", 9.0, 9.01, 9.2, **cs),   # met
            rec(0, 3, "chat", 10.0, 10.02, 10.2, **cs),  # met
            rec(0, 4, "chat", 11.0, 11.5, 11.7, **cs)]   # missed
    got = evaluate_windows(s, log_of(recs, 80 * 24))["chat_first_reply_3min"]
    assert got["cases"] == 4 and got["missed"] == 2 and got["met"] == 0.5
    view = got["service_hours_view"]
    assert view["hours"] == [8, 24]
    assert view["cases"] == 3 and view["met"] == pytest.approx(2 / 3, abs=1e-4)
    assert view["p95_hours"] <= got["p95_hours"]


def test_the_platforms_reading_can_be_the_window_itself(base):
    """A scenario may take the platform's reading as the window (active
    hours), but not both at once: the view would repeat the window."""
    from rules.errors import RulesError
    s = load_scenario(ROOT / "scenarios" / "baseline.yaml", [
        "service_windows.chat_first_reply_3min.active_hours=[8, 24]",
        "service_windows.chat_first_reply_3min.service_hours_view=null"])
    assert s.service_windows["chat_first_reply_3min"].active_hours == (8, 24)
    with pytest.raises(RulesError, match="active_hours already keeps the window to those hours"):
        load_scenario(ROOT / "scenarios" / "baseline.yaml",
                      ["service_windows.chat_first_reply_3min.active_hours=[8, 24]"])


def test_verdict_logic():
    assert verdict((0.96, 0.99), 0.95, 10) == "met"
    assert verdict((0.95, 0.99), 0.95, 10) == "met"
    assert verdict((0.80, 0.94), 0.95, 10) == "not met"
    assert verdict((0.90, 0.97), 0.95, 10) == "undecided"
    assert verdict((math.nan, math.nan), 0.95, 0) == "no cases"
    assert verdict((0.5, 0.6), None, 3) == "no target"


def test_wilson_with_one_replication(base):
    assert wilson(7, 10) == pytest.approx((0.39677, 0.89222), abs=1e-4)
    s = scen(base, {"h": win()}, {"h": 0.95})
    recs = [r for i in range(10) for r in pair(0, i + 1, 10.0 * i, 10.0 * i + (5 if i < 7 else 100))]
    got = evaluate_windows(s, log_of(recs, 80 * 24))["h"]
    assert got["met"] == 0.7 and got["ci_method"].startswith("wilson")
    assert got["met_ci95"] == pytest.approx([0.3968, 0.8922], abs=1e-4)
    assert got["verdict"] == "not met"


def test_t_interval_across_replications(base):
    s = scen(base, {"h": win()}, {"h": 0.5})
    recs = []
    for rep, n_met in enumerate([4, 3, 4, 3]):   # shares .8 .6 .8 .6 of 5 cases
        for i in range(5):
            recs += pair(rep, i + 1, 10.0 * i, 10.0 * i + (5 if i < n_met else 100))
    got = evaluate_windows(s, log_of(recs, 80 * 24, reps=4))["h"]
    # mean 0.7, sd 0.11547, t(0.975, 3) = 3.182446: half-width 0.18374
    assert got["met"] == 0.7 and got["cases"] == 5
    assert got["met_ci95"] == pytest.approx([0.51626, 0.88374], abs=1e-4)
    assert got["ci_method"] == "t across 4 replications"
    assert got["verdict"] == "met"


def test_time_budget_splits_the_missed_time(base):
    s = scen(base, {"h": win()})
    t0 = hours(dt.date(2026, 9, 15), 10)   # Tuesday 10:00
    recs = [rec(0, 1, "report_inspection", t0 - 0.1, t0 - 0.1, t0),
            rec(0, 1, "reply_and_note", t0, t0 + 2, t0 + 2.5, role="customer_service"),
            rec(0, 1, "explain_refusal", t0 + 2.5, t0 + 50, t0 + 50.5, role="aftersales_service"),
            rec(0, 1, "refusal_accepted", t0 + 50.5, kind="milestone", role=""),
            rec(0, 1, "customer_thinks", t0 + 50.5, t0 + 50.5, t0 + 60, kind="wait", role="customer"),
            rec(0, 1, "ship_back_refused", t0 + 60, t0 + 80, t0 + 80.5)]
    m = window_misses(s, log_of(recs, 80 * 24))["h"]
    b = m["budget_hours"]
    assert b["waiting"] == {"warehouse": 20.0, "aftersales_service": 47.5, "customer_service": 2.0}
    assert b["working"] == {"aftersales_service": 0.5, "customer_service": 0.5, "warehouse": 0.5}
    assert b["outside"] == {"customer": 9.5}
    assert b["total"] == 80.5 and b["other"] == 0.0
    # aftersales_service (office 09-12, 13-18 Mon-Fri) waits Tue 12:30 .. Thu 12:00:
    # on duty Tue 13-18, Wed 9-12, 13-18, Thu 9-12 = 16 h, so 31.5 h off duty.
    assert b["waiting_off_duty"]["aftersales_service"] == 31.5
    assert m["largest_queue"]["role"] == "aftersales_service"
    assert m["largest_queue"]["share_of_limit"] == pytest.approx(47.5 / 72, abs=1e-3)


def test_run_report_table_lists_each_window(base):
    from sim.cli.tables import windows_table

    assert windows_table({"cases": {}}) is None
    s = scen(base, {"h": win()}, {"h": 0.95})
    summary = window_sections(s, log_of(pair(0, 1, 10.0, 20.0), 80 * 24))
    table = windows_table(summary)
    assert table.row_count == 1 and [c.header for c in table.columns][-1] == "verdict"
    assert set(summary) == {"service_windows", "window_compliance_by_day", "window_misses"}


def test_compliance_by_day_groups_by_the_start_day(base):
    from sim.analysis.window_days import compliance_by_day

    s = scen(base, {"h": win()}, days=20)
    log = log_of(pair(0, 1, 10.0, 20.0) + pair(0, 2, 11.0, 200.0) + pair(0, 3, 50.0, 60.0)
                 + pair(0, 4, 20 * 24 - 5, None), 20 * 24.0)
    got = compliance_by_day(s, log)["h"]
    assert got["dates"] == ["2026-09-14", "2026-09-16", "2026-10-03"]
    assert got["cases"] == [2, 1, 1]
    assert got["met"] == [0.5, 1.0, None]   # the last one is open and not yet due


def test_a_collapsed_interval_becomes_the_pooled_binomial_one() -> None:
    """Every replication met by every case (few cases): not [100-100], but
    the pooled cases' Wilson interval, and the method says so."""
    import numpy as np

    from sim.analysis.windows import WindowCases, met_interval, wilson

    keys = np.array([(0 << 32) | 1, (0 << 32) | 2, (1 << 32) | 1], dtype=np.int64)
    ones = np.ones(3)
    wc = WindowCases(key=keys, workflow=np.zeros(3, np.int16), start=ones,
                     end=ones * 2, deadline=ones * 10, horizon=100.0)
    (lo, hi), method = met_interval(wc, 2)
    assert (lo, hi) == wilson(3, 3) and lo < 0.5 and hi == 1.0
    assert method == "wilson (pooled: all 2 replications had the same share)"


def test_who_breaks_the_windows_is_the_missed_cases_longest_wait() -> None:
    from sim.analysis.window_report import window_breakers
    from sim.cli.tables import breaker_lines

    summary = {"window_misses": {
        "a": {"missed_per_replication": 10.0, "largest_queue": {"role": "warehouse", "hours": 90.0}},
        "b": {"missed_per_replication": 30.0, "largest_queue": {"role": "aftersales", "hours": 5.0}},
        "c": {"missed_per_replication": 5.0, "largest_queue": {"role": "warehouse", "hours": 2.0}},
        "d": {"missed_per_replication": 0.0}}}
    ranked = window_breakers(summary)
    assert [(r["role"], r["missed"]) for r in ranked] == [("aftersales", 30.0), ("warehouse", 15.0)]
    assert [w["window"] for w in ranked[1]["windows"]] == ["a", "c"]
    lines = breaker_lines(summary)
    assert lines[0].startswith("who breaks the windows") and "warehouse: a 10/rep, waiting 90h" in lines[2]
