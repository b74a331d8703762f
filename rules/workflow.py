"""Workflows as lists of steps of a few kinds.

Steps form a structured program: branches hold nested step lists and the
only backward jump is an approval's rework, which is capped. So no workflow
can loop forever, and the loader can prove it by looking at the data.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Literal

from pydantic import Field, StrictFloat, StrictInt, model_validator

from rules.distributions import Duration
from rules.org import Frozen, Id
from rules.ranges import MAX_ITEMS, MAX_NUMBER, MAX_PEOPLE, MAX_RATE, Days, Priority, Share, SomePeople

StepId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
Clock = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]


class _Step(Frozen):
    id: StepId
    name_zh: str = ""
    #: Overrides the workflow's priority (smaller runs sooner).
    priority: Priority | None = None


class Work(_Step):
    """Work by one member of a role. With ``patience``, a customer not
    served within that time leaves: the step is recorded ``abandoned`` and
    the case ends there (a chat nobody answered is a lost chat). With
    ``per_item``, one task per item of the case's batch (its ``items``,
    drawn by the trigger: a detail page per new arrival), each ``duration``
    long, done at once by any free members; the step ends when all are.

    ``shared``: a conversation (a chat, a chat-like after-sales contact)
    that shares the member's attention with others, up to the role's
    ``concurrency`` at once. Any other step takes the whole member, who
    does nothing else meanwhile: the default, so that a step nobody marked
    never passes for a fifth of a person (issue 16, review item 3)."""
    kind: Literal["work"]
    role: Id
    duration: Duration
    patience: Duration | None = None
    per_item: bool = False
    shared: bool = False

    @model_validator(mode="after")
    def _items_wait_for_nobody(self) -> Work:
        if self.per_item and self.patience is not None:
            raise ValueError("a per_item step has no customer waiting: "
                             "give 'per_item' or 'patience', not both")
        return self


class Approval(_Step):
    """An approver reviews; a rejection sends the case back to ``rework_to``."""
    kind: Literal["approval"]
    role: Id
    duration: Duration
    reject_probability: Share
    #: An earlier step of the same step list (or this one) to redo.
    rework_to: StepId
    #: After this many rejections the item passes (the boss signs it off).
    max_rounds: StrictInt = Field(ge=1, le=20)


class Meeting(_Step):
    """Several roles at the same moment: brainstorms, sign-offs."""
    kind: Literal["meeting"]
    #: role -> number of its members who attend (``all`` for the whole role).
    roles: dict[Id, SomePeople | Literal["all"]] = Field(min_length=1)
    duration: Duration


class Contest(_Step):
    """The "PK": n members of a role work in parallel, then a judge picks."""
    kind: Literal["contest"]
    role: Id
    entrants: StrictInt = Field(ge=2, le=MAX_PEOPLE)
    duration: Duration
    judge: Id
    judge_duration: Duration


class Wait(_Step):
    """Waiting on an outside party, which acts around the clock."""
    kind: Literal["wait"]
    party: Id
    duration: Duration


class Scheduled(_Step):
    """Waiting until a set moment: "upload at the scheduled time" (the next
    ``at`` o'clock), or the moment a case attribute holds (``attribute``:
    the time the demand model drew, e.g. a pre-sale's balance payment)."""
    kind: Literal["scheduled"]
    at: Clock | None = None
    attribute: str | None = None
    #: ``any`` day, or only the shop's ``working`` days (with ``at``).
    days: Literal["any", "working"] = "working"

    @model_validator(mode="after")
    def _one_moment(self) -> Scheduled:
        if (self.at is None) == (self.attribute is None):
            raise ValueError("give exactly one of 'at' (HH:MM) and 'attribute' (a case attribute)")
        return self


class Milestone(_Step):
    """A zero-duration marker in the event log (windows refer to them).
    ``end_case`` closes the case there (a chat that ends without an order);
    ``starts`` begins a case of another workflow there (the photo shoot
    hands its photos on to the product template)."""
    kind: Literal["milestone"]
    end_case: bool = False
    starts: Id | None = None


class ProbabilityCase(Frozen):
    name: StepId
    p: Share
    steps: tuple[Step, ...] = ()


class Branch(_Step):
    """A branch by probability, by one of the after-sales decision tables, or
    by an attribute the demand model gave the case (``attribute``)."""
    kind: Literal["branch"]
    by: Literal["probability", "aftersales_table", "refund_table", "attribute"]
    #: For ``by: attribute``: the case attribute whose value picks the action.
    attribute: str | None = None
    #: For ``by: probability``: the cases, whose p sum to 1.
    cases: tuple[ProbabilityCase, ...] = ()
    #: For a table: action -> steps.
    actions: dict[StepId, tuple[Step, ...]] = {}

    @model_validator(mode="after")
    def _shape(self) -> Branch:
        if self.by == "probability":
            if not self.cases:
                raise ValueError("a probability branch needs 'cases'")
            if self.actions:
                raise ValueError("a probability branch takes 'cases', not 'actions'")
            total = sum(c.p for c in self.cases)
            if abs(total - 1.0) > 1e-9:
                raise ValueError(f"case probabilities sum to {total:g}; they must sum to 1")
        else:
            if self.by == "attribute" and not self.attribute:
                raise ValueError("a branch by attribute needs 'attribute'")
            if not self.actions and self.by != "attribute":
                raise ValueError(f"a branch by {self.by} needs 'actions'")
            if self.cases:
                raise ValueError(f"a branch by {self.by} takes 'actions', not 'cases'")
        return self


Step = Annotated[
    Work | Approval | Meeting | Contest | Wait | Scheduled | Milestone | Branch,
    Field(discriminator="kind"),
]
ProbabilityCase.model_rebuild()
Branch.model_rebuild()


class Items(Frozen):
    """Items in a batch, a whole number from ``low`` to ``high``, each as likely."""
    low: StrictInt = Field(ge=1, le=MAX_ITEMS)
    high: StrictInt = Field(ge=1, le=MAX_ITEMS)

    @model_validator(mode="after")
    def _order(self) -> Items:
        if self.low > self.high:
            raise ValueError(f"items low {self.low} is above high {self.high}")
        return self


class Trigger(Frozen):
    """How cases of a workflow come into being.

    ``demand``: created by the demand model (orders, chats, after-sales);
    ``every``: on a calendar (``every`` day/week/month/quarter/year);
    ``rate``: Poisson, ``mean`` cases per ``per``;
    ``campaign``: ``lead_days`` before each campaign of the demand model;
    ``none``: never started automatically.
    ``items``: each case is a batch of that many items (its ``items``
    attribute, which ``per_item`` steps and the cases it starts read).
    ``replaced_by_campaign``: an ``every`` trigger starts no case in a
    month in which a ``campaign`` trigger of the same workflow starts one
    (the campaign's redesign is that month's; issue 16).
    """
    kind: Literal["demand", "every", "rate", "campaign", "none"]
    every: Literal["day", "week", "month", "quarter", "year"] | None = None
    at: Clock = "09:00"
    weekday: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "mon"
    day: StrictInt = Field(default=1, ge=1, le=28)
    month: StrictInt = Field(default=1, ge=1, le=12)
    per: Literal["hour", "day", "week", "month"] = "week"
    mean: StrictFloat = Field(default=0, ge=0, le=MAX_RATE)
    lead_days: Days = 0
    items: Items | None = None
    replaced_by_campaign: bool = False

    @model_validator(mode="after")
    def _shape(self) -> Trigger:
        if self.replaced_by_campaign and self.kind != "every":
            raise ValueError(f"'replaced_by_campaign' on a trigger of kind '{self.kind}' would never "
                             f"skip a case; it is for a trigger of kind every")
        if self.items is not None and self.kind in ("demand", "none"):
            raise ValueError(f"'items' on a trigger of kind '{self.kind}' would never be drawn; "
                             f"a batch size needs a trigger of kind every, rate or campaign")
        if self.kind == "every" and self.every is None:
            raise ValueError("a trigger of kind 'every' needs 'every' (day, week, month, quarter or year)")
        if self.kind == "rate" and self.mean <= 0:
            raise ValueError("a trigger of kind 'rate' needs 'mean' > 0")
        return self


class Workflow(Frozen):
    name_zh: str
    number: StrictInt = Field(ge=1, le=MAX_NUMBER, description="position in the source's list of 17")
    lanes: tuple[Id, ...] = Field(min_length=1)
    steps: tuple[Step, ...] = Field(min_length=1)
    trigger: Trigger = Trigger(kind="none")
    #: Further triggers besides ``trigger`` (each starts cases on its own:
    #: storefront designs monthly and before each campaign).
    extra_triggers: tuple[Trigger, ...] = ()
    #: Smaller runs sooner; customer-facing work is given a smaller number.
    priority: Priority = 5
    enabled: bool = True
    #: For the after-sales workflows: which column of the decision table.
    aftersales_kind: Literal["exchange", "return"] | None = None
    source: str = ""


def walk(steps: tuple[Step, ...], path: tuple = ()) -> Iterator[tuple[tuple, Step, tuple[Step, ...]]]:
    """Yield ``(path, step, siblings)`` for every step, depth first.

    ``path`` is the field path below the workflow, e.g.
    ``("steps", 3, "actions", "refuse", 0)``.
    """
    for i, step in enumerate(steps):
        here = path + (i,)
        yield here, step, steps
        if isinstance(step, Branch):
            for j, case in enumerate(step.cases):
                yield from walk(case.steps, here + ("cases", j, "steps"))
            for name, sub in step.actions.items():
                yield from walk(sub, here + ("actions", name))
