"""``opsim sweep``: a grid of values, every point with the same seeds."""
from __future__ import annotations

import csv
import json

import pytest

from rules import RulesError
from sim.analysis.sweep import Vary, parse_vary, points, sweep
from sim.cli import main

STRESS = "tests/scenarios/stress.yaml"
CS = "org.roles.customer_service.headcount"
AS = "org.roles.aftersales_service.headcount"


def test_values_are_listed_or_a_range() -> None:
    assert parse_vary(f"{CS}=4..6") == Vary(CS, ("4", "5", "6"))
    assert parse_vary(f"{AS}=1, 3") == Vary(AS, ("1", "3"))
    for bad, message in ((f"{CS}", "expected FIELD=V1,V2"), (f"{CS}=6..4", "is empty"),
                         (f"{CS}=a..b", "whole numbers"), ("a..b=1", "malformed field path")):
        with pytest.raises(RulesError, match=message):
            parse_vary(bad)


def test_a_grid_or_one_field_at_a_time() -> None:
    a, b = Vary(CS, ("4", "5")), Vary(AS, ("1", "2", "3"))
    assert len(points([a, b])) == 6
    assert points([a, b])[0] == {CS: "4", AS: "1"}
    assert points([a, b], one_at_a_time=True) == [
        {}, {CS: "4"}, {CS: "5"}, {AS: "1"}, {AS: "2"}, {AS: "3"}]
    with pytest.raises(RulesError, match="at most 500"):
        points([Vary(CS, tuple(map(str, range(30)))), Vary(AS, tuple(map(str, range(30))))])


def test_every_point_has_the_same_random_numbers() -> None:
    """Common random numbers: the same value at two points of a sweep gives
    the same numbers, and a changed field changes only its effect."""
    result = sweep(STRESS, [Vary(AS, ("1", "1", "2"))], 2, 5)
    first, again, other = (p["service_windows"] for p in result["points"])
    assert first == again
    assert first["chat_first_reply_3min"]["cases"] == other["chat_first_reply_3min"]["cases"]
    assert result["points"][2]["roles"]["aftersales_service"]["headcount"] == 2


def test_the_command_writes_the_sweep_and_refuses_bad_values(tmp_path, capsys) -> None:
    out = tmp_path / "sweep"
    assert main(["sweep", STRESS, "--vary", f"{CS}=4,5", "--vary", f"{AS}=1,2", "-n", "2",
                 "--out", str(out), "--period", "wk=2026-11-02..2026-11-08"]) == 0
    assert "4 points x 2 replications" in capsys.readouterr().out.replace("\n", " ")
    data = json.loads((out / "sweep.json").read_text(encoding="utf-8"))
    assert [p["values"] for p in data["points"]][:2] == [{CS: "4", AS: "1"}, {CS: "4", AS: "2"}]
    rows = list(csv.DictReader((out / "sweep.csv").open(encoding="utf-8")))
    assert {r["period"] for r in rows} == {"", "wk"} and rows[0][CS] == "4"
    page = (out / "sweep.html").read_text(encoding="utf-8")
    assert page.count("<img src='data:image/png;base64,") == 6  # one chart per window
    assert main(["sweep", STRESS, "--vary", f"{CS}=4", "-n", "1", "--out", str(out)]) == 2
    assert "replace it with --force" in capsys.readouterr().err
    assert main(["sweep", STRESS, "--vary", f"{CS}=2", "-n", "1", "--out", str(tmp_path / "x")]) == 2
    assert f"--set {CS}=2: {CS}: headcount 2 is less than" in capsys.readouterr().err
    assert main(["sweep", STRESS, "-n", "1"]) == 2
