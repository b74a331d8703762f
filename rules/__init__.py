"""The shop's rules as validated data, loaded through one path.

The names are loaded on first use (PEP 562, as in ``sim``): ``opsim run``
imports the scenario's models (``rules.scenario``) and forks its worker
before it imports the loader, its checks and YAML (0.025 s), which the
worker never needs.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rules.errors import Problem, RulesError
    from rules.loader import load_scenario
    from rules.scenario import Scenario

__all__ = ["Problem", "RulesError", "Scenario", "load_scenario"]

#: Where each public name lives.
_HOMES = {"Problem": "rules.errors", "RulesError": "rules.errors", "Scenario": "rules.scenario",
          "load_scenario": "rules.loader"}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'rules' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
