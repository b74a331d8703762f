"""The public API is curated: a change to it is a decision, not an accident."""
from __future__ import annotations

import subprocess
import sys

import pytest

import rules
import sim
from sim.cli import main


def test_rules_api() -> None:
    assert rules.__all__ == ["Problem", "RulesError", "Scenario", "load_scenario"]
    assert all(hasattr(rules, name) for name in rules.__all__)


def test_sim_api() -> None:
    assert sim.__all__ == ["COLUMNS", "FIELDS", "EventLog", "Record", "load_run", "run",
                           "simulate", "summarize", "write_run"]
    assert all(hasattr(sim, name) for name in sim.__all__)


def test_analysis_api() -> None:
    import sim.analysis

    assert sim.analysis.__all__ == ["summarize"]
    assert sim.analysis.summarize is sim.summarize


def test_the_public_names_do_not_move(tmp_path) -> None:
    """The documented path from a scenario file to a summary, through the
    public names only (the layout inside the packages may change)."""
    s = rules.load_scenario("scenarios/validation/mmc.yaml")
    log = sim.simulate(s, 0, 1)
    assert len(log) > 0 and set(sim.COLUMNS) == set(log.columns)
    both, facts = sim.run(s, 1, 2)
    summary = sim.summarize(s, both, facts)
    assert summary["run"]["replications"] == 2 and "roles" in summary
    sim.write_run(tmp_path, s, both, summary)
    s2, log2, summary2 = sim.load_run(tmp_path)
    assert s2 == s and len(log2) == len(both) and summary2["run"]["seed"] == 1


@pytest.mark.parametrize("command", [[], ["check"], ["show"], ["run"], ["report"], ["compare"]])
def test_every_help_page_renders(command: list[str], capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exc:
        main([*command, "--help"])
    assert exc.value.code == 0
    assert "usage: opsim" in capsys.readouterr().out


def test_python_dash_m_sim_works() -> None:
    out = subprocess.run([sys.executable, "-m", "sim", "check"], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert "valid scenario 'baseline'" in out.stdout
