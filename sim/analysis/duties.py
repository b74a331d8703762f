"""``duties_skipped``: recurring duties done by ``one`` or ``each`` member
that nobody had started when they were due again (``sim.cases.duties``: the
log's outcome ``skipped``), per role: a mean per replication and its 95%
t-interval. In the staff view a skipped task is one that ended without
starting in the ``duty`` workflow (no patience or platform timer there).

``whole_member_open``: work that takes the whole member (not a shared
conversation) still open at the horizon per role and activity, not started
(what an overloaded team leaves undone, review 9 item 1) apart from in
progress (review 10 item 7)."""
from __future__ import annotations

import numpy as np

from sim.analysis.ci import nonnegative_ci
from sim.analysis.staffing import StaffLog

DUTY = "duty"


def duties_skipped(st: StaffLog) -> dict:
    """Role -> skipped duty tasks per replication (roles with any)."""
    if DUTY not in st.workflows:
        return {}
    code = st.workflows.index(DUTY)
    rows = st.role_row
    mask = st.abandoned[rows] & (st.wf_code[rows] == code) & ~st.preempted[rows]
    n = len(st.roles)
    counts = np.bincount(st.role_id[mask] * st.R + st.rep[rows[mask]],
                         minlength=n * st.R).reshape(n, st.R).astype(float)
    out: dict = {}
    for r, role in enumerate(st.roles):
        if counts[r].any():
            m, lo, hi = nonnegative_ci(counts[r])
            out[role] = {"per_replication": round(m, 2),
                         "ci95": [None if lo != lo else round(lo, 2),
                                  None if hi != hi else round(hi, 2)]}
    return out


def whole_member_open(st: StaffLog) -> dict:
    """Role -> activity -> whole-member tasks open at the horizon per
    replication: ``per_replication`` (mean, with its 95% t-interval) not
    started, left undone; ``in_progress`` (mean) started and cut short by
    the horizon, which an overloaded team has not left undone (review 10
    item 7: the last night's 23:30 register counted as undone). Most not
    started first; roles with none open left out."""
    rows = st.role_row
    H = st.horizon
    mask = st.whole[rows] & (st.end[rows] >= H) & ~st.abandoned[rows] & ~st.preempted[rows]
    if not mask.any():
        return {}
    act = st.activity[rows[mask]].astype(np.int64)
    n_act = int(act.max()) + 1
    key = (st.role_id[mask] * n_act + act) * st.R + st.rep[rows[mask]]
    shape = (len(st.roles), n_act, st.R)
    started = st.started[rows[mask]]
    waiting = np.bincount(key[~started], minlength=int(np.prod(shape))).reshape(shape).astype(float)
    running = np.bincount(key[started], minlength=int(np.prod(shape))).reshape(shape).astype(float)
    out: dict = {}
    for r, role in enumerate(st.roles):
        found: dict[str, dict] = {}
        acts = np.flatnonzero(waiting[r].any(axis=1) | running[r].any(axis=1))
        for a in sorted(acts, key=lambda a: (-waiting[r, a].sum(), -running[r, a].sum())):
            m, lo, hi = nonnegative_ci(waiting[r, a])
            found[str(st.words[int(a)])] = {"per_replication": round(m, 2),
                                       "ci95": [None if lo != lo else round(lo, 2),
                                                None if hi != hi else round(hi, 2)],
                                       "in_progress": round(float(running[r, a].mean()), 2)}
        if found:
            out[role] = found
    return out
