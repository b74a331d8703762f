"""Peak behaviour as scenario options (issue 16 point 4): concurrency by
date, the auto-reply bot's share of chats by date, and people lent from one
role to another on given dates (the ops supervisor's 人力资源调配)."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import simpy

import sim
from rules.errors import RulesError
from rules.loader import load_scenario
from rules.shifts import MemberShifts, concurrency_by_day, role_shifts
from sim.analysis.kpis import role_reps
from sim.analysis.payroll import daily_staffing
from sim.analysis.staffing import StaffLog
from sim.staff.pool import StaffPool

DOUBLE11 = "scenarios/double11.yaml"


def _day(s, date: dt.date) -> int:
    return (date - s.horizon.start).days


def test_double11_sets_concurrency_by_date() -> None:
    s = load_scenario(DOUBLE11)
    k = concurrency_by_day(s, "customer_service")
    assert k[_day(s, dt.date(2026, 10, 5))] == 5
    assert k[_day(s, dt.date(2026, 10, 25))] == 8
    assert k[_day(s, dt.date(2026, 11, 11))] == 20
    assert k[_day(s, dt.date(2026, 12, 1))] == 5
    assert concurrency_by_day(s, "warehouse") == [1] * s.horizon.days


def test_a_pool_takes_more_tasks_from_the_day_its_concurrency_rises() -> None:
    env = simpy.Environment()
    pool = StaffPool(env, "r", [MemberShifts("r#1", ((0.0, 72.0),))], 1, changes=[(24.0, 3), (48.0, 1)])
    tasks = [pool.submit(30.0, 5, shared=True) for _ in range(5)]
    env.run(until=72)
    starts = sorted(t.start for t in tasks)
    # One at once on day 1; from 24:00 two more join, a fourth when the first
    # ends at 30; from 48:00 one at once, so the fifth waits until the member
    # holds none (the last of the four ends at 60).
    assert starts == [0.0, 24.0, 24.0, 30.0, 60.0]


def test_utilisation_counts_the_day_s_slots() -> None:
    s = load_scenario(DOUBLE11)
    s = s.model_copy(update={"horizon": s.horizon.model_copy(
        update={"start": dt.date(2026, 11, 10), "end": dt.date(2026, 11, 12)})})
    log, _ = sim.run(s, 1, 1)
    st = StaffLog(s, log)
    r = st.roles.index("customer_service")
    hours = sum(st.members[m].duty.total for m in st.role_members(r))
    slots = float(st.slot_time()[r, 0])
    assert 10 * hours < slots < 20 * hours  # 10, 20 and 10 chats a day
    x = role_reps(st)["customer_service"]
    assert x["utilization"][0] == pytest.approx(x["busy"][0] / slots)


def test_lent_people_leave_their_role_and_work_the_other_s_shift() -> None:
    s = load_scenario(DOUBLE11)
    d11 = _day(s, dt.date(2026, 11, 11))
    on = {m.name: {int(a // 24) for a, _ in m.intervals} for m in role_shifts(s, "designer")}
    assert [d11 in days for days in on.values()] == [True, True, True, False, False]
    cs = role_shifts(s, "customer_service")
    lent = [m for m in cs if m.name.startswith("customer_service#L")]
    assert len(lent) == 3 and not any(m.temporary for m in lent)
    assert {int(a // 24) for m in lent for a, _ in m.intervals} == {d11, d11 + 1}
    # Paid by their own role: no temporary days, no overtime in customer
    # service but the agents' own rest days cancelled 10-12 Nov (no_rest).
    pay = daily_staffing(s)["customer_service"]
    kept = tuple(o for o in s.calendars.overrides if o.change != "lend")
    alone = daily_staffing(s.model_copy(update={"calendars": s.calendars.model_copy(
        update={"overrides": kept})}))["customer_service"]
    assert pay["temporary"].sum() == 0
    assert (pay["overtime_hours"] == alone["overtime_hours"]).all()
    assert set(np.flatnonzero(pay["overtime_hours"])) <= {d11 - 1, d11, d11 + 1}
    own = sum(d11 in {int(a // 24) for a, _ in m.intervals} for m in cs if m not in lent)
    assert pay["regular"][d11] == own + 3


def test_the_bot_answers_its_share_of_chats_with_no_agent() -> None:
    base = load_scenario("scenarios/baseline.yaml")
    s = load_scenario("scenarios/baseline.yaml", ["demand.bot_share=1.0"])
    s = s.model_copy(update={"horizon": s.horizon.model_copy(update={"end": dt.date(2026, 10, 3)})})
    log = sim.simulate(s, 0)
    c = log.columns
    order = c["workflow"] == "presales_order"
    assert not (order & (c["activity"] == "chat")).any()
    bot = order & (c["activity"] == "bot_reply")
    assert bot.sum() > 100
    # The same customers as without a bot (common random numbers).
    b = sim.simulate(base.model_copy(update={"horizon": s.horizon}), 0).columns
    starts = (c["activity"] == "case_start") & order
    assert starts.sum() == ((b["activity"] == "case_start") & (b["workflow"] == "presales_order")).sum()
    assert bot.sum() == ((b["workflow"] == "presales_order") & (b["activity"] == "chat")
                         & (b["outcome"] != "preempted")).sum()


def test_peak_options_are_checked_like_every_rule() -> None:
    with pytest.raises(RulesError,
                       match=r"calendars\.concurrency\[0\]\.value: Input should be less than or equal to 50"):
        load_scenario(DOUBLE11, ["calendars.concurrency[0].value=500"])
    with pytest.raises(RulesError,
                       match=r"calendars\.concurrency\[1\]: overlaps calendars\.concurrency\[0\]"):
        load_scenario(DOUBLE11, ["calendars.concurrency[1].start=2026-10-30"])
    with pytest.raises(RulesError, match=r"calendars\.overrides\[0\]\.to: unknown role 'custmer_service'"):
        load_scenario(DOUBLE11, ["calendars.overrides[0].to=custmer_service"])
    with pytest.raises(RulesError, match=r"calendars\.overrides\[0\]\.members: "
                                         r"9 members lent but role 'designer' has only 5"):
        load_scenario(DOUBLE11, ["calendars.overrides[0].members=9"])
    with pytest.raises(RulesError, match=r"demand\.bot_share_periods\[0\]\.value: "
                                         r"Input should be less than or equal to 1"):
        load_scenario(DOUBLE11, ["demand.bot_share_periods[0].value=1.5"])
