"""``extends`` is confined: what it may name, what is never opened, and what
a message never quotes (files made here: a named pipe or a 2 MB file cannot
live in tests/broken)."""
from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from rules.documents import MAX_BYTES
from rules.errors import RulesError
from rules.loader import load_scenario
from sim.cli import main

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"


@pytest.fixture(autouse=True)
def _deadline() -> Iterator[None]:
    """A test that would block on a pipe fails instead of hanging the suite."""
    def late(*_: object) -> None:
        raise TimeoutError("blocked: something opened a named pipe")
    old = signal.signal(signal.SIGALRM, late)
    signal.alarm(10)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def scenario(folder: Path, extends: str, name: str = "s.yaml") -> Path:
    path = folder / name
    path.write_text(f"extends: {extends}\nname: child\n", encoding="utf-8")
    return path


def problem(path: Path, **kwargs: bool) -> str:
    with pytest.raises(RulesError) as info:
        load_scenario(path, **kwargs)
    return str(info.value)


def test_a_relative_path_into_the_projects_scenarios_is_allowed(tmp_path: Path) -> None:
    s = load_scenario(scenario(tmp_path, os.path.relpath(BASELINE, tmp_path)))
    assert s.name == "child"


def test_a_file_beside_or_below_the_scenario_is_allowed(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    scenario(tmp_path / "sub", os.path.relpath(BASELINE, tmp_path / "sub"), "base.yaml")
    assert load_scenario(scenario(tmp_path, "sub/base.yaml")).name == "child"


def test_an_absolute_path_needs_allow_outside(tmp_path: Path) -> None:
    path = scenario(tmp_path, str(BASELINE))
    assert "is an absolute path" in problem(path)
    assert load_scenario(path, allow_outside=True).name == "child"


def test_a_file_above_the_scenario_and_outside_the_project_is_refused(tmp_path: Path, monkeypatch) -> None:
    secret = tmp_path / "secret.yaml"
    secret.write_text("password: hunter2-is-not-shown\n", encoding="utf-8")
    (tmp_path / "inner").mkdir()
    path = scenario(tmp_path / "inner", "../secret.yaml")
    monkeypatch.chdir(ROOT)
    message = problem(path)
    assert "lies outside the folders" in message and "hunter2" not in message
    # Allowed, it is read and refused as a scenario, and still no value of it is quoted.
    message = problem(path, allow_outside=True)
    assert "hunter2" not in message and "password" in message  # the field, not its value


def test_a_named_pipe_is_never_opened(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    t0 = time.perf_counter()
    assert "is a named pipe, not a regular file" in problem(scenario(tmp_path, "pipe.yaml"))
    assert time.perf_counter() - t0 < 2


def test_a_file_over_the_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with open(big, "wb") as f:
        f.truncate(MAX_BYTES + 1)  # sparse: nothing to read, but stat says 1 MB
    assert f"is {MAX_BYTES + 1} bytes; the limit is {MAX_BYTES}" in problem(scenario(tmp_path, "big.yaml"))


def test_the_scenario_itself_is_read_only_up_to_the_limit(tmp_path: Path, capsys) -> None:
    t0 = time.perf_counter()
    assert main(["check", "/dev/zero"]) == 2
    err = capsys.readouterr().err
    assert err == f"error: /dev/zero: file is more than {MAX_BYTES} bytes; the limit is {MAX_BYTES}\n"
    assert time.perf_counter() - t0 < 2


def test_a_pipe_with_no_writer_named_on_the_command_line_does_not_hang(tmp_path: Path, capsys) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    assert main(["check", str(tmp_path / "pipe.yaml")]) == 2
    assert "file is empty" in capsys.readouterr().err


def test_a_link_loop_and_a_link_out_of_the_project(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").symlink_to(tmp_path / "b.yaml")
    (tmp_path / "b.yaml").symlink_to(tmp_path / "a.yaml")
    assert "a loop of symbolic links" in problem(scenario(tmp_path, "a.yaml"))
    inner = tmp_path / "inner"
    inner.mkdir()
    (inner / "out.yaml").symlink_to(tmp_path / "outside.yaml")
    (tmp_path / "outside.yaml").write_text("name: x\n", encoding="utf-8")
    assert "lies outside the folders" in problem(scenario(inner, "out.yaml"))


def test_every_command_that_loads_a_scenario_takes_allow_outside(tmp_path: Path, capsys) -> None:
    path = str(scenario(tmp_path, str(BASELINE)))
    commands = {"check": [], "show": [], "run": ["-n", "0"], "compare": [path, "-n", "0"],
                "sweep": ["--vary", "seed=1,2", "-n", "0"], "plan": ["--replications", "0"]}
    for command, options in commands.items():
        assert main([command, path, *options]) == 2
        assert "is an absolute path" in capsys.readouterr().err, command
        code = main([command, path, *options, "--allow-outside"])
        err = capsys.readouterr().err
        assert "absolute path" not in err, command
        # Loaded: check and show succeed, the others stop at -n 0, before any simulation.
        assert (code, "--replications" in err) == ((0, False) if not options else (2, True)), command
