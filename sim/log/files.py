"""Event logs on disk: ``events.csv`` for process-mining tools and people,
``events.parquet`` for fast re-analysis.

A run writes ``events.parquet`` as a directory of one Parquet file per
replication (``part-00000.parquet``...; pyarrow, pandas, polars and DuckDB
read the directory as one table), each written by the process that
simulated the replication; ``events.csv`` is joined from per-replication
parts, one header. Both hold the same rows in the same order as one file
of the whole log did. An ``events.parquet`` file (runs written before) is
read as well.

A Parquet file keeps a record's three times side by side in one column,
``times`` (a fixed-size list of three float hours: enable, start, end; the
file's metadata names them): columns are compressed each on its own, and
apart they cost 10.8 bytes a record where side by side they cost 5.4 (a
step's start is its enable time four times in five, its end its start two
in three, which only a row sees). The values are the same doubles, NaN
included; :func:`read_events` splits them back into the log's three
columns, and reads files with three time columns (runs written before) as
well. DuckDB reads ``times[1]``..., polars ``times.arr.get(0)``...; the CSV
keeps the three columns.

Both go through an Arrow table whose text columns are dictionary columns
made straight from the log's codes and vocabulary (``to_arrow``: no string
per record), which is also how replications travel between processes (a
few integers per record instead of pickled strings); Parquet keeps them as
dictionary columns, and reading translates their codes into one
vocabulary. pyarrow writes a 2.7-million-record CSV in about a second where
Python's csv module took 16.
"""
from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

# The run directory's names, declared in ``sim.log`` (no numpy there:
# ``opsim run`` names the event log before it imports numpy).
from sim.log import CSV as CSV
from sim.log import PARQUET as PARQUET
from sim.log.records import COLUMNS, INT_COLUMNS, TEXT_COLUMNS, TIME_COLUMNS, EventLog
from sim.log.vocabulary import CODE, Vocabulary

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.parquet as pq

# pyarrow is imported by the functions that use it, not with this module:
# the parent of ``opsim run`` names the files (``PARQUET``, ``join_csv``)
# but never reads or writes a table, and pyarrow would hold 47 MB of it
# for the whole run (its workers import it when they first write).


def to_arrow(log: EventLog) -> pa.Table:
    """Times stay float hours; text becomes Arrow dictionary columns straight
    from the log's codes and vocabulary (no strings made per record)."""
    return _table(log.arrays, log.words)


def _table(columns: Mapping[str, np.ndarray], vocabulary: Sequence[str]) -> pa.Table:
    import pyarrow as pa
    words = pa.array(list(vocabulary), pa.string())
    arrays = {}
    for name in COLUMNS:
        values = columns[name]
        if name in TEXT_COLUMNS:
            arrays[name] = pa.DictionaryArray.from_arrays(pa.array(values, pa.int32()), words)
        else:
            arrays[name] = pa.array(values)
    return pa.table(arrays)


def from_arrow(table: pa.Table, epoch: dt.datetime, horizon_hours: float,
               meta: dict | None = None) -> EventLog:
    """A log of an Arrow table: each dictionary chunk's codes translated into
    the log's one vocabulary (the table's columns and chunks may each have
    their own dictionary); plain text columns (files of other tools) coded."""
    vocab = Vocabulary()
    cols: dict[str, np.ndarray] = {}
    for name in COLUMNS:
        column = table.column(name)
        if name in TEXT_COLUMNS:
            cols[name] = _codes(column, vocab)
        elif name in TIME_COLUMNS:
            cols[name] = column.to_numpy().astype(float)
        else:
            cols[name] = column.to_numpy().astype(np.int64)
    return EventLog(epoch, horizon_hours, cols, dict(meta or {}), vocab.words)


def _codes(column: pa.ChunkedArray, vocab: Vocabulary) -> np.ndarray:
    import pyarrow as pa
    chunks = []
    for chunk in column.chunks:
        if pa.types.is_dictionary(chunk.type):
            remap = vocab.encode(chunk.dictionary.to_pylist())
            chunks.append(remap[chunk.indices.to_numpy(zero_copy_only=False)])
        else:
            chunks.append(vocab.encode(chunk.to_pylist()))
    return np.concatenate(chunks) if chunks else np.zeros(0, CODE)


