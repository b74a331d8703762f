"""Staffing in view: people on duty as simulated, person-days and cost."""
from __future__ import annotations

import csv
import re

import pytest

from rules import RulesError, load_scenario
from sim.analysis.payroll import daily_staffing, staffing
from sim.cli import main

BASELINE = "scenarios/baseline.yaml"


def test_regular_staff_cost_every_day_of_the_horizon() -> None:
    s = load_scenario(BASELINE)
    out = staffing(s)
    cs = out["staffing"]["customer_service"]
    assert cs["temporary_person_days"] == 0 and cs["overtime_hours"] == 0
    assert cs["cost_cny"] == 4 * s.horizon.days * s.costs.regular("customer_service")
    assert out["cost_cny_total"] == pytest.approx(sum(
        s.org.headcount(r) * s.horizon.days * s.costs.regular(r) for r in s.org.roles))


def test_temporary_staff_add_their_days_and_their_day_rate() -> None:
    base = staffing(load_scenario(BASELINE))
    s = load_scenario(BASELINE, temps=["customer_service+2@2026-10-20..2026-10-29"])
    more = staffing(s)
    cs = more["staffing"]["customer_service"]
    assert cs["temporary_person_days"] == 20  # every day of the span, weekends included
    assert cs["person_days"] == base["staffing"]["customer_service"]["person_days"] + 20
    assert more["cost_cny_total"] - base["cost_cny_total"] == pytest.approx(
        20 * s.costs.temporary("customer_service"))
    days = daily_staffing(s)["customer_service"]["temporary"]
    assert days.max() == 2 and days.sum() == 20


def test_overtime_is_the_regular_members_extra_hours() -> None:
    s = load_scenario("scenarios/double11_staffed.yaml")
    shift = s.calendars.shifts["overtime_evening"]
    wh = staffing(s)["staffing"]["warehouse"]
    assert wh["overtime_hours"] == pytest.approx(3 * 11 * shift.hours_per_day)


def test_prices_are_data_checked_like_the_rest() -> None:
    s = load_scenario(BASELINE, ["costs.temporary_daily.customer_service=500"])
    assert s.costs.temporary("customer_service") == 500
    with pytest.raises(RulesError, match=re.escape("costs.regular_daily.custmer_service: unknown role")):
        load_scenario(BASELINE, ["costs.regular_daily.custmer_service=1"])
    with pytest.raises(RulesError, match="greater than or equal to 0"):
        load_scenario(BASELINE, ["costs.overtime_hourly.default=-1"])


def test_a_run_writes_staffing_csv_and_prints_the_cost(tmp_path, capsys) -> None:
    out = tmp_path / "run"
    assert main(["run", "tests/scenarios/stress.yaml", "-n", "1", "--no-report", "--out", str(out),
                 "--temp", "warehouse+1@2026-10-27..2026-10-28"]) == 0
    assert "person-days on duty, cost" in capsys.readouterr().out.replace("\n", " ")
    rows = list(csv.DictReader((out / "staffing.csv").open(encoding="utf-8")))
    assert {r["temporary_on_duty"] for r in rows if r["role"] == "warehouse"
            and r["date"] in ("2026-10-27", "2026-10-28")} == {"1"}


def test_the_staffing_plot_shows_the_roles_with_temporary_staff(tmp_path) -> None:
    from sim.report.plot_kit import Context
    from sim.report.plot_staffing import plot_staffing
    from sim.views.style import Style

    s = load_scenario("scenarios/double11_staffed.yaml")
    fig = plot_staffing(Context(s, Style(font=None)))  # the scenario's plot: no run numbers
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert any("warehouse" in t and "overtime" in t for t in titles)
    assert {"customer_service", "aftersales_service", "finance"} <= {
        role for t in titles for role in ("customer_service", "aftersales_service", "finance")
        if role in t}
