"""The reductions' faster orders and group statistics give numpy's own
answers, element for element (issue 13: the same numbers, in less time)."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from sim.analysis.bottlenecks import _first_max
from sim.analysis.grouping import distinct, group_min, group_quantile, stable_order
from sim.analysis.log_index import LogIndex, case_keys, sorted_words
from sim.analysis.slot_time import DOT_PIECE, dot
from sim.log.records import EventLog


@pytest.mark.parametrize("top", [1, 7, 1 << 16, (1 << 16) + 5, 1 << 33])
def test_stable_order_is_numpys_stable_argsort(top: int) -> None:
    rng = np.random.default_rng(top % 1000)
    keys = rng.integers(0, top, 5_000)
    want = np.argsort(keys, kind="stable")
    assert np.array_equal(stable_order(keys), want)
    assert np.array_equal(stable_order(keys, top), want)


def test_group_min_is_minimum_at() -> None:
    rng = np.random.default_rng(3)
    for n, size in ((50, 1_000), (10, 5), (1_000, 900), (3, 0)):
        index = rng.integers(0, n, size)
        values = np.round(rng.random(size) * 100, 1)  # ties
        values[::17] = np.nan  # propagated, as minimum.at does
        want = np.full(n, np.inf)
        np.minimum.at(want, index, values)
        got = group_min(index, values, n)
        assert got.tobytes() == want.tobytes()


def test_group_min_unique_indices() -> None:
    index = np.array([4, 0, 2])
    assert group_min(index, np.array([1.5, 2.5, 0.5]), 5).tolist() == [2.5, np.inf, 0.5, np.inf, 1.5]


def _lexsort_quantile(values: np.ndarray, groups: np.ndarray, n: int, q: float) -> np.ndarray:
    """group_quantile as it was, by ``np.lexsort((values, groups))``."""
    out = np.full(n, np.nan)
    order = np.lexsort((values, groups))
    v, g = values[order], groups[order]
    counts = np.bincount(g, minlength=n)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    has = counts > 0
    pos = first[has] + (counts[has] - 1) * q
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, first[has] + counts[has] - 1)
    frac = pos - lo
    out[has] = v[lo] * (1 - frac) + v[hi] * frac
    return out


def test_group_quantile_is_the_lexsort_one() -> None:
    rng = np.random.default_rng(5)
    values = np.round(rng.exponential(size=4_000), 2)  # ties
    values[::31] = np.nan
    groups = rng.integers(0, 70, values.size)
    for q in (0.0, 0.5, 0.95, 1.0):
        got = group_quantile(values, groups, 75, q)
        assert got.tobytes() == _lexsort_quantile(values, groups, 75, q).tobytes()


def test_distinct() -> None:
    assert distinct(np.array([3, 3, 3])).tolist() == [3]
    assert distinct(np.array([3, 1, 3])).tolist() == [1, 3]
    assert distinct(np.zeros(0, np.int64)).size == 0


def test_first_max_is_argmax() -> None:
    rng = np.random.default_rng(7)
    rows = np.round(rng.random((6, 500)), 1)  # ties: the first row wins, as argmax
    best, top = _first_max(rows)
    assert np.array_equal(best, rows.argmax(axis=0))
    assert np.array_equal(top, rows.max(axis=0))
    second = rows.copy()
    second[best, np.arange(rows.shape[1])] = 0.0
    nxt, top2 = _first_max(rows, best)
    assert np.array_equal(nxt, second.argmax(axis=0))
    assert np.array_equal(top2, second.max(axis=0))


def test_dot_in_pieces() -> None:
    rng = np.random.default_rng(9)
    a, b = rng.random(DOT_PIECE), rng.random(DOT_PIECE)
    assert dot(a, b) == float(np.dot(a, b))  # short: the same call
    a, b = rng.random(3 * DOT_PIECE + 7), rng.random(3 * DOT_PIECE + 7)
    assert dot(a, b) == pytest.approx(float(np.sum(a * b)), rel=1e-12)


def _log(reps: int = 2, cases: int = 40, seed: int = 11) -> EventLog:
    rng = np.random.default_rng(seed)
    n = reps * cases * 6
    rep = np.repeat(np.arange(reps), n // reps)
    case = rng.integers(1, cases + 1, n)
    words = np.array(["a", "b", "c", "d"], dtype=object)
    arrays = {"replication": rep.astype(np.int64), "case_id": case.astype(np.int64),
              "workflow": words[rng.integers(0, 3, n)], "activity": words[rng.integers(0, 4, n)],
              "role": np.array(["r1", "r2", "r1+r2"], dtype=object)[rng.integers(0, 3, n)],
              "end_time": rng.random(n)}
    return EventLog(dt.datetime(2026, 1, 1), 100.0, arrays)


def test_rows_of_is_a_sort_by_case_then_log_order() -> None:
    log = _log()
    ix = LogIndex(log)
    every = np.unique(case_keys(log.arrays["replication"], log.arrays["case_id"]))
    keys = every[::3]
    among = np.random.default_rng(2).random(len(log)) < 0.7
    for names, mask in ((("a",), None), (("a", "c"), among)):
        rows, case = ix.rows_of(names, keys, mask)
        key = ix.key_of(np.arange(len(log)))
        want = np.flatnonzero(np.isin(key, keys) & log.isin("workflow", *names)
                              & (True if mask is None else mask))
        want = want[np.argsort(key[want], kind="stable")]
        assert np.array_equal(rows, want)
        assert np.array_equal(case, np.searchsorted(keys, key[want]))


def test_sorted_words_are_sorted_codes() -> None:
    log = _log()
    rows = np.arange(0, len(log), 3)
    codes, names = sorted_words(log, "role", rows)
    ranks, values = log.sorted_codes("role", rows)
    assert [w for w, _ in names] == values
    for i, (_, code) in enumerate(names):
        assert np.array_equal(codes == code, ranks == i)
