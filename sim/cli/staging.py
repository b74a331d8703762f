"""Output directories that are never half-written, mixed or shared.

A command that writes a directory (``run``, ``sweep``) first claims it: the
target is checked before any simulation (an earlier result is replaced only
with ``--force``, a directory that holds none is never touched), a lock
beside it keeps a second command out, and everything is written into a
staging directory beside the target. Only when the command has finished is
the staging directory moved into place (the earlier result, if any, moved
aside first and then removed), so a killed command, a full disk or a crash
leaves the target as it was, never a directory that looks complete. A run
that would not fit on the disk is refused before it starts, and one that
fills the disk anyway ends in one line: what could not be written, how much
the run needs and how much is free.
"""
from __future__ import annotations

import errno
import fcntl
import os
import re
import shutil
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from rich.console import Console

from rules.errors import Problem, RulesError
from sim.cli.budget import size

#: What a run directory holds; ``--force`` replaces only such a directory.
RUN_FILES = ("summary.json", "scenario.json", "events.parquet", "events.csv")
#: The longest default folder name made from a scenario's name.
MAX_SLUG = 60
#: The locks this process holds (see :func:`_drop_locks`).
_HELD: set[IO[str]] = set()


def _drop_locks() -> None:
    """In a forked child (drawer, writer, worker): close the copies of the
    output locks, which would otherwise keep the target locked for as long
    as the child lives, even after its parent ended."""
    for lock in _HELD:
        lock.close()
    _HELD.clear()


os.register_at_fork(after_in_child=_drop_locks)


def slug(name: str) -> str:
    """A safe folder name from a scenario's name: lowercase ASCII letters,
    digits, ``_`` and ``-`` (``../../x`` -> ``x``), at most ``MAX_SLUG``
    characters, ``run`` when nothing is left."""
    text = re.sub(r"[^a-z0-9_-]+", "_", name.lower()).strip("_-")
    return text[:MAX_SLUG].rstrip("_-") or "run"


def check_target(out: Path, force: bool, marks: tuple[str, ...]) -> None:
    """Refuse, before any work, a target that is a file, a directory that
    holds something other than an earlier result, or an earlier result
    without ``force``."""
    if str(out) in ("", "."):
        raise RulesError([Problem("--out", "", "name a directory for the results")])
    if out.exists() and not out.is_dir():
        raise RulesError([Problem("--out", "", f"{out} is a file, not a directory")])
    if out.is_dir() and any(out.iterdir()):
        if not any((out / name).is_file() for name in marks):
            raise RulesError([Problem("--out", "", f"{out} is not empty and holds no earlier "
                                      "result; choose another directory")])
        if not force:
            raise RulesError([Problem("--out", "", f"{out} holds an earlier result; replace it "
                                      "with --force or choose another --out")])


#: Errors that mean the disk (or the user's quota) is full.
FULL = (errno.ENOSPC, errno.EDQUOT)


@contextmanager
def staged(out: Path, force: bool, marks: tuple[str, ...], need: int | None = None) -> Iterator[Path]:
    """Claim ``out`` and yield the staging directory to write into; move it
    into place when the block ends without an error, else remove it.
    ``need``: the bytes the command expects to write (refused ahead if the
    disk has less free, and named if the disk fills up)."""
    check_target(out, force, marks)
    parent = out.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        _check_space(parent, need)
        lock = open(parent / f".{out.name}.lock", "w")  # noqa: SIM115 (held for the block)
    except OSError as exc:
        raise RulesError([Problem("--out", "", f"cannot write in {parent}: "
                                  f"{exc.strerror or exc}")]) from None
    _HELD.add(lock)
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise RulesError([Problem("--out", "", f"another opsim command is writing {out}; "
                                          "wait for it or choose another --out")]) from None
            raise
        check_target(out, force, marks)  # again, now that no one else writes it
        work = parent / f".{out.name}.staging-{os.getpid()}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        try:
            yield work
            _move_into_place(work, out)
        except OSError as exc:
            if not disk_full(exc):
                raise
            name = _inside(Path(exc.filename), work) if exc.filename else _newest(work)
            shutil.rmtree(work, ignore_errors=True)
            raise _disk_full(name, out, parent, need) from None
        finally:
            shutil.rmtree(work, ignore_errors=True)
    finally:
        _HELD.discard(lock)
        lock.close()


