"""What staff cost: the prices a plan is costed at (``rules/costs.yaml``).

Daily costs per role (``default`` for roles not named): a regular member is
paid every calendar day of the horizon (salary, benefits and seat), a
temporary person for each day worked; overtime by the hour. Every price
carries its source or "assumed"; a scenario overrides any of them like
every other value (``--set costs.temporary_daily.customer_service=350``).
"""
from __future__ import annotations

from rules.org import Frozen, Id
from rules.ranges import Price


class Costs(Frozen):
    currency: str = "CNY"
    #: Per role, per calendar day of the horizon, per regular member.
    regular_daily: dict[Id, Price] = {}
    #: Per role, per day a temporary person works.
    temporary_daily: dict[Id, Price] = {}
    #: Per role, per overtime hour of a regular member.
    overtime_hourly: dict[Id, Price] = {}
    source: str = ""

    def regular(self, role: str) -> float:
        return self.regular_daily.get(role, self.regular_daily.get("default", 0.0))

    def temporary(self, role: str) -> float:
        return self.temporary_daily.get(role, self.temporary_daily.get("default", 0.0))

    def overtime(self, role: str) -> float:
        return self.overtime_hourly.get(role, self.overtime_hourly.get("default", 0.0))
