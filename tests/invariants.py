"""Invariants every event log must satisfy, and small measurements on logs.

Shared by the queueing-theory tests and the property-based tests. Each
``check_*`` function raises AssertionError naming the first offending
record; the measuring functions return plain numbers.
"""
from __future__ import annotations

import math
from collections import defaultdict

import numpy as np

from sim.log.records import EventLog

EPS = 1e-6
#: Record kinds during which a member is held (counted against concurrency).
STAFFED = ("work", "approval", "contest", "meeting", "duty")


def erlang_c_wq(lam: float, mu: float, c: int) -> float:
    """Mean wait in queue of an M/M/c queue (Erlang C), in the units of 1/lam."""
    a = lam / mu
    rho = a / c
    if rho >= 1:
        raise ValueError('"rho" must be < 1.')
    head = sum(a ** k / math.factorial(k) for k in range(c))
    tail = a ** c / math.factorial(c) / (1 - rho)
    return tail / (head + tail) / (c * mu - lam)


def t_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Two-sided t confidence interval of the mean of ``values``."""
    from scipy import stats

    n = len(values)
    half = stats.t.ppf(0.5 + level / 2, n - 1) * np.std(values, ddof=1) / math.sqrt(n)
    return float(np.mean(values) - half), float(np.mean(values) + half)


def _row(log: EventLog, i: int) -> str:
    return ", ".join(f"{k}={v[i]!r}" for k, v in log.columns.items())


def check_times(log: EventLog) -> None:
    """enable <= start <= end where not NaN, and everything inside [0, horizon];
    open records (and only they) have no end."""
    c = log.columns
    e, s, f = c["enable_time"], c["start_time"], c["end_time"]
    h = log.horizon_hours
    bad = np.isnan(e)
    bad |= (~np.isnan(s)) & (s < e - EPS)
    bad |= (~np.isnan(f)) & (~np.isnan(s)) & (f < s - EPS)
    # Only an abandoned step (the customer left before anyone started it)
    # or a withdrawn one (a platform timer moved the case on first) or a
    # skipped duty (due again first) ends without a start.
    abandoned = np.isin(c["outcome"], ("abandoned", "withdrawn", "skipped"))
    bad |= (~np.isnan(f)) & np.isnan(s) & ~abandoned
    bad |= abandoned & (np.isnan(f) | ~np.isnan(s) | (f < e - EPS))
    for col in (e, s, f):
        bad |= (~np.isnan(col)) & ((col < -EPS) | (col > h + EPS))
    open_ = c["outcome"] == "open"
    bad |= open_ != np.isnan(f)
    if bad.any():
        raise AssertionError(f"record breaks time order or horizon: {_row(log, int(np.argmax(bad)))}")


def check_cases_accounted(log: EventLog) -> None:
    """Every case_start has one case_end or at least one open record, not both."""
    c = log.columns
    key = list(zip(c["replication"].tolist(), c["case_id"].tolist()))
    act = c["activity"]
    started = {k for k, a in zip(key, act) if a == "case_start"}
    ends: dict[tuple, int] = defaultdict(int)
    for k, a in zip(key, act):
        if a == "case_end":
            ends[k] += 1
    opened = {k for k, o in zip(key, c["outcome"]) if o == "open"}
    for k in started:
        n = ends.get(k, 0)
        if n > 1:
            raise AssertionError(f"case {k} has {n} case_end records")
        if n == 1 and k in opened:
            raise AssertionError(f"case {k} ended but still has an open record")
        if n == 0 and k not in opened:
            raise AssertionError(f"case {k} started, never ended and has no open record")
    stray = set(ends) - started
    if stray:
        raise AssertionError(f"case_end without case_start: {sorted(stray)[:5]}")


def check_survivors(alive: list[int], columns: dict, open_cases: set[int]) -> None:
    """The ids of the cases still alive after a run (collector off) are the
    open cases and, besides them, only customers who left a line that had
    not reached them yet (a case is its own staff task and stays in the
    line until then; it is recorded as abandoned at its deadline)."""
    survivors = set(alive)
    assert len(survivors) == len(alive) and open_cases <= survivors
    left = set(columns["case_id"][columns["outcome"] == "abandoned"].tolist())
    gone = survivors - open_cases
    assert gone <= left and len(gone) < len(left)


def member_intervals(log: EventLog) -> dict[str, list[tuple[float, float]]]:
    """Busy intervals of each member (open records run to the horizon)."""
    c = log.columns
    out: dict[str, list[tuple[float, float]]] = defaultdict(list)
    h = log.horizon_hours
    mask = np.isin(c["kind"], STAFFED) & ~np.isnan(c["start_time"])
    for res, s, f, rep in zip(c["resource"][mask], c["start_time"][mask], c["end_time"][mask],
                              c["replication"][mask]):
        end = h if math.isnan(f) else f
        for name in str(res).split("+"):
            if name:
                out[f"{rep}:{name}"].append((float(s), float(end)))
    return out


def max_overlap(intervals: list[tuple[float, float]]) -> int:
    """Most intervals running at one moment (an end at t frees before a start at t)."""
    events = sorted([(a, 1) for a, b in intervals if b > a + EPS] +
                    [(b, -1) for a, b in intervals if b > a + EPS])
    best = now = 0
    for _, d in events:
        now += d
        best = max(best, now)
    return best


def check_concurrency(log: EventLog, concurrency: dict[str, int],
                      spans: dict[str, list[tuple[float, float]]] | None = None) -> None:
    """No member works more tasks at once than the role's concurrency."""
    spans = member_intervals(log) if spans is None else spans
    for member, busy in spans.items():
        role = member.split(":", 1)[1].split("#")[0]
        n = max_overlap(busy)
        if n > concurrency[role]:
            raise AssertionError(f"{member} runs {n} tasks at once; concurrency is {concurrency[role]}")


