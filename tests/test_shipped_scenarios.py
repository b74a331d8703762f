"""Every shipped scenario (``scenarios/**/*.yaml``) loads through the one
public loading path and runs: a new file there is covered without a change
here."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from invariants import check_cases_accounted, check_times

import rules
import sim
from rules.scenario import Horizon

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted(ROOT.glob("scenarios/**/*.yaml"))
SMOKE_DAYS = 7  # a whole week: nights, shift changes, a weekend


def _id(path: Path) -> str:
    return path.relative_to(ROOT / "scenarios").as_posix()


def test_the_shipped_scenarios_are_found() -> None:
    names = {_id(p) for p in SHIPPED}
    assert {"baseline.yaml", "double11.yaml", "double11_staffed.yaml",
            "validation/mmc.yaml", "validation/mmc_rho09.yaml"} <= names
    assert any(n.startswith("what_if/") for n in names)


@pytest.mark.parametrize("path", SHIPPED, ids=_id)
def test_shipped_scenario_loads(path: Path) -> None:
    s = rules.load_scenario(path)
    assert isinstance(s, rules.Scenario)
    assert s.name and s.workflows and s.replications >= 1
    assert s.horizon.start <= s.horizon.end


@pytest.mark.parametrize("path", SHIPPED, ids=_id)
def test_shipped_scenario_runs_a_short_horizon(path: Path) -> None:
    """A smoke run of the first days: the engine accepts the scenario and
    writes a log that keeps the basic invariants."""
    s = rules.load_scenario(path)
    end = min(s.horizon.end, s.horizon.start + dt.timedelta(days=SMOKE_DAYS - 1))
    s = s.model_copy(update={"horizon": Horizon(start=s.horizon.start, end=end)})
    log = sim.simulate(s, 0)
    c = log.columns
    assert (c["activity"] == "case_start").sum() > 0
    check_times(log)
    check_cases_accounted(log)
