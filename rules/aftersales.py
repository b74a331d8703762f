"""The after-sales decision rules (source section 5) as checked tables."""
from __future__ import annotations

import itertools
from typing import Literal

from pydantic import Field, StrictInt, model_validator

from rules.org import Frozen
from rules.ranges import Share

Kind = Literal["exchange", "return"]
Fault = Literal["customer", "shop", "none"]
Action = Literal["refuse", "replace", "postage_then_replace", "refund"]
TradeStatus = Literal["completed", "not_completed"]
RefundAction = Literal["alipay_transfer", "platform_refund"]

KINDS: tuple[str, ...] = ("exchange", "return")
FAULTS: tuple[str, ...] = ("customer", "shop", "none")
RESALABLE: tuple[bool, ...] = (True, False)
TRADE_STATUSES: tuple[str, ...] = ("completed", "not_completed")


class DecisionRow(Frozen):
    """One row: lists are "any of"; an omitted column matches anything."""
    kind: tuple[Kind, ...] = KINDS  # type: ignore[assignment]
    fault: tuple[Fault, ...] = FAULTS  # type: ignore[assignment]
    resalable: tuple[bool, ...] = RESALABLE
    action: Action
    case: StrictInt = Field(ge=1, le=3, description="the source's case number")
    note: str = ""

    def matches(self, kind: str, fault: str, resalable: bool) -> bool:
        return kind in self.kind and fault in self.fault and resalable in self.resalable


class RefundRow(Frozen):
    trade_status: TradeStatus
    action: RefundAction
    note: str = ""


class CaseMix(Frozen):
    """Joint share of what inspection finds (fault, resalable)."""
    fault: Fault
    resalable: bool
    p: Share


class AfterSales(Frozen):
    decision_table: tuple[DecisionRow, ...] = Field(min_length=1)
    refund_table: tuple[RefundRow, ...] = Field(min_length=1)
    case_mix: tuple[CaseMix, ...] = Field(min_length=1)
    #: Share of refunds whose trade had already completed (交易成功).
    trade_completed_share: Share
    source: str = ""

    @model_validator(mode="after")
    def _mix_sums(self) -> AfterSales:
        total = sum(m.p for m in self.case_mix)
        if abs(total - 1.0) > 1e-9:
            raise ValueError(f"case_mix shares sum to {total:g}; they must sum to 1")
        return self

    def decide(self, kind: str, fault: str, resalable: bool) -> str:
        for row in self.decision_table:
            if row.matches(kind, fault, resalable):
                return row.action
        raise ValueError(f"no decision row for kind={kind}, fault={fault}, resalable={resalable}")

    def refund_action(self, trade_status: str) -> str:
        for row in self.refund_table:
            if row.trade_status == trade_status:
                return row.action
        raise ValueError(f"no refund row for trade_status={trade_status}")

    def actions_for(self, kind: str) -> set[str]:
        return {r.action for r in self.decision_table if kind in r.kind}


def table_problems(table: AfterSales) -> list[tuple[tuple, str]]:
    """Prove both tables complete and unambiguous.

    Returns ``(path, message)`` pairs; empty when every combination hits
    exactly one row.
    """
    problems: list[tuple[tuple, str]] = []
    for kind, fault, resalable in itertools.product(KINDS, FAULTS, RESALABLE):
        hits = [i for i, r in enumerate(table.decision_table) if r.matches(kind, fault, resalable)]
        combo = f"kind={kind}, fault={fault}, resalable={str(resalable).lower()}"
        if not hits:
            problems.append((("decision_table",),
                             f"incomplete: no row matches {combo}; add a row that covers it"))
        elif len(hits) > 1:
            rows = ", ".join(f"decision_table[{i}]" for i in hits)
            actions = {table.decision_table[i].action for i in hits}
            kind_word = "ambiguous" if len(actions) > 1 else "overlapping"
            problems.append((("decision_table", hits[1]),
                             f"{kind_word}: {combo} matches {len(hits)} rows ({rows}); "
                             f"each combination must match exactly one row"))
    for status in TRADE_STATUSES:
        hits = [i for i, r in enumerate(table.refund_table) if r.trade_status == status]
        if len(hits) != 1:
            problems.append((("refund_table",),
                             f"trade_status={status} matches {len(hits)} rows; it must match exactly one"))
    return problems
