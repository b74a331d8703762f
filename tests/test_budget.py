"""Long jobs print their estimate and go ahead only with --yes; jobs beyond
the caps are refused; the estimate is near what a run really takes."""
from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from rules.loader import load_scenario
from sim.cli import main
from sim.cli.budget import ASK_REPLICATIONS, confirm, estimate

ROOT = Path(__file__).resolve().parents[1]
MMC = "scenarios/validation/mmc.yaml"
D11 = "scenarios/double11.yaml"
YEARS = "horizon={start: 2026-01-01, end: 2028-12-31}"


@pytest.fixture(autouse=True)
def _at_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


@pytest.mark.parametrize("argv", [
    ["run", D11, "--set", YEARS, "--set", "calendars.holidays.years={2027: {}, 2028: {}}"],
    ["run", MMC, "-n", str(ASK_REPLICATIONS)],
    ["sweep", MMC, "--vary", "org.roles.server.headcount=3..5", "-n", "2000"],
    ["compare", MMC, MMC, "-n", "1500"],
    ["plan", D11, "--budget", "400", "-n", "20"],
])
def test_a_long_job_asks_for_yes_before_any_work(argv, capsys, tmp_path) -> None:
    import sim.analysis.compare
    import sim.analysis.sweep
    import sim.report.compare_page
    import sim.report.sweep_files

    started = time.perf_counter()
    out = [] if argv[0] == "compare" else ["--out", str(tmp_path / "out")]
    import sim.analysis.evaluation
    import sim.plan.planner
    import sim.report.plan_files  # noqa: F401
    assert main([*argv, *out]) == 2
    err = capsys.readouterr().err
    assert re.fullmatch(r"error: --yes: a long job: about [\d.]+ (s|min|h|days)"
                        r"( and [\d.]+ [kMG]?B on disk)? "
                        r"\(\d+ days x \d+ replications( x \d+ points)?, "
                        r"about [\d,.]+( million)? cases each\); "
                        r"run it again with --yes to go ahead\n", err), err
    assert time.perf_counter() - started < 2.0
    assert not (tmp_path / "out").exists()


def test_a_job_beyond_the_caps_is_refused_even_with_yes(capsys, tmp_path) -> None:
    ten_years = "horizon={start: 2026-01-01, end: 2035-12-30}"
    years = "calendars.holidays.years={" + ", ".join(f"{y}: {{}}" for y in range(2027, 2036)) + "}"
    assert main(["run", D11, "--set", ten_years, "--set", years, "-n", "10000", "--yes",
                 "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: run: too long a job: about ")
    assert "the limit is 3.0 days and 200.0 GB" in err


def test_with_yes_a_long_job_goes_ahead_and_says_what_it_costs(capsys) -> None:
    s = load_scenario(MMC)
    est = confirm(s, ASK_REPLICATIONS, 2, yes=True)
    assert est.seconds > 10 and est.bytes > 10**8
    assert capsys.readouterr().err.startswith("notice: a long job: about ")


def test_the_estimate_is_near_a_real_run(tmp_path) -> None:
    assert main(["run", MMC, "-n", "2", "-j", "1", "--no-report", "--out", str(tmp_path / "r")]) == 0
    written = sum(p.stat().st_size for p in (tmp_path / "r").rglob("*") if p.is_file())
    est = estimate(load_scenario(MMC), 2, 1)
    assert written / 3 < est.bytes < written * 3
    run = json.loads((tmp_path / "r" / "summary.json").read_text())["run"]
    assert run["records"] > 0
