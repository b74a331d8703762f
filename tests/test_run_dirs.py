"""Run directories that cannot be corrupted: staged, locked, checked first,
and workers that end with their parent."""
from __future__ import annotations

import fcntl
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rules import RulesError
from sim.cli import main
from sim.cli.staging import RUN_FILES, slug, staged

ROOT = Path(__file__).resolve().parent.parent
MMC = "scenarios/validation/mmc.yaml"


def test_default_folder_names_are_safe_slugs() -> None:
    assert slug("../../x") == "x"
    assert slug("/etc/passwd") == "etc_passwd"
    assert slug("双十一") == "run"
    assert len(slug("a" * 300)) == 60


@pytest.mark.parametrize("option, message", [
    (["--seed", "-1"], "--seed: must be from 0 to 4294967295, got -1"),
    (["--seed", "4294967296"], "--seed: must be from 0 to 4294967295, got 4294967296"),
    (["-n", "0"], "--replications: must be from 1 to 10000, got 0"),
    (["-n", "10001"], "--replications: must be from 1 to 10000, got 10001"),
    (["--jobs", "-2"], "--jobs: must be >= 0"),
    (["--out", ""], "--out: name a directory for the results"),
    (["--out", "/dev/null"], "--out: /dev/null is a file, not a directory"),
    (["--out", "/proc/opsim/run"], "--out: cannot write in /proc/opsim"),
])
def test_bad_options_are_refused_before_the_simulation(option, message, capsys) -> None:
    started = time.perf_counter()
    assert main(["run", MMC, "--no-report", *option]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert time.perf_counter() - started < 2.0  # nothing was simulated


def test_a_failed_run_leaves_the_earlier_result_as_it_was(tmp_path) -> None:
    out = tmp_path / "run"
    assert main(["run", MMC, "-n", "1", "--no-report", "--out", str(out)]) == 0
    before = (out / "summary.json").read_bytes()
    with pytest.raises(RuntimeError), staged(out, True, RUN_FILES) as work:
        (work / "summary.json").write_text("half")
        raise RuntimeError("killed while writing")
    assert (out / "summary.json").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if ".staging-" in p.name] == []


def test_a_second_command_on_the_same_directory_is_refused(tmp_path) -> None:
    out = tmp_path / "run"
    lock = open(tmp_path / ".run.lock", "w")  # noqa: SIM115 (another command's lock)
    fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        with pytest.raises(RulesError, match="another opsim command is writing"), \
                staged(out, False, RUN_FILES):
            pass
    finally:
        lock.close()
    assert not out.exists()


def test_readers_name_an_incomplete_run(tmp_path, capsys) -> None:
    half = tmp_path / "half"
    half.mkdir()
    (half / "scenario.json").write_text("{}")
    assert main(["report", str(half)]) == 2
    assert "incomplete run" in capsys.readouterr().err
    assert main(["compare", str(half), MMC, "-n", "1"]) == 2
    assert "incomplete run" in capsys.readouterr().err


@pytest.mark.slow  # a real run killed with -9 half way
def test_workers_end_with_their_parent(tmp_path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "sim", "run", "scenarios/double11.yaml", "-n", "4",
                             "-j", "2", "--no-report", "--out", str(tmp_path / "r")], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    children: list[int] = []
    deadline = time.time() + 60
    while len(children) < 2 and time.time() < deadline:
        time.sleep(0.2)
        children = [int(p) for p in os.listdir("/proc") if p.isdigit() and _ppid(int(p)) == proc.pid]
    assert len(children) >= 2, "the workers did not start"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.time() + 10
    while any(_alive(c) for c in children) and time.time() < deadline:
        time.sleep(0.2)
    assert not any(_alive(c) for c in children)
    assert not (tmp_path / "r").exists()  # the staging directory never moved into place


def _ppid(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_full_disk_is_one_line_and_leaves_nothing(tmp_path, capsys, monkeypatch) -> None:
    import errno

    import sim.report.output as output

    def full(out, *args, **kwargs):
        (out / "roles.csv").write_bytes(b"partial")
        raise OSError(errno.ENOSPC, "No space left on device", str(out / "roles.csv"))

    monkeypatch.setattr(output, "finish_run", full)
    out = tmp_path / "run"
    assert main(["run", MMC, "-n", "1", "--no-report", "--out", str(out)]) == 2
    text = capsys.readouterr().err
    err = [line for line in text.splitlines() if line.startswith("error:")]
    assert len(err) == 1 and "Traceback" not in text, text
    assert re.fullmatch(rf"error: {out}: could not write roles\.csv: no space left on the disk "
                        rf"\(this run needs about [\d.]+ [kMG]?B; [\d.]+ [kMG]?B is free\); "
                        rf"{out} is as it was",
                        err[0]), err
    assert not out.exists() and not [p for p in tmp_path.iterdir() if ".staging-" in p.name]


def test_a_full_disk_reported_the_way_pyarrow_does_names_the_file(tmp_path, capsys, monkeypatch) -> None:
    import errno

    import sim.log.files as files

    def full(table, path):
        path.write_bytes(b"PAR1")  # pyarrow opens the file, then a block fails to write
        # pyarrow's error: errno 28 in its text, no file name (never aim it at /dev/full
        # as root: on failure it removes the path it was given).
        raise OSError(errno.ENOSPC, "Error writing bytes to file. Detail: [errno 28] No space left on device")

    monkeypatch.setattr(files, "write_parquet", full)  # the replication's part, written in this process
    out = tmp_path / "run"
    assert main(["run", MMC, "-n", "1", "-j", "1", "--no-report", "--out", str(out)]) == 2
    text = capsys.readouterr().err
    err = [line for line in text.splitlines() if line.startswith("error:")]
    assert len(err) == 1 and "Traceback" not in text, text
    assert err[0].startswith(f"error: {out}: could not write events.parquet/part-00000.parquet: no space "
                             "left on the disk "
                             "(this run needs about "), err
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name != ".run.lock"]


def test_a_run_that_would_not_fit_is_refused_before_the_simulation(tmp_path, capsys, monkeypatch) -> None:
    from collections import namedtuple

    import sim.cli.staging as staging

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(staging.shutil, "disk_usage", lambda _: usage(10**9, 10**9 - 1000, 1000))
    started = time.perf_counter()
    assert main(["run", MMC, "-n", "1", "--no-report", "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert re.fullmatch(rf"error: --out: not enough space in {tmp_path}: "
                        r"this run needs about [\d.]+ [kMG]?B, "
                        r"1\.0 kB is free; free some space or choose another --out\n", err), err
    assert time.perf_counter() - started < 2.0 and not (tmp_path / "run").exists()


def test_names_from_files_stay_text_in_the_terminal_and_in_spreadsheets(tmp_path, capsys) -> None:
    from sim.report.tables import safe_text

    assert safe_text("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    assert safe_text("@SUM(A1)") == "'@SUM(A1)" and safe_text("warehouse") == "warehouse"
    out = tmp_path / "run"
    assert main(["run", MMC, "-n", "1", "--no-report", "--out", str(out),
                 "--set", 'name="[bold red]x[/] =1+1"']) == 0
    assert "[bold red]x[/] =1+1" in capsys.readouterr().out  # shown as typed, not as markup
