"""Customer demand drawn up front: orders, chats and after-sales requests.

Arrivals are a non-homogeneous Poisson process with a rate constant within
each hour: base daily volume x weekday profile x hour-of-day profile x the
campaign multiplier of the day. Everything about a case that the customer
decides (chat or not, return or not, what inspection will find) is drawn here
from the demand streams, before any staff act, so staffing changes never
change the demand (common random numbers).

The draws are kept as arrays; each arrival's attributes become a dict only
when it is iterated, just before its case starts. Built up front, 800,000
orders (10x Double 11) were 300 MB of dicts written once and read weeks of
simulated time later, each read a cache miss.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from rules.demand import Demand
from rules.scenario import Scenario
from sim.inputs.streams import Streams

#: Arrivals turned into Python values at a time (bounded memory, hot caches).
CHUNK = 4096


#: The ``contact`` of an order's case that starts with a pre-sales chat: a
#: chat lost in such a case is an order lost (``sim.analysis.lost_sales``);
#: ``chat_only`` is a chat that would not have bought.
CHAT_ORDER = "chat_order"


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


class Arrivals:
    """The customers of one replication in time order: orders (with their
    attributes) and chats that end without an order."""

    def __init__(self, times: np.ndarray, lost: np.ndarray, chat: np.ndarray, review: np.ndarray,
                 aftersales: _Requests, presale: np.ndarray,
                 balance_at: np.ndarray, bot: np.ndarray | None = None) -> None:
        n = times.size
        both = np.concatenate([times, lost])
        #: Arrival index in time order; indices >= n are lost chats (a stable
        #: sort: an order before a chat at the same instant).
        self.order = np.argsort(both, kind="stable")
        self.times = both[self.order]
        #: Chats the bot answers, in time order (None: no bot).
        self.bot = None if bot is None else bot[self.order]
        self.n = n
        self.chat, self.review, self.aftersales = chat, review, aftersales
        self.presale, self.balance_at = presale, balance_at

    def __len__(self) -> int:
        return self.times.size

    def __iter__(self) -> Iterator[Arrival]:
        for t, attrs in self.pairs():
            yield Arrival(t, attrs)

    def pairs(self) -> Iterator[tuple[float, dict]]:
        """(time, attributes) of each arrival, in time order; a chat the
        bot answers has ``contact`` ``bot_order`` or ``bot_only``."""
        if self.bot is None:
            yield from self._pairs()
            return
        bot = self.bot.tolist()
        for k, (t, a) in enumerate(self._pairs()):
            if bot[k] and a["contact"] != "direct_order":
                a["contact"] = "bot_order" if a["contact"] == CHAT_ORDER else "bot_only"
            yield t, a

    def _pairs(self) -> Iterator[tuple[float, dict]]:
        n = self.n
        for start in range(0, self.times.size, CHUNK):
            idx = self.order[start:start + CHUNK]
            times = self.times[start:start + CHUNK].tolist()
            if not n:  # no orders at all: every arrival is a lost chat
                for t in times:
                    yield t, {"contact": "chat_only", "review_followup": "no"}
                continue
            j = np.minimum(idx, n - 1)  # lost chats read order 0's values, unused
            rows = zip(times, idx.tolist(),
                       self.chat[j].tolist(), self.review[j].tolist(),
                       self.aftersales.mix[j].tolist(), self.presale[j].tolist(),
                       self.balance_at[j].tolist())
            for t, i, chat, review, mix, presale, balance_at in rows:
                if i >= n:
                    yield t, {"contact": "chat_only", "review_followup": "no"}
                    continue
                a: dict[str, Any] = {"contact": CHAT_ORDER if chat else "direct_order",
                     "review_followup": "yes" if review else "no"}
                if mix >= 0:
                    a["aftersales"] = self.aftersales.request(i)
                if presale:
                    a["presale"] = "yes"
                    a["balance_at"] = balance_at
                else:
                    a["presale"] = "no"
                yield t, a


def order_arrivals(s: Scenario, streams: Streams, days: list[dt.date]) -> Arrivals:
    d = s.demand
    if d is None:  # the caller starts orders only for a scenario with demand
        raise ValueError("the scenario has no demand section")
    order_mult, chat_mult = day_multipliers(d, days)
    orders = nhpp(streams.rng("arrivals:orders"), hourly_rates(d, days, d.orders_per_day, order_mult))
    lost_per_day = d.orders_per_day * d.chat_share_of_orders * (1 / d.chat_conversion - 1)
    lost = nhpp(streams.rng("arrivals:chats"), hourly_rates(d, days, lost_per_day, chat_mult))
    rng = streams.rng("attributes:orders")
    n = orders.size
    chat = rng.random(n) < d.chat_share_of_orders
    review = rng.random(n) < d.review_followup_share
    daily_rate = np.asarray([d.return_rate_on(day) for day in days])
    day = np.minimum((orders // 24).astype(np.int64), len(days) - 1)
    after = rng.random(n) < daily_rate[day]
    exchange = rng.random(n) < d.exchange_share
    aftersales = _Requests(s, streams, after, exchange)
    presale, balance_at = _presale(s, streams, day, days)
    return Arrivals(orders, lost, chat, review, aftersales, presale, balance_at,
                    _bot(d, streams, np.concatenate([orders, lost]), days))


def _bot(d: Demand, streams: Streams, times: np.ndarray, days: list[dt.date]) -> np.ndarray | None:
    """Which arrivals' chats the bot answers, by the share of their day (a
    stream of its own: a bot changes no other draw). None without a bot."""
    if not d.has_bot:
        return None
    share = np.asarray([d.bot_share_on(day) for day in days])
    day = np.clip((times // 24).astype(np.int64), 0, len(days) - 1)
    return streams.rng("attributes:bot").random(times.size) < share[day]


class _Requests:
    """The after-sales request each order will make, as arrays: ``mix`` is
    the case-mix row (-1: the order is kept)."""

    def __init__(self, s: Scenario, streams: Streams, after: np.ndarray,
                 exchange: np.ndarray) -> None:
        d, table = s.demand, s.aftersales
        # Made only with demand, which rules/checks.py refuses without after-sales rules.
        if d is None or table is None:
            raise ValueError("after-sales requests need a demand and an aftersales section")
        rng = streams.rng("attributes:aftersales")
        back = np.flatnonzero(after)
        self.rows = table.case_mix
        which = rng.choice(len(self.rows), size=back.size, p=np.asarray([m.p for m in self.rows]))
        completed = rng.random(back.size) < table.trade_completed_share
        lags = d.aftersales_lag.block(rng, back.size)
        self.mix = np.full(after.size, -1)
        self.mix[back] = which
        self.exchange = exchange
        self.completed = np.zeros(after.size, dtype=bool)
        self.completed[back] = completed
        self.lag = np.zeros(after.size)
        self.lag[back] = lags

    def request(self, i: int) -> dict | None:
        k = self.mix[i]
        if k < 0:
            return None
        m = self.rows[k]
        return {
            "kind": "exchange" if self.exchange[i] else "return",
            "fault": m.fault,
            "resalable": m.resalable,
            "trade_status": "completed" if self.completed[i] else "not_completed",
            "lag": float(self.lag[i]),
        }


def _presale(s: Scenario, streams: Streams, day: np.ndarray,
             days: list[dt.date]) -> tuple[np.ndarray, np.ndarray]:
    """A share of the orders placed during a pre-sale's deposit period (定金)
    are paid in full, and ship, only when the customer pays the balance (尾款)
    during the next balance period: whether (``presale``) and when
    (``balance_at``, hours), per order. ``day`` is each order's day index."""
    if s.demand is None:  # as in ``order_arrivals``, its caller
        raise ValueError("the scenario has no demand section")
    campaigns = list(s.demand.campaigns.values())
    deposits = [c for c in campaigns if c.kind == "presale_deposit"]
    balances = sorted((c for c in campaigns if c.kind == "presale_balance"), key=lambda c: c.start)
    n = day.size
    window = np.full(n, -1)  # the first deposit window the order's day falls in
    params: list[tuple[float, float, float]] = []
    for dep in deposits:
        bal = next((b for b in balances if b.start > dep.end), None)
        if bal is None:
            continue
        lo = (bal.start - days[0]).days * 24.0
        hi = min((bal.end - days[0]).days * 24.0 + 24.0, len(days) * 24.0)
        first, last = (dep.start - days[0]).days, (dep.end - days[0]).days
        inside = (window < 0) & (day >= first) & (day <= last)
        window[inside] = len(params)
        params.append((dep.presale, lo, hi))
    presale = np.zeros(n, dtype=bool)
    balance_at = np.zeros(n)
    drawn = np.flatnonzero(window >= 0)
    # Two draws for every order in a deposit window, in time order: whether,
    # then when (the uniform as ``lo + (hi - lo) * u``).
    r = streams.rng("attributes:presale").random(2 * drawn.size)
    for k, (share, lo, hi) in enumerate(params):
        mine = window[drawn] == k
        presale[drawn[mine]] = r[0::2][mine] < share
        balance_at[drawn[mine]] = lo + (hi - lo) * r[1::2][mine]
    return presale, balance_at
