"""Service windows: a clock that starts at one event of a case and must end
at another within a limit. The source names two; platform timers are the
same shape."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictFloat, StrictInt, model_validator

from rules.org import Frozen, Id
from rules.ranges import MAX_LIMIT

Edge = Literal["enabled", "start", "end"]
ClockKind = Literal["elapsed_hours", "calendar_days", "working_days"]
Hour = Annotated[StrictInt, Field(ge=0, le=24)]


class Point(Frozen):
    """An event in the log: the ``edge`` of the first record of ``activity``."""
    activity: Id
    edge: Edge = "end"


class ServiceWindow(Frozen):
    name_zh: str = ""
    #: ``shop``: the source's own promise; ``platform``: a Taobao/Tmall timer.
    owner: Literal["shop", "platform"]
    workflows: tuple[Id, ...] = Field(min_length=1)
    start: Point
    end: Point
    #: Only cases that reached this activity are in the window's population.
    only_if: Id | None = None
    limit: StrictFloat = Field(gt=0, le=MAX_LIMIT)
    #: ``elapsed_hours``: limit in hours, nights and weekends count.
    #: ``calendar_days``: done by the end of the limit-th day after the start day.
    #: ``working_days``: done by the end of the limit-th shop working day after it.
    clock: ClockKind
    #: Only starts inside these hours of the day count (the platform measures
    #: chat replies 08:00-24:00).
    active_hours: tuple[Hour, Hour] | None = None
    on_breach: str = ""
    source: str = ""

    @model_validator(mode="after")
    def _hours(self) -> ServiceWindow:
        if self.active_hours is not None:
            lo, hi = self.active_hours
            if not (0 <= lo < hi <= 24):
                raise ValueError(f"active_hours must satisfy 0 <= from < to <= 24, got [{lo}, {hi}]")
        return self

    @property
    def limit_hours(self) -> float:
        """The limit in hours (nominal for the day clocks: days x 24)."""
        return self.limit if self.clock == "elapsed_hours" else self.limit * 24.0
