"""The one loading path: read, inherit, merge, validate, cross-check, freeze.

``load_scenario(path)`` returns a frozen :class:`Scenario` or raises
:class:`RulesError` with one :class:`Problem` per fault, each naming the file
that set the offending value, the field path and what would be right.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from rules.checks import check_scenario
from rules.errors import Problem, RulesError, format_path
from rules.scenario import Scenario

RULES_DIR = Path(__file__).resolve().parent
#: The shop's rules, one section per file, merged in this order.
RULE_FILES: tuple[str, ...] = (
    "org_chart.yaml", "duties.yaml", "calendars.yaml", "workflows.yaml",
    "aftersales.yaml", "service_windows.yaml",
)
MAX_BYTES = 2_000_000
MAX_ALIASES = 200
MAX_EXTENDS = 10

Provenance = dict[tuple, str]


class _Loader(yaml.SafeLoader):
    """Safe loader that refuses alias bombs (billion laughs)."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise yaml.YAMLError(
                    f"more than {MAX_ALIASES} YAML aliases; refusing a possible alias bomb")
        return super().compose_node(parent, index)


def read_yaml(path: Path, shown: str) -> dict:
    """Read one file into a mapping, or raise RulesError naming the file."""
    def fail(message: str) -> RulesError:
        return RulesError([Problem(shown, "", message)])

    if not path.exists():
        raise fail("file not found")
    if path.is_dir():
        raise fail("is a directory, expected a YAML file")
    raw = path.read_bytes()
    if len(raw) > MAX_BYTES:
        raise fail(f"file is {len(raw)} bytes; the limit is {MAX_BYTES}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise fail(f"not UTF-8 (byte {exc.start}); save the file as UTF-8") from None
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise fail(f"malformed YAML: {where}{exc.problem}") from None
    except yaml.YAMLError as exc:
        raise fail(f"malformed YAML: {exc}") from None
    if data is None:
        raise fail("file is empty; expected a mapping of settings")
    if not isinstance(data, dict):
        raise fail(f"top level is a {type(data).__name__}; expected a mapping of settings")
    return data


def merge(base: Any, over: Any, shown: str, prov: Provenance, path: tuple = ()) -> Any:
    """Deep-merge ``over`` into ``base``: mappings merge, everything else
    (lists included) is replaced. Records which file set each path."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for key, value in over.items():
            out[key] = merge(base.get(key), value, shown, prov, path + (key,))
        prov[path] = shown
        return out
    _mark(over, shown, prov, path)
    return over


def _mark(value: Any, shown: str, prov: Provenance, path: tuple) -> None:
    prov[path] = shown
    if isinstance(value, dict):
        for k, v in value.items():
            _mark(v, shown, prov, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _mark(v, shown, prov, path + (i,))


def file_of(prov: Provenance, path: tuple, default: str) -> str:
    for n in range(len(path), -1, -1):
        hit = prov.get(tuple(path[:n]))
        if hit is not None:
            return hit
    return default


def _chain(path: Path, shown: str) -> list[tuple[Path, str, dict]]:
    """The file and its ancestors by ``extends``, root first."""
    chain: list[tuple[Path, str, dict]] = []
    seen: set[Path] = set()
    while True:
        real = path.resolve()
        if real in seen:
            raise RulesError([Problem(shown, "extends", "scenarios extend each other in a cycle")])
        if len(chain) >= MAX_EXTENDS:
            raise RulesError([Problem(shown, "extends", f"more than {MAX_EXTENDS} levels of 'extends'")])
        seen.add(real)
        data = read_yaml(path, shown)
        chain.append((path, shown, data))
        parent = data.pop("extends", None)
        if parent is None:
            return chain[::-1]
        if not isinstance(parent, str):
            raise RulesError([Problem(shown, "extends", "must be a file name (a string)")])
        path = path.parent / parent
        shown = _shown(path)


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def load_document(path: str | Path) -> tuple[dict, Provenance]:
    """Merged raw document of a scenario and where each value came from."""
    path = Path(path)
    chain = _chain(path, str(path))
    doc: dict = {}
    prov: Provenance = {}
    if chain[0][2].get("rules") == "default":
        for name in RULE_FILES:
            doc = merge(doc, read_yaml(RULES_DIR / name, f"rules/{name}"), f"rules/{name}", prov)
    for _, shown, data in chain:
        doc = merge(doc, data, shown, prov)
    return doc, prov


def _pydantic_problems(exc: ValidationError, prov: Provenance, top: str) -> list[Problem]:
    problems = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not _is_tag(p))
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown field; check the spelling (unknown fields are refused)"
        elif err["type"] == "missing":
            msg = "required field is missing"
        elif msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
        problems.append(Problem(file_of(prov, loc, top), format_path(loc), msg))
    return problems


def _is_tag(part: Any) -> bool:
    """Pydantic inserts the union member's tag (``work``, ``fixed``...) in locs."""
    return isinstance(part, str) and part in _TAGS


_TAGS = {"work", "approval", "meeting", "contest", "wait", "scheduled", "milestone", "branch",
         "fixed", "exponential", "uniform", "triangular", "lognormal", "gamma", "empirical",
         "int", "constrained-int", "literal['per_project']", "literal['all']"}


def load_scenario(path: str | Path) -> Scenario:
    """Load, validate and freeze a scenario (raises :class:`RulesError`)."""
    doc, prov = load_document(path)
    top = str(path)
    try:
        scenario = Scenario.model_validate(doc)
    except ValidationError as exc:
        raise RulesError(_pydantic_problems(exc, prov, top)) from None
    problems = [Problem(file_of(prov, p, top), format_path(p), m) for p, m in check_scenario(scenario)]
    if problems:
        raise RulesError(problems)
    return scenario
