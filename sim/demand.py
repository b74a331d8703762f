"""Customer demand drawn up front: orders, chats and after-sales requests.

Arrivals are a non-homogeneous Poisson process with a rate constant within
each hour: base daily volume x weekday profile x hour-of-day profile x the
campaign multiplier of the day. Everything about a case that the customer
decides (chat or not, return or not, what inspection will find) is drawn here
from the demand streams, before any staff act, so staffing changes never
change the demand (common random numbers).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from rules.demand import Demand
from rules.scenario import Scenario
from sim.streams import Streams


@dataclass(frozen=True)
class Arrival:
    time: float
    attrs: dict


def day_multipliers(d: Demand, days: list[dt.date]) -> tuple[np.ndarray, np.ndarray]:
    """Order and chat multipliers per day. Chats rise ``chat_surge_before_days``
    before a campaign and stay high ``chat_surge_after_days`` after it, at
    half the campaign's extra surge (parameters.md, trust C)."""
    orders = np.ones(len(days))
    chats = np.ones(len(days))
    for c in d.campaigns.values():
        chat_mult = c.chat_multiplier if c.chat_multiplier is not None else c.order_multiplier
        for i, day in enumerate(days):
            if c.start <= day <= c.end:
                orders[i] *= c.order_multiplier
                chats[i] = max(chats[i], chat_mult)
            elif (c.start - dt.timedelta(days=d.chat_surge_before_days) <= day < c.start
                  or c.end < day <= c.end + dt.timedelta(days=d.chat_surge_after_days)):
                chats[i] = max(chats[i], (1 + chat_mult) / 2)
    return orders, chats


def hourly_rates(d: Demand, days: list[dt.date], per_day: float, day_mult: np.ndarray) -> np.ndarray:
    hours = np.asarray(d.hour_profile, dtype=float)
    hours = hours / hours.sum()
    weekday = np.asarray([d.weekday_profile[day.weekday()] for day in days])
    return (per_day * weekday * day_mult)[:, None] * hours[None, :]


def nhpp(rng: np.random.Generator, rates: np.ndarray) -> np.ndarray:
    """Arrival times (hours) of a Poisson process constant within each hour."""
    flat = rates.ravel()
    counts = rng.poisson(flat)
    base = np.repeat(np.arange(flat.size, dtype=float), counts)
    return np.sort(base + rng.random(base.size))


def order_arrivals(s: Scenario, streams: Streams, days: list[dt.date]) -> list[Arrival]:
    d = s.demand
    order_mult, chat_mult = day_multipliers(d, days)
    orders = nhpp(streams.rng("arrivals:orders"), hourly_rates(d, days, d.orders_per_day, order_mult))
    lost_per_day = d.orders_per_day * d.chat_share_of_orders * (1 / d.chat_conversion - 1)
    lost = nhpp(streams.rng("arrivals:chats"), hourly_rates(d, days, lost_per_day, chat_mult))
    rng = streams.rng("attributes:orders")
    n = orders.size
    chat = rng.random(n) < d.chat_share_of_orders
    review = rng.random(n) < d.review_followup_share
    daily_rate = np.asarray([d.return_rate_on(day) for day in days])
    rate = daily_rate[np.minimum((orders // 24).astype(np.int64), len(days) - 1)]
    after = rng.random(n) < rate
    exchange = rng.random(n) < d.exchange_share
    arrivals = [Arrival(float(t), {"contact": "chat_order" if c else "direct_order",
                                   "review_followup": "yes" if r else "no"})
                for t, c, r in zip(orders, chat, review)]
    _attach_aftersales(s, streams, arrivals, after, exchange)
    _attach_presale(s, streams, arrivals, days)
    arrivals += [Arrival(float(t), {"contact": "chat_only", "review_followup": "no"}) for t in lost]
    arrivals.sort(key=lambda a: a.time)
    return arrivals


def _attach_aftersales(s: Scenario, streams: Streams, arrivals: list[Arrival],
                       after: np.ndarray, exchange: np.ndarray) -> None:
    """Give the orders that will come back their after-sales request."""
    d, table = s.demand, s.aftersales
    rng = streams.rng("attributes:aftersales")
    back = np.flatnonzero(after[:len(arrivals)])
    mix = table.case_mix
    which = rng.choice(len(mix), size=back.size, p=np.asarray([m.p for m in mix]))
    completed = rng.random(back.size) < table.trade_completed_share
    lags = d.aftersales_lag.block(rng, back.size)
    for i, k, done, lag in zip(back.tolist(), which.tolist(), completed.tolist(), lags.tolist()):
        m = mix[k]
        arrivals[i].attrs["aftersales"] = {
            "kind": "exchange" if exchange[i] else "return",
            "fault": m.fault,
            "resalable": m.resalable,
            "trade_status": "completed" if done else "not_completed",
            "lag": lag,
        }


def _attach_presale(s: Scenario, streams: Streams, arrivals: list[Arrival],
                    days: list[dt.date]) -> None:
    """A share of the orders placed during a pre-sale's deposit period (定金)
    are paid in full, and ship, only when the customer pays the balance (尾款)
    during the next balance period: ``presale`` and ``balance_at`` (hours)
    tell when."""
    campaigns = list(s.demand.campaigns.values())
    deposits = [c for c in campaigns if c.kind == "presale_deposit"]
    balances = sorted((c for c in campaigns if c.kind == "presale_balance"), key=lambda c: c.start)
    windows = []
    for dep in deposits:
        bal = next((b for b in balances if b.start > dep.end), None)
        if bal is not None:
            lo = (bal.start - days[0]).days * 24.0
            hi = min((bal.end - days[0]).days * 24.0 + 24.0, len(days) * 24.0)
            windows.append((dep.start, dep.end, dep.presale, lo, hi))
    rng = streams.rng("attributes:presale")
    for a in arrivals:
        a.attrs["presale"] = "no"
        day = days[min(int(a.time // 24), len(days) - 1)]
        for start, end, share, lo, hi in windows:
            if start <= day <= end:
                u, when = rng.random(), float(rng.uniform(lo, hi))  # two draws for every order
                if u < share:
                    a.attrs["presale"] = "yes"
                    a.attrs["balance_at"] = when
                break
