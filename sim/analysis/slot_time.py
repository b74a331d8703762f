"""Where a conversation role's slot-time goes besides work, from the log
alone (issue 16, the ninth session's review item 2).

- **Paused** conversations: a member time-sharing (``sim.staff.claims.time_share``)
  holds its chats while it does brief whole-member work, and they make no
  progress: a chat's record overlaps the whole-member record of its member.
  The overlap is chat time the brief work added (``paused_hours``); busy
  time counts the member fully busy then and the paused chats nothing more
  (``paused_on_duty``), so utilisation never exceeds the member's slots.
  Per conversation (``chat_pauses``): the share paused and how long, which
  the engine holds within the role's ``interleave_up_to_minutes`` in all.
- **Reserved** slots: a member claimed by whole-member work lets its chats
  end and takes no new one meanwhile (``sim.staff.claims.claim``). The log
  does not show the claim, but its cost shows: a member on duty holding
  only conversations, fewer than its slots, while conversations of its
  role wait in line. An unclaimed member with a free slot is given a
  waiting conversation at once, so such idle slots are those a claim holds
  (``reserved_hours``): capacity lost to emptying, which utilisation
  reads as spare.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sim.analysis.ci import nonnegative_ci, share_ci
from sim.analysis.staffing import StaffLog, distinct, group_quantile


def _identity(t: np.ndarray) -> np.ndarray:
    return t


def overlaps(st: StaffLog, rows: np.ndarray,
             measure: Callable[[np.ndarray], np.ndarray] = _identity) -> np.ndarray:
    """For ``rows`` (started staff rows of one member), each conversation's
    overlap with the member's whole-member rows of its replication,
    measured by ``measure`` (a cumulative time: hours, or on-duty hours);
    0 for the whole-member rows. A member holds one whole-member task at a
    time, so those rows do not overlap each other."""
    out = np.zeros(rows.size)
    whole = st.whole[rows]
    if not whole.any() or whole.all():
        return out
    rep = st.rep[rows]
    for p in distinct(rep):  # a replication's rows: one value, no sort
        mine = rep == p
        w, c = rows[mine & whole], np.flatnonzero(mine & ~whole)
        if not w.size or not c.size:
            continue
        order = np.argsort(st.start[w], kind="stable")
        wa, wb = st.start[w][order], st.end[w][order]
        fa, fb = measure(wa), measure(wb)
        before = np.concatenate([[0.0], np.cumsum(fb - fa)])

        def covered(t: np.ndarray, wa: np.ndarray = wa, wb: np.ndarray = wb, fa: np.ndarray = fa,
                    before: np.ndarray = before) -> np.ndarray:
            """Whole-member time (as measured) from the first such row to ``t``."""
            j = np.searchsorted(wb, t, side="right")  # rows over by t
            k = np.minimum(j, wa.size - 1)
            inside = (j < wa.size) & (wa[k] < t)
            return before[j] + np.where(inside, measure(t) - fa[k], 0.0)

        out[c] = np.maximum(covered(st.end[rows[c]]) - covered(st.start[rows[c]]), 0.0)
    return out


def paused_spans(st: StaffLog, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For ``rows`` (started staff rows of one member and one replication),
    the stretches each conversation was paused, ``(starts, ends)``: one per
    conversation and whole-member row of the member that overlap. What
    ``overlaps`` sums, as intervals, so that a time series (utilisation by
    day) can take them out where they fall."""
    whole = st.whole[rows]
    if not whole.any() or whole.all():
        return np.zeros(0), np.zeros(0)
    w, c = rows[whole], rows[~whole]
    order = np.argsort(st.start[w], kind="stable")
    wa, wb = st.start[w][order], st.end[w][order]
    ca, cb = st.start[c], st.end[c]
    # Whole-member rows do not overlap each other: those a chat overlaps are a run.
    j0 = np.searchsorted(wb, ca, side="right")
    n = np.maximum(np.searchsorted(wa, cb, side="left") - j0, 0)
    chat = np.repeat(np.arange(c.size), n)
    j = np.repeat(j0, n) + (np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n))
    a, b = np.maximum(ca[chat], wa[j]), np.minimum(cb[chat], wb[j])
    keep = b > a
    return a[keep], b[keep]


