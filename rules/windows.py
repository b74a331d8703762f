"""Service windows: a clock that starts at one event of a case and must end
at another within a limit. The source names two; platform timers are the
same shape, and a platform window may say what the platform does when its
limit passes (``timer``): the engine then acts on the same clock the
analysis measures, so a missed platform window is a platform act."""
from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, StrictFloat, StrictInt, model_validator

from rules.calendar import DateRange
from rules.org import Frozen, Id
from rules.ranges import MAX_LIMIT, Price, Share

Edge = Literal["enabled", "start", "end"]
ClockKind = Literal["elapsed_hours", "calendar_days", "working_days"]
Hour = Annotated[StrictInt, Field(ge=0, le=24)]


class Point(Frozen):
    """An event in the log: the ``edge`` of the first record of ``activity``."""
    activity: Id
    edge: Edge = "end"


Limit = Annotated[StrictFloat, Field(gt=0, le=MAX_LIMIT)]
StepId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]


class LimitPeriod(DateRange):
    """Another limit for the cases whose clock starts between two dates (the
    platform's extended shipping deadline during Double 11)."""
    limit: Limit
    source: str = ""


class OrderShare(Frozen):
    """A charge that is a share of the order's value, within a minimum and a
    maximum (the platform's late-shipment compensation: 5% of the order, 5 to
    30 CNY). The order's value is the scenario's
    ``demand.average_order_value``: every act is priced at the average
    order, so the clamp applies to the average, not order by order."""
    rate: Annotated[Share, Field(gt=0)]
    minimum: Price = 0.0
    maximum: Price | None = None

    @model_validator(mode="after")
    def _bounds(self) -> OrderShare:
        if self.maximum is not None and self.maximum < self.minimum:
            raise ValueError(f"maximum {self.maximum:g} is below minimum {self.minimum:g}")
        return self

    def of(self, order_value: float) -> float:
        """The charge on an order of ``order_value``."""
        x = max(self.rate * order_value, self.minimum)
        return x if self.maximum is None else min(x, self.maximum)


class PlatformTimer(Frozen):
    """What the platform does when the window's limit passes and the shop
    has not reached the end point: it leaves a record ``action`` (kind
    ``milestone``, role ``platform``) at the deadline, and the case

    - ``continue``: goes on as it was (the act is a charge: a late
      shipment's compensation to the buyer);
    - ``resume``: leaves what it was waiting for and goes on at
      ``resume_at``, a later step of its workflow's top level (a request
      agreed by the platform: the buyer ships the return);
    - ``end``: ends there (the platform refunds the buyer: no inspection,
      no refusal, no more staff time).

    Staff work a diverted case was waiting for and nobody had started is
    withdrawn from the line (recorded ``withdrawn`` at the deadline); work
    already started, a wait on an outside party or a meeting is finished
    first, then the case takes the platform's path."""
    action: StepId
    then: Literal["continue", "resume", "end"]
    resume_at: StepId | None = None
    #: CNY the shop pays per act, where a value is known (``cost_source``).
    cost: Price | None = None
    #: Or a share of the order (``demand.average_order_value``), clamped.
    cost_of_order: OrderShare | None = None
    cost_source: str = ""
    source: str = ""

    @model_validator(mode="after")
    def _resume(self) -> PlatformTimer:
        if self.then == "resume" and self.resume_at is None:
            raise ValueError("then: resume needs 'resume_at' (a later top-level step of the workflow)")
        if self.then != "resume" and self.resume_at is not None:
            raise ValueError(f"'resume_at' is only for then: resume, not then: {self.then}")
        if self.cost is not None and self.cost_of_order is not None:
            raise ValueError("give 'cost' (CNY per act) or 'cost_of_order' (a share of the "
                             "order's value), not both")
        return self

    def cost_per_act(self, order_value: float | None) -> float | None:
        """CNY per act: ``cost``, or ``cost_of_order`` of ``order_value``
        (None when neither is known)."""
        if self.cost_of_order is not None:
            return None if order_value is None else round(self.cost_of_order.of(order_value), 2)
        return self.cost


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
    #: Only starts inside these hours of the day count (a window that leaves
    #: the rest of the day out of its population).
    active_hours: tuple[Hour, Hour] | None = None
    #: The same window over the cases whose start lies in these hours of the
    #: day, reported beside it (the platform's reply rate counts only
    #: questions asked 08:00-24:00; the window itself counts every chat).
    service_hours_view: tuple[Hour, Hour] | None = None
    on_breach: str = ""
    #: The platform acting when the limit passes (platform windows only).
    timer: PlatformTimer | None = None
    #: Other limits for clocks started on given dates (``elapsed_hours`` only).
    limit_periods: tuple[LimitPeriod, ...] = ()
    #: The same window measured from another event (the parcel's arrival at
    #: the warehouse: the customer's view), reported beside the window.
    customer_view: Point | None = None
    source: str = ""

    @model_validator(mode="after")
    def _hours(self) -> ServiceWindow:
        for name, pair in (("active_hours", self.active_hours),
                           ("service_hours_view", self.service_hours_view)):
            if pair is not None and not (0 <= pair[0] < pair[1] <= 24):
                raise ValueError(f"{name} must satisfy 0 <= from < to <= 24, "
                                 f"got [{pair[0]}, {pair[1]}]")
        if self.active_hours is not None and self.service_hours_view is not None:
            raise ValueError("active_hours already keeps the window to those hours, so "
                             "service_hours_view would show the window again: give one "
                             "(service_hours_view: null)")
        if self.limit_periods and self.clock != "elapsed_hours":
            raise ValueError(f"limit_periods need clock: elapsed_hours (got {self.clock})")
        return self

    def limit_on(self, day: dt.date) -> float:
        """The limit (in the clock's unit) for a clock started on ``day``."""
        for period in self.limit_periods:
            if period.start <= day <= period.end:
                return period.limit
        return self.limit

    @property
    def limit_hours(self) -> float:
        """The limit in hours (nominal for the day clocks: days x 24)."""
        return self.limit if self.clock == "elapsed_hours" else self.limit * 24.0
