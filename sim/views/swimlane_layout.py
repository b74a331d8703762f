"""Where each step of a workflow goes in its swimlane: a grid of columns
(order, left to right) and lanes (who acts), with no two steps in one cell.

Pure layout, no drawing. Steps sit in the lane of their role or party (or
of a group lane that contains the role); meetings span the lanes of their
roles; steps without an actor (milestones, scheduled moments, branches) sit
in the lane of the step before. A branch's cases start right after it and
take the first free cells; the step after the branch comes after them all.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rules.scenario import Scenario
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


@dataclass
class Node:
    key: int
    kind: str                 # a step kind, or "judge" for a contest's pick
    col: int
    lo: int                   # topmost lane index it covers
    hi: int                   # lowest lane index it covers
    step: Step
    members: tuple[int, ...] = ()   # lanes of a meeting's roles
    ends_case: bool = False


@dataclass
class Edge:
    src: int
    dst: int
    label: str = ""
    rework: bool = False


@dataclass
class Layout:
    lanes: list[str]
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    taken: set[tuple[int, int]] = field(default_factory=set)

    @property
    def columns(self) -> int:
        return 1 + max((n.col for n in self.nodes), default=0)

    def busy_between(self, lane: int, c0: int, c1: int) -> int:
        """Occupied cells of ``lane`` strictly between columns ``c0`` and ``c1``."""
        lo, hi = sorted((c0, c1))
        return sum((c, lane) in self.taken for c in range(lo + 1, hi))


Tails = list[tuple[int, str]]   # node key, label of the edge still to draw


class _Builder:
    def __init__(self, s: Scenario, wf: Workflow) -> None:
        self.s = s
        self.out = Layout(lanes=list(wf.lanes))

    # --- lanes -------------------------------------------------------------
    def lane_of(self, actor: str) -> int:
        lanes = self.out.lanes
        if actor in lanes:
            return lanes.index(actor)
        for i, lane in enumerate(lanes):
            group = self.s.org.groups.get(lane)
            if group is not None and actor in group.members:
                return i
        lanes.append(actor)          # not covered: the checks refuse this, draw it anyway
        return len(lanes) - 1

    def meeting_lanes(self, step: Meeting) -> tuple[int, ...]:
        found = {self.lane_of(r) for r in step.roles}
        for i, lane in enumerate(self.out.lanes):
            group = self.s.org.groups.get(lane)
            if group is not None and set(group.members) <= set(step.roles):
                found.add(i)
        return tuple(sorted(found))

    def first_actor_lane(self, steps: tuple[Step, ...]) -> int | None:
        for _, step, _ in walk(steps):
            if isinstance(step, (Work, Approval, Contest)):
                return self.lane_of(step.role)
            if isinstance(step, Wait):
                return self.lane_of(step.party)
            if isinstance(step, Meeting):
                return self.meeting_lanes(step)[0]
        return None

    # --- cells -------------------------------------------------------------
    def put(self, kind: str, step: Step, col: int, lanes: tuple[int, ...], **extra: Any) -> Node:
        lo, hi = min(lanes), max(lanes)
        while any((col, lane) in self.out.taken for lane in range(lo, hi + 1)):
            col += 1
        node = Node(len(self.out.nodes), kind, col, lo, hi, step, **extra)
        self.out.nodes.append(node)
        self.out.taken |= {(col, lane) for lane in range(lo, hi + 1)}
        return node

    def link(self, tails: Tails, node: Node) -> None:
        for src, label in tails:
            self.out.edges.append(Edge(src, node.key, label))

    # --- steps -------------------------------------------------------------
    def sequence(self, steps: tuple[Step, ...], col: int, tails: Tails,
                 hint: int | None) -> tuple[Tails, int, int]:
        """Place ``steps`` from column ``col``; return the open tails, the
        next free column and the lane of the last step."""
        local: dict[str, Node] = {}
        for i, step in enumerate(steps):
            if hint is None:
                hint = self.first_actor_lane(steps[i:]) or 0
            if isinstance(step, Branch):
                tails, col, hint = self.branch(step, col, tails, hint)
                continue
            first, last = self.single(step, col, hint)
            self.link(tails, first)
            local[step.id] = first
            if isinstance(step, Approval) and step.rework_to in local:
                self.out.edges.append(Edge(last.key, local[step.rework_to].key,
                                           f"rework ≤{step.max_rounds}", rework=True))
            tails = [] if last.ends_case else [(last.key, "")]
            col, hint = last.col + 1, last.lo
        return tails, col, hint if hint is not None else 0

    def single(self, step: Step, col: int, hint: int) -> tuple[Node, Node]:
        if isinstance(step, Meeting):
            lanes = self.meeting_lanes(step)
            node = self.put("meeting", step, col, lanes, members=lanes)
            return node, node
        if isinstance(step, Contest):
            node = self.put("contest", step, col, (self.lane_of(step.role),))
            judge = self.put("judge", step, node.col + 1, (self.lane_of(step.judge),))
            self.out.edges.append(Edge(node.key, judge.key))
            return node, judge
        if isinstance(step, (Work, Approval)):
            node = self.put(step.kind, step, col, (self.lane_of(step.role),))
        elif isinstance(step, Wait):
            node = self.put("wait", step, col, (self.lane_of(step.party),))
        else:
            ends = isinstance(step, Milestone) and step.end_case
            node = self.put(step.kind, step, col, (hint,), ends_case=ends)
        return node, node

    def branch(self, step: Branch, col: int, tails: Tails, hint: int) -> tuple[Tails, int, int]:
        diamond = self.put("branch", step, col, (hint,))
        self.link(tails, diamond)
        out: Tails = []
        nxt = diamond.col + 1
        for name, sub in branch_cases(step):
            if not sub:
                out.append((diamond.key, name))
                continue
            sub_tails, sub_col, _ = self.sequence(sub, diamond.col + 1, [(diamond.key, name)], diamond.lo)
            out += sub_tails
            nxt = max(nxt, sub_col)
        return out, nxt, diamond.lo


def branch_cases(step: Branch) -> list[tuple[str, tuple[Step, ...]]]:
    """``(label, steps)`` per case or action of a branch."""
    if step.by == "probability":
        return [(f"{c.name} p={c.p:g}", c.steps) for c in step.cases]
    return list(step.actions.items())


def layout_workflow(s: Scenario, wf: Workflow) -> Layout:
    builder = _Builder(s, wf)
    builder.sequence(wf.steps, 0, [], None)
    return builder.out

