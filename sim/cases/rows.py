"""The records a case writes, built in one place.

Every row the engine appends is made here, in the order of
:class:`sim.log.records.Record` (a plain tuple: the hot path appends
millions, and a named tuple costs a call per row). The text fields are
already codes of the replication's vocabulary (``sim.log.vocabulary``):
a step's workflow, id, kind and role are coded once when the steps are
compiled (``Node.codes``), a member's name when the pools are built, and
the words the engine itself writes (kinds, outcomes, markers) have fixed
codes, the first of every vocabulary (:data:`WORDS`). Only what is made as
the run goes (a meeting's attendees, a branch's choice) is looked up, once
per row. ``tests/test_rows.py`` checks each builder against ``Record``
built by field name, so the order is typed out in this file only.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from sim.log.records import Row

if TYPE_CHECKING:
    from sim.staff.task import StaffTask

NAN = math.nan

#: The words the engine writes itself, coded 0, 1, ... in every replication's
#: vocabulary (``LogBuilder(words=WORDS)``), so that their codes are constants.
WORDS = ("", "done", "case", "case_start", "case_end", "ended", "work", "approval", "meeting",
         "contest", "wait", "scheduled", "milestone", "branch", "duty", "abandoned", "open",
         "preempted", "entry", "selected", "approved", "rejected", "forced", "withdrawn",
         "platform", "skipped")
(EMPTY, DONE, CASE, CASE_START, CASE_END, ENDED, WORK, APPROVAL, MEETING, CONTEST, WAIT,
 SCHEDULED, MILESTONE, BRANCH, DUTY, ABANDONED, OPEN, PREEMPTED, ENTRY, SELECTED, APPROVED,
 REJECTED, FORCED, WITHDRAWN, PLATFORM, SKIPPED) = range(len(WORDS))
#: A text value's code in the replication's vocabulary (new ones are added).
Code = Callable[[str], int]


def row(replication: int, case_id: int, workflow: int, activity: int, kind: int, role: int,
        resource: int, enable_time: float, start_time: float, end_time: float, outcome: int,
        priority: int) -> Row:
    """One record, fields in ``Record`` order: a step done by staff (work, an
    approval, a meeting, a duty) or one still open; the other builders fill
    in the fields their kind of row fixes."""
    return (replication, case_id, workflow, activity, kind, role, resource, enable_time,
            start_time, end_time, outcome, priority)


def marker(replication: int, case_id: int, workflow: int, activity: int, t: float,
           outcome: int) -> Row:
    """``case_start`` or ``case_end`` at ``t`` (kind ``case``, no role)."""
    return (replication, case_id, workflow, activity, CASE, EMPTY, EMPTY, t, t, t, outcome, 0)


def instant(replication: int, case_id: int, workflow: int, activity: int, kind: int, t: float,
            outcome: int, priority: int) -> Row:
    """A step that takes no time and no one: a milestone, a branch's decision."""
    return (replication, case_id, workflow, activity, kind, EMPTY, EMPTY, t, t, t, outcome,
            priority)


def platform(replication: int, case_id: int, workflow: int, action: int, t: float) -> Row:
    """The platform's act when one of its timers ran out (a milestone of the
    party ``platform``: ``sim.cases.timers``)."""
    return (replication, case_id, workflow, action, MILESTONE, PLATFORM, EMPTY, t, t, t, DONE, 0)


def outside(replication: int, case_id: int, workflow: int, activity: int, kind: int, party: int,
            enable: float, end: float, priority: int) -> Row:
    """A wait on an outside party or a scheduled moment: it starts as it is enabled."""
    return (replication, case_id, workflow, activity, kind, party, EMPTY, enable, enable, end,
            DONE, priority)


def abandoned(replication: int, case_id: int, workflow: int, activity: int, role: int,
              enable: float, left: float, priority: int) -> tuple[Row, Row]:
    """A customer who left a work step's line unserved at ``left``, and the
    end of the case then."""
    return (row(replication, case_id, workflow, activity, WORK, role, EMPTY, enable, NAN, left,
                ABANDONED, priority),
            marker(replication, case_id, workflow, CASE_END, left, ENDED))


def task_rows(rep: int, cid: int, wf: int, activity: int, kind: int, role: int, task: StaffTask,
              enable: float, end: float, outcome: int, priority: int, code: Code) -> list[Row]:
    """The records of one staff task. A task cut short by preemption leaves
    one record per stretch of work (outcome ``preempted`` for all but the
    last), each enabled when the one before was interrupted: busy time, waits
    and a member's concurrency then add up as they happened."""
    rows: list[Row] = []
    start = task.start
    if task.stretches:
        for name, a, b in task.stretches:
            rows.append(row(rep, cid, wf, activity, kind, role, code(name), enable, a, b,
                            PREEMPTED, priority))
            enable = b
        start = task.resumed  # NaN while it waits in line again
    member = task.member.code if task.member is not None and start == start else EMPTY
    rows.append(row(rep, cid, wf, activity, kind, role, member, enable, start, end, outcome,
                    priority))
    return rows
