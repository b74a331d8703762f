"""The reference engine's records: plain tuples of the record's fields in
``Record`` order, the text as strings (the engine's builders,
``sim.cases.rows``, write codes of its vocabulary; ``EventLog.from_records``
codes these). Kept apart so that the reference stays an independent check.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

from sim.log.records import Row

if TYPE_CHECKING:
    from sim.staff.task import StaffTask

NAN = math.nan


def row(replication: int, case_id: int, workflow: str, activity: str, kind: str, role: str,
        resource: str, enable_time: float, start_time: float, end_time: float, outcome: str,
        priority: int) -> Row:
    """One record, fields in ``Record`` order: a step done by staff (work, an
    approval, a meeting, a duty) or one still open; the other builders fill
    in the fields their kind of row fixes."""
    return (replication, case_id, workflow, activity, kind, role, resource, enable_time,
            start_time, end_time, outcome, priority)


def marker(replication: int, case_id: int, workflow: str, activity: str, t: float,
           outcome: str) -> Row:
    """``case_start`` or ``case_end`` at ``t`` (kind ``case``, no role)."""
    return (replication, case_id, workflow, activity, "case", "", "", t, t, t, outcome, 0)


def instant(replication: int, case_id: int, workflow: str, activity: str, kind: str, t: float,
            outcome: str, priority: int) -> Row:
    """A step that takes no time and no one: a milestone, a branch's decision."""
    return (replication, case_id, workflow, activity, kind, "", "", t, t, t, outcome, priority)


def platform(replication: int, case_id: int, workflow: str, action: str, t: float) -> Row:
    """The platform's act when one of its timers ran out (a milestone of the
    party ``platform``)."""
    return (replication, case_id, workflow, action, "milestone", "platform", "", t, t, t, "done", 0)


def outside(replication: int, case_id: int, workflow: str, activity: str, kind: str, party: str,
            enable: float, end: float, priority: int) -> Row:
    """A wait on an outside party or a scheduled moment: it starts as it is enabled."""
    return (replication, case_id, workflow, activity, kind, party, "", enable, enable, end,
            "done", priority)


def abandoned(replication: int, case_id: int, workflow: str, activity: str, role: str,
              enable: float, left: float, priority: int) -> tuple[Row, Row]:
    """A customer who left a work step's line unserved at ``left``, and the
    end of the case then."""
    return (row(replication, case_id, workflow, activity, "work", role, "", enable, NAN, left,
                "abandoned", priority),
                marker(replication, case_id, workflow, "case_end", left, "ended"))


def task_rows(rep: int, cid: int, wf: str, activity: str, kind: str, role: str, task: StaffTask,
              enable: float, end: float, outcome: str, priority: int) -> list[Row]:
    """The records of one staff task. A task cut short by preemption leaves
    one record per stretch of work (outcome ``preempted`` for all but the
    last), each enabled when the one before was interrupted: busy time, waits
    and a member's concurrency then add up as they happened."""
    rows: list[Row] = []
    start = task.start
    if task.stretches:
        for name, a, b in task.stretches:
            rows.append(row(rep, cid, wf, activity, kind, role, name, enable, a, b,
                            "preempted", priority))
            enable = b
        start = task.resumed  # NaN while it waits in line again
    name = task.member.name if task.member is not None and start == start else ""
    rows.append(row(rep, cid, wf, activity, kind, role, name, enable, start, end, outcome,
                    priority))
    return rows
