"""The shop's rules as validated data, loaded through one path."""
from rules.errors import Problem, RulesError
from rules.loader import load_scenario
from rules.scenario import Scenario

__all__ = ["Problem", "RulesError", "Scenario", "load_scenario"]
