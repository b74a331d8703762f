"""The event log survives a trip through events.csv and events.parquet."""
from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sim.log import files as logfile
from sim.log.records import COLUMNS, TEXT_COLUMNS, EventLog, LogBuilder, Record

EPOCH = dt.datetime(2026, 10, 1)
ROWS = [
    (0, 1, "return", "case_start", "case", "", "", 1.5, 1.5, 1.5, "done", 0),
    (0, 1, "return", "ask_reason", "work", "customer_service", "customer_service#2",
     1.5, 8.0, 8.25, "done", 2),
    (0, 1, "return", "register_case", "work", "aftersales_service", "", 8.25, math.nan,
     math.nan, "open", 2),
    (1, 7, "exchange", "售后", "wait", "customer", "", 30.0, 30.0, math.nan, "open", 2),
]


def _same(a: EventLog, b: EventLog) -> None:
    for name in COLUMNS:
        x, y = a.columns[name], b.columns[name]
        if x.dtype.kind == "f":
            assert np.allclose(x, y, equal_nan=True, atol=1 / 3600), name
        else:
            assert x.tolist() == y.tolist(), name


def test_csv_round_trip_keeps_open_times_empty(tmp_path: Path) -> None:
    log = EventLog.from_records(ROWS, EPOCH, 100.0)
    logfile.write_csv(logfile.to_arrow(log), EPOCH, tmp_path / "events.csv")
    text = (tmp_path / "events.csv").read_text(encoding="utf-8").splitlines()
    assert text[0].replace('"', "") == ",".join(COLUMNS)
    assert '"2026-10-01T08:00:00","2026-10-01T08:15:00"' in text[2]
    assert text[3].endswith(',,,"open",2') and "2026-10-01T08:15:00" in text[3]
    _same(log, logfile.read_csv(tmp_path / "events.csv", EPOCH, 100.0))


def test_parquet_round_trip_is_exact(tmp_path: Path) -> None:
    log = EventLog.from_records(ROWS, EPOCH, 100.0)
    logfile.write_parquet(logfile.to_arrow(log), tmp_path / "events.parquet")
    back = logfile.read_parquet(tmp_path / "events.parquet", EPOCH, 100.0)
    _same(log, back)
    assert back.records()[3].activity == "售后"


def test_replications_concatenate_with_one_vocabulary() -> None:
    a = logfile.to_arrow(EventLog.from_records(ROWS[:2], EPOCH, 100.0))
    b = logfile.to_arrow(EventLog.from_records(ROWS[2:], EPOCH, 100.0))
    back = logfile.from_arrow(logfile.concat([a, b]), EPOCH, 100.0)
    _same(EventLog.from_records(ROWS, EPOCH, 100.0), back)


def test_empty_log_round_trips(tmp_path: Path) -> None:
    table = logfile.to_arrow(EventLog.from_records([], EPOCH, 10.0))
    logfile.write_csv(table, EPOCH, tmp_path / "e.csv")
    logfile.write_parquet(table, tmp_path / "e.parquet")
    assert len(logfile.read_csv(tmp_path / "e.csv", EPOCH, 10.0)) == 0
    assert len(logfile.read_parquet(tmp_path / "e.parquet", EPOCH, 10.0)) == 0



@pytest.mark.parametrize("expected", [0, 3, 5000, 9000])
def test_log_builder_equals_one_conversion_of_all_rows(expected: int) -> None:
    rows = [(r[0], r[1] + 10 * k) + r[2:] for k in range(700) for r in ROWS]  # 2,800 rows
    builder = LogBuilder(expected)
    for lo in range(0, len(rows), 333):  # batches, the room grows past 1,024
        builder.add(rows[lo:lo + 333])
    builder.add([])
    log = builder.build(EPOCH, 100.0, {"seed": 1})
    assert len(log) == len(builder) == 2800 and log.meta == {"seed": 1}
    _same(EventLog.from_records(rows, EPOCH, 100.0), log)
    assert log.columns["case_id"].dtype == np.int64 and log.columns["role"].dtype == object
    # Much unused room: the columns are trimmed copies, not views of it.
    assert (log.columns["end_time"].base is None) == (expected == 9000)


def test_log_builder_refuses_a_negative_size() -> None:
    with pytest.raises(ValueError, match=re.escape('"expected" must be >= 0.')):
        LogBuilder(-1)


def _texts(log: EventLog | list[tuple]) -> list[str]:
    """Records as text (NaN equals NaN there)."""
    records = log.records() if isinstance(log, EventLog) else [Record(*r) for r in log]
    return [repr(r) for r in records]


def test_text_columns_are_codes_into_one_vocabulary() -> None:
    log = EventLog.from_records(ROWS, EPOCH, 100.0)
    for name in TEXT_COLUMNS:
        assert log.arrays[name].dtype == np.int32, name
        assert [log.words[c] for c in log.arrays[name]] == [r[COLUMNS.index(name)] for r in ROWS]
    # One vocabulary: a value has one code whichever column holds it.
    assert len(set(log.words)) == len(log.words)
    assert log.code("done") == log.arrays["outcome"][0] == log.code("done")
    assert log.code("no such value") == -1 and log.codes("open", "nope") == [log.code("open")]
    # The decoding accessors give the strings back.
    assert log.text("activity").tolist() == [r[3] for r in ROWS]
    assert log.columns["role"].tolist() == [r[5] for r in ROWS]
    assert _texts(log) == _texts(ROWS)


