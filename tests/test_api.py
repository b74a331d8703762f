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
