"""Cross-field checks that a schema alone cannot express.

Each check yields ``(path, message)``; the loader maps the path back to the
file that set it. Messages say what is wrong and what would be right.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence

from rules.aftersales import table_problems
from rules.calendar import Override, library_covers, library_version
from rules.errors import plural, suggest
from rules.rest_checks import rest_cover_problems, rest_day_problems
from rules.scenario import Scenario
from rules.window_checks import check_windows
from rules.workflow import (
    Approval,
    Branch,
    Contest,
    Meeting,
    Milestone,
    Step,
    Wait,
    Work,
    Workflow,
    walk,
)
from rules.workload import check_duties, check_per_item, check_shared

Found = Iterator[tuple[tuple, str]]


_unknown = suggest


def check_org(s: Scenario) -> Found:
    org = s.org
    for rid, role in org.roles.items():
        if role.department not in org.departments:
            yield (("org", "roles", rid, "department"),
                   _unknown("department", role.department, org.departments))
        if role.reports_to is not None and role.reports_to not in org.roles:
            yield ("org", "roles", rid, "reports_to"), _unknown("role", role.reports_to, org.roles)
        if role.roster not in s.calendars.rosters:
            yield ("org", "roles", rid, "roster"), _unknown("roster", role.roster, s.calendars.rosters)
    roots = [r for r, role in org.roles.items() if role.reports_to is None]
    if roots != ["general_manager"] and "general_manager" in org.roles:
        others = [r for r in roots if r != "general_manager"]
        for r in others:
            yield ("org", "roles", r, "reports_to"), (
                "missing: every role except general_manager must report to someone; "
                "reporting lines must form one tree rooted at general_manager")
    if "general_manager" not in org.roles and s.rules == "default":
        yield ("org", "roles"), "the shop's chart needs the role 'general_manager' at its root"
    yield from _cycles(s)
    for gid, group in org.groups.items():
        for i, member in enumerate(group.members):
            if member not in org.roles:
                yield ("org", "groups", gid, "members", i), _unknown("role", member, org.roles)


def _cycles(s: Scenario) -> Found:
    roles = s.org.roles
    reported: set[frozenset[str]] = set()
    for start in roles:
        seen: list[str] = []
        node: str | None = start
        while node is not None and node in roles and node not in seen:
            seen.append(node)
            node = roles[node].reports_to
        if node is not None and node in seen:
            loop = seen[seen.index(node):]
            key = frozenset(loop)
            if key not in reported:
                reported.add(key)
                chain = " -> ".join(loop + [node])
                yield ("org", "roles", node, "reports_to"), (
                    f"reporting lines form a cycle ({chain}); "
                    f"they must form a tree rooted at general_manager")


def check_calendars(s: Scenario) -> Found:
    cal = s.calendars
    for rid, groups in cal.rosters.items():
        alls = 0
        for i, g in enumerate(groups):
            if g.shift not in cal.shifts:
                yield ("calendars", "rosters", rid, i, "shift"), _unknown("shift", g.shift, cal.shifts)
            alls += g.members == "all"
            if (g.days_on is None) != (g.days_off == 0):
                # Either alone names no rest day: the member would work every day.
                yield ("calendars", "rosters", rid, i, "days_off" if g.days_on is not None else "days_on"), (
                    "rest days need both days_on (days worked in a row) and days_off (rest days "
                    "after them, at least 1); give both, or neither for every day")
        if alls > 1:
            yield ("calendars", "rosters", rid), "at most one group may have members: all"
    for rid, role in s.org.roles.items():
        groups = cal.rosters.get(role.roster, ())
        fixed = sum(g.members for g in groups if g.members != "all")
        n = s.org.headcount(rid)
        if fixed > n:
            yield ("org", "roles", rid, "headcount"), (
                f"headcount {n} is less than the {fixed} members roster '{role.roster}' puts on shifts "
                f"(calendars.rosters.{role.roster}); raise the headcount or change the roster")
        else:
            yield from rest_cover_problems(s, rid)
    yield from _check_overrides(s)
    yield from _check_concurrency(s)
    yield from _check_listed_years(s)
    if cal.holidays.source == "chinese_calendar":
        for year in range(s.horizon.start.year, s.horizon.end.year + 1):
            if year not in cal.holidays.years and not library_covers(year):
                end = "start" if year == s.horizon.start.year else "end"
                yield ("horizon", end), (
                    f"the horizon reaches {year}, which chinese-calendar {library_version()} does not cover; "
                    f"list that year's holidays and make-up working days under "
                    f"calendars.holidays.years.{year} (holidays: [...], workdays: [...])")


def _check_overrides(s: Scenario) -> Found:
    """Overrides that could never take effect or say something impossible."""
    cal, h = s.calendars, s.horizon
    for i, o in enumerate(cal.overrides):
        here = ("calendars", "overrides", i)
        if o.role not in s.org.roles:
            yield here + ("role",), _unknown("role", o.role, s.org.roles)
            continue
        if o.shift is not None and o.shift not in cal.shifts:
            yield here + ("shift",), _unknown("shift", o.shift, cal.shifts)
        if o.to is not None and o.to not in s.org.roles:
            yield here + ("to",), _unknown("role", o.to, s.org.roles)
        if o.end < h.start or o.start > h.end:
            what = {"extra": "temporary staff", "overtime": "overtime", "absent": "absence",
                    "lend": "loan", "no_rest": "cancelling of rest days"}[o.change]
            yield here, (f"{o.start}..{o.end} lies outside the horizon {h.start}..{h.end}, "
                         f"so this {what} would never take effect")
        n = s.org.headcount(o.role)
        if o.change != "extra" and o.members > n:
            yield here + ("members",), (
                f"{o.members} members {_away[o.change]} but "
                f"role '{o.role}' has only {plural(n, 'member')}")
        yield from rest_day_problems(s, o, here)
    # The engine takes absences and overtime from the same members (the last
    # ones away, the first ones on overtime): two that overlap do not add up.
    # A loan takes the members an absence would (the last ones).
    same = [(i, o) for i, o in enumerate(cal.overrides) if o.change not in ("extra", "no_rest")]
    for k, (i, o) in enumerate(same):
        for j, other in same[:k]:
            if (_taken(other) == _taken(o) and other.start <= o.end and o.start <= other.end):
                what, verb = ("overtime", "work it") if o.change == "overtime" else ("absence", "be away")
                yield ("calendars", "overrides", i), (
                    f"overlaps the {what} calendars.overrides[{j}] of '{o.role}' "
                    f"({max(o.start, other.start)}..{min(o.end, other.end)}): the same members "
                    f"would {verb} in both; give one {what} with the total for those days")
                break


def _check_concurrency(s: Scenario) -> Found:
    """Concurrency by date for no role, outside the horizon, or overlapping
    another value (the last listed would win silently)."""
    h, periods = s.horizon, s.calendars.concurrency
    for i, p in enumerate(periods):
        here = ("calendars", "concurrency", i)
        if p.role not in s.org.roles:
            yield here + ("role",), _unknown("role", p.role, s.org.roles)
        if p.end < h.start or p.start > h.end:
            yield here, (f"{p.start}..{p.end} lies outside the horizon {h.start}..{h.end}, "
                         f"so this concurrency would never apply")
        for j, q in enumerate(periods[:i]):
            if q.role == p.role and q.start <= p.end and p.start <= q.end and q.value != p.value:
                yield here, (f"overlaps calendars.concurrency[{j}] of '{p.role}' with another "
                             f"value ({q.value} vs {p.value}); give each date one value")
                break


_away = {"absent": "absent", "overtime": "on overtime", "lend": "lent", "no_rest": "working rest days"}


def _taken(o: Override) -> tuple:
    """Which members an override takes: overtime the first of its shift,
    absences and loans the last ones."""
    return (o.role, "overtime", o.shift) if o.change == "overtime" else (o.role, "away")


def _check_listed_years(s: Scenario) -> Found:
    """A date listed under another year would be silently ignored."""
    for year, listed in s.calendars.holidays.years.items():
        for field in ("holidays", "workdays"):
            for k, day in enumerate(getattr(listed, field)):
                if day.year != year:
                    yield (("calendars", "holidays", "years", year, field, k),
                           f"{day} is listed under the year {year}; list it under {day.year}")


def check_workflows(s: Scenario) -> Found:
    org = s.org
    lanes_ok = set(org.roles) | set(org.parties) | set(org.groups)
    for wid, wf in s.workflows.items():
        base = ("workflows", wid)
        for i, lane in enumerate(wf.lanes):
            if lane not in lanes_ok:
                yield base + ("lanes", i), _unknown("role or party", lane, lanes_ok)
        covered = set(wf.lanes)
        for lane in wf.lanes:
            if lane in org.groups:
                covered |= set(org.groups[lane].members)
        if wf.trigger.kind in ("demand", "campaign") and s.demand is None:
            yield (base + ("trigger", "kind"),
                   f"trigger '{wf.trigger.kind}' needs a 'demand' section in the scenario")
        for k, extra in enumerate(wf.extra_triggers):
            if extra.kind in ("demand", "none"):
                yield (base + ("extra_triggers", k, "kind"),
                       f"an extra trigger of kind '{extra.kind}' would never start a case; "
                       f"use every, rate or campaign")
            elif extra.kind == "campaign" and s.demand is None:
                yield (base + ("extra_triggers", k, "kind"),
                       "trigger 'campaign' needs a 'demand' section in the scenario")
        triggers = (wf.trigger, *wf.extra_triggers)
        if not any(x.kind == "campaign" for x in triggers):
            for k, x in enumerate(triggers):
                if x.replaced_by_campaign:
                    yield (base + (("trigger",) if k == 0 else ("extra_triggers", k - 1))
                           + ("replaced_by_campaign",),
                           f"workflow '{wid}' has no campaign trigger to replace this trigger's cases")
        for path, step, siblings in walk(wf.steps, base + ("steps",)):
            if step.id in [x.id for x in siblings[: _index(siblings, step)]]:
                yield path + ("id",), (f"duplicate step id '{step.id}' in one step list of workflow '{wid}'; "
                                       f"ids must be unique within a list (rework targets them)")
            yield from _check_step(s, wf, path, step, siblings, covered)
    yield from _check_starts(s)
    yield from check_per_item(s)
    yield from check_shared(s)


def _check_starts(s: Scenario) -> Found:
    """Milestones that start another workflow: the target exists, and no
    chain of starts comes back to where it began (it would never end)."""
    edges: dict[str, list[tuple[str, tuple]]] = {}
    for wid, wf in s.workflows.items():
        for path, step, _ in walk(wf.steps, ("workflows", wid, "steps")):
            if isinstance(step, Milestone) and step.starts is not None:
                if step.starts not in s.workflows:
                    yield path + ("starts",), _unknown("workflow", step.starts, s.workflows)
                else:
                    edges.setdefault(wid, []).append((step.starts, path + ("starts",)))
    # Each cycle is found once, from its first workflow in sorted order: the
    # search from ``first`` only passes through workflows that sort after it.
    for first in sorted(edges):
        seen, stack = {first}, [(first, [first])]
        while stack:
            wid, chain = stack.pop()
            for target, path in edges.get(wid, []):
                if target == first:
                    yield path, (f"workflows start each other in a cycle "
                                 f"({' -> '.join(chain + [first])}); a chain of starts must end")
                elif target > first and target not in seen:
                    seen.add(target)
                    stack.append((target, chain + [target]))


def _index(siblings: Sequence[Step], step: Step) -> int:
    return next(i for i, x in enumerate(siblings) if x is step)


def _need_role(s: Scenario, path: tuple, field: str, role: str, covered: set[str]) -> Found:
    if role not in s.org.roles:
        yield path + (field,), _unknown("role", role, s.org.roles)
        return
    if role not in covered:
        yield path + (field,), f"role '{role}' is not in the workflow's lanes; add it to 'lanes'"
    if s.org.headcount(role) == 0:
        yield path + (field,), f"role '{role}' has headcount 0, so this step could never be done"


def _check_step(s: Scenario, wf: Workflow, path: tuple, step: Step, siblings: Sequence[Step],
                covered: set[str]) -> Found:
    if isinstance(step, (Work, Approval, Contest)):
        yield from _need_role(s, path, "role", step.role, covered)
    if isinstance(step, Contest):
        yield from _need_role(s, path, "judge", step.judge, covered)
        if step.role in s.org.roles and step.entrants > s.org.headcount(step.role):
            yield path + ("entrants",), (
                f"{step.entrants} entrants but role '{step.role}' has only "
                f"{plural(s.org.headcount(step.role), 'member')}; entrants must not exceed the headcount")
    if isinstance(step, Meeting):
        for role, n in step.roles.items():
            yield from _need_role(s, path + ("roles",), role, role, covered)
            if role in s.org.roles and n != "all" and n > s.org.headcount(role):
                yield path + ("roles", role), (
                    f"{plural(n, 'attendee')} but role '{role}' has only "
                    f"{plural(s.org.headcount(role), 'member')}; use at most that or 'all'")
    if isinstance(step, Work) and step.patience is not None and step.patience.mean_hours() <= 0:
        yield path + ("patience",), ("a patience of zero: every customer would leave before anyone "
                                     "could answer; give a positive time or no patience")
    if isinstance(step, Wait) and step.party not in s.org.parties:
        yield path + ("party",), _unknown("party", step.party, s.org.parties)
    if isinstance(step, Approval):
        earlier = [x.id for x in siblings[: _index(siblings, step) + 1]]
        if step.rework_to not in earlier:
            yield path + ("rework_to",), (
                f"rework_to '{step.rework_to}' must name this step or an earlier step of the same list "
                f"({', '.join(earlier)}); a later or nested target could loop without end")
    if isinstance(step, Branch) and step.by in ("aftersales_table", "refund_table"):
        yield from _check_table_branch(s, wf, path, step)


def _check_table_branch(s: Scenario, wf: Workflow, path: tuple, step: Branch) -> Found:
    if s.aftersales is None:
        yield path + ("by",), f"branch by {step.by} needs an 'aftersales' section"
        return
    if step.by == "aftersales_table":
        kind = wf.aftersales_kind
        if kind is None:
            yield path + ("by",), ("a branch by aftersales_table needs the workflow's "
                                   "'aftersales_kind' (exchange or return)")
            return
        expected = s.aftersales.actions_for(kind)
    else:
        expected = {r.action for r in s.aftersales.refund_table}
    got = set(step.actions)
    for missing in sorted(expected - got):
        yield path + ("actions",), f"missing action '{missing}', which the table can choose; add steps for it"
    for extra in sorted(got - expected):
        yield path + ("actions", extra), (f"action '{extra}' is never chosen by the table; "
                                          f"expected {sorted(expected)}")


def check_aftersales(s: Scenario) -> Found:
    if s.aftersales is None and s.demand is not None:
        # The demand model draws each order's after-sales request (kind,
        # fault, resalable) from this section's case mix.
        yield ("aftersales",), ("the demand section needs an 'aftersales' section (its case_mix "
                                "draws each order's after-sales request); 'rules: default' brings "
                                "the shop's")
    if s.aftersales is not None:
        for path, message in table_problems(s.aftersales):
            yield ("aftersales",) + path, message


def check_scenario(s: Scenario) -> Found:
    for check in (check_org, check_duties, check_calendars, check_workflows, check_aftersales,
                  check_windows):
        yield from check(s)
    for field, prices in (("regular_daily", s.costs.regular_daily),
                          ("temporary_daily", s.costs.temporary_daily),
                          ("overtime_hourly", s.costs.overtime_hourly)):
        for role in prices:
            if role != "default" and role not in s.org.roles:
                yield ("costs", field, role), suggest("role", role, s.org.roles)
    for name, period in s.periods.items():
        if period.start < s.horizon.start or period.end > s.horizon.end:
            yield ("periods", name), (f"period {period.start}..{period.end} does not lie within "
                                      f"the horizon {s.horizon.start}..{s.horizon.end}")
    if s.demand is not None:
        yield from _check_rate_periods(s)
        yield from _check_bot(s)
        for cid, c in s.demand.campaigns.items():
            if c.end < s.horizon.start or c.start > s.horizon.end:
                yield ("demand", "campaigns", cid), (
                    f"campaign {c.start}..{c.end} lies outside the horizon "
                    f"{s.horizon.start}..{s.horizon.end}")


def _check_rate_periods(s: Scenario) -> Found:
    """Return-rate periods that overlap with different values (the first
    listed would win silently) or lie outside the horizon."""
    if s.demand is None:
        return
    periods = s.demand.return_rate_periods
    h = s.horizon
    for i, p in enumerate(periods):
        here = ("demand", "return_rate_periods", i)
        if p.end < h.start or p.start > h.end:
            yield here, (f"{p.start}..{p.end} lies outside the horizon {h.start}..{h.end}, "
                         f"so this return rate would never apply")
        for j, q in enumerate(periods[:i]):
            if q.start <= p.end and p.start <= q.end and q.value != p.value:
                yield here, (f"overlaps return_rate_periods[{j}] ({max(p.start, q.start)}.."
                             f"{min(p.end, q.end)}) with another value ({p.value:g} vs {q.value:g}); "
                             f"periods with different values must not overlap")
                break


def _check_bot(s: Scenario) -> Found:
    """A bot share needs the order workflow to say what a bot's chat does."""
    d = s.demand
    wf = s.workflows.get(d.order_workflow) if d is not None else None
    if d is None or wf is None or not d.has_bot:
        return
    branches = [st for _, st, _ in walk(wf.steps) if isinstance(st, Branch) and st.attribute == "contact"]
    missing = [a for a in ("bot_order", "bot_only") if not branches or a not in branches[0].actions]
    if missing:
        yield ("demand", "bot_share"), (
            f"a bot answers chats but workflow '{d.order_workflow}' has no "
            f"{' or '.join(repr(m) for m in missing)} action in its 'contact' branch; add them")
