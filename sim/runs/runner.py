"""Replications of a scenario, on one or several processes.

Each replication is independent (its own random streams, see
``sim.inputs.streams``). :func:`run` gathers their logs into one, whose
``replication`` column tells them apart; :func:`run_reduced` (what ``opsim
run`` uses) has each process write its replication's records to disk and
reduce them to what the caller needs, so the parent never holds the logs.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import mmap
import multiprocessing
import os
import pickle
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from rules.scenario import Scenario
from sim.log import files as logfile
from sim.log.records import EventLog, LogBuilder
from sim.runs.children import die_with_parent, widen_pipe
from sim.runs.log_stream import LogStream, SharedLog
from sim.runs.replication import simulate

if TYPE_CHECKING:  # pyarrow only where a table is made (see sim.log.files)
    import pyarrow as pa

Progress = Callable[[int], None]
T = TypeVar("T")
#: What a replication's log is reduced to where it ran (a module-level
#: function, so that it can be sent to a worker process).
Reducer = Callable[[Scenario, EventLog], T]
#: What the parent does with the first part of a reduction sent ahead, given
#: a function that tells whether the worker still reduces (see ``run_reduced``).
Ahead = Callable[[object, Callable[[], bool]], None]


def input_hash(s: Scenario) -> str:
    return hashlib.sha256(s.model_dump_json(by_alias=True).encode("utf-8")).hexdigest()[:16]


def _one(args: tuple[Scenario, int, int]) -> EventLog:
    s, rep, seed = args
    return simulate(s, rep, seed)


def _one_packed(args: tuple[Scenario, int, int]) -> tuple[pa.Table, dict]:
    """In a worker process: the log as an Arrow table, which crosses the
    process boundary as buffers instead of millions of pickled strings."""
    log = _one(args)
    return logfile.to_arrow(log), log.meta


def replications(s: Scenario, seed: int, n: int, jobs: int = 1) -> Iterator[EventLog]:
    """Event logs of replications 0..n-1, in order, on ``jobs`` processes."""
    work = [(s, rep, seed) for rep in range(n)]
    if jobs <= 1 or n == 1:
        yield from map(_one, work)
        return
    epoch = dt.datetime.combine(s.horizon.start, dt.time())
    with ProcessPoolExecutor(max_workers=jobs, initializer=die_with_parent) as pool:
        for table, meta in pool.map(_one_packed, work):
            yield logfile.from_arrow(table, epoch, s.horizon.hours, meta)


def combine(logs: list[EventLog]) -> EventLog:
    """One log holding every replication (the ``replication`` column tells them apart)."""
    return EventLog.concat(logs, _combined_meta(logs[0].meta, len(logs)))


def _combined_meta(meta: dict, n: int) -> dict:
    out = dict(meta)
    out.pop("replication", None)
    out["replications"] = n
    return out


#: In a worker of a run whose reduction goes ahead in two parts: the pipe
#: to the parent (set by the pool's initializer, :func:`_ahead_worker`).
_AHEAD: Connection | None = None
#: ... and a ``memfd`` of the parent's for the arrays of its result.
_RESULT_MEMORY: int | None = None


def _ahead_worker(send: Connection, memory: int | None = None) -> None:
    global _AHEAD, _RESULT_MEMORY
    die_with_parent()
    _AHEAD, _RESULT_MEMORY = send, memory


def _send_ahead(value: object) -> None:
    if _AHEAD is not None:
        _AHEAD.send(value)


#: What a worker is given: the scenario, replication, seed, reducer, where
#: the records go (Parquet, CSV parts), whether a core is spare, whether
#: the reducer's first part goes ahead, and the parent's ``memfd`` for the
#: log (``_reduced_ahead``'s) or None.
Work = tuple[Scenario, int, int, Reducer, "Path | None", "Path | None", bool, bool, "int | None"]


def _one_reduced(args: Work) -> tuple[T, int]:
    """In a worker (or the parent with one job): simulate, write the
    replication's records, reduce; the log goes no further. With ``apart``
    (a core to spare) the records are written while the replication runs
    (``log_stream``; with a CSV part, by a forked child while this process
    reduces); with ``ahead`` the reducer is given ``ahead=`` a function
    that sends its first part to the parent at once, or, when the log was
    streamed into the parent's ``memfd`` (``shared``), the parent is sent
    where the log is (``LogStream.shared``) and reads what it needs there."""
    s, rep, seed, reducer, events, csv_parts, apart, ahead, shared = args
    # With a core to spare the Parquet part is written while the replication
    # runs (a CSV part, asked for, needs the whole log: written after it).
    streams = events is not None and apart and csv_parts is None and sys.platform.startswith("linux")
    stream = LogStream(events, rep, fd=shared) if streams and events is not None else None
    try:
        log = simulate(s, rep, seed, stream)
    except BaseException:
        if stream is not None:
            stream.close()  # the child ends; the run fails with its staging directory
        raise
    send: Callable[[object], None] = _send_ahead
    if ahead and shared is not None and stream is not None and (where := stream.shared(log)):
        _send_ahead(where)
        send = _ignore  # the parent makes the first part from the log itself
    writer = None
    if events is not None and stream is None:
        writer = _write_apart(log, events, rep, csv_parts) if apart else None
        if writer is None:
            logfile.write_part(log, events, rep, csv_parts)
    try:
        part = reducer(s, log, ahead=send) if ahead else reducer(s, log)  # type: ignore[call-arg]
    except BaseException:
        if stream is not None:
            stream.close()  # else the child waits for the rest of the log until this process ends
        raise
    if stream is not None and not stream.close() and events is not None:
        logfile.write_part(log, events, rep, csv_parts)  # the child failed: written here
    if writer is not None:
        _, status = os.waitpid(writer, 0)
        if status != 0 and events is not None:  # the child failed (killed, out of memory): written here
            logfile.write_part(log, events, rep, csv_parts)
    return part, len(log)


def _ignore(_value: object) -> None:
    pass


def _one_ahead(args: Work) -> None:
    """``_one_reduced`` whose result goes the way its first part went (see
    ``_reduced_ahead``): its arrays into the parent's memory when it gave
    some (``_RESULT_MEMORY``), the rest through the pipe."""
    result = _Reduced(_one_reduced(args))
    if _RESULT_MEMORY is not None:
        with contextlib.suppress(OSError):  # no room: all through the pipe
            _send_ahead(_out_of_band(result, _RESULT_MEMORY))
            return
    _send_ahead(result)


@dataclass
class _OutOfBand:
    """A pickle whose buffers (the arrays' data) are in a ``memfd``, each
    at its offset: the result of Double 11's reduction is 15 MB, which
    through the pipe took 0.035 s of the worker and the parent, both
    waiting (pickled, written, read, unpickled: four copies)."""
    data: bytes
    places: list[tuple[int, int]]

    def load(self, memory: int) -> object:
        size = max((at + n for at, n in self.places if n), default=0)
        whole = memoryview(mmap.mmap(memory, size)) if size else memoryview(bytearray())
        return pickle.loads(self.data, buffers=[whole[at:at + n] if n else memoryview(bytearray())
                                                for at, n in self.places])


#: Each buffer's offset is a multiple of this (the arrays' data stay aligned).
ALIGN = 64


def _out_of_band(value: object, memory: int) -> _OutOfBand:
    buffers: list[pickle.PickleBuffer] = []
    data = pickle.dumps(value, protocol=5, buffer_callback=buffers.append)
    places, at = [], 0
    for b in buffers:
        raw = b.raw()
        done = 0
        while done < raw.nbytes:
            done += os.pwrite(memory, raw[done:], at + done)
        places.append((at, raw.nbytes))
        at += raw.nbytes + (-raw.nbytes % ALIGN)
    return _OutOfBand(data, places)


def _write_apart(log: EventLog, events: Path, rep: int, csv_parts: Path | None) -> int | None:
    """Fork a child that writes the replication's records and ends; its pid
    (None where there is no ``fork``). The child shares the log's memory
    with this process instead of receiving a copy."""
    if not sys.platform.startswith("linux"):
        return None
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        die_with_parent()
        logfile.write_part(log, events, rep, csv_parts)
        code = 0
    except BaseException:
        traceback.print_exc()  # the parent writes the part itself
    finally:
        os._exit(code)  # never the parent's exit handlers or its pool's machinery


def run_reduced(s: Scenario, seed: int, n: int, reducer: Reducer, jobs: int = 1,
                events: Path | None = None, csv_parts: Path | None = None,
                progress: Progress | None = None,
                meanwhile: Callable[[], None] | None = None,
                ahead: Ahead | None = None) -> tuple[list[T], dict]:
    """Simulate ``n`` replications, each reduced by ``reducer`` where it ran
    and its records written to ``events`` (one Parquet file per
    replication; CSV parts into ``csv_parts`` too, see
    ``sim.log.files.join_csv``); returns the reductions in replication order
    and the run facts. ``meanwhile`` is called while the replications run
    (with ``jobs`` >= 2 even one replication runs in a worker, so that this
    process can prepare what comes after: imports, the scenario's plots).

    ``ahead``: for one replication in a worker (``jobs`` >= 2, Linux), the
    reducer is called with ``ahead=`` a function, which it calls once with
    the first part of its reduction; that part is sent to this process at
    once and given to ``ahead`` while the worker reduces the rest (so what
    is made of it here overlaps the reduction), with a function that is
    True while the worker has not finished. When the replication's log was
    streamed (``events``, no CSV), ``ahead`` is given the log itself
    instead, read-only from the memory the worker wrote it in, as soon as
    the simulation ends (the first part is then the caller's to make).
    Otherwise ``ahead`` is not called and the reducer gets no ``ahead``."""
    if n < 1:
        raise ValueError(f'"n" must be >= 1, got {n}.')
    t0 = time.perf_counter()
    work: list[Work] = [(s, rep, seed, reducer, events, csv_parts, jobs > n, False, None)
                        for rep in range(n)]
    out: list[T] = []
    records = 0
    if ahead is not None and n == 1 and jobs >= 2 and _forks():
        part: T
        part, size = _reduced_ahead(work[0], ahead, meanwhile)
        out.append(part)
        records += size
        if progress is not None:
            progress(1)
    elif jobs <= 1:
        if meanwhile is not None:
            meanwhile()
        done: Iterator[tuple[T, int]] = map(_one_reduced, work)
        for part, size in done:
            out.append(part)
            records += size
            if progress is not None:
                progress(len(out))
    else:
        with ProcessPoolExecutor(max_workers=min(jobs, n), initializer=die_with_parent) as pool:
            results: Iterator[tuple[T, int]] = pool.map(_one_reduced, work)
            if meanwhile is not None:
                meanwhile()
            for part, size in results:
                out.append(part)
                records += size
                if progress is not None:
                    progress(len(out))
    return out, _facts(s, seed, n, time.perf_counter() - t0, records)


def _forks() -> bool:
    # The pipe reaches the worker by inheritance, as the pool forks it.
    return sys.platform.startswith("linux") and multiprocessing.get_start_method() == "fork"


@dataclass
class _Reduced:
    """A worker's whole result, after its first part, through the same pipe."""
    result: tuple


def _reduced_ahead(work: Work, ahead: Ahead,
                   meanwhile: Callable[[], None] | None) -> tuple[T, int]:
    """One replication in a worker whose reducer sends its first part ahead
    (see ``run_reduced``); the rest of the result comes through the same
    pipe (a larger one than the pool's). The log's memory is made here, so
    that this process can read the log the worker streams into it."""
    recv, send = multiprocessing.Pipe(duplex=False)
    widen_pipe(send)
    memory = os.memfd_create("opsim-log", os.MFD_CLOEXEC)
    results = os.memfd_create("opsim-result", os.MFD_CLOEXEC)
    pool = ProcessPoolExecutor(max_workers=1, initializer=_ahead_worker, initargs=(send, results))
    try:
        done: Future = pool.submit(_one_ahead, (*work[:7], True, memory))
        send.close()  # the worker has its copy (forked in submit): its end is the pipe's end
        if meanwhile is not None:
            meanwhile()
        got = _next_part(recv, done)
        if got is not None and not isinstance(got[0], (_Reduced, _OutOfBand)):
            first = got[0].open(memory) if isinstance(got[0], SharedLog) else got[0]
            del got
            ahead(first, lambda: not done.done())
            del first  # the log's pages are the worker's to free
            got = _next_part(recv, done)
        recv.close()
        if got is not None and isinstance(got[0], _OutOfBand):
            got = (got[0].load(results),)
        if got is None or not isinstance(got[0], _Reduced):
            done.result()  # a worker's failure raises here
            raise RuntimeError("the worker ended without its result")
        result: tuple[T, int] = got[0].result
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)  # as ``with``: no worker left writing
        raise
    finally:
        os.close(memory)  # what is mapped of them stays readable
        os.close(results)
    # The worker's exit (it frees the replication's few hundred MB) is not waited for.
    pool.shutdown(wait=False)
    return result


def _next_part(recv: Connection, done: Future) -> tuple[object] | None:
    """What the worker sent next, or None if it ended without (failed)."""
    while not recv.poll(0.05):
        if done.done() and not recv.poll():  # the pipe may stay open in the records' writer a while
            return None
    try:
        return (recv.recv(),)
    except (EOFError, OSError):
        return None


def _facts(s: Scenario, seed: int, n: int, wall: float, records: int) -> dict:
    return {
        "scenario": s.name,
        "description": s.description,
        "seed": seed,
        "replications": n,
        "input_hash": input_hash(s),
        "horizon": {"start": s.horizon.start.isoformat(), "end": s.horizon.end.isoformat(),
                    "hours": s.horizon.hours},
        "wall_seconds": round(wall, 3),
        "records": records,
    }


def default_jobs() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def run(s: Scenario, seed: int, n: int, jobs: int = 1,
        progress: Progress | None = None) -> tuple[EventLog, dict]:
    """Simulate ``n`` replications; returns the combined log and run facts."""
    if n < 1:
        raise ValueError(f'"n" must be >= 1, got {n}.')
    t0 = time.perf_counter()
    builder = LogBuilder(0)
    meta: dict = {}
    for done, log in enumerate(replications(s, seed, n, jobs), 1):
        if done == 1:
            # Room for n replications about as long as the first.
            builder, meta = LogBuilder(len(log) * n + len(log) // 4), log.meta
        builder.add_log(log)
        del log  # only the combined columns stay
        if progress is not None:
            progress(done)
    facts = _facts(s, seed, n, time.perf_counter() - t0, len(builder))
    epoch = dt.datetime.combine(s.horizon.start, dt.time())
    return builder.build(epoch, s.horizon.hours, _combined_meta(meta, n)), facts
