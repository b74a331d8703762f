"""Cross-checks of the planned workload (``rules.checks`` runs them): who
attends a duty, and which workflows' cases carry a batch's items for their
per-item steps. Each yields ``(path, message)`` as ``rules.checks`` does."""
from __future__ import annotations

from collections.abc import Iterator

from rules.calendar import hours_of
from rules.errors import format_path, plural, suggest
from rules.scenario import Scenario
from rules.shifts import concurrency_by_day
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
        if duty.appointment and (duty.attendees or duty.who == "together"):
            yield ("duties", did, "appointment"), (
                "a duty held together (with attendees or 'who: together') is an appointment "
                "already; 'appointment' is for a duty done by 'each' or 'one'")
        if duty.appointment and duty.role in s.org.roles:
            yield from _appointment_on_duty(s, did, duty.role, duty.at)
        if ("grace_hours" in duty.model_fields_set and not duty.attendees
                and duty.who != "together" and not duty.appointment):
            yield ("duties", did, "grace_hours"), (
                f"'who: {duty.who}' without attendees is not held together, so nobody is waited for; "
                f"grace_hours is for 'who: together', a duty with attendees or an appointment")
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


def _appointment_on_duty(s: Scenario, did: str, role: str, at: str) -> Found:
    """An appointment is held for the members on duty at its time: at a
    time no shift of the role's roster covers it would never happen, with
    nothing in the log (review 10 item 4)."""
    groups = s.calendars.rosters.get(s.org.roles[role].roster)
    if groups is None:
        return  # an unknown roster: its own problem
    t = hours_of(at)
    shifts = {g.shift: s.calendars.shifts[g.shift] for g in groups if g.shift in s.calendars.shifts}
    if any(a <= t < b for shift in shifts.values() for a, b in shift.blocks()):
        return
    worked = ", ".join(f"{name} {shift.start}-{shift.end}" for name, shift in shifts.items())
    yield ("duties", did, "at"), (
        f"an appointment at {at}, but no shift of role '{role}' covers it ({worked}): nobody "
        f"is on duty then, so it would never happen; set 'at' within a shift")


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


def shared_steps(s: Scenario) -> set[tuple[str, str]]:
    """``(workflow, step id)`` of every ``shared`` work step: the analysis
    reads a record's share of its member by its workflow and activity (a
    step elsewhere, a duty, a meeting, takes the whole member)."""
    return {(wid, step.id) for wid, wf in s.workflows.items() for _, step, _ in walk(wf.steps)
            if isinstance(step, Work) and step.shared}


def check_shared(s: Scenario) -> Found:
    """Sharing a member's attention (issue 16, review item 3). A role whose
    concurrency is above 1 but none of whose steps is shared would never
    hold two tasks at once: the concurrency could never apply (what a
    forgotten ``shared`` on a chat step looks like). Steps of one workflow
    with one id must agree, as the analysis tells them apart by id only.
    Likewise a ``claim_after_hours`` or ``interleave_up_to_minutes`` of a
    role none of whose steps is shared (nobody ever holds a conversation to
    claim a member from or to do brief work between). A shared step
    of a role at concurrency 1 is allowed, and so is its
    ``claim_after_hours``: "one chat at a time" is a what-if
    (``--set org.roles.customer_service.concurrency=1``) of the shop's rules."""
    sharing = {step.role for wf in s.workflows.values() for _, step, _ in walk(wf.steps)
               if isinstance(step, Work) and step.shared}
    for rid, role in s.org.roles.items():
        if role.concurrency > 1 and rid not in sharing:
            yield ("org", "roles", rid, "concurrency"), _never(rid, role.concurrency)
    for rid, role in s.org.roles.items():
        if role.slowdown > 0 and max(concurrency_by_day(s, rid), default=1) <= role.concurrency:
            yield ("org", "roles", rid, "slowdown"), (
                f"slowdown {role.slowdown:g}, but role '{rid}' never holds more than its concurrency "
                f"{role.concurrency} (no calendars.concurrency raises it), so it could never apply")
    for rid, role in s.org.roles.items():
        if role.claim_after_hours > 0 and rid not in sharing:
            yield ("org", "roles", rid, "claim_after_hours"), (
                f"claim_after_hours {role.claim_after_hours:g}, but no step of role '{rid}' is "
                f"shared: no member ever holds conversations to be claimed from, so it could never "
                f"apply")
    for rid, role in s.org.roles.items():
        if role.interleave_up_to_minutes > 0 and rid not in sharing:
            yield ("org", "roles", rid, "interleave_up_to_minutes"), (
                f"interleave_up_to_minutes {role.interleave_up_to_minutes:g}, but no step of role "
                f"'{rid}' is shared: no member ever holds conversations to do brief work between, "
                f"so it could never apply")
    for i, p in enumerate(s.calendars.concurrency):
        if p.value > 1 and p.role in s.org.roles and p.role not in sharing \
                and s.org.roles[p.role].concurrency == 1:
            yield ("calendars", "concurrency", i, "value"), _never(p.role, p.value)
    for wid, wf in s.workflows.items():
        seen: dict[str, tuple[bool, tuple]] = {}
        for path, step, _ in walk(wf.steps, ("workflows", wid, "steps")):
            if not isinstance(step, Work):
                continue
            first = seen.setdefault(step.id, (step.shared, path))
            if first[0] != step.shared:
                where = format_path(first[1])
                yield path + ("shared",), (
                    f"step '{step.id}' is {'' if step.shared else 'not '}shared here but "
                    f"{'not ' if step.shared else ''}at {where}; steps of one workflow with one id "
                    f"must agree (the analysis tells them apart by id)")


def _never(role: str, k: int) -> str:
    return (f"concurrency {k}, but no step of role '{role}' is shared: every task takes the whole "
            f"member, so this concurrency could never apply; mark the role's conversation steps "
            f"'shared: true'")
