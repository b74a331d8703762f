"""A saved run is re-read from its aggregates, not its event log (issue 13):
``opsim report DIR`` draws the very plots and page the run drew, ``opsim
compare`` of saved runs gives the very comparison the run's own numbers
give, and runs saved without aggregates still work from their log. Commands
that draw nothing do not load matplotlib. One replication with a core to
spare has its records written by a forked child: the same rows."""
from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from rules import load_scenario
from rules.scenario import Scenario
from sim.analysis.aggregates import LAYOUT, NAME, DamagedAggregates, read_aggregates, write_aggregates
from sim.analysis.compare import compare, load_side, saved_side
from sim.cli import main
from sim.log import files
from sim.log.files import read_events
from sim.log.records import EventLog
from sim.runs.replication import simulate
from sim.runs.runner import run_reduced

ROOT = Path(__file__).resolve().parent.parent
BASELINE = str(ROOT / "scenarios" / "baseline.yaml")
SHORT = "horizon={start: 2026-10-12, end: 2026-10-25}"
MORE = "org.roles.customer_service.headcount=9"


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _break_the_log(run_dir: Path) -> None:
    """Every Parquet part replaced by bytes no reader takes: reading the log fails."""
    for part in (run_dir / "events.parquet").glob("*.parquet"):
        part.write_bytes(b"not a parquet file")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Baseline over two weeks, 2 replications, seed 7, as ``opsim run``
    writes it (plots and report drawn in two processes); and one with more
    customer service, without its report."""
    root = tmp_path_factory.mktemp("saved")
    assert main(["run", BASELINE, "-n", "2", "-j", "2", "--seed", "7", "--set", SHORT,
                 "--out", str(root / "base")]) == 0
    assert main(["run", BASELINE, "-n", "2", "-j", "1", "--seed", "7", "--set", SHORT, "--set", MORE,
                 "--no-report", "--out", str(root / "more")]) == 0
    return root


@pytest.mark.slow  # two short runs and three reports (~20 s)
def test_report_of_a_saved_run_is_the_runs_own_without_its_log(runs: Path, tmp_path: Path) -> None:
    drawn = _files(runs / "base")
    assert (runs / "base" / NAME).exists()
    copy = tmp_path / "copy"
    shutil.copytree(runs / "base", copy)
    _break_the_log(copy)
    shutil.rmtree(copy / "plots")
    (copy / "report.html").unlink()
    assert main(["report", str(copy)]) == 0
    again = _files(copy)
    for name in [n for n in drawn if n.startswith("plots/")] + ["report.html"]:
        assert again[name] == drawn[name], name


@pytest.mark.slow  # a short run and its report from the log
def test_a_run_saved_without_aggregates_is_read_from_its_log(runs: Path, tmp_path: Path) -> None:
    drawn = _files(runs / "base")
    old = tmp_path / "old"
    shutil.copytree(runs / "base", old)
    (old / NAME).unlink()
    shutil.rmtree(old / "plots")
    assert main(["report", str(old)]) == 0
    again = _files(old)
    for name in [n for n in drawn if n.startswith("plots/")] + ["report.html"]:
        assert again[name] == drawn[name], name
    a = compare([saved_side(runs / "base", "a"), saved_side(runs / "more", "b")])
    b = compare([saved_side(old, "a"), saved_side(runs / "more", "b")])
    assert a == b


@pytest.mark.slow  # two short runs, and the same two simulated again
def test_compare_of_saved_runs_is_the_runs_own(runs: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    for name in ("base", "more"):
        shutil.copytree(runs / name, broken / name)
        _break_the_log(broken / name)
    saved = compare([load_side(str(broken / "base"), None, None, 1),
                     load_side(str(broken / "more"), None, None, 1)])
    fresh = compare([load_side(BASELINE, 7, 2, 1, sets=[SHORT]),
                     load_side(BASELINE, 7, 2, 1, sets=[SHORT, MORE])])
    for result in (saved, fresh):
        for side in result["sides"]:
            side.pop("label"), side.pop("source")
        result.pop("base")
        for comp in result["comparisons"]:
            comp.pop("other")
    assert saved == fresh
    assert any(r["significant"] for r in saved["comparisons"][0]["rows"])
    out = tmp_path / "c.json"
    assert main(["compare", str(broken / "base"), str(broken / "more"), "--json", str(out)]) == 0
    assert json.loads(out.read_text())["comparisons"][0]["paired"] is True


def test_aggregates_of_another_layout_are_not_read(tmp_path: Path) -> None:
    write_aggregates(tmp_path, {"x": 1}, {"a b/c": np.arange(3.0)})
    index, arrays = read_aggregates(tmp_path) or ({}, {})
    assert index["x"] == 1 and index["layout"] == LAYOUT and arrays["a b/c"].tolist() == [0.0, 1.0, 2.0]
    with np.load(tmp_path / NAME, allow_pickle=False) as z:
        head = json.loads(z["__index__"].tobytes())
    assert head["layout"] == LAYOUT
    write_aggregates(tmp_path, {"layout": LAYOUT + 1}, {})
    assert read_aggregates(tmp_path) is None
    with pytest.raises(ValueError, match="numbers only"):
        write_aggregates(tmp_path, {}, {"text": np.array(["a"], dtype=object)})


@pytest.mark.parametrize("code", [
    "from sim.cli import main; main(['check', 'scenarios/validation/mmc.yaml'])",
    "from sim.cli import main; main(['run', 'scenarios/validation/mmc.yaml', '-n', '1', '-j', '1', "
    "'--no-report', '--set', 'horizon={start: 2026-03-02, end: 2026-03-08}', '--out', sys.argv[1]])",
    "import sim; from rules import load_scenario; "
    "sim.evaluate(load_scenario('scenarios/validation/mmc.yaml'), 1, 3)",
    "from sim.cli import main; main(['run', 'scenarios/validation/mmc.yaml', '-n', '1', '-j', '1', "
    "'--no-report', '--set', 'horizon={start: 2026-03-02, end: 2026-03-08}', '--out', sys.argv[1]]); "
    "main(['compare', sys.argv[1], sys.argv[1]])",
])
def test_commands_that_draw_nothing_do_not_import_matplotlib(code: str, tmp_path: Path) -> None:
    probe = f"import sys\n{code}\nprint(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib'))"
    proc = subprocess.run([sys.executable, "-c", probe, str(tmp_path / "run")], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "[]"


def _rows(log: EventLog) -> list[tuple]:
    """The records with NaN as None (NaN equals nothing, not even itself)."""
    c = log.columns
    return [tuple(None if v != v else v for v in row) for row in zip(*(c[k].tolist() for k in c))]


def _note_pid(what: str) -> None:
    """A line ``what pid ppid`` in the file $OPSIM_TEST_PIDS (processes share no memory)."""
    with open(os.environ["OPSIM_TEST_PIDS"], "a") as f:
        f.write(f"{what} {os.getpid()} {os.getppid()}\n")


def _replication_size(s: Scenario, log: EventLog) -> int:  # a reducer: module level, picklable
    _note_pid("reducer")
    return len(log)


def test_one_replication_with_a_core_to_spare_and_a_csv_is_written_by_a_forked_child(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With ``--csv`` the part needs the whole log: written after the
    simulation by a child while the worker reduces (without a CSV it is
    written while the replication runs: tests/test_log_stream.py)."""
    s = load_scenario(str(ROOT / "scenarios/validation/mmc.yaml"),
                      ["horizon={start: 2026-03-02, end: 2026-03-15}"])
    events = tmp_path / "events.parquet"
    pids = tmp_path / "pids"
    monkeypatch.setenv("OPSIM_TEST_PIDS", str(pids))
    write_part = files.write_part

    def noted_write_part(*args: object, **kwargs: object) -> None:
        _note_pid("writer")
        write_part(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(files, "write_part", noted_write_part)  # the workers are forked: they see it
    got, facts = run_reduced(s, 7, 1, _replication_size, jobs=2, events=events,
                             csv_parts=tmp_path / "csv")
    # Written once, by a child of the process that reduced: the parent's fallback never ran.
    lines = sorted(line.split() for line in pids.read_text().splitlines())
    assert [what for what, _, _ in lines] == ["reducer", "writer"]
    (_, reducer, _), (_, writer, writer_parent) = lines
    assert writer != reducer and writer_parent == reducer
    log = simulate(s, 0, 7)
    assert got == [len(log)] and facts["records"] == len(log)
    epoch = dt.datetime.combine(s.horizon.start, dt.time())
    back = read_events(events, epoch, s.horizon.hours)
    assert _rows(back) == _rows(log)


def test_a_failed_run_stops_its_drawer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def killed(*args: object, **kwargs: object) -> None:
        raise RuntimeError("killed while simulating")

    monkeypatch.setattr("sim.analysis.run_parts.run_view", killed)
    with pytest.raises(RuntimeError, match="killed while simulating"):
        main(["run", "scenarios/validation/mmc.yaml", "-n", "1", "-j", "2", "--out", str(tmp_path / "r")])
    time.sleep(2.0)  # a drawer left running would draw the staffing plot by now
    assert [p.name for p in tmp_path.rglob("*") if p.name != ".r.lock"] == []  # the lock stays, as ever


def _children(pid: int) -> set[int]:
    """The live (not zombie) processes whose parent is ``pid``."""
    out = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            out.add(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the drawer is forked on Linux only")
def test_a_killed_run_takes_its_drawer_with_it_and_frees_its_out(tmp_path: Path) -> None:
    out = tmp_path / "r"
    proc = subprocess.Popen([sys.executable, "-m", "sim", "run", "scenarios/validation/mmc.yaml",
                             "-n", "1", "-j", "2", "--set", "horizon={start: 2026-01-01, end: 2026-12-31}",
                             "--out", str(out)], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not (kids := _children(proc.pid)) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert kids, "the run forked no drawer"
        time.sleep(1.0)  # the drawer is drawing or waiting for the run's numbers
        proc.terminate()
        proc.wait(timeout=30)
    finally:
        proc.kill()
    deadline = time.monotonic() + 15
    while any(_alive(k) for k in kids) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [k for k in kids if _alive(k)]
    for k in left:  # not to leave an orphan behind when this fails
        os.kill(k, signal.SIGKILL)
    assert left == []
    with open(tmp_path / ".r.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises if anyone still holds it


@pytest.mark.parametrize("damage", [
    lambda b: b[: len(b) // 2],  # truncated
    lambda b: b"",  # emptied
    lambda b: b"PK" + bytes(len(b) - 2),  # overwritten
    lambda b: b[:-40] + bytes(40),  # the archive's directory zeroed
])
def test_damaged_aggregates_read_as_none_with_a_warning(tmp_path: Path, damage) -> None:
    path = write_aggregates(tmp_path, {"x": 1}, {"a": np.arange(1000.0), "b": np.ones(50)})
    path.write_bytes(damage(path.read_bytes()))
    with pytest.warns(DamagedAggregates, match=r"aggregates\.npz is damaged \(.*\); reading the event log"):
        assert read_aggregates(tmp_path) is None


def test_a_damaged_saved_run_is_read_from_its_log_with_a_note(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    run = tmp_path / "run"
    assert main(["run", "scenarios/validation/mmc.yaml", "-n", "2", "-j", "1", "--no-report",
                 "--set", "horizon={start: 2026-03-02, end: 2026-03-08}", "--out", str(run)]) == 0
    assert main(["compare", str(run), str(run), "--json", str(tmp_path / "good.json")]) == 0
    agg = run / NAME
    agg.write_bytes(agg.read_bytes()[:1000])
    capsys.readouterr()
    assert main(["compare", str(run), str(run), "--json", str(tmp_path / "bad.json")]) == 0
    notes = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(notes) == 2 and all(n.startswith(f"note: {agg} is damaged (BadZipFile") for n in notes)
    good, bad = (json.loads((tmp_path / f"{k}.json").read_text()) for k in ("good", "bad"))
    assert bad["comparisons"] == good["comparisons"]
    assert main(["report", str(run)]) == 0
    assert capsys.readouterr().err.strip().startswith(f"note: {agg} is damaged")
    assert (run / "report.html").is_file()
