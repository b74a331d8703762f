"""What ``opsim show`` prints: the org chart as a tree and the workflows with
their lanes, as text or as plain JSON-ready data. Builds strings and dicts;
never prints."""
from __future__ import annotations

import json
from typing import Any

from rules.scenario import Scenario
from rules.workflow import Step, Workflow, walk

ASSUMED_MARK = "*"


def children_of(s: Scenario) -> dict[str | None, list[str]]:
    """Role ids by superior (``None`` for the roots), in the chart's order."""
    out: dict[str | None, list[str]] = {}
    for rid, role in s.org.roles.items():
        boss = role.reports_to if role.reports_to in s.org.roles else None
        out.setdefault(boss, []).append(rid)
    return out


def lane_name_zh(s: Scenario, lane: str) -> str:
    """Chinese name of a lane: a role, an outside party or a group."""
    for table in (s.org.roles, s.org.parties, s.org.groups):
        if lane in table:
            return table[lane].name_zh
    return ""


def lane_kind(s: Scenario, lane: str) -> str:
    for kind, table in (("role", s.org.roles), ("party", s.org.parties), ("group", s.org.groups)):
        if lane in table:
            return kind
    return "unknown"


def step_count(steps: tuple[Step, ...]) -> int:
    """Every step, including those nested in branches."""
    return sum(1 for _ in walk(steps))


def sorted_workflows(s: Scenario) -> list[tuple[str, Workflow]]:
    return sorted(s.workflows.items(), key=lambda item: (item[1].number, item[0]))


# --- JSON -----------------------------------------------------------------

def _role_data(s: Scenario, rid: str) -> dict[str, Any]:
    role = s.org.roles[rid]
    return {
        "id": rid, "name_zh": role.name_zh, "department": role.department,
        "headcount": s.org.headcount(rid), "headcount_rule": role.headcount,
        "headcount_basis": role.headcount_basis,
        "assumed": role.headcount_basis == "assumed",
        "reports_to": role.reports_to, "note": role.note,
    }


def _workflow_data(s: Scenario, wid: str, wf: Workflow) -> dict[str, Any]:
    return {
        "id": wid, "name_zh": wf.name_zh, "number": wf.number,
        "lanes": list(wf.lanes),
        "lane_details": [{"id": lane, "name_zh": lane_name_zh(s, lane), "kind": lane_kind(s, lane)}
                         for lane in wf.lanes],
        "trigger": wf.trigger.model_dump(mode="json"),
        "extra_triggers": [t.model_dump(mode="json") for t in wf.extra_triggers],
        "priority": wf.priority, "enabled": wf.enabled,
        "step_count": len(wf.steps), "step_count_all": step_count(wf.steps),
        "steps": [step.model_dump(mode="json") for step in wf.steps],
    }


def show_data(s: Scenario) -> dict[str, Any]:
    """Everything ``opsim show --format json`` prints, as plain data."""
    org = s.org
    return {
        "scenario": s.name,
        "projects": org.projects,
        "total_headcount": s.total_headcount,
        "departments": [{"id": did, **d.model_dump(mode="json")} for did, d in org.departments.items()],
        "roles": [_role_data(s, rid) for rid in org.roles],
        "parties": [{"id": pid, **p.model_dump(mode="json")} for pid, p in org.parties.items()],
        "groups": [{"id": gid, **g.model_dump(mode="json")} for gid, g in org.groups.items()],
        "workflows": [_workflow_data(s, wid, wf) for wid, wf in sorted_workflows(s)],
        "service_windows": [{"id": wid, **w.model_dump(mode="json")} for wid, w in s.service_windows.items()],
    }


def show_json(s: Scenario) -> str:
    return json.dumps(show_data(s), ensure_ascii=False, indent=2)


# --- text -----------------------------------------------------------------

def _role_line(s: Scenario, rid: str) -> str:
    role = s.org.roles[rid]
    mark = ASSUMED_MARK if role.headcount_basis == "assumed" else ""
    rule = " (one per project)" if role.headcount == "per_project" else ""
    dept = s.org.departments.get(role.department)
    dept_zh = f" [{dept.name_zh}]" if dept is not None else ""
    return f"{rid} {role.name_zh} x{s.org.headcount(rid)}{mark}{rule}{dept_zh}"


def org_tree_lines(s: Scenario) -> list[str]:
    """The reporting lines drawn as a tree with box-drawing characters."""
    kids = children_of(s)
    lines: list[str] = []

    def visit(rid: str, prefix: str, last: bool, root: bool, seen: frozenset[str]) -> None:
        branch = "" if root else ("└── " if last else "├── ")
        lines.append(prefix + branch + _role_line(s, rid))
        below = kids.get(rid, [])
        inner = prefix if root else prefix + ("    " if last else "│   ")
        for i, child in enumerate(below):
            if child not in seen:
                visit(child, inner, i == len(below) - 1, False, seen | {child})

    for rid in kids.get(None, []):
        visit(rid, "", True, True, frozenset({rid}))
    return lines


def workflow_lines(s: Scenario) -> list[str]:
    lines: list[str] = []
    for wid, wf in sorted_workflows(s):
        nested = step_count(wf.steps)
        extra = f", {nested} with branches" if nested != len(wf.steps) else ""
        lines.append(f"{wf.number:>3}. {wid} {wf.name_zh}: {len(wf.steps)} steps{extra}")
        lanes = " | ".join(f"{lane} {lane_name_zh(s, lane)}".strip() for lane in wf.lanes)
        lines.append(f"     lanes: {lanes}")
    return lines


def window_lines(s: Scenario) -> list[str]:
    return [f"  {wid} {w.name_zh}: {w.start.activity} -> {w.end.activity} "
            f"within {w.limit:g} {w.clock} ({w.owner})" for wid, w in s.service_windows.items()]


def show_text(s: Scenario) -> str:
    """The org chart, the workflows and the service windows, for a terminal."""
    head = (f"Org chart of '{s.name}': {len(s.org.roles)} roles, total headcount "
            f"{s.total_headcount}, {s.org.projects} projects ({ASSUMED_MARK} = assumed headcount)")
    parts = [head, *org_tree_lines(s), "",
             f"Workflows ({len(s.workflows)}):", *workflow_lines(s)]
    if s.service_windows:
        parts += ["", f"Service windows ({len(s.service_windows)}):", *window_lines(s)]
    return "\n".join(parts)
