"""The staff side of an event log, prepared once for every KPI.

:class:`StaffLog` keeps the records staff worked on (kinds ``work``,
``approval``, ``meeting``, ``contest``, ``duty``) as integer-coded numpy
arrays, expanded twice: once per role (a meeting's ``planner+designer``
counts in both queues) and once per member (its ``planner#1+designer#2``
keeps both people busy). On-duty time comes from :func:`rules.shifts.all_shifts`,
the same function the engine uses (made once per scenario and handed in:
``Shifts``). A row takes the whole member (``whole``) unless it is a shared
conversation (``rules.workload.shared_steps``): it then counts as all of the
member's slots (:meth:`StaffLog.slots_taken`).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from rules.scenario import Scenario
from rules.shifts import MemberShifts, all_shifts, concurrency_by_day
from rules.workload import shared_steps
from sim.analysis.grouping import distinct, group_quantile, stable_order
from sim.analysis.on_duty import OnDuty
from sim.log.records import EventLog

__all__ = [
    "STAFF_KINDS",
    "Member",
    "Shifts",
    "StaffLog",
    "StaffPart",
    "codes_in",
    "distinct",
    "group_quantile",
    "staff_log",
]

STAFF_KINDS = ("work", "approval", "meeting", "contest", "duty")

#: Each role's members with their on-duty intervals (``rules.shifts.all_shifts``
#: of a scenario): made once and handed to every view of the scenario's runs
#: (the staff views, the missed cases' on-duty clocks, the plots' coverage).
Shifts = Mapping[str, Sequence[MemberShifts]]


@dataclass
class Member:
    name: str
    role: int
    duty: OnDuty
    temporary: bool


class StaffLog:
    """Staff records of a log, coded and expanded (see the module doc)."""
    def __init__(self, s: Scenario, log: EventLog, shifts: Shifts | None = None) -> None:
        self._init_kept()
        #: Every role's members and their on-duty intervals (``rules.shifts.all_shifts``).
        self.shifts = all_shifts(s) if shifts is None else shifts
        c = log.arrays
        self.scenario = s
        self.horizon = H = float(log.horizon_hours)
        rep_all = c["replication"]
        self.reps = distinct(rep_all) if len(rep_all) else np.zeros(1, np.int64)
        self.R = len(self.reps)
        #: The log's kind codes (its vocabulary's) and the staff rows' kinds.
        self.kind_codes, self.kind_values = c["kind"], list(log.words)
        rows = np.flatnonzero(log.isin("kind", *STAFF_KINDS))
        self.rows = rows
        kind = c["kind"][rows]
        self.kind = kind
        self.rep = np.searchsorted(self.reps, rep_all[rows])
        self.enable = c["enable_time"][rows]
        start = c["start_time"][rows]
        self.started = ~np.isnan(start)
        end = c["end_time"][rows]
        #: An earlier stretch of a step that more urgent work interrupted:
        #: busy time and a wait, but not a task of its own.
        self.preempted = c["outcome"][rows] == log.code("preempted")
        #: Never started but ended: the customer gave up waiting (abandoned).
        self.abandoned = ~self.started & ~np.isnan(end)
        #: When the step left the queue: started, abandoned, or still waiting
        #: at the horizon.
        self.start = np.where(self.started, np.minimum(start, H),
                              np.where(self.abandoned, np.minimum(end, H), H))
        self.end = np.where(np.isnan(end), H, np.minimum(end, H))
        self.wait = np.maximum(self.start - self.enable, 0.0)
        self.wf_code, self.workflows = log.factorize("workflow", rows)
        self.whole = ~_shared_rows(s, log, rows)
        self.case_id = c["case_id"][rows]
        #: The staff rows' activities (the log's codes) and the log's words.
        self.activity = c["activity"][rows]
        self.words = log.words

        # Roles: the scenario's first, then any the log names that it lacks.
        self.roles: list[str] = list(s.org.roles)
        index = {r: i for i, r in enumerate(self.roles)}
        role_code, role_values = log.factorize("role", rows)
        parts = []
        for v in role_values:
            ids = []
            for r in str(v).split("+"):
                if r not in index:
                    index[r] = len(self.roles)
                    self.roles.append(r)
                ids.append(index[r])
            parts.append(ids)
        self.role_row, self.role_id = _expand(role_code, parts)

        # Members: everyone on the scenario's shifts, then unknown names.
        self.members: list[Member] = []
        mindex: dict[str, int] = {}
        for rid, role in enumerate(self.roles):
            if role not in s.org.roles:
                continue
            for m in self.shifts[role]:
                mindex[m.name] = len(self.members)
                self.members.append(Member(m.name, rid, OnDuty(m.intervals, H), m.temporary))
        res_code, res_values = log.factorize("resource", rows)
        mparts = []
        for v in res_values:
            ids = []
            for name in (str(v).split("+") if v else []):
                if name not in mindex:
                    role = name.split("#")[0]
                    if role not in index:
                        index[role] = len(self.roles)
                        self.roles.append(role)
                    mindex[name] = len(self.members)
                    self.members.append(Member(name, index[role], OnDuty([], H), False))
                ids.append(mindex[name])
            mparts.append(ids)
        plus = np.array(["+" in str(v) for v in res_values] + [False], bool)
        self.hold = (kind == log.code("meeting")) | (
            (kind == log.code("duty")) & plus[res_code] if rows.size else False)
        self.mem_row, self.mem_id = _expand(res_code, mparts)
        self.member_role = np.array([m.role for m in self.members], dtype=np.int64)

    # -- replication by replication -----------------------------------------
    def part(self) -> StaffPart:
        """What the pooled view of a run needs of this replication's staff
        rows: numbers and names, no text column, no scenario (codes and row
        numbers as int32 on the way: a part crosses from a worker)."""
        def small(a: np.ndarray) -> np.ndarray:
            return a.astype(np.int32)
        # ``np.unique(activity, return_inverse=True)`` by a table of the
        # codes present (a few hundred), not a sort of the rows.
        acts = np.flatnonzero(np.bincount(self.activity, minlength=len(self.words)))
        rank = np.zeros(max(len(self.words), 1), np.int64)
        rank[acts] = np.arange(acts.size)
        act = rank[self.activity]
        return StaffPart(
            reps=self.reps, rep=small(self.rep), enable=self.enable, started=self.started,
            whole=self.whole,
            preempted=self.preempted, abandoned=self.abandoned, start=self.start, end=self.end,
            wf_code=small(self.wf_code), workflows=list(self.workflows),
            case_id=small(self.case_id), roles=list(self.roles), role_row=small(self.role_row),
            role_id=small(self.role_id), members=[m.name for m in self.members],
            mem_row=small(self.mem_row), mem_id=small(self.mem_id),
            hold=np.broadcast_to(np.asarray(self.hold, bool), self.enable.shape),
            activity=small(act.reshape(-1)), activities=[self.words[int(a)] for a in acts])

    @classmethod
    def pooled(cls, s: Scenario, horizon: float, parts: list[StaffPart],
               shifts: Shifts | None = None) -> StaffLog:
        """The staff view of a run from its replications' parts (in order):
        the same arrays, codes and order as ``StaffLog`` of the whole log, so
        every KPI of it is the same number. The log's text columns, its kinds
        and its row numbers are not kept (nothing after construction reads
        them). The parts are emptied field by field as they are pooled, so
        the parts and the pooled view are never both held whole."""
        st = cls.__new__(cls)
        st._init_kept()
        st.shifts = all_shifts(s) if shifts is None else shifts
        st.scenario, st.horizon = s, float(horizon)
        st.reps = np.unique(np.concatenate([p.reps for p in parts]))
        st.R = len(st.reps)
        st.rows = st.kind_codes = st.kind = np.zeros(0, np.int64)
        st.kind_values = []

        def take(name: str, how: Callable[[StaffPart, np.ndarray], np.ndarray] | None = None,
                 dtype: type | None = None) -> np.ndarray:
            out = np.concatenate([how(p, getattr(p, name)) if how else getattr(p, name)
                                  for p in parts])
            for p in parts:
                setattr(p, name, np.zeros(0, np.int32))
            return out.astype(dtype) if dtype is not None else out
        # Codes and row numbers stay int32 (as the parts carry them): eight
        # columns of a run's staff rows, 13 MB each at Double 11 -n 10 as int64.
        offsets = [int(x) for x in np.cumsum([0] + [p.enable.size for p in parts])]
        st.rep = take("rep", lambda p, x: np.searchsorted(st.reps, p.reps).astype(np.int32)[x])
        for name in ("enable", "started", "preempted", "abandoned", "start", "end", "hold", "whole"):
            setattr(st, name, take(name))
        st.case_id = take("case_id")
        # Activities as codes into the run's own list of them (``words``).
        names: list[str] = []
        st.activity = take("activity", lambda p, x: codes_in(names, p.activities).astype(np.int32)[x])
        st.words = tuple(names)
        st.wait = np.maximum(st.start - st.enable, 0.0)  # as __init__ has it
        st.workflows = []
        st.wf_code = take("wf_code", lambda p, x: codes_in(st.workflows, p.workflows).astype(np.int32)[x])
        st.roles = list(s.org.roles)
        role_maps = [codes_in(st.roles, p.roles).astype(np.int32) for p in parts]
        st.members = [Member(m.name, rid, OnDuty(m.intervals, st.horizon), m.temporary)
                      for rid, role in enumerate(st.roles) if role in s.org.roles
                      for m in st.shifts[role]]
        names = [m.name for m in st.members]
        member_maps = [codes_in(names, p.members).astype(np.int32) for p in parts]
        for name in names[len(st.members):]:  # only in the log: no shifts
            role = name.split("#")[0]
            st.members.append(Member(name, codes_in(st.roles, [role])[0], OnDuty([], st.horizon),
                                     False))
        at = dict(zip(map(id, parts), zip(offsets, role_maps, member_maps)))
        st.role_row = take("role_row", lambda p, x: x + at[id(p)][0])
        st.role_id = take("role_id", lambda p, x: at[id(p)][1][x])
        st.mem_row = take("mem_row", lambda p, x: x + at[id(p)][0])
        st.mem_id = take("mem_id", lambda p, x: at[id(p)][2][x])
        st.member_role = np.array([m.role for m in st.members], dtype=np.int64)
        return st

    def _init_kept(self) -> None:
        """What is computed once per staff view and kept with it (read,
        never changed): several KPIs read the same groupings, and the
        summary, the comparisons' aggregates and the workload the same
        per-replication numbers. Filled on first use."""
        #: ``kpis.role_reps``, ``slot_time.paused_hours`` and
        #: ``sim.report.tables.daily_roles`` of this view.
        self.kept_role_reps: dict[str, dict[str, np.ndarray]] | None = None
        self.kept_paused: np.ndarray | None = None
        self.kept_daily: dict[str, np.ndarray] | None = None
        self._by_member: list[np.ndarray] | None = None
        self._groups: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._k: dict[int, np.ndarray] = {}

    # -- helpers ----------------------------------------------------------
    def concurrency(self, rid: int) -> int:
        role = self.roles[rid]
        r = self.scenario.org.roles.get(role)
        return r.concurrency if r is not None else 1

    def concurrency_by_day(self, rid: int) -> np.ndarray:
        """The role's concurrency on each day (``calendars.concurrency``),
        made once per role (read-only: every member's rows read it)."""
        if rid not in self._k:
            role = self.roles[rid]
            k = np.ones(self.days) if role not in self.scenario.org.roles else \
                np.asarray(concurrency_by_day(self.scenario, role), dtype=float)[:self.days]
            k.setflags(write=False)
            self._k[rid] = k
        return self._k[rid]

    def slots_taken(self, rows: np.ndarray, rid: int) -> np.ndarray:
        """Slots of a member of role ``rid`` that each of ``rows`` (staff
        rows) held: one for a shared conversation, all of them (the role's
        concurrency on the day the row started) for a task that takes the
        whole member."""
        k = self.concurrency_by_day(rid)
        if not k.size or (k == 1).all():
            return np.ones(rows.size)
        day = np.clip((self.start[rows] // 24.0).astype(np.int64), 0, k.size - 1)
        return np.where(self.whole[rows], k[day], 1.0)

    def slot_time(self) -> np.ndarray:
        """On-duty slot-hours per role (each member's on-duty hours of a day
        times the day's concurrency), shaped ``(roles, 1)``."""
        hours, weighted = np.zeros(len(self.roles)), np.zeros(len(self.roles))
        edges = np.minimum(np.arange(self.days + 1) * 24.0, self.horizon)
        by_role = {r: self.concurrency_by_day(r) for r in {m.role for m in self.members}}
        for m in self.members:
            hours[m.role] += m.duty.total
            weighted[m.role] += float(np.dot(by_role[m.role], np.diff(m.duty.F(edges))))
        # A role whose concurrency never changes: k x hours, as it always was.
        k = np.array([self.concurrency(r) for r in range(len(self.roles))], float)
        steady = np.array([r not in by_role or bool((by_role[r] == k[r]).all())
                           for r in range(len(self.roles))])
        return np.where(steady, k * hours, weighted)[:, None]

    def pauses(self, rid: int) -> bool:
        r = self.scenario.org.roles.get(self.roles[rid])
        return r is not None and r.at_shift_end == "pause"

    def headcount(self, rid: int) -> int:
        role = self.roles[rid]
        return self.scenario.org.headcount(role) if role in self.scenario.org.roles else 0

    def role_members(self, rid: int) -> list[int]:
        return [i for i, m in enumerate(self.members) if m.role == rid]

    def started_rows_by_member(self) -> list[np.ndarray]:
        """For each member (in ``self.members`` order), the staff-row indices
        of the steps it started."""
        if self._by_member is None:
            row, mid = self.mem_row, self.mem_id
            keep = self.started[row]
            row, mid = row[keep], mid[keep]
            order = stable_order(mid, len(self.members))
            row, mid = row[order], mid[order]
            bounds = np.searchsorted(mid, np.arange(len(self.members) + 1))
            self._by_member = [row[bounds[i]:bounds[i + 1]] for i in range(len(self.members))]
        return self._by_member

    def grouped(self, which: str, rid: int, rep: int) -> np.ndarray:
        """Staff-row indices of role ``rid`` in replication ``rep``, from the
        role expansion (``which="role"``) or the member expansion (``"member"``)."""
        cache = self._groups
        if which not in cache:
            if which == "role":
                row, role = self.role_row, self.role_id
            else:
                row, role = self.mem_row, self.member_role[self.mem_id]
            key = role * self.R + self.rep[row]
            order = stable_order(key, len(self.roles) * self.R)
            bounds = np.searchsorted(key[order], np.arange(len(self.roles) * self.R + 1))
            cache[which] = (row[order], bounds)
        rows, bounds = cache[which]
        g = rid * self.R + rep
        return rows[bounds[g]:bounds[g + 1]]

    @property
    def days(self) -> int:
        return math.ceil(self.horizon / 24.0 - 1e-9)


@dataclass
class StaffPart:
    """One replication's staff rows as :meth:`StaffLog.part` keeps them: the
    arrays by staff row, the role and member expansions, and the names their
    codes stand for (the pooled view maps them by name)."""
    reps: np.ndarray
    rep: np.ndarray
    enable: np.ndarray
    started: np.ndarray
    preempted: np.ndarray
    abandoned: np.ndarray
    start: np.ndarray
    end: np.ndarray
    wf_code: np.ndarray
    workflows: list
    case_id: np.ndarray
    roles: list[str]
    role_row: np.ndarray
    role_id: np.ndarray
    members: list[str]
    mem_row: np.ndarray
    mem_id: np.ndarray
    hold: np.ndarray
    whole: np.ndarray
    #: The rows' activities, as codes into ``activities``.
    activity: np.ndarray
    activities: list[str]


def _shared_rows(s: Scenario, log: EventLog, rows: np.ndarray) -> np.ndarray:
    """Which staff ``rows`` are a shared conversation's (a work step marked
    ``shared``, found by workflow and activity; issue 16)."""
    c = log.arrays
    pairs = [(log.code(w), log.code(a)) for w, a in shared_steps(s)]
    keys = np.array([w * (len(log.words) + 1) + a for w, a in pairs if w >= 0 and a >= 0], np.int64)
    if not keys.size or not rows.size:
        return np.zeros(rows.size, bool)
    key = c["workflow"][rows].astype(np.int64) * (len(log.words) + 1) + c["activity"][rows]
    return np.isin(key, keys) & (c["kind"][rows] == log.code("work"))


def codes_in(names: list, more: list) -> np.ndarray:
    """Positions of ``more`` in ``names``, appending the ones it lacks (so
    first-seen order carries over from one replication to the next)."""
    index = {v: i for i, v in enumerate(names)}
    out = []
    for v in more:
        if v not in index:
            index[v] = len(names)
            names.append(v)
        out.append(index[v])
    return np.array(out, dtype=np.int64)


def _expand(codes: np.ndarray, parts: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Rows repeated once per part: ``(row index, part id)``."""
    if codes.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    lens = np.array([len(p) for p in parts], dtype=np.int64)
    n = lens[codes]
    row = np.repeat(np.arange(codes.size), n)
    offsets = np.concatenate([[0], np.cumsum(lens)])
    flat = np.array([x for p in parts for x in p], dtype=np.int64)
    # Each part's place in ``flat``: its row's first part plus its rank
    # within the row (one repeat of the rows' shifts, then a count).
    at = np.repeat(offsets[codes] - (np.cumsum(n) - n), n) + np.arange(row.size)
    return row, flat[at] if flat.size else np.zeros(0, np.int64)


def staff_log(s: Scenario, log: EventLog) -> StaffLog:
    """The :class:`StaffLog` of ``log``. Not kept between calls in a module
    global (as it was): a threaded worker analyses several logs at once, and
    the run's own views keep theirs (``RunView.st``)."""
    return StaffLog(s, log)
