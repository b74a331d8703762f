"""Evaluated replications kept on disk, so a search killed half way resumes.

The unit kept is one replication of one scenario, reduced
(``sim.analysis.evaluation.Reduced``: dataclasses, dicts, numbers, text and
numpy arrays, which this module stores without knowing them), under a key
that hashes what decides it: the resolved scenario (its JSON, as
``input_hash``), the seed, the replication and the code's version (``sim.runs.executor.code_version``:
opsim's and numpy's versions and the engine's source). A changed scenario,
seed or code is a new key, never a stale hit.

Each entry is one ``.npz`` file: the arrays as arrays, everything else as
JSON, loaded with ``allow_pickle=False``, so a cache directory from
elsewhere cannot run code here (pickle would: reading a pickle may call
anything). Only the dataclasses the reader names are rebuilt. An entry
is written to a temporary file and renamed into place (``os.replace``), so
it is whole or absent; an entry that cannot be read back (truncated,
corrupt, another layout) is ignored and computed again.
"""
from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import tempfile
import time
import typing
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from rules.scenario import Scenario
from sim.runs.executor import code_version

#: The entries' layout; a new one ignores the old entries.
LAYOUT = 2  # 2: Reduced carries the workload (the planner reads it)
SUFFIX = ".npz"
#: A temporary file older than this was left by a killed command.
STALE_SECONDS = 3600


def scenario_hash(s: Scenario) -> str:
    """The full content hash of a resolved scenario."""
    return hashlib.sha256(s.model_dump_json(by_alias=True).encode("utf-8")).hexdigest()