def check_whole_member(log: EventLog, shared: set[tuple[str, str]],
                       brief: dict[str, float] | None = None) -> None:
    """A member doing anything but a shared conversation (``shared``:
    ``(workflow, step id)`` pairs) holds no other such work meanwhile and
    starts no conversation; it holds conversations begun before only while
    doing brief work (``brief``: the hours up to which a role's members
    time-share, ``interleave_up_to_minutes``), which pauses them, each
    for at most that many hours in all."""
    c = log.columns
    brief = brief or {}
    held = np.isin(c["kind"], STAFFED) & ~np.isnan(c["start_time"])
    end = np.where(np.isnan(c["end_time"]), np.inf, c["end_time"])
    by_member: dict[str, list[tuple[float, float, bool, float]]] = defaultdict(list)
    for i in np.flatnonzero(held):
        whole = c["kind"][i] != "work" or (c["workflow"][i], c["activity"][i]) not in shared
        for name in str(c["resource"][i]).split("+"):
            by_member[f"{c['replication'][i]}:{name}"].append(
                (float(c["start_time"][i]), float(end[i]), bool(whole),
                 brief.get(name.split("#")[0], -1.0)))
    for member, spans in by_member.items():
        # At one start a conversation comes first: a member that takes
        # whole-member work first takes no conversation until it is done.
        spans.sort(key=lambda x: (x[0], x[2], x[1]))
        for k, (a, b, whole, up_to) in enumerate(spans):
            paused = 0.0
            for a2, b2, whole2, _ in spans[k + 1:]:
                if a2 >= b - EPS:
                    break
                if not (whole or whole2) or b2 <= a2 + EPS or b <= a + EPS:
                    continue
                # (a, b) began first: a conversation in hand may pause for
                # brief work, up to ``up_to`` in all (review 10 item 1).
                if whole2 and not whole and b2 - a2 <= up_to + EPS and a2 > a - EPS:
                    paused += min(b, b2) - a2
                    if paused > up_to + EPS:
                        raise AssertionError(
                            f"{member}: the conversation {a:g}-{b:g} is paused {paused * 60:.2f} "
                            f"min in all beside whole-member work, beyond {up_to * 60:g}")
                    continue
                raise AssertionError(f"{member} holds other work during a whole-member task "
                                     f"({a:g}-{b:g} and {a2:g}-{b2:g})")


def sojourns(log: EventLog) -> tuple[np.ndarray, np.ndarray]:
    """Arrival and departure time of every case (departure NaN while open)."""
    c = log.columns
    starts = c["activity"] == "case_start"
    ends = c["activity"] == "case_end"
    key = c["replication"] * (1 << 40) + c["case_id"]
    end_of = dict(zip(key[ends].tolist(), c["end_time"][ends].tolist()))
    arrive = c["start_time"][starts]
    depart = np.asarray([end_of.get(k, math.nan) for k in key[starts].tolist()], dtype=float)
    return arrive, depart


def littles_law(log: EventLog, step: float = 0.05) -> tuple[float, float]:
    """``(L, lambda * W)`` over [0, horizon] of one replication.

    L is the number of cases in the system sampled every ``step`` hours from
    the case_start/case_end records; lambda = arrivals / horizon; W is the
    mean time in system, open cases counted up to the horizon.
    """
    h = log.horizon_hours
    arrive, depart = sojourns(log)
    grid = np.arange(step / 2, h, step)
    a_sorted = np.sort(arrive)
    d_sorted = np.sort(depart[~np.isnan(depart)])
    in_system = np.searchsorted(a_sorted, grid, "right") - np.searchsorted(d_sorted, grid, "right")
    L = float(in_system.mean())
    lam = len(arrive) / h
    W = float(np.mean(np.where(np.isnan(depart), h, depart) - arrive))
    return L, lam * W


def busy_hours(spans: dict[str, list[tuple[float, float]]], role: str, t0: float,
               t1: float) -> float:
    """Member-hours of ``role`` spent on tasks within [t0, t1], from
    :func:`member_intervals`."""
    total = 0.0
    for member, busy in spans.items():
        if member.split(":", 1)[1].split("#")[0] != role:
            continue
        for a, b in busy:
            total += max(0.0, min(b, t1) - max(a, t0))
    return total
