"""One replication in a worker sends its staff rows ahead of the rest of its
reduction (``run_reduced``'s ``ahead``): the parent makes the plots' numbers
from them while the worker reduces the rest. The run's numbers, files and
plots are the same as when everything comes at once (issue 13)."""
from __future__ import annotations

import contextlib
import importlib
import json
import os
from pathlib import Path

import numpy as np
import pytest

from rules import load_scenario
from rules.scenario import Scenario
from sim.analysis.run_parts import RunView, run_view
from sim.analysis.summary import summary_of
from sim.cli import main
from sim.log.records import EventLog
from sim.report.plot_numbers import numbers_to_arrays, plot_numbers
from sim.runs.replication import simulate
from sim.runs.runner import run_reduced

ROOT = Path(__file__).resolve().parents[1]
MMC = str(ROOT / "scenarios/validation/mmc.yaml")
SHORT = "horizon={start: 2026-03-02, end: 2026-03-15}"


def _scenario() -> Scenario:
    return load_scenario(MMC, [SHORT])


def _sends_ahead(s: Scenario, log: EventLog, ahead=None) -> int:  # a reducer: module level
    if ahead is not None:
        ahead(len(log))
    return 2 * len(log)


def _fails(s: Scenario, log: EventLog, ahead=None) -> int:
    raise ValueError("the reduction failed")


def test_the_first_part_reaches_the_parent_before_the_result() -> None:
    got: list = []
    parts, facts = run_reduced(_scenario(), 7, 1, _sends_ahead, jobs=2,
                               ahead=lambda first, waiting: got.append((first, waiting())))
    assert [first for first, _ in got] == [facts["records"]] and parts == [2 * facts["records"]]
    assert isinstance(got[0][1], bool)  # the worker may have finished by then: either


def test_with_the_log_streamed_the_parent_is_given_the_log(tmp_path: Path) -> None:
    """The worker streams the log into memory the parent made: the parent
    is given the log itself (read there), and the reducer's first part
    goes nowhere."""
    s = _scenario()
    got: list = []

    def ahead(first: object, waiting: object) -> None:
        assert isinstance(first, EventLog)
        got.append((len(first), first.arrays["end_time"].copy()))
    parts, facts = run_reduced(s, 7, 1, _sends_ahead, jobs=2, events=tmp_path / "events", ahead=ahead)
    log = simulate(s, 0, 7)
    assert [n for n, _ in got] == [len(log)] == [facts["records"]] and parts == [2 * len(log)]
    assert np.array_equal(got[0][1], log.arrays["end_time"], equal_nan=True)


def test_without_a_worker_nothing_goes_ahead() -> None:
    got: list = []
    for n, jobs in ((1, 1), (2, 2)):
        parts, _ = run_reduced(_scenario(), 7, n, _sends_ahead, jobs=jobs,
                               ahead=lambda first, waiting: got.append(first))
        assert len(parts) == n
    assert got == []


def test_a_worker_failing_before_it_sends_ahead_fails_the_run() -> None:
    got: list = []
    with pytest.raises(ValueError, match="the reduction failed"):
        run_reduced(_scenario(), 7, 1, _fails, jobs=2, ahead=lambda first, waiting: got.append(first))
    assert got == []


def _numbers(view: RunView) -> tuple[dict, dict]:
    facts = {"scenario": "mmc", "replications": 1}
    summary = summary_of(view, facts)
    index, arrays = numbers_to_arrays(plot_numbers(view.s, view))
    return json.loads(json.dumps({"summary": summary, "index": index}, default=str)), arrays


@pytest.mark.parametrize("streamed", [False, True])
def test_the_view_sent_ahead_gives_the_numbers_of_the_whole_part(streamed: bool, tmp_path: Path) -> None:
    """With the log streamed (``out``), the parent makes the first part
    from the log in the memory it shares with the worker; else the worker
    sends it: the same numbers either way."""
    s = _scenario()
    early: list[RunView] = []
    ahead, _ = run_view(s, 7, 1, jobs=2, out=tmp_path if streamed else None,
                        ahead=lambda view, waiting: early.append(view))
    at_once, _ = run_view(s, 7, 1, jobs=1)
    assert len(early) == 1
    early_index, early_arrays = numbers_to_arrays(plot_numbers(s, early[0]))
    (one, arrays_one), (two, arrays_two) = _numbers(ahead), _numbers(at_once)
    assert one == two and json.loads(json.dumps(early_index)) == one["index"]
    for name, a in arrays_two.items():
        assert np.array_equal(arrays_one[name], a) and np.array_equal(early_arrays[name], a), name


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.slow  # two runs with their report
def test_opsim_run_n1_in_a_worker_writes_the_same_bytes(tmp_path: Path) -> None:
    for jobs in ("1", "2"):
        assert main(["run", MMC, "-n", "1", "-j", jobs, "--seed", "7", "--set", SHORT,
                     "--svg", "--out", str(tmp_path / jobs)]) == 0
    one, two = _files(tmp_path / "1"), _files(tmp_path / "2")
    assert set(one) == set(two) and {"plots/queues.png", "plots/wait_p95_daily.svg"} <= set(one)
    differ = [name for name in one if one[name] != two[name]]
    assert set(differ) <= {"summary.json"}, differ
    a, b = json.loads(one["summary.json"]), json.loads(two["summary.json"])
    a["run"].pop("wall_seconds"), b["run"].pop("wall_seconds")
    assert a == b


