"""A replication's records written to disk while it is simulated.

``opsim run -n 1`` used to write a replication's Parquet part after the
simulation (0.3-0.4 s of CPU beside the reduction, the plots and the
summary, when both cores are busy) although the second core is mostly
idle while the replication runs. A :class:`LogStream` is a child process,
forked before the simulation, that writes the records as the simulation
adds them: the log's column arrays live in memory both processes map (a
``memfd``, grown as the builder asks for room: ``LogBuilder``'s
``alloc``), so what goes through the pipe is which rows are new (and the
words the vocabulary gained), never the rows. Every :data:`CHUNK` records
the child writes them as a row group of the part
(``sim.log.files.PartWriter``), on the other core; when the simulation
ends only the last chunk is left, which the child writes while the
worker reduces. A row once added to the builder never changes, so the
child reads rows the simulation no longer touches.

A thread in the simulating process did the same with less machinery but
took 0.06-0.16 s from the simulation (pyarrow's import, and the parts of
the writing that hold the GIL, paid by the simulation's thread).

A child that fails (killed, a full disk) ends with a non-zero status; the
caller then writes the part itself (:meth:`LogStream.close` says so), as
it would have without a stream.

The same memory can be the parent's too (``fd``: a ``memfd`` it made and
the worker inherited): once the replication has run, :meth:`LogStream.shared`
says where its columns are (a :class:`SharedLog`, about 11 kB for Double 11, its vocabulary's words) and
the parent reads the log there (:meth:`SharedLog.open`) instead of being
sent what it needs of it (``opsim run -n 1``: the staff rows, 11 MB through
a pipe, 0.08 s of the worker's time after the simulation).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import mmap
import os
import threading
import traceback
from dataclasses import dataclass
from multiprocessing import Pipe
from multiprocessing.connection import Connection
from pathlib import Path

import numpy as np

from sim.log.files import PartWriter
from sim.log.records import EventLog, LogBuilder
from sim.runs.children import die_with_parent

#: How much lower the child's priority is than the simulation's
#: (``os.nice``): it must not take the simulation's core.
NICE = 10
#: Records a row group holds (the last one fewer): large enough that the
#: file is about as small as one group a replication (4% larger), small
#: enough that little is left to write when the simulation ends.
CHUNK = 1 << 16


class LogStream:
    """Replication ``replication``'s records into ``events/part-NNNNN.parquet``
    as the simulation adds them (see the module doc). Linux only
    (``os.memfd_create``, ``fork``)."""

    def __init__(self, events: Path, replication: int, chunk: int | None = None,
                 fd: int | None = None) -> None:
        """``fd``: an empty ``memfd`` to put the log in (the caller's, so
        that it can read the log too: :meth:`shared`), else a new one."""
        self.chunk = CHUNK if chunk is None else chunk
        if self.chunk < 1:
            raise ValueError(f'"chunk" must be >= 1, got {self.chunk}.')
        self.sent = 0
        self._words = 0
        self._fd = os.memfd_create("opsim-log", os.MFD_CLOEXEC) if fd is None else os.dup(fd)
        #: Where the log's columns were when the child last heard of them.
        self._places: dict[str, tuple[int, str, int]] | None = None
        self._end = 0
        #: Each array handed out by :meth:`allocate` (by id; kept alive so
        #: that ids are not reused): its offset in the shared file.
        self._where: dict[int, tuple[np.ndarray, int]] = {}
        recv, self._send = Pipe(duplex=False)
        # The child says on this pipe that the part is complete, before it
        # ends: its end (unmapping a forked copy of the simulating process)
        # took 0.04-0.05 s that the reduction's result waited for.
        self._done, done = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # the child: never returns
            self._send.close()
            os.close(self._done)
            _child(recv, self._fd, events, replication, done)
        recv.close()
        os.close(done)

    def allocate(self, rows: int, dtype: np.dtype) -> np.ndarray:
        """An array of ``rows`` in the memory the child maps too (the
        builder's ``alloc``)."""
        dtype = np.dtype(dtype)
        size = max(rows * dtype.itemsize, 1)
        size += -size % mmap.ALLOCATIONGRANULARITY  # the next one's offset must be aligned
        offset = self._end
        self._end += size
        os.ftruncate(self._fd, self._end)
        array = np.frombuffer(mmap.mmap(self._fd, size, offset=offset), dtype, rows)
        self._where[id(array)] = (array, offset)
        # The child allocates the pages (on the other core): the simulation's
        # first write to each page then maps it instead of allocating and
        # zeroing it (shared memory has no huge pages here: Double 11's
        # 9,000 pages took 0.025 s of the simulation's system time).
        self._send.send((offset, size))
        return array

    def __call__(self, log: LogBuilder, last: bool = False) -> None:
        """The builder after a batch of records was added (``last``: after
        the final one): a chunk's worth of new rows, or with ``last`` all
        that is left, goes to the child (where they are, not what)."""
        lo, hi = self.sent, len(log)
        if hi - lo < self.chunk and not (last and hi > lo):
            if last:
                self._places = self._places_of(log)
            return
        self._places = places = self._places_of(log)
        words = log.vocab.words
        self._send.send((lo, hi, places, words[self._words:]))
        self.sent, self._words = hi, len(words)

    def _places_of(self, log: LogBuilder) -> dict[str, tuple[int, str, int]]:
        places = {}
        for name, col in log.columns.items():
            array, offset = self._where.get(id(col), (None, -1))
            if array is not col:  # not ours (cannot happen with ``alloc``): the stream stops
                raise ValueError(f"the log's {name} column is not in the stream's memory")
            places[name] = (offset, col.dtype.str, len(col))
        return places

    def shared(self, log: EventLog) -> SharedLog | None:
        """Where the replication's log ``log`` (built from the builder this
        stream was given, all of it given) lies in the stream's memory;
        None if the stream never saw its columns."""
        if self._places is None or self.sent != len(log):
            return None
        return SharedLog(self._places, len(log), tuple(log.words), log.epoch, log.horizon_hours,
                         dict(log.meta))

    def close(self) -> bool:
        """Tell the child that the log is complete and wait for it to close
        the file; whether the part is complete (False: the caller writes it)."""
        try:
            self._send.send(None)
            self._send.close()
        except OSError:  # the child is gone already
            pass
        complete = os.read(self._done, 1) == DONE  # nothing: it ended without
        os.close(self._done)
        if complete:  # its end is not waited for, but it is reaped when it comes
            threading.Thread(target=os.waitpid, args=(self.pid, 0), daemon=True).start()
        else:
            os.waitpid(self.pid, 0)
        os.close(self._fd)  # the arrays' maps stay valid without it
        self._where.clear()
        return complete


@dataclass
class SharedLog:
    """A replication's log in a stream's memory (:meth:`LogStream.shared`):
    where each column is, and the log's rows, vocabulary and calendar."""
    places: dict[str, tuple[int, str, int]]
    rows: int
    words: tuple[str, ...]
    epoch: dt.datetime
    horizon_hours: float
    meta: dict

    def open(self, fd: int) -> EventLog:
        """The log, read-only, from ``fd`` (the ``memfd`` the stream was
        given): the same arrays the simulation wrote, not a copy."""
        cols = {name: np.frombuffer(_mapped(fd, offset, dtype, rows), dtype, rows)[:self.rows]
                for name, (offset, dtype, rows) in self.places.items()}
        return EventLog(self.epoch, self.horizon_hours, cols, self.meta, self.words)


def _mapped(fd: int, offset: int, dtype: str, rows: int) -> mmap.mmap:
    return mmap.mmap(fd, max(rows * np.dtype(dtype).itemsize, 1), offset=offset, prot=mmap.PROT_READ)


#: What the child writes once the part is complete.
DONE = b"1"


def _child(recv: Connection, fd: int, events: Path, replication: int, done: int) -> None:
    code = 1
    try:
        die_with_parent()
        os.nice(NICE)
        writer = PartWriter(events, replication)
        words: list[str] = []
        maps: dict[tuple[int, int], mmap.mmap] = {}
        while (message := recv.recv()) is not None:
            if len(message) == 2:  # room the log was given: its pages made now
                with contextlib.suppress(OSError):  # else made as they are written, as before
                    os.posix_fallocate(fd, *message)
                continue
            lo, hi, places, new_words = message
            words.extend(new_words)
            columns = {}
            for name, (offset, dtype, rows) in places.items():
                size = rows * np.dtype(dtype).itemsize
                if (offset, size) not in maps:
                    maps[(offset, size)] = _mapped(fd, offset, dtype, rows)
                columns[name] = np.frombuffer(maps[(offset, size)], dtype, rows)[lo:hi]
            writer.write(columns, words)
        writer.close()
        os.write(done, DONE)
        code = 0
    except BaseException:
        traceback.print_exc()  # the caller writes the part itself
    finally:
        os._exit(code)  # never the worker's exit handlers or its pool's machinery