def concat(tables: list[pa.Table]) -> pa.Table:
    import pyarrow as pa
    return pa.concat_tables(tables).unify_dictionaries().combine_chunks()


def write_csv(table: pa.Table, epoch: dt.datetime, path: Path) -> None:
    """ISO timestamps to the second, empty cells for times still open."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv
    out = {}
    base = int(dt.datetime.combine(epoch.date(), epoch.time()).replace(
        tzinfo=dt.UTC).timestamp())
    for name in COLUMNS:
        column = table.column(name)
        if name in TIME_COLUMNS:
            hours = column.to_numpy()
            missing = np.isnan(hours)
            secs = base + np.round(np.nan_to_num(hours) * 3600).astype(np.int64)
            stamps = pa.array(secs, mask=missing).cast(pa.timestamp("s"))
            # cast + replace is 7x faster than pc.strftime for the same text
            out[name] = pc.replace_substring(pc.cast(stamps, pa.string()), " ", "T")
        else:
            out[name] = column
    pacsv.write_csv(pa.table(out), path, pacsv.WriteOptions(quoting_style="needed"))


def read_csv(path: Path, epoch: dt.datetime, horizon_hours: float,
             meta: dict | None = None) -> EventLog:
    import pyarrow as pa
    import pyarrow.csv as pacsv
    text = pa.string()
    types = {name: (pa.int64() if name in INT_COLUMNS else text) for name in COLUMNS}
    table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
        column_types=types, strings_can_be_null=False))
    if tuple(table.column_names) != COLUMNS:
        raise ValueError(f"{path}: columns {table.column_names} are not the event log's "
                         f"{list(COLUMNS)}")
    base = np.datetime64(epoch, "s")
    arrays = {}
    for name in COLUMNS:
        column = table.column(name).combine_chunks()
        if name in TIME_COLUMNS:
            stamps = np.asarray(column.to_pylist(), dtype=object)
            empty = stamps == ""
            parsed = np.where(empty, str(base), stamps).astype("datetime64[s]")
            hours = (parsed - base).astype(np.int64) / 3600.0
            arrays[name] = pa.array(np.where(empty, np.nan, hours))
        elif name in INT_COLUMNS:
            arrays[name] = column
        else:
            arrays[name] = column.dictionary_encode()
    return from_arrow(pa.table(arrays), epoch, horizon_hours, meta)


#: The Parquet column of a record's three times (see the module doc), and
#: the file metadata key that names them.
TIMES = "times"
_TIMES_KEY = b"opsim.times"


def _times_together(table: pa.Table) -> pa.Table:
    """``table`` with its three time columns as one ``times`` column (a
    fixed-size list: the values row by row), where ``enable_time`` was."""
    import pyarrow as pa
    rows = np.empty((table.num_rows, len(TIME_COLUMNS)))
    for i, name in enumerate(TIME_COLUMNS):
        rows[:, i] = table.column(name).to_numpy()
    times = pa.FixedSizeListArray.from_arrays(pa.array(rows.reshape(-1)), len(TIME_COLUMNS))
    at = table.column_names.index(TIME_COLUMNS[0])
    table = table.drop_columns(list(TIME_COLUMNS)).add_column(at, TIMES, times)
    return table.replace_schema_metadata({_TIMES_KEY: ",".join(TIME_COLUMNS).encode()})


def _times_apart(table: pa.Table) -> pa.Table:
    """The inverse of :func:`_times_together` (a table without ``times`` as it is)."""
    import pyarrow as pa
    if TIMES not in table.column_names:
        return table
    at = table.column_names.index(TIMES)
    column = table.column(TIMES).combine_chunks()
    width = len(TIME_COLUMNS)
    values = column.values.to_numpy(zero_copy_only=False)
    rows = values[column.offset * width:(column.offset + len(column)) * width].reshape(-1, width)
    table = table.remove_column(at)
    for i, name in enumerate(TIME_COLUMNS):
        table = table.add_column(at + i, name, pa.array(np.ascontiguousarray(rows[:, i])))
    return table


#: Parquet dictionaries only for the columns with few values (see ``write_parquet``).
_FEW = [*TEXT_COLUMNS, "replication", "priority"]


def write_parquet(table: pa.Table, path: Path) -> None:
    import pyarrow.parquet as pq
    # zstd: a fifth smaller than the default snappy and no slower to write
    # (Double 11, one replication: 11.8 -> 9.6 MB, 0.27 -> 0.22 s). Parquet
    # dictionaries only for the columns with few values: times and case ids
    # are nearly all distinct, and plain they compress better and write
    # faster (10.0 -> 8.0 MB, 0.65 -> 0.25 s). The times side by side:
    # 10.3 -> 6.5 MB (8e19fce); a higher zstd level or brotli would buy 8%
    # for two to ten times the CPU.
    pq.write_table(_times_together(table), path, compression="zstd", use_dictionary=_FEW)


def read_parquet(path: Path, epoch: dt.datetime, horizon_hours: float,
                 meta: dict | None = None) -> EventLog:
    import pyarrow.parquet as pq
    return from_arrow(_times_apart(pq.read_table(path)), epoch, horizon_hours, meta)




def part_name(replication: int) -> str:
    return f"part-{replication:05d}"


def write_part(log: EventLog, events: Path, replication: int, csv_parts: Path | None = None) -> None:
    """One replication's records into ``events/part-NNNNN.parquet`` (and a
    CSV part into ``csv_parts``, for :func:`join_csv`)."""
    table = to_arrow(log)
    events.mkdir(parents=True, exist_ok=True)
    write_parquet(table, events / f"{part_name(replication)}.parquet")
    if csv_parts is not None:
        csv_parts.mkdir(parents=True, exist_ok=True)
        write_csv(table, log.epoch, csv_parts / f"{part_name(replication)}.csv")


class PartWriter:
    """One replication's ``part-NNNNN.parquet`` written a row group at a
    time, as its records come (``sim.runs.log_stream``: while the
    replication is simulated). The file reads back as :func:`write_part`'s
    would (the same rows, the same columns); each row group's text columns
    carry the vocabulary as far as it had grown, which reading translates
    as it translates any file's chunks. Row groups of 65,536 records cost
    4% more bytes than one group a replication (Double 11: 6.47 against
    6.22 MB) and less CPU to write (0.21 against 0.33 s)."""

    def __init__(self, events: Path, replication: int) -> None:
        self.path = events / f"{part_name(replication)}.parquet"
        self._writer: pq.ParquetWriter | None = None

    def write(self, columns: Mapping[str, np.ndarray], vocabulary: Sequence[str]) -> None:
        """Rows (the log's columns, text as codes into ``vocabulary``) as one row group."""
        import pyarrow.parquet as pq
        table = _times_together(_table(columns, vocabulary))
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._writer = pq.ParquetWriter(self.path, table.schema, compression="zstd",
                                            use_dictionary=_FEW)
        self._writer.write_table(table)

    def close(self) -> None:
        """The file complete (a file of no rows if nothing was written)."""
        if self._writer is None:
            self.write({name: np.zeros(0, _EMPTY[name]) for name in COLUMNS}, ())
        if self._writer is not None:
            self._writer.close()
            self._writer = None


_EMPTY = {name: (CODE if name in TEXT_COLUMNS else float if name in TIME_COLUMNS else np.int64)
          for name in COLUMNS}


def parts(events: Path) -> list[Path]:
    """The Parquet parts of ``events`` in replication order."""
    return sorted(events.glob("part-*.parquet"))


def read_events(path: Path, epoch: dt.datetime, horizon_hours: float,
                meta: dict | None = None) -> EventLog:
    """``events.parquet``, a directory of parts or (older runs) one file."""
    import pyarrow.parquet as pq
    if path.is_dir():
        tables = [_times_apart(pq.read_table(p)) for p in parts(path)]
        if not tables:
            raise ValueError(f"{path}: no part-*.parquet in it")
        return from_arrow(concat(tables) if len(tables) > 1 else tables[0], epoch, horizon_hours, meta)
    return read_parquet(path, epoch, horizon_hours, meta)


def join_csv(csv_parts: Path, path: Path) -> None:
    """``events.csv`` from the CSV parts in replication order (the header
    once), streamed: the parent never holds the log. The parts are removed."""
    files = sorted(csv_parts.glob("part-*.csv"))
    with open(path, "wb") as out:
        for i, part in enumerate(files):
            with open(part, "rb") as fh:
                header = fh.readline()
                if i == 0:
                    out.write(header)
                shutil.copyfileobj(fh, out, 1 << 20)
    shutil.rmtree(csv_parts)
