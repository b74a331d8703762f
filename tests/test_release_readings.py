"""The two readings of 客服安排仓库进行发货 shipped as what-ifs
(scenarios/what_if/erp_batch_release.yaml, releases_after_chats.yaml) copy
the presales_order steps of rules/workflows.yaml, a list a scenario replaces
whole: each must stay the shipped workflow with the release step alone
changed, so a later change to the rules does not leave them behind silently."""
from __future__ import annotations

from pathlib import Path

import pytest

from rules import load_scenario

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"
RELEASE = "workflows.presales_order.steps[3]"


@pytest.mark.parametrize(("name", "change"), [
    ("erp_batch_release", f"{RELEASE}.duration={{low: 0.02, mode: 0.05, high: 0.1}}"),
    ("releases_after_chats", f"{RELEASE}.priority=2"),
])
def test_release_what_if_is_the_rules_with_the_release_changed(name: str, change: str) -> None:
    what_if = load_scenario(ROOT / "scenarios" / "what_if" / f"{name}.yaml")
    expected = load_scenario(BASELINE, [change])
    assert what_if.workflows == expected.workflows
    baseline = load_scenario(BASELINE)
    changed = [i for i, (a, b) in enumerate(zip(what_if.workflows["presales_order"].steps,
                                                 baseline.workflows["presales_order"].steps))
               if a != b]
    assert changed == [3]
    assert what_if.workflows["presales_order"].steps[3].id == "arrange_shipment"
    assert {k: v for k, v in what_if if k not in ("workflows", "name", "description")} == \
        {k: v for k, v in baseline if k not in ("workflows", "name", "description")}
