"""The records of what is still in progress or waiting at the horizon.

A live case carries the step it is in (``interpreter.Case``); at the
horizon each is reported open (``end_time`` NaN, outcome ``open``), and a
customer who had already left the line (``StaffPool._gone``) as gone.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

from sim.cases import rows
from sim.log.records import Row
from sim.staff.task import Task

if TYPE_CHECKING:
    from sim.cases.case import Case
    from sim.cases.interpreter import Context
    from sim.cases.steps import StepRef

NAN = math.nan


def open_records(ctx: Context) -> list[Row]:
    """Steps still in progress or waiting at the horizon."""
    out: list[Row] = []
    rep, code = ctx.replication, ctx.code
    for case in ctx.live.values():
        node, enable, tasks = case.node, case.enable, case.tasks
        if node is None:
            continue
        if tasks is None:  # a work or approval step: the case is its own task
            if case.member is None and case.deadline < ctx.env.now:
                # The customer left before the horizon; the line had
                # not reached the case yet (``StaffPool._gone``).
                out.extend(left_rows(case, node))
                continue
            tasks = (case,)
        elif isinstance(tasks, Task):
            tasks = (tasks,)
        if tasks and tasks[0].work is not None:  # staff work: one record per task
            # Several tasks are a contest's entrants or a duty each member
            # does: those already finished are reported as when the step ends.
            finished = (rows.ENTRY if node.kind == "contest" else rows.DONE) \
                if len(tasks) > 1 else None
            for t in tasks:
                if finished is not None and t.end == t.end:
                    end, outcome = t.end, finished
                else:
                    end, outcome = NAN, rows.OPEN
                out.extend(rows.task_rows(rep, case.id, code(case.workflow), node.id_code,
                                          node.kind_code, code(t.pool.role), t, enable, end,
                                          outcome, node.priority, code))
            continue
        starts = [t.start for t in tasks] if tasks else [enable]
        start = max(starts) if starts and not any(math.isnan(x) for x in starts) else NAN
        names = "+".join(t.member.name for t in tasks if t.member is not None) if tasks else ""
        out.append(rows.row(rep, case.id, code(case.workflow), node.id_code, node.kind_code,
                            node.role_code, code(names), enable, start, NAN, rows.OPEN,
                            node.priority))
    return out


def left_rows(case: Case, node: StepRef) -> tuple[Row, Row]:
    """A customer who left ``node``'s line unserved at their deadline, and
    the end of the case then."""
    ctx = case.ctx
    return rows.abandoned(ctx.replication, case.id, ctx.code(case.workflow), node.id_code,
                          node.role_code, case.enable, case.deadline, node.priority)
