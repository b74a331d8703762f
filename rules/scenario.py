"""The whole input of a run: the shop's rules plus a scenario's settings."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, StrictInt, model_validator

from rules.aftersales import AfterSales
from rules.calendar import Calendars, DateRange
from rules.costs import Costs
from rules.demand import Demand
from rules.errors import snippet
from rules.org import Duty, Frozen, Id, OrgChart
from rules.ranges import MAX_HORIZON_DAYS, MAX_REPLICATIONS, MAX_SEED, Share
from rules.windows import ServiceWindow
from rules.workflow import Workflow


class Period(DateRange):
    """Days that get verdicts of their own (cases counted by their start),
    both dates included; written ``START..END`` or ``{start, end}``."""

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            start, sep, end = value.partition("..")
            if not sep:
                raise ValueError(f"expected START..END, for example 2026-11-01..2026-11-20 "
                                 f"(got {snippet(value)})")
            return {"start": start.strip(), "end": end.strip()}
        return value


class Horizon(DateRange):
    """Simulated stretch of calendar time, both dates included, at most
    ``MAX_HORIZON_DAYS`` days."""

    @model_validator(mode="after")
    def _length(self) -> Horizon:
        if self.days > MAX_HORIZON_DAYS:
            raise ValueError(f"{self.start}..{self.end} is {self.days} days; a horizon is at most "
                             f"{MAX_HORIZON_DAYS} days (ten years)")
        return self

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def hours(self) -> float:
        return self.days * 24.0


class Scenario(Frozen):
    name: str = Field(min_length=1)
    description: str = ""
    #: ``default``: start from the shop's rules in ``rules/*.yaml``.
    rules: Literal["default"] | None = None
    horizon: Horizon
    seed: StrictInt = Field(default=20261111, ge=0, le=MAX_SEED)
    replications: StrictInt = Field(default=5, ge=1, le=MAX_REPLICATIONS)
    org: OrgChart
    duties: dict[Id, Duty] = {}
    calendars: Calendars
    workflows: dict[Id, Workflow] = Field(min_length=1)
    aftersales: AfterSales | None = None
    service_windows: dict[Id, ServiceWindow] = {}
    #: Window id -> share of cases that must meet it (e.g. 0.95).
    targets: dict[Id, Share] = {}
    demand: Demand | None = None
    #: Named stretches of days (pre-sale, peak, return wave...): every
    #: service window gets a verdict per period as well as overall.
    periods: dict[str, Period] = {}
    costs: Costs = Costs()

    def headcount(self, role: Id) -> int:
        return self.org.headcount(role)

    @property
    def total_headcount(self) -> int:
        return sum(self.org.headcount(r) for r in self.org.roles)