def point_key(scenario: str, seed: int, replication: int) -> str:
    """An entry's name: a scenario (its :func:`scenario_hash`), seed and
    replication, under this code's version."""
    text = json.dumps([LAYOUT, code_version(), scenario, seed, replication])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class PointCache:
    """Reduced replications in ``directory`` (created on first write)."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        #: Entries read back and written by this object (for progress and tests).
        self.hits = 0
        self.writes = 0
        #: Why entries could not be written (a full disk, no permission):
        #: the search goes on without keeping them, and says so at the end.
        self.problem: str | None = None

    @staticmethod
    def beside(out: str | Path) -> PointCache:
        """The cache of the results directory ``out``: ``<out>.cache`` beside
        it, outside the directory a command stages and replaces, so that
        the same command run again finds it."""
        out = Path(out)
        return PointCache(out.parent / f"{out.name}.cache")

    def get(self, key: str, types: Iterable[type]) -> Any | None:
        """The entry ``key``, its dataclasses rebuilt from ``types`` (None:
        absent, unreadable, or holding another type)."""
        path = self.directory / f"{key}{SUFFIX}"
        try:
            with np.load(path, allow_pickle=False) as z:
                arrays = {name: z[name] for name in z.files}
            meta = json.loads(str(arrays.pop("__meta__")))
            if meta["key"] != key:
                return None
            value = _decode(meta["value"], arrays, {t.__name__: t for t in types})
        except FileNotFoundError:
            return None
        except Exception:  # any damage to a file we did not write whole: compute it again
            return None
        self.hits += 1
        return value

    def put(self, key: str, value: Any, types: Iterable[type]) -> None:
        """Keep ``value`` under ``key``; its dataclasses must be among
        ``types`` (what :meth:`get` is given), else a ``TypeError``: an entry
        that could never be read back would be recomputed every time."""
        arrays: dict[str, np.ndarray] = {}
        meta = {"key": key, "value": _encode(value, arrays, frozenset(types))}
        arrays["__meta__"] = np.array(json.dumps(meta))
        if self.problem is not None:
            return
        tmp = None
        try:
            if not self.directory.is_dir():
                self.directory.mkdir(parents=True, exist_ok=True)
            elif self.writes == 0:
                self._sweep_leftovers()
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".", suffix=".tmp")
            with os.fdopen(fd, "wb") as f:
                np.savez(f, allow_pickle=False, **arrays)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.directory / f"{key}{SUFFIX}")
        except BaseException as exc:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
            if not isinstance(exc, OSError):
                raise
            # A cache is a convenience: losing it must not lose the search.
            self.problem = f"cannot keep replications in {self.directory}: {exc.strerror or exc}"
            return
        self.writes += 1

    def _sweep_leftovers(self) -> None:
        """Remove temporary files a killed command left (older than
        ``STALE_SECONDS``: a younger one may be another command's write)."""
        now = time.time()
        for tmp in self.directory.glob(".*.tmp"):
            with contextlib.suppress(OSError):
                if now - tmp.stat().st_mtime > STALE_SECONDS:
                    tmp.unlink()

    def __len__(self) -> int:
        return sum(1 for _ in self.directory.glob(f"*{SUFFIX}")) if self.directory.is_dir() else 0


def dataclass_types(root: type) -> tuple[type, ...]:
    """``root`` and every dataclass its fields' annotations name, however
    nested (``dict[str, WindowCases]``): what an entry of ``root`` may hold."""
    found: list[type] = []

    def visit(tp: Any) -> None:
        if dataclasses.is_dataclass(tp) and isinstance(tp, type):
            if tp in found:
                return
            found.append(tp)
            for hint in typing.get_type_hints(tp).values():
                visit(hint)
        for arg in typing.get_args(tp):
            visit(arg)

    visit(root)
    return tuple(found)


def _encode(x: Any, arrays: dict[str, np.ndarray], types: frozenset[type]) -> Any:
    """``x`` as JSON, its arrays moved to ``arrays`` (object arrays must hold text)."""
    if isinstance(x, np.ndarray | np.generic):
        a = np.asarray(x)
        name = f"a{len(arrays)}"
        if a.dtype == object:
            # Text (a workflow per case): its distinct values and a code per
            # element, a fraction of fixed-width unicode's size.
            if not all(isinstance(v, str) for v in a.flat):
                raise TypeError("an object array in a cache entry holds something other than text")
            names, codes = np.unique(a.astype(str), return_inverse=True)
            arrays[name], arrays[f"{name}t"] = codes.reshape(a.shape).astype(np.int32), names
        else:
            arrays[name] = a
        return {"$array": name, "object": a.dtype == object, "scalar": isinstance(x, np.generic)}
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        if type(x) not in types:
            raise TypeError(f"a cache entry cannot hold a {type(x).__name__} (not among the "
                            "types it is read back with)")
        return {"$dataclass": type(x).__name__,
                "fields": {f.name: _encode(getattr(x, f.name), arrays, types)
                           for f in dataclasses.fields(x)}}
    if isinstance(x, dict):
        if all(isinstance(k, str) for k in x):
            return {"$dict": {k: _encode(v, arrays, types) for k, v in x.items()}}
        return {"$items": [[_encode(k, arrays, types), _encode(v, arrays, types)]
                           for k, v in x.items()]}
    if isinstance(x, tuple):
        return {"$tuple": [_encode(v, arrays, types) for v in x]}
    if isinstance(x, list):
        return [_encode(v, arrays, types) for v in x]
    if x is None or isinstance(x, bool | int | float | str):
        return x
    raise TypeError(f"a cache entry cannot hold a {type(x).__name__}")


def _decode(x: Any, arrays: dict[str, np.ndarray], types: dict[str, type]) -> Any:
    if isinstance(x, list):
        return [_decode(v, arrays, types) for v in x]
    if not isinstance(x, dict):
        return x
    if "$array" in x:
        a = arrays[x["$array"]]
        if x["object"]:
            a = arrays[x["$array"] + "t"].astype(object)[a]
        return a[()] if x["scalar"] else a
    if "$dataclass" in x:
        cls = types[x["$dataclass"]]
        return cls(**{k: _decode(v, arrays, types) for k, v in x["fields"].items()})
    if "$tuple" in x:
        return tuple(_decode(v, arrays, types) for v in x["$tuple"])
    if "$items" in x:
        return {_decode(k, arrays, types): _decode(v, arrays, types) for k, v in x["$items"]}
    return {k: _decode(v, arrays, types) for k, v in x["$dict"].items()}