def test_a_result_out_of_band_comes_back_whole() -> None:
    """The worker's result crosses as a pickle whose arrays are written into
    a ``memfd`` of the parent's (``ahead._out_of_band``): the same values,
    dtypes and shapes; arrays aligned; a result without arrays too."""
    import os

    from sim.runs import ahead

    value = {"f": np.linspace(0, 1, 1001), "b": np.arange(7) % 2 == 0, "e": np.zeros(0),
             "t": np.arange(12.0).reshape(3, 4)[:, 1], "o": np.array(["a", None], object),
             "n": (3, "x")}
    memory = os.memfd_create("test-result")
    try:
        sent = ahead._out_of_band(value, memory)
        back = sent.load(memory)
        none = ahead._out_of_band(5, memory).load(memory)
    finally:
        os.close(memory)
    assert isinstance(back, dict) and back.keys() == value.keys() and none == 5
    for k, v in value.items():
        if isinstance(v, np.ndarray):
            assert back[k].dtype == v.dtype and np.array_equal(back[k], v), k
            assert back[k].flags.aligned, k
        else:
            assert back[k] == v
    assert back["f"].flags.writeable  # merge may change what it is given


def test_a_worker_started_ahead_does_the_work_or_ends_unused() -> None:
    """``opsim run`` forks the worker of a one-replication run before it
    loads the scenario (``start_ahead``): the run uses it, or, when the
    scenario asks for more replications, closes it and it ends."""
    from sim.runs.ahead import start_ahead

    s = _scenario()
    ready = start_ahead(("sim.runs.replication",))
    assert ready is not None
    got: list = []
    parts, facts = run_reduced(s, 7, 1, _sends_ahead, jobs=2, ready=ready,
                               ahead=lambda first, waiting: got.append(first))
    assert parts == [2 * facts["records"]] and got == [facts["records"]] and ready.closed
    unused = start_ahead(())
    assert unused is not None
    workers = [unused.process]  # forked as it started
    parts, facts = run_reduced(s, 7, 2, _sends_ahead, jobs=2, ready=unused,
                               ahead=lambda first, waiting: got.append(first))
    assert len(parts) == 2 and unused.closed and len(got) == 1
    assert workers and not any(w.is_alive() for w in workers)


def test_opsim_run_of_a_scenario_asking_more_replications_closes_the_worker_it_started(
        tmp_path: Path) -> None:
    """Without ``-n``, ``opsim run`` starts the one-replication worker before
    it reads the scenario's replications; asked for two, it closes that
    worker, although the drawer forked since holds a copy of its pipe."""
    assert main(["run", MMC, "--seed", "7", "--set", SHORT, "--set", "replications=2",
                 "--out", str(tmp_path / "two")]) == 0
    assert json.loads((tmp_path / "two" / "summary.json").read_text())["run"]["replications"] == 2


def test_an_interrupt_of_the_parent_alone_ends_the_run_with_its_worker_and_drawer(tmp_path: Path) -> None:
    """Review 11b item 1: SIGINT to the parent alone (not the terminal's
    process group) during ``opsim run -n 1 --csv`` hung: the drawer, forked
    after the worker, kept the worker's pipes open, so the worker stayed
    blocked writing its first part while the parent waited for it."""
    import os
    import signal
    import subprocess
    import sys
    import time

    code = ("import signal, runpy, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
            "sys.argv[0] = 'sim'; runpy.run_module('sim', run_name='__main__', alter_sys=True)")
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "run", str(ROOT / "scenarios/double11.yaml"), "-n", "1", "--csv",
         "--out", str(tmp_path / "r"), "--yes", "--force"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        time.sleep(2.0)  # the simulation is under way, the drawer forked
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 130
        deadline = time.monotonic() + 10  # the worker and the drawer follow
        while time.monotonic() < deadline:
            left = subprocess.run(["pgrep", "-s", str(proc.pid)], capture_output=True, text=True).stdout
            if not left.strip():
                break
            time.sleep(0.2)
        assert not left.strip(), f"processes left in the run's session: {left.split()}"
    finally:  # nothing of a failed run left behind for the other tests
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