def paused_hours(st: StaffLog) -> np.ndarray:
    """Per staff row: hours a conversation was paused beside whole-member
    work of its member (0 for every other row). Computed once per view."""
    if st.kept_paused is None:
        out = np.zeros(st.start.size)
        for rows in st.started_rows_by_member():
            if rows.size:
                got = overlaps(st, rows)
                has = got > 0
                out[rows[has]] = got[has]
        st.kept_paused = out
    return st.kept_paused


def chat_pauses(st: StaffLog) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per role and replication (``(roles, replications)``), what a manager
    reads of the pauses (review 10 item 1): the share of the conversations
    started that were paused, and the 95th percentile and the largest of
    their pauses in minutes (NaN where none was). A customer in a paused
    chat waits for the reply that long beyond the chat's own time."""
    n, R = len(st.roles), st.R
    rows, rid = st.role_row, st.role_id
    chat = ~st.whole[rows] & st.started[rows]
    g = rid[chat] * R + st.rep[rows[chat]]
    minutes = paused_hours(st)[rows[chat]] * 60.0
    was = minutes > 0
    count = np.bincount(g, minlength=n * R).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(count > 0, np.bincount(g[was], minlength=n * R) / count, np.nan)
    p95 = group_quantile(minutes[was], g[was], n * R, 0.95)
    top = np.full(n * R, np.nan)
    if was.any():
        np.fmax.at(top, g[was], minutes[was])
    return share.reshape(n, R), p95.reshape(n, R), top.reshape(n, R)


def reserved_hours(st: StaffLog) -> np.ndarray:
    """Slot-hours per role and replication (``(roles, replications)``) a
    member on duty, holding only conversations, left empty while
    conversations of its role waited: the slots its claim held."""
    out = np.zeros((len(st.roles), st.R))
    by_member = st.started_rows_by_member()
    for rid in range(len(st.roles)):
        members = st.role_members(rid)
        if not members:
            continue
        k_day = st.concurrency_by_day(rid)
        if k_day.size == 0 or k_day.max() <= 1:
            continue
        for p in range(st.R):
            rr = st.grouped("role", rid, p)
            q = rr[~st.whole[rr] & (st.start[rr] > st.enable[rr])]
            if not q.size:
                continue
            waiting = _union(st.enable[q], st.start[q])
            for m in members:
                rows = by_member[m]
                out[rid, p] += _idle_while_waiting(st, rows[st.rep[rows] == p], waiting, m, k_day)
    return out


