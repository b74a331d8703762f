"""One replication with a core to spare has its Parquet part written while
it is simulated (``sim.runs.log_stream``, issue 13): by a child of the
process that simulates, in row groups, the same rows as a part written
after the simulation; a child that fails leaves the part to the worker."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from rules import load_scenario
from rules.scenario import Scenario
from sim.log import files
from sim.log.files import read_events, write_part
from sim.log.records import EventLog, LogBuilder
from sim.runs import log_stream, runner
from sim.runs.log_stream import LogStream
from sim.runs.replication import simulate
from sim.runs.runner import run_reduced

ROOT = Path(__file__).resolve().parent.parent
MMC = str(ROOT / "scenarios/validation/mmc.yaml")
SHORT = "horizon={start: 2026-03-02, end: 2026-03-15}"


def _scenario() -> Scenario:
    return load_scenario(MMC, [SHORT])


def _same(a: EventLog, b: EventLog) -> bool:
    return a.words == b.words and all(
        np.array_equal(a.columns[c], b.columns[c], equal_nan=a.arrays[c].dtype.kind == "f")
        for c in a.arrays)


def _back(s: Scenario, events: Path) -> EventLog:
    return read_events(events, dt.datetime.combine(s.horizon.start, dt.time()), s.horizon.hours)


def _note(what: str) -> None:
    with open(os.environ["OPSIM_TEST_PIDS"], "a") as f:
        f.write(f"{what} {os.getpid()} {os.getppid()}\n")


def _size(s: Scenario, log: EventLog) -> int:  # a reducer: module level, picklable
    _note("reducer")
    return len(log)


def test_the_streamed_part_holds_the_rows_of_a_part_written_after(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s = _scenario()
    sent: list[int] = []
    call = LogStream.__call__

    def noted(self: LogStream, log: LogBuilder, last: bool = False) -> None:
        before = self.sent
        call(self, log, last)
        if self.sent != before:
            sent.append(self.sent - before)

    monkeypatch.setattr(LogStream, "__call__", noted)
    stream = LogStream(tmp_path / "streamed", 0, chunk=100)
    log = simulate(s, 0, 7, stream)
    assert stream.close()
    write_part(simulate(s, 0, 7), tmp_path / "after", 0)
    assert _same(log, simulate(s, 0, 7))  # the log in the shared memory is the log
    streamed, after = _back(s, tmp_path / "streamed"), _back(s, tmp_path / "after")
    assert len(streamed) == len(log) > 300 and _same(streamed, after)
    # One row group per message, each at least a chunk but the rest (review
    # 10 item 10): the simulation's batches (2,048 records) exceed the chunk.
    meta = pq.ParquetFile(tmp_path / "streamed" / "part-00000.parquet").metadata
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == sent
    assert len(sent) == 2 and sum(sent) == len(log) and all(n >= 100 for n in sent[:-1])


def _fails(s: Scenario, log: EventLog) -> int:
    raise RuntimeError("the reducer failed")


def test_a_reducer_that_fails_still_closes_the_stream(tmp_path: Path) -> None:
    """Review 10 item 10: the stream's child is told the log is complete
    and waited for when the reducer raises (it used to block until the
    worker exited, then leave a half-written part and an EOFError)."""
    s = _scenario()
    with pytest.raises(RuntimeError, match="the reducer failed"):
        runner._one_reduced((s, 0, 7, _fails, tmp_path / "events", None, True, None, None))
    assert _same(_back(s, tmp_path / "events"), simulate(s, 0, 7))


def test_a_log_of_no_records_leaves_an_empty_part(tmp_path: Path) -> None:
    stream = LogStream(tmp_path / "events", 3)
    builder = LogBuilder(0, alloc=stream.allocate)
    stream(builder, True)
    assert stream.close()
    assert pq.read_table(tmp_path / "events" / "part-00003.parquet").num_rows == 0


def test_the_builder_growing_moves_the_stream_to_its_new_arrays(tmp_path: Path) -> None:
    s = _scenario()
    log = simulate(s, 0, 7)
    stream = LogStream(tmp_path / "events", 0, chunk=50)
    builder = LogBuilder(0, log.words, alloc=stream.allocate)  # room for 1024: grows
    rows = list(zip(*(log.arrays[c].tolist() for c in log.arrays)))
    for lo in range(0, len(rows), 64):
        builder.add_coded(rows[lo:lo + 64])
        stream(builder, False)
    stream(builder, True)
    assert stream.close()
    assert len(builder.columns["case_id"]) > 1024 and _same(_back(s, tmp_path / "events"), log)


def test_one_replication_with_a_core_to_spare_is_written_while_it_runs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s = _scenario()
    pids = tmp_path / "pids"
    monkeypatch.setenv("OPSIM_TEST_PIDS", str(pids))
    monkeypatch.setattr(log_stream, "CHUNK", 200)
    write = files.PartWriter.write

    def noted(self: files.PartWriter, *args: object) -> None:
        _note("writer")
        write(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(files.PartWriter, "write", noted)
    monkeypatch.setattr(files, "write_part", lambda *a, **k: _note("fallback"))
    got, _ = run_reduced(s, 7, 1, _size, jobs=2, events=tmp_path / "events")
    lines = [line.split() for line in pids.read_text().splitlines()]
    whats = [what for what, _, _ in lines]
    # Row groups by a child of the process that simulated and reduced; no fallback.
    assert whats.count("reducer") == 1 and "fallback" not in whats and whats.count("writer") > 1
    reducer = next(pid for what, pid, _ in lines if what == "reducer")
    assert {(pid, parent) for what, pid, parent in lines if what == "writer"} == {
        (pid, reducer) for what, pid, _ in lines if what == "writer"} and reducer not in {
        pid for what, pid, _ in lines if what == "writer"}
    log = simulate(s, 0, 7)
    assert got == [len(log)] and _same(_back(s, tmp_path / "events"), log)


def _broken_write(self: files.PartWriter, *args: object) -> None:
    raise OSError(28, "No space left on device")


def test_a_stream_that_fails_leaves_the_part_to_the_worker(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s = _scenario()
    monkeypatch.setattr(files.PartWriter, "write", _broken_write)
    got, _ = run_reduced(s, 7, 1, _size_quiet, jobs=2, events=tmp_path / "events")
    log = simulate(s, 0, 7)
    assert got == [len(log)] and _same(_back(s, tmp_path / "events"), log)


def _size_quiet(s: Scenario, log: EventLog) -> int:
    return len(log)


def test_the_caller_reads_the_log_in_the_memory_it_gave(tmp_path: Path) -> None:
    """``opsim run -n 1``: the parent makes the memory, the worker streams
    the log into it, and the parent reads the log there (``SharedLog``)."""
    s = _scenario()
    memory = os.memfd_create("test-log")
    try:
        stream = LogStream(tmp_path / "events", 0, chunk=100, fd=memory)
        log = simulate(s, 0, 7, stream)
        where = stream.shared(log)
        assert stream.close() and where is not None and where.rows == len(log) > 300
        read = where.open(memory)
    finally:
        os.close(memory)
    assert _same(read, log) and read.meta == log.meta and read.epoch == log.epoch
    assert not read.arrays["end_time"].flags.writeable  # the worker's, read-only here


def test_a_stream_that_never_saw_the_log_says_nothing_of_it(tmp_path: Path) -> None:
    stream = LogStream(tmp_path / "events", 0)
    log = simulate(_scenario(), 0, 7)  # not through the stream
    assert stream.shared(log) is None
    assert stream.close()


def test_a_reducer_that_fails_reaps_the_csv_writer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Review 11 item 7: with a CSV part the records are written by a forked
    child while the reducer runs; a reducer that raised left it a zombie
    for as long as the worker lived."""
    import os

    forked: list[int | None] = []
    write_apart = runner._write_apart

    def recorded(*args: object) -> int | None:
        forked.append(write_apart(*args))  # type: ignore[arg-type]
        return forked[-1]

    monkeypatch.setattr(runner, "_write_apart", recorded)
    s = _scenario()
    with pytest.raises(RuntimeError, match="the reducer failed"):
        runner._one_reduced((s, 0, 7, _fails, tmp_path / "events", tmp_path / "csv", True, None, None))
    assert forked and forked[0] is not None
    with pytest.raises(ChildProcessError):  # already reaped
        os.waitpid(forked[0], os.WNOHANG)
