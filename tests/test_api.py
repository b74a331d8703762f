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
    assert sim.__all__ == ["COLUMNS", "FIELDS", "EventLog", "Record", "evaluate", "load_run",
                           "run", "simulate", "summarize", "write_run"]
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


@pytest.mark.parametrize("command", [[], ["check"], ["show"], ["run"], ["report"], ["compare"],
                                     ["sweep"]])
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


def test_an_unwritable_output_is_one_line_and_exit_2(tmp_path, capsys) -> None:
    taken = tmp_path / "a_file"
    taken.write_text("not a directory")
    code = main(["run", "scenarios/validation/mmc.yaml", "-n", "1", "--out", str(taken)])
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert code == 2 and "Traceback" not in err
    assert len(errors) == 1 and str(taken) in errors[0]


def test_every_package_is_shipped() -> None:
    """A wheel holds every sub-package (an explicit list once shipped only
    ``sim/__init__.py``): setuptools finds ``sim*`` and ``rules*``."""
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    find = config["tool"]["setuptools"]["packages"]["find"]
    assert find["include"] == ["sim*", "rules*"]
    packages = {p.parent.relative_to(root).as_posix().replace("/", ".")
                for p in root.glob("sim/**/__init__.py")}
    assert {"sim.kernel", "sim.cli", "sim.report"} <= packages
