"""What a plan leaves the shop to pay besides its staff, and what the search weighs.

Staff cost money (``Outcome.cost``: the plan's temporary staff, overtime
and hires, from the payroll). The service they give leaves two more sums,
both per replication (the scenario's horizon), read from ``sim.evaluate``:

- the platform's charges: what its timers cost the shop when they ran out
  (``platform_actions``, priced acts only: the late-shipment compensation,
  5% of the average order, 5-30 CNY);
- the lost sales: the value of the orders of customers who left a chat
  unanswered (``lost_sales.value_lost``, at the average order value).

The search minimises ``staff + platform x charges + lost_sales x value``
under the targets (:class:`Weights`). Why the defaults (1 and 0; see
DESIGN.md "sim/plan"): a charge is cash the shop pays, as certain as a
day's wage, and the same staff decide it, so a person who saves more in
compensation than they cost is worth keeping; a lost sale's value is
revenue, not profit (the scenario gives no margin, and the chats lost rest
on an assumed patience), so it is reported beside the plan and weighed only
at a margin the user gives (``--lost-sales-margin``).
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Weights", "money", "objective", "priced_windows"]


@dataclass(frozen=True)
class Weights:
    """CNY of the objective per CNY of each sum (0: reported, not weighed)."""
    platform: float = 1.0
    lost_sales: float = 0.0

    def __post_init__(self) -> None:
        for name, w in (("platform", self.platform), ("lost_sales", self.lost_sales)):
            if not 0.0 <= w <= 1.0:
                raise ValueError(f'"{name}" weight must be in [0, 1], got {w}.')


def _acts(result: dict) -> dict[str, dict]:
    return {k: a for k, a in (result.get("platform_actions") or {}).items()
            if isinstance(a, dict) and a.get("cost_per_replication") is not None}


def priced_windows(result: dict) -> list[str]:
    """The windows whose timer charges the shop (a priced act)."""
    return list(dict.fromkeys(a["window"] for a in _acts(result).values()))


def money(result: dict) -> dict:
    """CNY per replication that ``result`` leaves: the platform's charges
    (their sum, and per act its mean and 95% interval) and the value of
    the lost sales (mean and 95% interval; 0 without a value)."""
    acts = _acts(result)
    lost = result.get("lost_sales") or {}
    value = lost.get("value_lost")
    return {
        "platform_cny": round(sum(float(a["cost_per_replication"]) for a in acts.values()), 2),
        "platform": {k: {"acts": a.get("per_replication"), "cny": a["cost_per_replication"],
                         "cny_ci95": a.get("cost_ci95"), "window": a.get("window")}
                     for k, a in acts.items()},
        "lost_sales_cny": round(float(value), 2) if value is not None else 0.0,
        "lost_sales_ci95": lost.get("value_lost_ci95"),
        "orders_lost": lost.get("orders_lost"),
    }


def objective(cost: float, m: dict, w: Weights) -> float:
    """What the search minimises: staff cost plus the weighed sums."""
    return round(cost + w.platform * m["platform_cny"] + w.lost_sales * m["lost_sales_cny"], 2)
