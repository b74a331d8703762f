"""Role and workflow KPIs from an event log, across replications.

Every statistic is first computed per replication (arrays indexed by
replication), then summarised as the mean and a 95% t-interval
(:mod:`sim.analysis.ci`). :func:`role_reps` and :func:`workflow_reps` keep
the per-replication arrays, which ``opsim compare`` pairs.

Definitions (hours throughout):

- utilisation: busy slot-time inside the member's on-duty intervals over
  ``concurrency x`` on-duty time, summed over the role's members (a shared
  conversation holds one slot, any other task all of them; a conversation
  paused beside brief whole-member work nothing more meanwhile);
- wait: ``start - enable`` of the role's staff steps; a step never started
  waits until the horizon, one abandoned (a customer who gave up) until it
  was abandoned; meetings count in every role they join; a step interrupted
  by more urgent work (``preempted`` records) is one task whose waits add up;
- queue: steps enabled and not yet started (time-weighted mean, maximum);
- overtime: person-time busy outside the member's on-duty intervals (for
  roles that pause at shift end, only meetings and team duties can overrun).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from rules.calendar import hours_of
from rules.scenario import Scenario
from sim.analysis.busy_time import busy_time, queue_max
from sim.analysis.ci import nonnegative_ci, share_ci
from sim.analysis.slot_time import chat_pauses, paused_hours, reserved_hours, slot_time_fields
from sim.analysis.staffing import StaffLog, group_quantile
from sim.log.records import EventLog

if TYPE_CHECKING:  # run_parts imports this module
    from sim.analysis.run_parts import RunView

OUTSIDE_KINDS = ("wait", "scheduled")


def role_reps(st: StaffLog) -> dict[str, dict[str, np.ndarray]]:
    """Per role, per replication: ``tasks``, ``wait_mean``, ``queue_mean``,
    ``queue_max``, ``utilization``, ``overtime``, ``busy``, ``on_duty``,
    ``reserved`` (and its ``reserved_share``) and ``paused`` (``slot_time``).
    Computed once per staff view and kept with it (read, never changed):
    the summary and the comparisons' aggregates both need them."""
    if st.kept_role_reps is None:
        st.kept_role_reps = _role_reps(st)
    return st.kept_role_reps


def _role_reps(st: StaffLog) -> dict[str, dict[str, np.ndarray]]:
    R, H, n = st.R, st.horizon, len(st.roles)
    rows, rid = st.role_row, st.role_id
    g = rid * R + st.rep[rows]
    w = st.wait[rows]
    # A preempted step counts once (its last record), its waits all count.
    cnt = np.bincount(g, weights=(~st.preempted[rows]).astype(float), minlength=n * R)
    wsum = np.bincount(g, weights=w, minlength=n * R)
    with np.errstate(invalid="ignore", divide="ignore"):
        wait_mean = np.where(cnt > 0, wsum / cnt, np.nan)
    qmax = np.zeros(n * R)
    rep = st.rep[rows]
    for p in range(R):  # one replication at a time: its groups are its own, and memory stays small
        mine = np.flatnonzero(rep == p)
        qmax += queue_max(st.enable[rows[mine]], st.start[rows[mine]], g[mine], n * R)
    del rep
    gone = np.bincount(g[st.abandoned[rows]], minlength=n * R).astype(float)
    busy, on_duty, overtime = busy_time(st)
    slots = st.slot_time()  # concurrency x on-duty time, by the day's concurrency
    reserved = reserved_hours(st)
    paused = np.bincount(g, weights=paused_hours(st)[rows], minlength=n * R)
    pshare, p95, pmax = chat_pauses(st)
    with np.errstate(invalid="ignore", divide="ignore"):
        util = np.where(on_duty > 0, busy / slots, np.nan)
        reserved_share = np.where(on_duty > 0, reserved / slots, np.nan)
    shape = (n, R)
    out = {}
    for r, role in enumerate(st.roles):
        out[role] = {
            "tasks": cnt.reshape(shape)[r], "abandoned": gone.reshape(shape)[r],
            "wait_mean": wait_mean.reshape(shape)[r],
            "wait_sum": wsum.reshape(shape)[r], "queue_mean": wsum.reshape(shape)[r] / H,
            "queue_max": qmax.reshape(shape)[r], "utilization": util[r],
            "overtime": overtime[r], "busy": busy[r], "on_duty": on_duty[r],
            "reserved": reserved[r], "reserved_share": reserved_share[r],
            "paused": paused.reshape(shape)[r], "chats_paused_share": pshare[r],
            "chat_pause_p95": p95[r], "chat_pause_max": pmax[r],
        }
    return out


