"""Cross-checks of the planned workload (``rules.checks`` runs them): who
attends a duty, and which workflows' cases carry a batch's items for their
per-item steps. Each yields ``(path, message)`` as ``rules.checks`` does."""
from __future__ import annotations

from collections.abc import Iterator

from rules.errors import plural, suggest
from rules.scenario import Scenario
from rules.workflow import Milestone, Work, walk

Found = Iterator[tuple[tuple, str]]
_unknown = suggest


def check_duties(s: Scenario) -> Found:
    for did, duty in s.duties.items():
        if duty.role not in s.org.roles:
            yield ("duties", did, "role"), _unknown("role", duty.role, s.org.roles)
        if duty.attendees and duty.who == "each":
            yield ("duties", did, "attendees"), (
                "attendees meet with the duty's members at once, but 'who: each' is a task per member; "
                "use 'who: one' or 'who: together'")
        if ("grace_hours" in duty.model_fields_set and not duty.attendees
                and duty.who != "together"):
            yield ("duties", did, "grace_hours"), (
                f"'who: {duty.who}' without attendees is not held together, so nobody is waited for; "
                f"grace_hours is for 'who: together' or a duty with attendees")
        for role, n in duty.attendees.items():
            path = ("duties", did, "attendees", role)
            if role not in s.org.roles:
                yield path, _unknown("role", role, s.org.roles)
            elif role == duty.role:
                yield path, (f"role '{role}' is the duty's own role; "
                             f"use 'who: together' for all its members")
            elif s.org.headcount(role) == 0:
                yield path, f"role '{role}' has headcount 0, so nobody could attend"
            elif n != "all" and n > s.org.headcount(role):
                yield path, (f"{plural(n, 'attendee')} but role '{role}' has only "
                             f"{plural(s.org.headcount(role), 'member')}; use at most that or 'all'")


def batches(s: Scenario) -> set[str]:
    """The workflows whose cases carry a batch's ``items``: a trigger draws
    them, or a milestone of such a workflow starts the case (and hands its
    attributes on)."""
    out = {wid for wid, wf in s.workflows.items()
           if any(t.items is not None for t in (wf.trigger, *wf.extra_triggers))}
    grown = True
    while grown:
        grown = False
        for wid in list(out):
            for _, step, _ in walk(s.workflows[wid].steps):
                target = step.starts if isinstance(step, Milestone) else None
                if target is not None and target in s.workflows and target not in out:
                    out.add(target)
                    grown = True
    return out


def check_per_item(s: Scenario) -> Found:
    """A per-item step in a workflow whose cases never carry ``items`` would
    always be one task: the batch size it stands for could never apply."""
    carry = batches(s)
    for wid, wf in s.workflows.items():
        if wid in carry:
            continue
        for path, step, _ in walk(wf.steps, ("workflows", wid, "steps")):
            if isinstance(step, Work) and step.per_item:
                yield path + ("per_item",), (
                    f"per_item, but no case of workflow '{wid}' carries a batch's items; give its "
                    f"trigger 'items' (low, high) or start it from a workflow whose trigger does")
