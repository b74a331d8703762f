"""A run's aggregates saved beside its event log: what ``opsim report DIR``
and ``opsim compare`` read instead of the log.

``aggregates.npz`` in the run directory: named numpy arrays and a JSON
index (stored as bytes in the same archive: no pickle anywhere, so reading
a run directory never runs code). The index holds :data:`LAYOUT`; a file of
another layout, or none (runs written before), reads as ``None`` and the
callers fall back to the event log; so does a damaged file (truncated,
overwritten), with a :class:`DamagedAggregates` warning naming it. Written to a temporary name and
renamed, so a reader sees the whole file or none. What goes in is the
callers' affair: the per-replication KPIs that comparisons test
(``sim.analysis.compare``) and the numbers the plots draw
(``sim.report.plot_numbers``): a few hundred kilobytes, however long the run.
"""
from __future__ import annotations

import io
import json
import os
import warnings
import zipfile
import zlib
from pathlib import Path

import numpy as np

NAME = "aggregates.npz"
#: Bumped whenever what is stored changes meaning; older files are not read.
LAYOUT = 1
_INDEX = "__index__"
#: What reading a damaged archive raises (zip, deflate, npy header, JSON, index shape).
_DAMAGE = (OSError, EOFError, ValueError, KeyError, TypeError, AttributeError, zipfile.BadZipFile,
           zlib.error)


class DamagedAggregates(UserWarning):
    """A run's aggregates could not be read; its event log is read instead."""


def write_aggregates(run_dir: Path, index: dict, arrays: dict[str, np.ndarray]) -> Path:
    """``run_dir/aggregates.npz`` from a JSON-able ``index`` and named arrays
    (names are free text: they are numbered inside the archive)."""
    names = list(arrays)
    head = json.dumps({"layout": LAYOUT, "arrays": names, **index}, ensure_ascii=False)
    path = run_dir / NAME
    tmp = path.with_name(path.name + ".tmp")
    # Deflate at level 1: the arrays are small; a higher level buys little and costs time.
    with zipfile.ZipFile(tmp, "w") as z:
        _put(z, _INDEX, np.frombuffer(head.encode("utf-8"), dtype=np.uint8))
        for i, name in enumerate(names):
            _put(z, f"a{i}", np.asarray(arrays[name]))
    os.replace(tmp, path)
    return path


def _put(z: zipfile.ZipFile, key: str, a: np.ndarray) -> None:
    if a.dtype == object:
        raise ValueError(f"aggregates hold numbers only, not {a.dtype} arrays")
    buf = io.BytesIO()
    np.lib.format.write_array(buf, a, allow_pickle=False)
    # A fixed date: the same run gives the same bytes (tests/test_determinism.py).
    info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
    z.writestr(info, buf.getvalue(), compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)


def read_aggregates(run_dir: Path) -> tuple[dict, dict[str, np.ndarray]] | None:
    """The index and arrays of ``run_dir/aggregates.npz``; ``None`` when the
    run has none, one of another layout or a damaged one (warned)."""
    path = run_dir / NAME
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            index = json.loads(z[_INDEX].tobytes().decode("utf-8"))
            if index.get("layout") != LAYOUT:
                return None
            arrays = {name: z[f"a{i}"] for i, name in enumerate(index["arrays"])}
    except _DAMAGE as exc:
        # The log holds everything the aggregates do: a damaged copy costs time, not the run.
        why = " ".join(f"{type(exc).__name__}: {exc}".split())  # one line
        warnings.warn(f"{path} is damaged ({why}); reading the event log instead",
                      DamagedAggregates, stacklevel=2)
        return None
    return index, arrays
