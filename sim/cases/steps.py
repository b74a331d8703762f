"""Workflow steps compiled once per replication into executable nodes.

Compiling binds each step to its staff pool and its own random stream, so the
interpreter's hot path does no lookups by name and no validation.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from rules.calendar import hours_of
from rules.scenario import Scenario
from rules.workflow import (
    Approval,
    Branch,
    Contest,
    Meeting,
    Milestone,
    Scheduled,
    Step,
    Wait,
    Work,
)
from sim.inputs.streams import Streams
from sim.staff.pool import StaffPool

Draw = Callable[[], float]


class StepRef(Protocol):
    """The step a case is in, as its records name it: a :class:`Node`, or a
    duty's stand-in (``sim.cases.duties``)."""
    @property
    def id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def priority(self) -> int: ...
    @property
    def id_code(self) -> int: ...
    @property
    def kind_code(self) -> int: ...
    @property
    def role_code(self) -> int: ...


class Node:
    """One executable step. Fields unused by a kind stay ``None``; each is
    typed as the kinds that use it hold it (the interpreter reads a field
    only for a node of such a kind), so the hot path needs no narrowing."""
    __slots__ = ("kind", "id", "role", "pool", "draw", "priority", "reject_p", "rework",
                 "max_rounds", "u", "attendees", "entrants", "judge", "judge_draw",
                 "at", "working_only", "end_case", "starts", "by", "attribute", "cases", "actions",
                 "patience", "per_item", "shared", "marks", "wf_code", "id_code", "kind_code", "role_code")
    kind: str
    id: str
    role: str
    priority: int
    #: The codes of the step's workflow, id, kind and role in the event log's
    #: vocabulary (:func:`code_steps`): what its records hold.
    wf_code: int
    id_code: int
    kind_code: int
    role_code: int
    #: work, approval, contest (entrants)
    pool: StaffPool
    #: work, approval, contest, meeting, wait
    draw: Draw
    #: approval
    reject_p: float
    rework: int
    max_rounds: int
    #: approval, branch by probability
    u: Draw
    #: meeting: (pool, people) per role, in acquiring order
    attendees: list[tuple[StaffPool, int]]
    #: contest
    entrants: int
    judge: StaffPool
    judge_draw: Draw
    #: scheduled: ``at`` (hours) or ``attribute``, exactly one of them set
    at: float | None
    working_only: bool
    #: milestone
    end_case: bool
    starts: str | None
    #: branch (``attribute`` for ``by: attribute``)
    by: str
    attribute: str | None
    cases: list[tuple[float, str, list[Node]]]
    actions: dict[str, list[Node]]
    #: work with patience
    patience: Draw | None
    #: work done once per item of the case's batch (``items``)
    per_item: bool
    #: work: a conversation sharing the member (else it takes the whole member)
    shared: bool
    #: Platform timers the end of this step starts and stops (``sim.cases.timers``).
    marks: tuple[list, list] | None

    def __init__(self, kind: str, step_id: str, priority: int) -> None:
        for name in self.__slots__:
            setattr(self, name, None)
        self.kind = kind
        self.id = step_id
        self.priority = priority
        self.role = ""


def compile_steps(s: Scenario, scope: str, steps: tuple[Step, ...], pools: dict[str, StaffPool],
                  streams: Streams, prio: int) -> list[Node]:
    """``scope`` names the step list in stream names: the workflow id at the
    top, ``wid/branch.case`` below, so two branches that both have a ``chat``
    step still draw from streams of their own."""
    nodes = [_compile(s, scope, st, pools, streams, prio) for st in steps]
    ids = [n.id for n in nodes]
    for node, st in zip(nodes, steps):
        if isinstance(st, Approval):
            node.rework = ids.index(st.rework_to)
    return nodes


def code_steps(nodes: list[Node], workflow: str, code: Callable[[str], int]) -> None:
    """Give every step of ``workflow`` (branches' steps too) its codes."""
    wf = code(workflow)
    for node in nodes:
        node.wf_code, node.id_code = wf, code(node.id)
        node.kind_code, node.role_code = code(node.kind), code(node.role)
        for _, _, sub in node.cases or ():
            code_steps(sub, workflow, code)
        for sub in (node.actions or {}).values():
            code_steps(sub, workflow, code)


def _compile(s: Scenario, scope: str, st: Step, pools: dict[str, StaffPool], streams: Streams,
             prio: int) -> Node:
    p = st.priority if st.priority is not None else prio
    node = Node(st.kind, st.id, p)
    src = f"{scope}:{st.id}"
    if isinstance(st, (Work, Approval, Contest)):
        node.role = st.role
        node.pool = pools[st.role]
        node.draw = streams.durations("dur:" + src, st.duration)
    if isinstance(st, Work):
        node.per_item = st.per_item
        node.shared = st.shared
        if st.patience is not None:
            node.patience = streams.durations("patience:" + src, st.patience)
    if isinstance(st, Approval):
        node.reject_p = st.reject_probability
        node.max_rounds = st.max_rounds
        node.u = streams.uniforms("approve:" + src)
    elif isinstance(st, Contest):
        node.entrants = st.entrants
        node.judge = pools[st.judge]
        node.judge_draw = streams.durations("judge:" + src, st.judge_duration)
    elif isinstance(st, Meeting):
        # Acquire in one global order (sorted role ids) so that meetings
        # waiting on each other's attendees can never deadlock.
        node.attendees = [(pools[r], s.org.headcount(r) if n == "all" else n)
                          for r, n in sorted(st.roles.items())]
        node.role = "+".join(sorted(st.roles))
        node.draw = streams.durations("dur:" + src, st.duration)
    elif isinstance(st, Wait):
        node.role = st.party
        node.draw = streams.durations("wait:" + src, st.duration)
    elif isinstance(st, Scheduled):
        node.at = hours_of(st.at) if st.at is not None else None
        node.attribute = st.attribute
        node.working_only = st.days == "working"
    elif isinstance(st, Milestone):
        node.end_case = st.end_case
        node.starts = st.starts
    elif isinstance(st, Branch):
        _compile_branch(s, scope, st, node, pools, streams, prio)
    return node


def _compile_branch(s: Scenario, scope: str, st: Branch, node: Node, pools: dict[str, StaffPool],
                    streams: Streams, prio: int) -> None:
    node.by = st.by
    node.attribute = st.attribute
    if st.by == "probability":
        node.u = streams.uniforms(f"branch:{scope}:{st.id}")
        acc, cases = 0.0, []
        for case in st.cases:
            acc += case.p
            sub = compile_steps(s, f"{scope}/{st.id}.{case.name}", case.steps, pools, streams, prio)
            cases.append((acc, case.name, sub))
        node.cases = cases
    else:
        node.actions = {name: compile_steps(s, f"{scope}/{st.id}.{name}", sub, pools, streams, prio)
                        for name, sub in st.actions.items()}