def test_parquet_round_trip_goes_from_codes_to_strings(tmp_path: Path) -> None:
    """Parquet -> codes -> strings: the file's text columns are Arrow
    dictionary columns, read back as codes of one vocabulary that decode
    to the same strings."""
    log = EventLog.from_records(ROWS, EPOCH, 100.0)
    logfile.write_part(log, tmp_path / "events.parquet", 0)
    part = tmp_path / "events.parquet" / "part-00000.parquet"
    schema = pq.read_schema(part)
    for name in TEXT_COLUMNS:
        assert pa.types.is_dictionary(schema.field(name).type), name
        assert schema.field(name).type.value_type == pa.string()
    back = logfile.read_events(tmp_path / "events.parquet", EPOCH, 100.0)
    assert all(back.arrays[name].dtype == np.int32 for name in TEXT_COLUMNS)
    assert back.records()[3].activity == "售后"
    _same(log, back)


def test_to_arrow_builds_no_strings_per_record() -> None:
    """The Arrow text columns are the log's codes (the same buffer values)
    over its vocabulary."""
    log = EventLog.from_records(ROWS, EPOCH, 100.0)
    table = logfile.to_arrow(log)
    column = table.column("workflow").chunk(0)
    assert column.indices.to_numpy().tolist() == log.arrays["workflow"].tolist()
    assert column.dictionary.to_pylist() == list(log.words)


def test_logs_with_different_vocabularies_merge() -> None:
    """Two replications coded apart (each its own vocabulary, other codes
    for the same values) concatenate into one log of the same records."""
    a = EventLog.from_records(ROWS[2:], EPOCH, 100.0)
    b = EventLog.from_records(ROWS[:2], EPOCH, 100.0)
    assert a.code("") != b.code("") and a.words != b.words
    both = EventLog.concat([a, b])
    assert _texts(both) == _texts(ROWS[2:] + ROWS[:2])
    builder = LogBuilder(0)
    builder.add_log(b)
    builder.add_log(a)
    assert _texts(builder.build(EPOCH, 100.0)) == _texts(ROWS)
    # Through Arrow (how replications cross processes): the same.
    tables = [logfile.to_arrow(b), logfile.to_arrow(a)]
    _same(EventLog.from_records(ROWS, EPOCH, 100.0),
          logfile.from_arrow(logfile.concat(tables), EPOCH, 100.0))


def test_a_log_made_of_strings_is_coded() -> None:
    """``EventLog`` given object arrays of text (as callers made them
    before the codes) codes them."""
    cols = {name: np.asarray([r[i] for r in ROWS], dtype=object if name in TEXT_COLUMNS else None)
            for i, name in enumerate(COLUMNS)}
    log = EventLog(EPOCH, 100.0, cols)
    assert log.arrays["kind"].dtype == np.int32
    assert _texts(log) == _texts(ROWS)


def test_parquet_keeps_the_times_side_by_side_and_bit_for_bit(tmp_path: Path) -> None:
    """A Parquet part holds the three times as one ``times`` column (a
    fixed-size list, row by row: what makes the file small); read back,
    they are the same doubles, NaN where open. Files with three time
    columns (runs written before) read the same."""
    log = EventLog.from_records(ROWS, EPOCH, 100.0)
    logfile.write_part(log, tmp_path / "events.parquet", 0)
    part = tmp_path / "events.parquet" / "part-00000.parquet"
    schema = pq.read_schema(part)
    assert schema.names == ["replication", "case_id", "workflow", "activity", "kind", "role",
                            "resource", "times", "outcome", "priority"]
    assert schema.field("times").type == pa.list_(pa.float64(), 3)
    assert schema.metadata[b"opsim.times"] == b"enable_time,start_time,end_time"
    older = tmp_path / "older"
    older.mkdir()
    pq.write_table(logfile.to_arrow(log), older / "part-00000.parquet")
    for path in (tmp_path / "events.parquet", older, part):
        back = logfile.read_events(path, EPOCH, 100.0)
        for name in COLUMNS:
            a, b = log.columns[name], back.columns[name]
            if a.dtype.kind == "f":
                assert a.tobytes() == b.tobytes(), (path, name)
            else:
                assert a.tolist() == b.tolist(), (path, name)


def test_parquet_bytes_per_record_stay_small(tmp_path: Path) -> None:
    """A guard on what a run writes (issue 13: a Double 11 run of 10
    replications under 100 MB). One replication of the stress scenario
    writes 10.1 bytes a record (8e19fce, with the times side by side);
    with the times in three columns it wrote 15.7, which put Double 11 at
    -n 10 over 100 MB. The bound leaves a fifth for the model's growth."""
    from rules import load_scenario
    from sim.runs.replication import simulate

    s = load_scenario(Path(__file__).parent / "scenarios" / "stress.yaml")
    log = simulate(s, 0, 5)
    logfile.write_part(log, tmp_path / "events.parquet", 0)
    size = (tmp_path / "events.parquet" / "part-00000.parquet").stat().st_size
    assert size / len(log) <= 12.0, f"{size / len(log):.1f} bytes a record"


def test_naming_the_files_does_not_import_pyarrow() -> None:
    """``opsim run``'s parent names the files (``PARQUET``, ``join_csv``) but
    never makes a table: importing what it runs leaves pyarrow out, 47 MB of
    its peak memory at Double 11 -n 10 (issue 13); the workers import it
    when they first write."""
    import subprocess
    import sys

    code = ("import sys, sim.cli.run, sim.analysis.run_parts, sim.runs.runner, sim.log.files, "
            "sim.analysis.summary, sim.report.output; print('pyarrow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
