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
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from rules.scenario import Scenario
from sim.log import files as logfile
from sim.log.records import EventLog, LogBuilder
from sim.runs.ahead import Ahead, Ready, Send, forks, ignore, reduced_ahead
from sim.runs.children import default_jobs as default_jobs  # where callers have found it
from sim.runs.children import die_with_parent
from sim.runs.log_stream import LogStream

if TYPE_CHECKING:  # pyarrow only where a table is made (see sim.log.files)
    import pyarrow as pa

Progress = Callable[[int], None]
T = TypeVar("T")
#: What a replication's log is reduced to where it ran (a module-level
#: function, so that it can be sent to a worker process).
Reducer = Callable[[Scenario, EventLog], T]


def input_hash(s: Scenario) -> str:
    return hashlib.sha256(s.model_dump_json(by_alias=True).encode("utf-8")).hexdigest()[:16]


def _one(args: tuple[Scenario, int, int]) -> EventLog:
    from sim.runs.replication import simulate  # the engine: see ``_one_reduced``

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


#: What a worker is given: the scenario, replication, seed, reducer, where
#: the records go (Parquet, CSV parts), whether a core is spare, what sends
#: the reducer's first part ahead (the worker's pipe, set by the worker of
#: ``ahead.reduced_ahead``) or None, and the parent's ``memfd`` for the log
#: (``reduced_ahead``'s) or None.
Work = tuple[Scenario, int, int, Reducer, "Path | None", "Path | None", bool, "Send | None", "int | None"]


def _one_reduced(args: Work) -> tuple[T, int]:
    """In a worker (or the parent with one job): simulate, write the
    replication's records, reduce; the log goes no further. With ``apart``
    (a core to spare) the records are written while the replication runs
    (``log_stream``; with a CSV part, by a forked child while this process
    reduces); with ``ahead`` the reducer is given ``ahead=`` a function
    that sends its first part to the parent at once, or, when the log was
    streamed into the parent's ``memfd`` (``shared``), the parent is sent
    where the log is (``LogStream.shared``) and reads what it needs there."""
    # Imported here: a worker started ahead (``sim.runs.ahead``) imports the
    # engine while the parent loads the scenario, which needs none of it.
    from sim.runs.replication import simulate

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
    send = ahead
    if ahead is not None and shared is not None and stream is not None and (where := stream.shared(log)):
        ahead(where)
        send = ignore  # the parent makes the first part from the log itself
    writer = None
    if events is not None and stream is None:
        writer = _write_apart(log, events, rep, csv_parts) if apart else None
        if writer is None:
            logfile.write_part(log, events, rep, csv_parts)
    try:
        part = reducer(s, log, ahead=send) if send is not None else reducer(s, log)  # type: ignore[call-arg]
    except BaseException:
        if stream is not None:
            stream.close()  # else the child waits for the rest of the log until this process ends
        if writer is not None:  # --csv's writer: reaped, not left a zombie while this worker lives
            with contextlib.suppress(ChildProcessError):
                os.waitpid(writer, 0)
        raise
    if stream is not None and not stream.close() and events is not None:
        logfile.write_part(log, events, rep, csv_parts)  # the child failed: written here
    if writer is not None:
        _, status = os.waitpid(writer, 0)
        if status != 0 and events is not None:  # the child failed (killed, out of memory): written here
            logfile.write_part(log, events, rep, csv_parts)
    return part, len(log)


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
                ahead: Ahead | None = None, ready: Ready | None = None) -> tuple[list[T], dict]:
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
    Otherwise ``ahead`` is not called and the reducer gets no ``ahead``.
    ``ready``: the worker for that case, started ahead (``ahead.start_ahead``);
    closed here when not used."""
    if n < 1:
        raise ValueError(f'"n" must be >= 1, got {n}.')
    t0 = time.perf_counter()
    work: list[Work] = [(s, rep, seed, reducer, events, csv_parts, jobs > n, None, None)
                        for rep in range(n)]
    if ready is not None and not (ahead is not None and n == 1 and jobs >= 2 and forks()):
        ready.close()
    out: list[T] = []
    records = 0
    if ahead is not None and n == 1 and jobs >= 2 and forks():
        part: T
        part, size = reduced_ahead(_one_reduced, work[0], ahead, meanwhile, ready)
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
