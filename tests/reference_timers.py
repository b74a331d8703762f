"""Platform timers of the reference engine (``tests/reference_engine.py``),
written plainly: one SimPy process per running clock.

The rules (``rules.windows.PlatformTimer``, ``sim/cases/timers.py``): a
platform window with a ``timer`` starts a clock for a case when the case
first records the end of the window's start activity (or starts, for
``case_start``), stops it when the case next records the end of the end
activity, and when the clock runs out first the platform leaves its record
and, for ``resume`` and ``end``, diverts the case: work nobody has started
is withdrawn from its line; anything else the case is in is finished first.
The case then goes on at ``resume_at`` (a top-level step) or ends.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Generator
from typing import TYPE_CHECKING

import reference_rows as rows

from rules.scenario import Scenario
from rules.windows import ServiceWindow

if TYPE_CHECKING:
    from reference_engine import Engine
    from reference_steps import Case

RUNNING, STOPPED, RAN_OUT = "running", "stopped", "ran out"


class PlatformClocks:
    def __init__(self, engine: Engine, s: Scenario) -> None:
        self.engine = engine
        self.s = s
        self.windows = {wid: w for wid, w in s.service_windows.items() if w.timer is not None}

    def passed(self, case: Case, activity: str) -> None:
        """``case`` recorded the end of ``activity`` (or its start marker)."""
        for wid, w in self.windows.items():
            if case.workflow not in w.workflows:
                continue
            if w.end.activity == activity and case.clocks.get(wid) == RUNNING:
                case.clocks[wid] = STOPPED
            if w.start.activity == activity and wid not in case.clocks:
                case.clocks[wid] = RUNNING
                self.engine.env.process(self._clock(case, wid, w))

    def _limit(self, w: ServiceWindow, t: float) -> float:
        day = self.s.horizon.start + dt.timedelta(days=int(t // 24))
        return w.limit_on(day) * (1.0 if w.clock == "elapsed_hours" else 24.0)

    def _clock(self, case: Case, wid: str, w: ServiceWindow) -> Generator:
        env, engine = self.engine.env, self.engine
        yield env.timeout(self._limit(w, env.now))
        if case.clocks[wid] != RUNNING:
            return
        case.clocks[wid] = RAN_OUT
        timer = w.timer
        assert timer is not None
        if case.id not in engine.live:  # the case ended first
            return
        engine.records.append(rows.platform(engine.replication, case.id, case.workflow,
                                            timer.action, env.now))
        if timer.then == "continue":
            return
        case.divert = timer
        node = case.node
        if node is None or node.kind not in ("work", "approval") or len(case.tasks) != 1:
            return
        task = case.tasks[0]
        if (task.member is None and not task.abandoned and task.deadline > env.now
                and task.pool.withdraw(task)):
            task.done.succeed()

    def resume_index(self, case: Case) -> int | None:
        """Where a diverted case goes on (None: it ends), the divert cleared."""
        timer, case.divert = case.divert, None
        assert timer is not None
        if timer.then == "end":
            return None
        return [n.id for n in self.engine.flows[case.workflow]].index(timer.resume_at)