@dataclass(frozen=True)
class RoleInfo:
    """What the ``roles`` section says of a role besides its numbers."""
    headcount: int
    members: int
    concurrency: int


def role_info(st: StaffLog) -> dict[str, RoleInfo]:
    return {role: RoleInfo(st.headcount(r), len(st.role_members(r)), st.concurrency(r))
            for r, role in enumerate(st.roles)}


def role_kpis(st: StaffLog, reps: dict | None = None) -> dict[str, dict]:
    """The ``roles`` section of the summary."""
    reps = reps or role_reps(st)
    p95 = group_quantile(st.wait[st.role_row], st.role_id, len(st.roles), 0.95)
    return role_rows(reps, role_info(st), {role: float(p95[r]) for r, role in enumerate(st.roles)})


def role_waits(st: StaffLog) -> dict[str, np.ndarray]:
    """Every wait of each role (hours), for quantiles pooled over replications."""
    waits = st.wait[st.role_row]
    return {role: waits[st.role_id == r] for r, role in enumerate(st.roles)}


def role_rows(reps: dict[str, dict[str, np.ndarray]], info: dict[str, RoleInfo],
              wait_p95: dict[str, float]) -> dict[str, dict]:
    """The ``roles`` section from per-replication values (``role_reps``) and
    each role's 95th percentile of waits, pooled over replications."""
    out = {}
    for role, x in reps.items():
        if not x["tasks"].any() and not x["on_duty"].any():
            continue
        u, ulo, uhi = share_ci(x["utilization"])
        wm, wlo, whi = nonnegative_ci(x["wait_mean"])
        ot, olo, ohi = nonnegative_ci(x["overtime"])
        out[role] = {
            "headcount": info[role].headcount,
            "members": info[role].members,
            # The role's base value; calendars.concurrency changes it by date (DESIGN.md).
            "concurrency": info[role].concurrency,
            "tasks": float(np.mean(x["tasks"])),
            "abandoned": float(np.mean(x["abandoned"])),
            "utilization": u, "utilization_ci95": [ulo, uhi],
            "wait_mean_hours": wm, "wait_mean_hours_ci95": [wlo, whi],
            "wait_p95_hours": wait_p95[role],
            "queue_mean": float(np.mean(x["queue_mean"])),
            "queue_max": float(np.mean(x["queue_max"])),
            "overtime_hours": ot, "overtime_hours_ci95": [olo, ohi],
            **slot_time_fields(x),
        }
    return out


def case_table(st: StaffLog, log: EventLog) -> tuple[np.ndarray, list[str], np.ndarray,
                                                      np.ndarray, np.ndarray]:
    """Case markers: ``(workflow codes, the workflows they number, rep index,
    start, end or NaN)`` per case."""
    c = log.arrays
    rows = np.flatnonzero(c["kind"] == log.code("case"))
    is_start = c["activity"][rows] == log.code("case_start")
    srows, erows = rows[is_start], rows[~is_start]
    rep = c["replication"]
    width = int(c["case_id"].max()) + 1 if len(c["case_id"]) else 1
    # Cases numbered densely (replication index x widest id + id): each
    # end marker finds its case's start in a table, not by a search.
    sno = np.searchsorted(st.reps, rep[srows]) * width + c["case_id"][srows]
    eno = np.searchsorted(st.reps, rep[erows]) * width + c["case_id"][erows]
    order = np.argsort(sno)
    sno, srows = sno[order], srows[order]
    end = np.full(srows.size, np.nan)
    position = np.full(max(st.R, 1) * width, -1, np.int64)
    position[sno] = np.arange(sno.size)
    pos = position[eno]
    ok = pos >= 0
    end[pos[ok]] = c["end_time"][erows[ok]]
    wf, names = log.factorize("workflow", srows)
    return (wf, names, np.searchsorted(st.reps, rep[srows]), c["start_time"][srows], end)


def workflow_reps(st: StaffLog, log: EventLog) -> dict[str, dict[str, np.ndarray]]:
    """Per workflow, per replication: ``started``, ``completed``, ``open``,
    ``cycle_p50``, ``cycle_p95`` and (planned work) ``deadline_met``."""
    return workflow_reps_of(st, *case_table(st, log))