def disk_full(exc: OSError) -> bool:
    """Is this the disk (or quota) running out? pyarrow's errors carry the
    errno only in their text."""
    text = str(exc).lower()
    return exc.errno in FULL or "no space left" in text or "errno 28]" in text


def _check_space(parent: Path, need: int | None) -> None:
    if need is None:
        return
    free = shutil.disk_usage(parent).free
    if need > free:
        raise RulesError([Problem("--out", "", f"not enough space in {parent}: this run needs about "
                                  f"{size(need)}, {size(free)} is free; free some space or "
                                  "choose another --out")])


def _newest(work: Path) -> str:
    """The file written last (the one the disk filled on: pyarrow's errors
    do not name it)."""
    try:
        files = [p for p in work.rglob("*") if p.is_file()]
        return _inside(max(files, key=lambda p: p.stat().st_mtime_ns), work) if files else "the results"
    except OSError:
        return "the results"


def _inside(path: Path, work: Path) -> str:
    """``path`` as it would be in the run directory (``events.parquet/part-00000.parquet``)."""
    try:
        return str(path.relative_to(work))
    except ValueError:
        return str(path)


def _disk_full(name: str, out: Path, parent: Path, need: int | None) -> RulesError:
    """One line for a full disk (what, where, how much), nothing left behind."""
    try:
        free = f"; {size(shutil.disk_usage(parent).free)} is free"
    except OSError:
        free = ""
    needs = f"this run needs about {size(need)}{free}" if need else f"the disk is full{free}"
    return RulesError([Problem(str(out), "", f"could not write {name}: no space left on the disk "
                               f"({needs}); {out} is as it was")])



def _move_into_place(work: Path, out: Path) -> None:
    old = out.parent / f".{out.name}.replaced-{os.getpid()}"
    if out.exists():
        out.rename(old)
    work.rename(out)
    shutil.rmtree(old, ignore_errors=True)


def require_complete(directory: Path) -> None:
    """Refuse, in one line, a directory that is not a finished run."""
    if not directory.is_dir():
        raise RulesError([Problem(str(directory), "", "no such run directory")])
    why = incomplete(directory, ("summary.json", "scenario.json"))
    if why is None and not any((directory / n).exists() for n in ("events.parquet", "events.csv")):
        why = f"incomplete run: {directory} has no events.parquet"
    if why is not None:
        raise RulesError([Problem(str(directory), "", why + " (write one with: opsim run SCENARIO "
                                  "--out DIR)")])


@contextmanager
def damage_noted(err: Console) -> Iterator[None]:
    """Within the block, a saved run read from its log because its
    aggregates are damaged is said in one line (``note: ...``) on ``err``
    instead of as a warning with its source line."""
    from sim.analysis.aggregates import DamagedAggregates  # on use: numpy

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DamagedAggregates)
        yield
    for w in caught:
        if issubclass(w.category, DamagedAggregates):
            err.print(f"note: {w.message}", markup=False, highlight=False, soft_wrap=True)
        else:  # not ours: shown as it would have been
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)


def incomplete(directory: Path, marks: tuple[str, ...]) -> str | None:
    """Why ``directory`` is not a finished result (None if it is one)."""
    if directory.name.startswith(".") and ".staging-" in directory.name:
        return f"incomplete run: {directory} is a run still being written or one that was stopped"
    missing = [m for m in marks if not (directory / m).is_file()]
    if missing:
        return (f"incomplete run: {directory} has no {', '.join(missing)} (a run that did not "
                "finish, or not a run directory)")
    return None
