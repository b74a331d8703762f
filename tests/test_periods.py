"""Verdicts per period: every window is judged on the cases that start in
each named stretch of days, as well as overall."""
from __future__ import annotations

import re

import pytest

import sim
from rules import RulesError, load_scenario
from sim.cli import main
from sim.cli.tables import period_lines

STRESS = "tests/scenarios/stress.yaml"


@pytest.fixture(scope="module")
def windows() -> dict:
    s = load_scenario(STRESS, periods=["all=2026-10-26..2026-11-08", "a=2026-10-26..2026-11-01",
                                       "2026-11-02..2026-11-08"])
    return sim.evaluate(s, 2, 5)["service_windows"]


def test_a_period_over_the_whole_horizon_is_the_overall_verdict(windows: dict) -> None:
    for wid, w in windows.items():
        whole = w["periods"]["all"]
        assert (whole["cases"], whole["due"], whole["met"], whole["met_ci95"], whole["verdict"]) == (
            w["cases"], w["due"], w["met"], w["met_ci95"], w["verdict"]), wid


def test_periods_that_split_the_horizon_split_its_cases(windows: dict) -> None:
    for wid, w in windows.items():
        halves = w["periods"]["a"], w["periods"]["2026-11-02..2026-11-08"]
        assert sum(p["cases"] for p in halves) == pytest.approx(w["cases"], abs=0.02), wid
        assert halves[1]["start"] == "2026-11-02" and halves[1]["end"] == "2026-11-08"


def test_double11_names_its_periods_and_a_bad_one_is_refused() -> None:
    s = load_scenario("scenarios/double11.yaml")
    assert list(s.periods) == ["presale", "peak", "return_wave", "double12"]
    with pytest.raises(RulesError, match=r"--period 2027-01-01\.\.2027-01-02: periods\.2027"):
        load_scenario("scenarios/double11.yaml", periods=["2027-01-01..2027-01-02"])
    with pytest.raises(RulesError, match=re.escape("expected START..END")):
        load_scenario("scenarios/double11.yaml", periods=["x=2026-11-01"])


def test_a_window_met_overall_but_not_in_a_period_says_so_first() -> None:
    summary = {"service_windows": {"chat": {"verdict": "met", "periods": {
        "presale": {"met": 0.99, "verdict": "met"}, "peak": {"met": 0.62, "verdict": "not met"}}}}}
    lines = period_lines(summary)
    assert "chat: met overall but NOT MET in peak" in lines[0]
    assert "peak 62.0%" in lines[1]


def test_the_terminal_shows_the_periods(tmp_path, capsys) -> None:
    assert main(["run", STRESS, "-n", "1", "--no-report", "--out", str(tmp_path / "r"),
                 "--period", "wk=2026-11-02..2026-11-08"]) == 0
    assert "by period: wk " in capsys.readouterr().out.replace("\n", "")
