"""A run reduced replication by replication, and the parts merged.

``opsim run`` does not gather the replications' logs: each replication is
reduced where it ran (:func:`reduce_part`, in a worker process) to what the
summary, the tables, the plots and the report need, and the parent merges
the parts (:func:`merge`) into a :class:`RunView`. What is pooled over
replications (quantiles of waits, the daily backlog, sums over steps) is
kept as the per-step numbers of the staff rows (a :class:`StaffPart`: no
text, no scenario), so the merged view computes every number exactly as the
whole log did; what is computed per replication (window populations, the
momentary bottleneck grid, the missed cases' time budgets) travels as its
result. The text columns, the records of outside parties and the case
markers stay in the worker (and in the event log's files).

:func:`view_of_log` reduces a log already in memory the same way, so
``summarize`` of a log and ``opsim run`` give the same numbers from one code
path. ``sim.analysis.evaluation`` is the lean variant for searches (no
per-step numbers, flat memory).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from rules.scenario import Scenario
from rules.shifts import all_shifts
from sim.analysis.bottlenecks import detect_of, momentary, window_overlaps
from sim.analysis.kpis import OUTSIDE_KINDS, case_table, case_totals
from sim.analysis.lost_sales import orders_lost_in
from sim.analysis.platform import platform_counts
from sim.analysis.staffing import Shifts, StaffLog, StaffPart, codes_in
from sim.analysis.window_misses import Column, budget_columns, misses_of, pooled_columns
from sim.analysis.windows import WindowCases, all_window_cases, concat_cases
from sim.log import files as logfile
from sim.log.records import EventLog
from sim.runs.ahead import Ready
from sim.runs.runner import Progress, run_reduced


@dataclass
class RunPart:
    """One replication reduced (see the module doc)."""
    replication: int
    records: int
    #: None when sent ahead in a :class:`FirstPart`.
    staff: StaffPart | None
    windows: dict[str, WindowCases]
    #: ``case_totals``: per workflow, cases started and completed.
    cases: dict[str, tuple[int, int]]
    #: Workflows in the order the log first names them, and cases started per workflow.
    workflows: list
    starts: np.ndarray
    #: Cases by replication and case id: workflow (code), start, end (NaN: open).
    case_code: np.ndarray
    case_start: np.ndarray
    case_end: np.ndarray
    #: Outside steps (``wait``, ``scheduled``): workflow (code), enable, end, a party's wait.
    out_code: np.ndarray
    out_enable: np.ndarray
    out_end: np.ndarray
    out_wait: np.ndarray
    #: ``bottlenecks.momentary`` grids (role codes are ``staff.roles``').
    grids: list[tuple[np.ndarray, ...]]
    #: Per window: role rows' role code and waiting hours inside its clock (those > 0).
    overlaps: dict[str, tuple[np.ndarray, np.ndarray]]
    #: Per window: the missed cases' budget columns and how many cases they are.
    misses: dict[str, tuple[dict[Column, np.ndarray], int]]
    #: The platform's acts when its timers ran out, by action.
    platform: dict[str, int]
    #: Chats of would-be orders lost (``lost_sales.orders_lost_in``).
    orders_lost: int = 0


@dataclass
class FirstPart:
    """What the plots' numbers read of a replication (its staff rows and
    outside steps), sent ahead of the rest of its :class:`RunPart` (see
    ``reduce_part``): the staff rows do not come again."""
    staff: StaffPart
    workflows: list
    starts: np.ndarray
    out_code: np.ndarray
    out_enable: np.ndarray
    out_end: np.ndarray
    out_wait: np.ndarray


def reduce_part(s: Scenario, log: EventLog, ahead: Callable[[FirstPart], None] | None = None
                ) -> RunPart:
    """One replication's log reduced to its :class:`RunPart`. With ``ahead``
    (``sim.runs.runner.run_reduced``'s), its :class:`FirstPart` is given to
    ``ahead`` first, a tenth of the way in, and the part returned has no
    staff rows (``staff`` None: ``merge`` takes them from the first part)."""
    st = StaffLog(s, log)
    code, seen = log.factorize("workflow")
    first = _first_part(log, st, code, seen)
    if ahead is not None:
        ahead(first)
    starts = first.starts
    windows, ix = all_window_cases(s, log)
    wf, wf_names, _, case_start, case_end = case_table(st, log)
    case_code = codes_in(seen, wf_names)[wf]
    overlaps = {}
    for wid, (rid, hours) in window_overlaps(st, log, ix).items():
        keep = hours != 0.0  # adding nothing: the merged sums are the same
        overlaps[wid] = (rid[keep], hours[keep])
    duty: dict = {}
    misses = {}
    for wid, wc in windows.items():
        missed = wc.missed
        cols = budget_columns(s, log, wid, wc, missed, ix, duty, st.shifts) if missed.any() else {}
        misses[wid] = (cols, int(np.count_nonzero(missed)))
    return RunPart(
        replication=int(log.meta.get("replication", st.reps[0] if len(log) else 0)),
        records=len(log), staff=None if ahead is not None else first.staff, windows=windows,
        cases=case_totals(log), workflows=seen, starts=starts, case_code=case_code,
        case_start=case_start, case_end=case_end, out_code=first.out_code,
        out_enable=first.out_enable, out_end=first.out_end, out_wait=first.out_wait,
        grids=[momentary(st, r, runner_up=True) for r in range(st.R)], overlaps=overlaps,
        misses=misses, platform=platform_counts(s, log), orders_lost=orders_lost_in(s, log))


def first_part(s: Scenario, log: EventLog, shifts: Shifts | None = None) -> FirstPart:
    """The :class:`FirstPart` of one replication's log, as ``reduce_part``
    makes it (``opsim run -n 1`` makes it in the parent, from the log the
    worker streamed into memory it shares, while the worker reduces).
    ``shifts``: the scenario's ``all_shifts``, when already made."""
    code, seen = log.factorize("workflow")
    return _first_part(log, StaffLog(s, log, shifts), code, seen)


def _first_part(log: EventLog, st: StaffLog, code: np.ndarray, seen: list) -> FirstPart:
    c = log.arrays
    starts = np.bincount(code[c["activity"] == log.code("case_start")], minlength=len(seen))
    out = np.flatnonzero(log.isin("kind", *OUTSIDE_KINDS))
    return FirstPart(staff=st.part(), workflows=seen, starts=starts, out_code=code[out],
                     out_enable=c["enable_time"][out], out_end=c["end_time"][out],
                     out_wait=c["kind"][out] == log.code("wait"))


@dataclass
class RunView:
    """A run's replications merged: what the summary, tables and plots read."""
    s: Scenario
    epoch: dt.datetime
    #: Replications, as windows count them, and as case counts divide by.
    replications: int
    case_replications: int
    records: int
    st: StaffLog
    windows: dict[str, WindowCases]
    cases: dict[str, tuple[int, int]]
    workflows: list
    starts: np.ndarray
    #: Each case's workflow (codes into ``workflows``), replication index, start and end.
    case_wf: np.ndarray
    case_rep: np.ndarray
    case_start: np.ndarray
    case_end: np.ndarray
    out_code: np.ndarray
    out_enable: np.ndarray
    out_end: np.ndarray
    out_wait: np.ndarray
    found: dict
    delays: dict[str, np.ndarray]
    misses: dict[str, dict]
    #: Per replication: the platform's acts by action.
    platform: list[dict[str, int]]
    #: Per replication (``st.reps``' order): chats of would-be orders lost.
    orders_lost: np.ndarray | None = None
    #: ``kpis.workflow_reps_of`` of the cases, once computed
    #: (``kpis.view_workflow_reps``: the summary and the comparisons read it).
    workflow_reps: dict[str, dict[str, np.ndarray]] | None = None


def merge(s: Scenario, parts: list[RunPart], replications: int | None = None,
          case_replications: int | None = None, st: StaffLog | None = None,
          shifts: Shifts | None = None) -> RunView:
    """The parts of a run (in replication order) as one :class:`RunView`;
    ``st``: their staff rows already pooled (``first_view``'s); ``shifts``:
    the scenario's ``all_shifts``, when already made."""
    n = replications or len(parts)
    epoch = dt.datetime.combine(s.horizon.start, dt.time())
    if st is None:
        st = StaffLog.pooled(s, s.horizon.hours, [p.staff for p in parts if p.staff is not None],
                             shifts)
    cat = np.concatenate
    workflows: list = []
    wf_maps = [codes_in(workflows, p.workflows) for p in parts]
    starts = np.zeros(len(workflows), np.int64)
    for p, m in zip(parts, wf_maps):
        starts[m] += p.starts
    role_index = {r: i for i, r in enumerate(st.roles)}
    role_maps = [np.array([role_index[r] for r in (p.staff.roles if p.staff is not None else st.roles)]
                          + [-1], np.int64) for p in parts]
    grids = [(m[role], shifting, m[nxt]) for p, m in zip(parts, role_maps)
             for role, shifting, nxt in p.grids]
    delays = {}
    for wid in s.service_windows:
        have = [(m[p.overlaps[wid][0]], p.overlaps[wid][1])
                for p, m in zip(parts, role_maps) if wid in p.overlaps]
        if have:
            delays[wid] = np.bincount(cat([r for r, _ in have]), weights=cat([h for _, h in have]),
                                      minlength=len(st.roles)) / st.R
    windows = {}
    for wid in s.service_windows:
        windows[wid] = concat_cases([p.windows[wid] for p in parts])
        for p in parts:
            del p.windows[wid]  # the parts are emptied as they are merged
    misses = {wid: misses_of(s, wid, wc, pooled_columns([p.misses.pop(wid) for p in parts]), n, epoch)
              for wid, wc in windows.items()}
    totals: dict[str, list[int]] = {}
    for p in parts:
        for wf, (started, done) in p.cases.items():
            t = totals.setdefault(wf, [0, 0])
            t[0] += started
            t[1] += done
    rep_of = [np.searchsorted(st.reps, p.replication) for p in parts]
    orders_lost = np.zeros(st.R)
    for i, p in enumerate(parts):
        if rep_of[i] < st.R:  # a replication that left no staff record lost no chat
            orders_lost[rep_of[i]] += p.orders_lost

    def take(name: str, how: Callable[[int, np.ndarray], np.ndarray] | None = None) -> np.ndarray:
        out = cat([how(i, getattr(p, name)) if how else getattr(p, name) for i, p in enumerate(parts)])
        for p in parts:
            setattr(p, name, np.zeros(0))
        return out
    return RunView(
        s=s, epoch=epoch, replications=n, case_replications=case_replications or n,
        records=sum(p.records for p in parts), st=st, windows=windows,
        cases={wf: (t[0], t[1]) for wf, t in sorted(totals.items())},
        workflows=workflows, starts=starts,
        case_rep=cat([np.full(p.case_start.size, rep_of[i]) for i, p in enumerate(parts)]),
        case_wf=take("case_code", lambda i, x: wf_maps[i][x]),
        case_start=take("case_start"), case_end=take("case_end"),
        out_code=take("out_code", lambda i, x: wf_maps[i][x]),
        out_enable=take("out_enable"), out_end=take("out_end"), out_wait=take("out_wait"),
        found=detect_of(st, grids), delays=delays, misses=misses,
        platform=[p.platform for p in parts], orders_lost=orders_lost)


def first_view(s: Scenario, first: FirstPart, shifts: Shifts | None = None) -> RunView:
    """A one-replication run as far as its :class:`FirstPart` goes: the
    staff view and the outside steps, pooled as ``merge`` pools them (what
    the plots' numbers read); no windows, cases or bottlenecks yet.
    ``shifts``: the scenario's ``all_shifts``, when already made."""
    st = StaffLog.pooled(s, s.horizon.hours, [first.staff], shifts)
    workflows: list = []
    m = codes_in(workflows, first.workflows)
    starts = np.zeros(len(workflows), np.int64)
    starts[m] += first.starts
    empty = np.zeros(0)
    return RunView(
        s=s, epoch=dt.datetime.combine(s.horizon.start, dt.time()), replications=1,
        case_replications=1, records=0, st=st, windows={}, cases={}, workflows=workflows,
        starts=starts, case_wf=empty, case_rep=empty, case_start=empty, case_end=empty,
        out_code=m[first.out_code], out_enable=first.out_enable, out_end=first.out_end,
        out_wait=first.out_wait, found={}, delays={}, misses={}, platform=[])


def for_report(view: RunView) -> RunView:
    """The view without what only the summary reads (the windows' cases,
    the cases' table): once the summary is made, the tables and plots need
    the staff view and the outside steps only (Double 11, 10 replications:
    about 90 MB less while the plots are drawn)."""
    empty = np.zeros(0)
    return replace(view, windows={}, case_wf=empty, case_rep=empty, case_start=empty,
                   case_end=empty)


def view_of_log(s: Scenario, log: EventLog) -> RunView:
    """A log in memory (one replication or many) reduced replication by
    replication and merged, as ``opsim run`` does with its workers."""
    rep = log.arrays["replication"]
    ids = np.unique(rep)
    parts = [reduce_part(s, log.where(rep == r) if ids.size > 1 else log) for r in ids] \
        if ids.size else [reduce_part(s, log)]
    meta = log.meta
    n = int(meta.get("replications", 0) or 0)
    return merge(s, parts, n if n >= 1 else max(len(ids), 1),
                 max(1, int(meta.get("replications", 1))))


def view_of(s: Scenario, run: EventLog | RunView) -> RunView:
    """``run`` itself, or the view of a log."""
    return run if isinstance(run, RunView) else view_of_log(s, run)


def run_view(s: Scenario, seed: int, n: int, jobs: int = 1, out: Path | None = None,
             csv: bool = False, progress: Progress | None = None,
             meanwhile: Callable[[], None] | None = None,
             ahead: Callable[[RunView, Callable[[], bool]], None] | None = None,
             ready: Ready | None = None) -> tuple[RunView, dict]:
    """Simulate ``n`` replications, each reduced where it ran and (with
    ``out``) its records written into ``out/events.parquet/`` (and, with
    ``csv``, ``out/events.csv``); the merged view and the run facts.
    ``meanwhile``: see ``run_reduced``. ``ahead``: called with the
    ``first_view`` of a single replication in a worker while the worker
    reduces the rest (Double 11: about 0.45 s), with a function True while
    it does; not called otherwise. ``ready``: see ``run_reduced``."""
    events = out / logfile.PARQUET if out is not None else None
    csv_parts = out / ".events.csv.parts" if out is not None and csv else None
    got: dict = {}

    def before() -> None:
        if meanwhile is not None:
            meanwhile()
        # The scenario's rosters, while the replications run: this
        # process's staff views take them (made three times after the
        # simulation otherwise: the first part, its view, the plots' coverage).
        got["shifts"] = all_shifts(s)

    def first_part_of(first: object, waiting: Callable[[], bool]) -> None:
        shifts = got.get("shifts")
        if isinstance(first, EventLog):  # the worker's log, in memory this process shares
            first = first_part(s, first, shifts)
        if not isinstance(first, FirstPart):
            raise TypeError(f"a worker sent {type(first).__name__} ahead, not a FirstPart")
        got["first"], got["view"] = first, first_view(s, first, shifts)
        if ahead is not None:
            ahead(got["view"], waiting)
    parts: list[RunPart]
    parts, facts = run_reduced(s, seed, n, reduce_part, jobs, events, csv_parts, progress, before,
                               first_part_of if ahead is not None else None, ready)
    if out is not None and csv_parts is not None:
        logfile.join_csv(csv_parts, out / logfile.CSV)
    if "view" in got:
        parts[0].staff = got["first"].staff  # its names (the arrays are in the pooled view)
        view = merge(s, parts, n, st=got["view"].st)
    else:
        view = merge(s, parts, n, shifts=got.get("shifts"))
    del parts
    return view, facts
