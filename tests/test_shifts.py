"""Shift calendars (``rules.shifts``): interval helpers, holidays and make-up
days, overrides, against hand-worked timelines."""
from __future__ import annotations

import datetime as dt

import pytest

from rules.errors import RulesError
from rules.loader import load_scenario
from rules.shifts import merge, role_shifts, subtract


def test_interval_helpers() -> None:
    assert merge([(5, 6), (0, 2), (2, 3)]) == [(0, 3), (5, 6)]
    assert subtract([(0, 10)], 2, 4) == [(0, 2), (4, 10)]


def test_office_staff_are_off_on_national_day_and_work_the_makeup_day() -> None:
    s = load_scenario("scenarios/baseline.yaml")  # horizon starts 2026-10-01
    [member] = role_shifts(s, "planner")
    days_on = {int(a // 24) for a, _ in member.intervals}
    start = s.horizon.start
    on = {start + dt.timedelta(days=d) for d in days_on}
    assert not any(dt.date(2026, 10, d) in on for d in range(1, 8))  # 国庆 holiday
    assert dt.date(2026, 10, 10) in on  # Saturday make-up working day (调休)
    assert dt.date(2026, 10, 12) in on and dt.date(2026, 10, 17) not in on
    # 09:00-12:00 and 13:00-18:00: 8 hours on a working day
    d12 = (dt.date(2026, 10, 12) - start).days * 24
    assert sum(b - a for a, b in member.intervals if d12 <= a < d12 + 24) == pytest.approx(8.0)


def test_customer_service_covers_08_to_24_every_day() -> None:
    s = load_scenario("scenarios/baseline.yaml")
    members = role_shifts(s, "customer_service")
    assert len(members) == 4
    day3 = [(a % 24, b - (a - a % 24)) for m in members for a, b in m.intervals if 48 <= a < 72]
    assert min(a for a, _ in day3) == 8.0 and max(b for _, b in day3) == 24.0


def test_overrides_add_temporary_staff_and_remove_absent_ones() -> None:
    from rules.calendar import Override

    s = load_scenario("scenarios/baseline.yaml")
    cal = s.calendars.model_copy(update={"overrides": (
        Override(role="customer_service", start=dt.date(2026, 11, 10), end=dt.date(2026, 11, 12),
                 change="extra", members=3, shift="peak_day"),
        Override(role="aftersales_service", start=dt.date(2026, 10, 12), end=dt.date(2026, 10, 18),
                 change="absent", members=1),
    )})
    s2 = s.model_copy(update={"calendars": cal})
    cs = role_shifts(s2, "customer_service")
    temps = [m for m in cs if m.temporary]
    assert len(temps) == 3 and all(len(m.intervals) == 3 for m in temps)
    [after] = role_shifts(s2, "aftersales_service")
    lo = (dt.date(2026, 10, 12) - s.horizon.start).days * 24
    assert not any(lo <= a < lo + 7 * 24 for a, _ in after.intervals)


def test_an_absence_also_cancels_overtime_listed_after_it() -> None:
    from rules.calendar import Override

    s = load_scenario("scenarios/baseline.yaml")
    day = dt.date(2026, 10, 12)
    away = Override(role="planner", start=day, end=day, change="absent", members=1)
    extra = Override(role="planner", start=day, end=day, change="overtime", members=1,
                     shift="overtime_evening")
    lo = (day - s.horizon.start).days * 24
    for order in ((away, extra), (extra, away)):
        s2 = s.model_copy(update={"calendars": s.calendars.model_copy(update={"overrides": order})})
        [planner] = role_shifts(s2, "planner")
        assert not any(lo <= a < lo + 24 for a, _ in planner.intervals), order


def test_overlapping_breaks_are_refused() -> None:
    from rules.calendar import Shift

    with pytest.raises(ValueError, match=r"breaks overlap \(13:00 is after 12:30\)"):
        Shift(start="09:00", end="18:00", breaks=(("12:00", "13:00"), ("12:30", "14:00")))


def _days_worked(member_intervals: tuple[tuple[float, float], ...]) -> list[int]:
    return sorted({int(a // 24) for a, _ in member_intervals})


def _longest_run(days: list[int]) -> int:
    best = run = 0
    for i, d in enumerate(days):
        run = run + 1 if i and d == days[i - 1] + 1 else 1
        best = max(best, run)
    return best


@pytest.mark.parametrize("on, off", [(6, 1), (5, 2), (4, 3)])
def test_rotating_rest_days_keep_the_roster_and_cover_every_day(on: int, off: int) -> None:
    """Issue 16 point 2: no member works more days in a row than the roster
    allows, each shift has somebody every day, and each member's hours a
    week are the roster's (days_on of every days_on + days_off)."""
    sets = [f"calendars.rosters.customer_service[{i}].{k}={v}"
            for i in (0, 1) for k, v in (("days_on", on), ("days_off", off))]
    s = load_scenario("scenarios/baseline.yaml", sets)
    members = role_shifts(s, "customer_service")
    weeks = s.horizon.days / 7
    for m in members:
        days = _days_worked(m.intervals)
        assert _longest_run(days) == on
        hours = sum(b - a for a, b in m.intervals)
        assert hours / weeks == pytest.approx(8 * 7 * on / (on + off), rel=0.05)
    for shift_members in (members[:2], members[2:]):  # cs_early, cs_late
        covered = set().union(*(_days_worked(m.intervals) for m in shift_members))
        assert covered == set(range(s.horizon.days))


def test_the_shipped_customer_service_roster_rests_one_day_in_seven() -> None:
    s = load_scenario("scenarios/baseline.yaml")
    for m in role_shifts(s, "customer_service"):
        assert _longest_run(_days_worked(m.intervals)) == 6
        assert sum(b - a for a, b in m.intervals) / (s.horizon.days / 7) == pytest.approx(48, rel=0.02)


def test_a_roster_without_rest_days_works_every_day() -> None:
    s = load_scenario("scenarios/validation/mmc.yaml")
    for m in role_shifts(s, "server"):
        assert m.intervals == ((0.0, s.horizon.hours),)


def _rest_days(member, days: int) -> set[int]:
    return set(range(days)) - set(_days_worked(member.intervals))


def test_rest_days_are_staggered_across_the_whole_role() -> None:
    """Review item 2: the two shifts' agents do not rest on the same
    weekdays; with 4 agents on 6+1 at most one rests on any day (11 Nov
    included)."""
    s = load_scenario("scenarios/baseline.yaml")
    members = role_shifts(s, "customer_service")
    rests = [_rest_days(m, s.horizon.days) for m in members]
    assert all(len(rest) > 0 for rest in rests)
    for day in range(s.horizon.days):
        assert sum(day in rest for rest in rests) <= 1, day
    weekdays = [{(s.horizon.start + dt.timedelta(days=d)).weekday() for d in rest} for rest in rests]
    assert len(set.union(*weekdays)) == 4


def test_no_rest_cancels_rest_days_on_its_dates_and_is_paid_as_overtime() -> None:
    from rules.calendar import Override
    from sim.analysis.payroll import daily_staffing

    s = load_scenario("scenarios/baseline.yaml")
    lo, hi = dt.date(2026, 11, 5), dt.date(2026, 11, 14)
    cal = s.calendars.model_copy(update={"overrides": (
        Override(role="customer_service", start=lo, end=hi, change="no_rest", members=4),)})
    s2 = s.model_copy(update={"calendars": cal})
    span = set(range((lo - s.horizon.start).days, (hi - s.horizon.start).days + 1))
    before, after = role_shifts(s, "customer_service"), role_shifts(s2, "customer_service")
    for m0, m1 in zip(before, after):
        rest0, rest1 = _rest_days(m0, s.horizon.days), _rest_days(m1, s.horizon.days)
        assert rest0 & span and not rest1 & span
        assert rest1 == rest0 - span
    extra = daily_staffing(s2)["customer_service"]["overtime_hours"].sum()
    assert extra == pytest.approx(8.0 * sum(len(_rest_days(m, s.horizon.days) & span) for m in before))


def test_double11_has_every_chat_agent_on_the_peak_day() -> None:
    s = load_scenario("scenarios/double11.yaml")
    peak = (dt.date(2026, 11, 11) - s.horizon.start).days
    regular = [m for m in role_shifts(s, "customer_service") if "#L" not in m.name and not m.temporary]
    assert len(regular) == 4
    for d in (peak - 1, peak, peak + 1):
        assert all(d in _days_worked(m.intervals) for m in regular), d


def test_overtime_never_falls_on_a_rest_day() -> None:
    """Review item 6: overtime goes to the first members the roster has on
    duty that day and not on that shift already, so nobody works more days
    in a row than 6+1 allows; asking more than there are is refused."""
    s = load_scenario("scenarios/baseline.yaml",
                      overtime=["customer_service+1@2026-10-01..2026-10-31:cs_late"])
    members = role_shifts(s, "customer_service")
    base = role_shifts(load_scenario("scenarios/baseline.yaml"), "customer_service")
    for m, b in zip(members, base):
        assert _longest_run(_days_worked(m.intervals)) == 6
        assert _days_worked(m.intervals) == _days_worked(b.intervals)

    def late(ms, day: int) -> int:
        return sum(any(a <= day * 24 + 16 and day * 24 + 24 <= b for a, b in m.intervals) for m in ms)

    for day in range(31):  # one more on the late shift every day of October
        assert late(members, day) == late(base, day) + 1, day
    with pytest.raises(RulesError, match=r"2 members on overtime but on 2026-10-\d\d only 1 of "):
        load_scenario("scenarios/baseline.yaml",
                      overtime=["customer_service+2@2026-10-01..2026-10-31:cs_late"])


def test_a_lent_member_works_the_other_role_only_on_their_own_working_days() -> None:
    """Review item 6: a loan moves working days, never a rest day, and the
    lent member keeps who they are (``home``)."""
    from rules.calendar import Override

    s = load_scenario("scenarios/baseline.yaml")
    lo, hi = dt.date(2026, 11, 6), dt.date(2026, 11, 10)  # Friday to Tuesday
    cal = s.calendars.model_copy(update={"overrides": (
        Override(role="designer", start=lo, end=hi, change="lend", to="customer_service",
                 members=1, shift="cs_early"),)})
    s2 = s.model_copy(update={"calendars": cal})
    [lent] = [m for m in role_shifts(s2, "customer_service") if m.home]
    assert lent.home == "designer#5"
    home = role_shifts(s, "designer")[4]
    span = set(range((lo - s.horizon.start).days, (hi - s.horizon.start).days + 1))
    assert set(_days_worked(lent.intervals)) == set(_days_worked(home.intervals)) & span
    assert len(_days_worked(lent.intervals)) == 3  # not the weekend