def _union(a: np.ndarray, b: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """The time covered by intervals ``[a, b)`` from the first to ``t``,
    as a function of ``t`` (the intervals merged once)."""
    order = np.argsort(a, kind="stable")
    a, b = a[order], b[order]
    reach = np.maximum.accumulate(b)
    first = np.flatnonzero(np.r_[True, a[1:] > reach[:-1]])
    last = np.r_[first[1:] - 1, a.size - 1]
    ua, ub = a[first], reach[last]
    before = np.concatenate([[0.0], np.cumsum(ub - ua)])

    def covered(t: np.ndarray) -> np.ndarray:
        j = np.searchsorted(ub, t, side="right")
        k = np.minimum(j, ua.size - 1)
        return before[j] + np.where((j < ua.size) & (ua[k] < t), t - ua[k], 0.0)
    return covered


def _idle_while_waiting(st: StaffLog, rows: np.ndarray, waiting: Callable[[np.ndarray], np.ndarray],
                        m: int, k_day: np.ndarray) -> float:
    """Slot-hours member ``m`` (its started ``rows`` of one replication) was
    on duty, held no whole-member work and had free slots while a
    conversation of its role waited (``waiting``: their time, ``_union``)."""
    duty = st.members[m].duty
    chat, whole = rows[~st.whole[rows]], rows[st.whole[rows]]
    parts = [  # (times, +1/-1) for: conversations held, whole-member work, on duty
        (st.start[chat], st.end[chat]), (st.start[whole], st.end[whole]),
        (np.asarray(duty.a, float), np.asarray(duty.b, float))]
    t = np.concatenate([x for a, b in parts for x in (a, b)])
    if not t.size:
        return 0.0
    deltas = np.zeros((3, t.size), np.int8)  # whole numbers: a gather of bytes, exact sums
    at = 0
    for i, (a, b) in enumerate(parts):
        deltas[i, at:at + a.size] = 1.0
        deltas[i, at + a.size:at + a.size + b.size] = -1.0
        at += a.size + b.size
    order = np.argsort(t)  # levels of whole numbers, read after a moment's events: any order
    t = t[order]
    level = np.cumsum(deltas[:, order], axis=1)
    last = np.flatnonzero(np.r_[t[1:] != t[:-1], True])  # the state after a moment's events
    t, level = t[last], level[:, last]
    held, busy, on = level[:, :-1]
    k = k_day[np.clip((t[:-1] // 24.0).astype(np.int64), 0, k_day.size - 1)]
    idle = np.where((on > 0.5) & (busy < 0.5), np.maximum(k - held, 0.0), 0.0)
    w = waiting(t)
    return dot(idle, np.diff(w))


#: The longest dot product :func:`dot` hands OpenBLAS at once.
DOT_PIECE = 10_000


def dot(a: np.ndarray, b: np.ndarray) -> float:
    """``np.dot(a, b)``, in pieces of at most ``DOT_PIECE`` elements added in
    order. OpenBLAS runs a longer dot on every core: on a busy two-core
    machine its threads' hand-over took 3-30 ms a call against 3 us alone
    (Double 11's agents: eight dots of 20,000-60,000 elements a
    replication), and its sum depended on the number of cores. A shorter
    one is the same call as before."""
    if a.size <= DOT_PIECE:
        return float(np.dot(a, b))
    total = 0.0
    for i in range(0, a.size, DOT_PIECE):
        total += float(np.dot(a[i:i + DOT_PIECE], b[i:i + DOT_PIECE]))
    return total


def slot_time_fields(x: dict[str, np.ndarray]) -> dict:
    """A conversation role's slot-time besides work (``slot_time``), per
    replication: slot-hours held idle by claims while chats waited (and
    their share of the on-duty slot-time, beside utilisation), and chat
    hours paused beside brief whole-member work."""
    if "reserved" not in x or not (x["reserved"].any() or x["paused"].any()):
        return {}
    rs, rlo, rhi = nonnegative_ci(x["reserved"])
    sh, slo, shi = share_ci(x["reserved_share"])
    ps, plo, phi = nonnegative_ci(x["paused"])
    out = {"reserved_slot_hours": rs, "reserved_slot_hours_ci95": [rlo, rhi],
           "reserved_share": sh, "reserved_share_ci95": [slo, shi],
           "paused_chat_hours": ps, "paused_chat_hours_ci95": [plo, phi]}
    if "chats_paused_share" in x:  # per chat (review 10 item 1): what a customer in hand waited
        cs, clo, chi = share_ci(np.nan_to_num(x["chats_paused_share"]))
        p95 = x["chat_pause_p95"][~np.isnan(x["chat_pause_p95"])]
        out |= {"chats_paused_share": cs, "chats_paused_share_ci95": [clo, chi],
                "chat_pause_p95_minutes": float(p95.mean()) if p95.size else 0.0,
                "chat_pause_max_minutes": float(np.nanmax(x["chat_pause_max"], initial=0.0))}
    return out
