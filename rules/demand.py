"""Demand: orders, chats and after-sales requests over calendar time.

Orders follow a non-homogeneous Poisson process whose rate is the product
of a base daily volume, a weekday profile, an hour-of-day profile and the
multiplier of any campaign running that day.
"""
from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, StrictFloat, model_validator

from rules.calendar import DateRange
from rules.distributions import Duration
from rules.org import Frozen, Id
from rules.ranges import MAX_ORDERS_PER_DAY, Days, Multiplier, Price, Share, Weight


class Campaign(DateRange):
    name_zh: str = ""
    kind: Literal["presale_deposit", "presale_balance", "peak", "event"] = "event"
    order_multiplier: Multiplier
    #: Chats surge less or more than orders; defaults to the order multiplier.
    chat_multiplier: Multiplier | None = None
    #: For a pre-sale deposit period: the share of its orders that are
    #: pre-sale deposits (they ship after the balance is paid). Defaults to
    #: the surge above a normal day, 1 - 1 / order_multiplier.
    presale_share: Share | None = None
    source: str = ""

    @property
    def presale(self) -> float:
        if self.presale_share is not None:
            return self.presale_share
        return max(0.0, 1.0 - 1.0 / self.order_multiplier) if self.order_multiplier > 0 else 0.0


class RatePeriod(DateRange):
    """A value that holds for orders placed between two dates."""
    value: Share


class Demand(Frozen):
    orders_per_day: StrictFloat = Field(ge=0, le=MAX_ORDERS_PER_DAY)
    #: Multipliers Monday..Sunday.
    weekday_profile: tuple[Multiplier, Multiplier, Multiplier, Multiplier, Multiplier, Multiplier,
                           Multiplier] = (1,) * 7
    #: Relative weights of the 24 hours (normalised by the engine).
    hour_profile: tuple[Weight, ...] = Field(default=(1,) * 24, min_length=24, max_length=24)
    campaigns: dict[Id, Campaign] = {}
    #: Extra chat multiplier on the days around a campaign: chats rise
    #: ``before_days`` before and stay high ``after_days`` after.
    chat_surge_before_days: Days = 2
    chat_surge_after_days: Days = 3
    chat_share_of_orders: Share
    chat_conversion: StrictFloat = Field(gt=0, le=1)
    #: What an order is worth (the shop's currency), to value the orders of
    #: customers who left a chat unanswered; None: lost sales in orders only.
    average_order_value: Price | None = None
    return_rate: Share
    return_rate_periods: tuple[RatePeriod, ...] = ()
    exchange_share: Share
    #: From delivery to the customer's after-sales request.
    aftersales_lag: Duration
    #: Share of pre-sales chats the auto-reply bot (店小蜜) answers with no
    #: agent: the chat is a ``bot_order`` or ``bot_only`` contact. By date:
    #: ``bot_share_periods`` (a chat's arrival day), else ``bot_share``.
    bot_share: Share = 0.0
    bot_share_periods: tuple[RatePeriod, ...] = ()
    #: Share of delivered orders whose review the shop follows up.
    review_followup_share: Share = 0.1
    #: The workflows the demand model starts, and the order activity after
    #: which after-sales requests are drawn (delivery).
    order_workflow: Id = "presales_order"
    exchange_workflow: Id = "exchange"
    return_workflow: Id = "return"
    aftersales_from: Id = "customer_receives"
    source: str = ""

    @model_validator(mode="after")
    def _profile(self) -> Demand:
        if sum(self.hour_profile) <= 0:
            raise ValueError("hour_profile must not be all zeros")
        if sum(self.weekday_profile) <= 0:
            raise ValueError("weekday_profile must not be all zeros (no order on any day)")
        return self

    def bot_share_on(self, day: dt.date) -> float:
        for period in self.bot_share_periods:
            if period.start <= day <= period.end:
                return period.value
        return self.bot_share

    @property
    def has_bot(self) -> bool:
        return self.bot_share > 0 or any(p.value > 0 for p in self.bot_share_periods)

    def return_rate_on(self, day: dt.date) -> float:
        for period in self.return_rate_periods:
            if period.start <= day <= period.end:
                return period.value
        return self.return_rate