def view_workflow_reps(view: RunView) -> dict[str, dict[str, np.ndarray]]:
    """:func:`workflow_reps_of` of a run's merged cases, computed once per
    view into its ``workflow_reps`` (read, never changed): the summary and
    the comparisons' aggregates both need them (Double 11: 0.02 s each time,
    after the replications, when the summary is the run's critical path)."""
    if view.workflow_reps is None:
        view.workflow_reps = workflow_reps_of(view.st, view.case_wf, view.workflows, view.case_rep,
                                              view.case_start, view.case_end)
    return view.workflow_reps


def workflow_reps_of(st: StaffLog, wf: np.ndarray, wf_names: list[str], rep: np.ndarray,
                     start: np.ndarray, end: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
    """:func:`workflow_reps` from the cases' table (workflow codes into
    ``wf_names``, replication index, start, end or NaN; ordered by
    replication and case)."""
    R = st.R
    out: dict[str, dict[str, np.ndarray]] = {}
    present = np.unique(wf).tolist()
    names = sorted(wf_names[i] for i in present)
    sorted_code = np.zeros(len(wf_names), np.int64)
    sorted_code[present] = [names.index(wf_names[i]) for i in present]
    wcode = sorted_code[wf]
    n = len(names)
    g = wcode * R + rep
    done = ~np.isnan(end)
    started = np.bincount(g, minlength=n * R).reshape(n, R).astype(float)
    completed = np.bincount(g[done], minlength=n * R).reshape(n, R).astype(float)
    cyc = (end - start)[done]
    p50 = group_quantile(cyc, g[done], n * R, 0.5).reshape(n, R)
    p95 = group_quantile(cyc, g[done], n * R, 0.95).reshape(n, R)
    for i, w in enumerate(names):
        out[w] = {"started": started[i], "completed": completed[i],
                  "open": started[i] - completed[i], "cycle_p50": p50[i], "cycle_p95": p95[i]}
    for w, met in _deadlines(st.scenario, wcode, names, rep, start, end, R, st.horizon).items():
        out.setdefault(w, {})["deadline_met"] = met
    return out


def campaign_deadlines(s: Scenario, workflow: str) -> list[tuple[str, float, float]]:
    """``(campaign, trigger time, campaign start)`` for a workflow triggered
    ``lead_days`` before each campaign (as :func:`sim.inputs.planned.trigger_times`)."""
    wf = s.workflows.get(workflow)
    if wf is None or wf.trigger.kind != "campaign" or s.demand is None:
        return []
    out = []
    for cid, c in s.demand.campaigns.items():
        begin = (c.start - s.horizon.start).days * 24.0
        when = begin - wf.trigger.lead_days * 24.0 + hours_of(wf.trigger.at)
        if 0 <= when < s.horizon.hours:
            out.append((cid, when, begin))
    return out


def _deadlines(s: Scenario, wf: np.ndarray, names: list[str], rep: np.ndarray,
               start: np.ndarray, end: np.ndarray, R: int, horizon: float) -> dict[str, np.ndarray]:
    """Share of each campaign workflow's cases done by the campaign start, per
    replication; a case still open before its deadline is not counted yet
    (``wf``: codes into ``names``)."""
    out = {}
    for w in s.workflows:
        marks = campaign_deadlines(s, w)
        if not marks:
            continue
        mine = wf == (names.index(w) if w in names else -1)
        trig = np.array([m[1] for m in marks])
        due = np.array([m[2] for m in marks])
        st, en, rp = start[mine], end[mine], rep[mine]
        j = np.abs(st[:, None] - trig[None, :]).argmin(axis=1) if st.size else np.zeros(0, int)
        matched = np.abs(st - trig[j]) < 1e-6 if st.size else np.zeros(0, bool)
        met = np.nan_to_num(en, nan=np.inf) <= due[j]
        matched &= ~np.isnan(en) | (horizon > due[j] + 1e-9)
        n = np.bincount(rp[matched], minlength=R).astype(float)
        k = np.bincount(rp[matched & met], minlength=R).astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[w] = np.where(n > 0, k / n, np.nan)
    return out


def time_shares(st: StaffLog, log: EventLog) -> dict[str, dict[str, float]]:
    """Per workflow: shares of its cases' summed step time spent waiting for
    staff, being worked on, and waiting on outside parties or the clock."""
    c = log.arrays
    orows = np.flatnonzero(log.isin("kind", *OUTSIDE_KINDS))
    o_code, o_names = log.factorize("workflow", orows)
    return time_shares_of(st, o_code, o_names, c["enable_time"][orows], c["end_time"][orows])


def time_shares_of(st: StaffLog, o_code: np.ndarray, o_names: list, o_enable: np.ndarray,
                   o_end: np.ndarray) -> dict[str, dict[str, float]]:
    """:func:`time_shares` from the outside steps (``wait``, ``scheduled``):
    their workflows (codes into ``o_names``), enable and end times (NaN: open)."""
    H = st.horizon
    o_len = np.minimum(np.nan_to_num(o_end, nan=H), H) - o_enable
    index = {w: i for i, w in enumerate(st.workflows)}
    for w in o_names:
        index.setdefault(w, len(index))
    o_wf = np.array([index[w] for w in o_names], dtype=np.int64)[o_code] if o_names else o_code
    names = list(index)
    n = len(names)
    staff_wait = np.bincount(st.wf_code, weights=st.wait, minlength=n)
    work_len = np.where(st.started, st.end - st.start, 0.0)
    working = np.bincount(st.wf_code, weights=work_len, minlength=n)
    outside = np.bincount(o_wf, weights=o_len, minlength=n)
    out = {}
    for i, w in enumerate(names):
        total = staff_wait[i] + working[i] + outside[i]
        if total <= 0:
            continue
        out[w] = {"waiting_share": staff_wait[i] / total, "working_share": working[i] / total,
                  "outside_share": outside[i] / total}
    return out


def workflow_kpis(st: StaffLog, log: EventLog, reps: dict | None = None) -> dict[str, dict]:
    """The ``workflows`` section of the summary."""
    return workflow_rows(reps or workflow_reps(st, log), time_shares(st, log))


def workflow_rows(reps: dict[str, dict[str, np.ndarray]],
                  shares: dict[str, dict[str, float]]) -> dict[str, dict]:
    """The ``workflows`` section from :func:`workflow_reps` and :func:`time_shares`."""
    out = {}
    for w, x in reps.items():
        if "started" not in x:
            continue
        p50, lo50, hi50 = nonnegative_ci(x["cycle_p50"])
        p95, lo95, hi95 = nonnegative_ci(x["cycle_p95"])
        row = {"started": float(x["started"].mean()), "completed": float(x["completed"].mean()),
               "open_at_end": float(x["open"].mean()),
               "cycle_p50_hours": p50, "cycle_p50_hours_ci95": [lo50, hi50],
               "cycle_p95_hours": p95, "cycle_p95_hours_ci95": [lo95, hi95]}
        row.update(shares.get(w, {"waiting_share": np.nan, "working_share": np.nan,
                                  "outside_share": np.nan}))
        if "deadline_met" in x:
            m, lo, hi = share_ci(x["deadline_met"])
            row["deadline_met_share"] = m
            row["deadline_met_share_ci95"] = [lo, hi]
            row["deadline"] = "before the campaign start (trigger lead_days ahead)"
        out[w] = row
    return out


def kpis(s: Scenario, log: EventLog, st: StaffLog | None = None) -> dict:
    """``{"roles": ..., "workflows": ...}`` for the summary."""
    st = st or StaffLog(s, log)
    return {"roles": role_kpis(st), "workflows": workflow_kpis(st, log)}


def case_totals(log: EventLog) -> dict[str, tuple[int, int]]:
    """Per workflow with cases (sorted): cases started and completed, over
    all replications. One pass over the case markers (a comparison of the
    whole text column per workflow took 2.3 s at 10 replications)."""
    activity = log.arrays["activity"]
    start, end = log.code("case_start"), log.code("case_end")
    marks = np.flatnonzero((activity == start) | (activity == end))
    # Counted by the workflows' own codes (the result is sorted by name:
    # no renumbering in order of first sight needed).
    codes = log.arrays["workflow"][marks]
    starts = activity[marks] == start
    started = np.bincount(codes[starts], minlength=len(log.words))
    ended = np.bincount(codes[~starts], minlength=len(log.words))
    return {wf: (int(started[i]), int(ended[i]))
            for wf, i in sorted((log.words[i], i) for i in np.flatnonzero(started).tolist())}