def test_a_result_with_no_room_in_the_memory_comes_through_the_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker writes its result's arrays into the parent's ``memfd``;
    when that fails (``OSError``: no room) the whole result goes through the
    pipe instead (``ahead._result``), and the run goes on with the same
    result. The failure is made in the worker, which the fork gives the
    patched function."""
    import errno

    from sim.runs import ahead

    def full(value: object, memory: int) -> ahead._OutOfBand:
        raise OSError(errno.ENOSPC, "No space left on device")

    s = _scenario()
    expected, facts = run_reduced(s, 7, 1, _reduces_to_arrays, jobs=1)
    monkeypatch.setattr(ahead, "_out_of_band", full)
    got, _ = run_reduced(s, 7, 1, _reduces_to_arrays, jobs=2, ahead=lambda first, waiting: None)
    assert isinstance(ahead._result((np.arange(3),), memory=-1), ahead._Reduced)
    assert len(got) == 1 and np.array_equal(got[0]["ends"], expected[0]["ends"], equal_nan=True)
    assert got[0]["n"] == expected[0]["n"] == facts["records"]


def _reduces_to_arrays(s: Scenario, log: EventLog, ahead=None) -> dict:  # a reducer: module level
    if ahead is not None:
        ahead(len(log))
    return {"n": len(log), "ends": log.arrays["end_time"].copy()}


def test_opsim_run_sends_the_worker_its_work_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``opsim run -n 1`` sends the worker it forked its work as soon as the
    scenario is loaded (``Ready.begin``, the reducer named, not imported);
    ``reduced_ahead``, given the same work by ``run_view``, only waits for
    it: a work that differed would close that worker and start another
    (a second ``begin``)."""
    from sim.runs.ahead import Ready

    begun: list[tuple] = []
    begin = Ready.begin

    def counted(self: Ready, *args, **kwargs) -> None:
        begin(self, *args, **kwargs)
        begun.append(self.begun)
    monkeypatch.setattr(Ready, "begin", counted)
    assert main(["run", MMC, "-n", "1", "-j", "2", "--seed", "7", "--set", SHORT,
                 "--out", str(tmp_path / "run")]) == 0
    assert len(begun) == 1
    assert (tmp_path / "run" / "events.parquet" / "part-00000.parquet").is_file()


def test_work_aside_runs_at_a_lower_priority_and_its_failure_is_raised() -> None:
    """``ahead.aside``: what the parent does while the worker simulates runs
    in a thread of its own, niced (Linux), and what it raises is raised
    where it is waited for."""
    import os
    import sys
    import threading

    from sim.runs.ahead import ASIDE_NICE, aside

    seen: list[int] = []
    aside(lambda: seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id())))()
    if sys.platform.startswith("linux"):
        assert seen == [min(19, os.getpriority(os.PRIO_PROCESS, 0) + ASIDE_NICE)]
    assert os.getpriority(os.PRIO_PROCESS, 0) < seen[0] or not sys.platform.startswith("linux")

    def fails() -> None:
        raise KeyError("meanwhile")
    wait = aside(fails)
    with pytest.raises(KeyError, match="meanwhile"):
        wait()


def test_a_function_named_is_the_same_work_as_the_function() -> None:
    """``ahead.named``: a module-level function is sent by name (two strings,
    imported where it is called) and equals its name; anything else is
    itself."""
    import pickle

    from sim.runs import ahead, runner

    one = ahead.named(runner._one_reduced)
    assert one == ahead.ONE and pickle.loads(pickle.dumps(one)) == one
    assert ahead.named(one) is one
    local = lambda x: x  # noqa: E731
    assert ahead.named(local) is local


def test_a_worker_whose_imports_failed_fails_the_run_with_its_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The worker forked ahead is gone before its work is sent (review 12:
    the broken pipe was read as "the reader went away": exit 0, no result)."""
    cli_main = importlib.import_module("sim.cli.main")  # sim.cli's ``main`` is the function
    monkeypatch.setattr(cli_main, "AHEAD_IMPORTS", ("no_such_module_of_opsim",))
    with pytest.raises(ModuleNotFoundError, match="no_such_module_of_opsim"):
        main(["run", MMC, "-n", "1", "-j", "2", "--seed", "7", "--set", SHORT,
              "--out", str(tmp_path / "run")])
    assert not (tmp_path / "run" / "summary.json").exists()


def test_a_worker_killed_before_its_work_fails_the_run(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import signal

    cli_main = importlib.import_module("sim.cli.main")
    started = cli_main.worker_ahead

    def killed(argv):  # as the kernel's out-of-memory killer would, while the scenario loads
        ready = started(argv)
        assert ready is not None
        os.kill(ready.process.pid, signal.SIGKILL)
        ready.process.join()
        return ready
    monkeypatch.setattr(cli_main, "worker_ahead", killed)
    with pytest.raises(RuntimeError, match="ended without its result"):
        main(["run", MMC, "-n", "1", "-j", "2", "--seed", "7", "--set", SHORT,
              "--out", str(tmp_path / "run")])
    assert not (tmp_path / "run" / "summary.json").exists()


def test_a_drawer_that_died_has_its_plots_drawn_by_the_run(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The drawer child ends early (killed, out of memory): the run draws
    its plots itself and does not close its own files as the child's
    (review 12: "error: Bad file descriptor", exit 2)."""
    from sim.report import drawer

    me = os.getpid()

    def dies(*args, **kwargs) -> None:
        if os.getpid() != me:
            os._exit(3)
    monkeypatch.setattr(drawer, "prepare_plots", dies)
    assert main(["run", MMC, "-n", "1", "-j", "2", "--seed", "7", "--set", SHORT,
                 "--out", str(tmp_path / "run")]) == 0
    assert (tmp_path / "run" / "plots" / "queues.png").is_file()
