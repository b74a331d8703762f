"""A reference engine: the fast engine's model, written plainly, to test it.

``simulate_reference(scenario, replication, seed)`` returns the event log
that ``sim.simulate`` should return, built with plain SimPy: one generator
process per case (and per duty, launcher and after-sales request), waits as
``env.timeout``, staff as ``tests/reference_staff.Pool`` (events a case
yields), gatherings as ``env.all_of``; steps are bound to pools and streams
in ``tests/reference_steps``, platform timers as one process per running
clock (``tests/reference_timers``). Why a second engine: the fast one trades
clarity for speed (cases as their own events and staff tasks, patience as
deadlines, parked waits), and every further optimisation of it is checked
against this one (``tests/test_reference_engine.py``). It shares with the fast engine only
the scenario and its inputs (``rules``, ``sim.inputs``) and the record
schema (``sim.log.records``); its rows are plain strings (``reference_rows``).

To draw the same random numbers it uses the same named streams, in the same
order per stream: a work step draws its patience and duration as a case
enters it, an approval its uniform then its duration, a branch its uniform
as the case reaches it, a meeting its duration once every attendee is held,
a contest its entrants' durations at entry and the judge's once they are
done; duties one duration per task (``together``: once all are held). Things
start in the order of ``sim.runs.replication._simulate``: shift boundaries of
each role, the customers' launcher, planned launchers, duties.

Same-instant order. SimPy runs events by (time, priority, insertion); the
fast engine continues a case inside the callback that ends its wait, the
reference when its process is resumed, one event later. The two agree
wherever times are continuous. Known differences, all at exact ties that
continuous durations make impossible:

- After staff work ends, the fast engine starts the case's next step at
  once; here the case resumes after the events already due at that moment
  (another task ending, or a wait or scheduled moment ending, at the very
  same time: fixed durations only). The test's fixed-duration case shows
  one: an approval then joins a line before, not after, another case's.
- A case started by a launcher or an after-sales request runs here at its
  process's start (URGENT, right after the launcher), so the launcher's next
  timeout is scheduled before, not after, the case's first events.
- The fast engine hands waits of more than about an hour to SimPy an hour
  before they end (``sim.kernel.long_waits``); waits ending at the same
  moment keep their order in both engines, but against other events due at
  that very moment (a shift start, a duty, a trigger) a parked wait comes
  after events scheduled before its hand-over, and a plain timeout here
  comes before those scheduled after it was asked for.
- Patience is a timer here plus a zero delay (``reference_staff``); a member
  freed at the deadline by an event scheduled later than that zero delay
  would serve the customer in the fast engine, not here.
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Generator, Iterable

import reference_rows as rows
import simpy
from reference_duties import HOLD_PRIORITY, Duties
from reference_staff import Pool, Task
from reference_steps import Case, Node, choose, compile_steps, moment
from reference_timers import PlatformClocks

from rules.calendar import DayKinds
from rules.scenario import Scenario
from rules.shifts import all_shifts, concurrency_by_day, days_of
from sim.inputs.demand import order_arrivals
from sim.inputs.planned import planned_arrivals
from sim.inputs.streams import Streams
from sim.log.records import EventLog, Row

NAN = math.nan


#: What a list of steps comes to: run to its end, a milestone ended the
#: case, the customer left a line, or a platform timer diverted the case.
DONE, ENDED, LEFT, DIVERTED = "done", "ended", "left", "diverted"


class Engine(Duties):
    """One replication of a scenario: the pools, the cases and their records."""

    def __init__(self, s: Scenario, replication: int, seed: int) -> None:
        self.s = s
        self.replication = replication
        self.env = simpy.Environment()
        self.streams = Streams(seed, replication)
        self.kinds = DayKinds(s.calendars.holidays)
        self.days = days_of(s)
        self.working = [self.kinds.is_working_day(d) for d in self.days]
        self.shifts = all_shifts(s)
        self.pools = {rid: Pool(self.env, rid, self.shifts[rid], concurrency_by_day(s, rid),
                                role.at_shift_end == "pause", role.preemptive,
                                role.slowdown, role.concurrency, role.claim_after_hours,
                                role.interleave_up_to_minutes / 60.0)
                      for rid, role in s.org.roles.items()}
        self.flows = {wid: compile_steps(s, wid, wf.steps, self.pools, self.streams, wf.priority)
                      for wid, wf in s.workflows.items() if wf.enabled}
        self.records: list[Row] = []
        #: Cases started and not yet ended, by id (duties included).
        self.live: dict[int, Case] = {}
        self.last_id = 0
        #: (workflow, milestone) -> what reaching it sets off (after-sales).
        self.hooks: dict[tuple[str, str], Callable[[Case], None]] = {}
        self.clocks = PlatformClocks(self, s)

    def _working(self, day: int) -> bool:
        """A working day of the shop (days outside the horizon count as such)."""
        return day >= len(self.working) or day < 0 or self.working[day]

    def run(self) -> EventLog:
        """Start everything in the fast engine's order, run to the horizon."""
        self._start_demand()
        self._start_planned()
        self._start_duties()
        self.env.run(until=self.s.horizon.hours)
        epoch = dt.datetime.combine(self.s.horizon.start, dt.time())
        meta = {"scenario": self.s.name, "seed": self.streams.seed,
                "replication": self.replication}
        return EventLog.from_records(self.records + self._open_rows(), epoch,
                                     self.s.horizon.hours, meta)

    # -- what starts cases ---------------------------------------------------

    def _start_demand(self) -> None:
        d = self.s.demand
        if d is None or d.order_workflow not in self.flows:
            return
        arrivals = order_arrivals(self.s, self.streams, self.days)
        self.env.process(self._launch(d.order_workflow, arrivals.pairs()))
        targets = {"exchange": d.exchange_workflow, "return": d.return_workflow}

        def request(case: Case) -> None:
            req = case.attrs.get("aftersales")
            if req is not None and targets[req["kind"]] in self.flows:
                self.env.process(self._after(req["lag"], targets[req["kind"]], req))

        self.hooks[(d.order_workflow, d.aftersales_from)] = request

    def _start_planned(self) -> None:
        for wid in self.flows:
            arrivals = planned_arrivals(wid, self.s.workflows[wid], self.s, self.kinds,
                                        self.streams)
            if arrivals:
                self.env.process(self._launch(wid, arrivals))

    def _launch(self, workflow: str, arrivals: Iterable[tuple[float, dict]]) -> Generator:
        """Start a case of ``workflow`` at each (time, attributes)."""
        for t, attrs in arrivals:
            if t > self.env.now:
                yield self.env.timeout(t - self.env.now)
            self._start(workflow, attrs)

    def _after(self, lag: float, workflow: str, attrs: dict) -> Generator:
        """An after-sales request: its case begins ``lag`` hours later."""
        yield self.env.timeout(lag)
        self._start(workflow, attrs)

    def _new_case(self, workflow: str, attrs: dict) -> Case:
        self.last_id += 1
        case = self.live[self.last_id] = Case(self.last_id, workflow, attrs)
        return case

    def _start(self, workflow: str, attrs: dict) -> None:
        """Begin a case now: its id is taken at once, its process runs next."""
        if workflow in self.flows:
            self.env.process(self._case(self._new_case(workflow, attrs)))

    def _started_by_milestone(self, workflow: str, attrs: dict) -> Generator:
        """A case another case's milestone starts, with its parent's
        attributes: a process of its own that takes its id when it runs
        (after its parent has gone on)."""
        if workflow in self.flows:
            yield from self._case(self._new_case(workflow, attrs))

    # -- a case ----------------------------------------------------------------

    def _row(self, row: Row) -> None:
        self.records.append(row)

    def _case(self, case: Case) -> Generator:
        """A case from its start marker to its end (or the horizon)."""
        self._row(rows.marker(self.replication, case.id, case.workflow, "case_start",
                              self.env.now, "done"))
        self.clocks.passed(case, "case_start")
        outcome = yield from self._steps(case, self.flows[case.workflow])
        while outcome == DIVERTED:  # the platform's path: on at a later step, or the end
            at = self.clocks.resume_index(case)
            if at is None:
                outcome = ENDED
                break
            outcome = yield from self._steps(case, self.flows[case.workflow], at)
        del self.live[case.id]
        if outcome != LEFT:  # a customer who left has their end row already
            self._row(rows.marker(self.replication, case.id, case.workflow, "case_end",
                                  self.env.now, "ended" if outcome == ENDED else "done"))

    def _steps(self, case: Case, nodes: list[Node], i: int = 0) -> Generator:
        """Run a list of steps from step ``i``; approval rounds are counted
        per list run."""
        rounds: dict[int, int] = {}
        while i < len(nodes):
            if case.divert is not None:
                return DIVERTED
            node = nodes[i]
            kind = node.kind
            if kind == "milestone":
                if self._milestone(case, node):
                    return ENDED
            elif kind == "branch":
                outcome = yield from self._steps(case, self._choose(case, node))
                if outcome != DONE:
                    return outcome
            elif kind == "work" and node.per_item:
                yield from self._items(case, node)
            elif kind == "work":
                if not (yield from self._work(case, node)):
                    return LEFT
            elif kind == "approval":
                if (yield from self._approval(case, node, rounds.get(i, 0))):
                    rounds[i] = rounds.get(i, 0) + 1
                    i = node.rework
                    self.clocks.passed(case, node.id)
                    continue
            elif kind in ("wait", "scheduled"):
                yield from self._outside(case, node)
            elif kind == "meeting":
                yield from self._meeting(case, node)
            elif kind == "contest":
                yield from self._contest(case, node)
            else:
                raise ValueError(f"Unknown step kind {kind!r}")
            # A branch's end is its decision (``_choose``); a step withdrawn
            # by a platform timer never ended.
            if kind != "branch" and not case.withdrawn:
                self.clocks.passed(case, node.id)
            case.withdrawn = False
            i += 1
        return DONE

    def _milestone(self, case: Case, node: Node) -> bool:
        """Record it, run its hook, start its case; True if it ends the case."""
        self._row(rows.instant(self.replication, case.id, case.workflow, node.id, "milestone",
                               self.env.now, "done", node.priority))
        hook = self.hooks.get((case.workflow, node.id))
        if hook is not None:
            hook(case)
        if node.starts is not None:
            self.env.process(self._started_by_milestone(node.starts, case.attrs))
        return node.end_case

    def _choose(self, case: Case, node: Node) -> list[Node]:
        """A branch's decision, recorded; the chosen list of steps."""
        name, sub = choose(node, case.attrs, self.s.aftersales)
        self._row(rows.instant(self.replication, case.id, case.workflow, node.id, "branch",
                               self.env.now, name, node.priority))
        self.clocks.passed(case, node.id)
        return sub

    def _work(self, case: Case, node: Node) -> Generator:
        """One member's work; False if the customer left the line first."""
        enable = self.env.now
        patience = node.patience() if node.patience is not None else None
        task = node.pool.request(node.draw(), node.priority, patience, node.shared)
        case.at(node, enable, [task])
        yield task.done
        case.at(None)
        if task.abandoned:
            self.records.extend(rows.abandoned(self.replication, case.id, case.workflow, node.id,
                                               node.role, enable, task.deadline, node.priority))
            return False
        case.withdrawn = task.withdrawn
        self._task_rows(case, node, task, enable, "withdrawn" if task.withdrawn else "done")
        return True

    def _items(self, case: Case, node: Node) -> Generator:
        """Work once per item of the case's batch (``items``, else one), all
        asked for at once; done when the last is."""
        tasks = [node.pool.request(node.draw(), node.priority, shared=node.shared)
                 for _ in range(int(case.attrs.get("items", 1)))]
        enable = self.env.now
        case.at(node, enable, tasks)
        yield self.env.all_of([t.done for t in tasks])
        case.at(None)
        for t in tasks:
            self._task_rows(case, node, t, enable, "done", t.end)

    def _approval(self, case: Case, node: Node, rejections: int) -> Generator:
        """A review, decided as it is asked for; True if rejected (rework)."""
        enable = self.env.now
        rejected = node.u() < node.reject_p
        if rejected and rejections >= node.max_rounds:
            outcome = "forced"
        else:
            outcome = "rejected" if rejected else "approved"
        task = node.pool.request(node.draw(), node.priority)
        case.at(node, enable, [task])
        yield task.done
        case.at(None)
        case.withdrawn = task.withdrawn
        self._task_rows(case, node, task, enable, "withdrawn" if task.withdrawn else outcome)
        return outcome == "rejected" and not task.withdrawn

    def _outside(self, case: Case, node: Node) -> Generator:
        """A wait on an outside party, or until a scheduled moment."""
        now = self.env.now
        if node.kind == "wait":
            delay = node.draw()
        else:
            delay = max(0.0, moment(node, case.attrs, now, self._working) - now)
        case.at(node, now)
        yield self.env.timeout(delay)
        case.at(None)
        self._row(rows.outside(self.replication, case.id, case.workflow, node.id, node.kind,
                               node.role, now, self.env.now, node.priority))

    def _meeting(self, case: Case, node: Node) -> Generator:
        """Hold the attendees role by role (sorted), then meet."""
        enable = self.env.now
        holds: list[Task] = []
        case.at(node, enable, holds)
        for pool, n in node.attendees:
            batch = [pool.hold(HOLD_PRIORITY) for _ in range(n)]
            holds.extend(batch)
            yield self.env.all_of([t.done for t in batch])
        start = self.env.now
        yield self.env.timeout(node.draw())
        case.at(None)
        for t in holds:
            t.pool.release(t)
        names = "+".join(t.member.name for t in holds)
        self._row(rows.row(self.replication, case.id, case.workflow, node.id, "meeting",
                           node.role, names, enable, start, self.env.now, "done",
                           node.priority))

    def _contest(self, case: Case, node: Node) -> Generator:
        """Entrants on different members at once, then the judge."""
        enable = self.env.now
        tasks = node.pool.request_distinct([node.draw() for _ in range(node.entrants)],
                                           node.priority)
        case.at(node, enable, tasks)
        yield self.env.all_of([t.done for t in tasks])
        for t in tasks:
            self._task_rows(case, node, t, enable, "entry", t.end)
        judged = self.env.now
        task = node.judge.request(node.judge_draw(), node.priority)
        case.at(node, judged, [task])
        yield task.done
        case.at(None)
        self._task_rows(case, node, task, judged, "selected")

    def _task_rows(self, case: Case, node: Node, task: Task, enable: float, outcome: str,
                   end: float | None = None) -> None:
        self.records.extend(rows.task_rows(self.replication, case.id, case.workflow, node.id,
                                           node.kind, task.pool.role, task, enable,
                                           self.env.now if end is None else end, outcome,
                                           node.priority))

    # -- the horizon -------------------------------------------------------------

    def _open_rows(self) -> list[Row]:
        """The steps in progress or waiting at the horizon: one row per staff
        task (tasks already done reported as the step's end reports them),
        else one row for the step (started when its last attendee was held)."""
        out: list[Row] = []
        rep = self.replication
        for case in self.live.values():
            node, enable, tasks = case.node, case.enable, case.tasks
            if node is None:
                continue
            if tasks and tasks[0].work is not None:
                finished = ("entry" if node.kind == "contest" else "done") if len(tasks) > 1 else None
                for t in tasks:
                    done = finished is not None and not math.isnan(t.end)
                    out.extend(rows.task_rows(rep, case.id, case.workflow, node.id, node.kind,
                                              t.pool.role, t, enable, t.end if done else NAN,
                                              finished if done else "open", node.priority))
                continue
            starts = [t.start for t in tasks] if tasks else [enable]
            start = NAN if any(math.isnan(x) for x in starts) else max(starts)
            names = "+".join(t.member.name for t in tasks if t.member is not None)
            out.append(rows.row(rep, case.id, case.workflow, node.id, node.kind, node.role,
                                    names, enable, start, NAN, "open", node.priority))
        return out


def simulate_reference(s: Scenario, replication: int = 0, seed: int | None = None) -> EventLog:
    """The event log of one replication of ``s``, by the reference engine."""
    return Engine(s, replication, s.seed if seed is None else seed).run()
