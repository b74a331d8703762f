"""The one loading path: read, inherit, merge, validate, cross-check, freeze.

``load_scenario(path)`` returns a frozen :class:`Scenario` or raises
:class:`RulesError` with one :class:`Problem` per fault, each naming the file
that set the offending value, the field path and what would be right.
"""
from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from types import UnionType
from typing import TYPE_CHECKING, Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from rules.checks import check_scenario
from rules.documents import parse, read_yaml
from rules.errors import Problem, RulesError, explain, format_path
from rules.inheritance import chain
from rules.overrides import apply_periods, apply_sets, apply_temps
from rules.scenario import Scenario

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

RULES_DIR = Path(__file__).resolve().parent
#: The shop's rules, one section per file, merged in this order.
RULE_FILES: tuple[str, ...] = (
    "org_chart.yaml", "duties.yaml", "calendars.yaml", "workflows.yaml",
    "aftersales.yaml", "service_windows.yaml", "costs.yaml",
)
Provenance = dict[tuple, str]


def merge(base: Any, over: Any, shown: str, prov: Provenance, path: tuple = ()) -> Any:
    """Deep-merge ``over`` into ``base``: mappings merge, everything else
    (lists included) is replaced, and so is a duration whose ``dist``
    changes (its parameters mean other things). Records which file set each
    path; a replaced value forgets where its old parts came from."""
    if isinstance(base, dict) and isinstance(over, dict) and not _replaces(base, over):
        out = dict(base)
        for key, value in over.items():
            out[key] = merge(base.get(key), value, shown, prov, path + (key,))
        prov[path] = shown
        return out
    if base is not None:
        _forget(prov, path)
    _mark(over, shown, prov, path)
    return over


def _replaces(base: dict, over: dict) -> bool:
    return "dist" in over and over["dist"] != base.get("dist")


def _forget(prov: Provenance, path: tuple) -> None:
    n = len(path)
    for key in [k for k in prov if len(k) > n and k[:n] == path]:
        del prov[key]


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


def _rules_file(name: str) -> dict:
    """A fresh copy of one of the shop's rules files (parsed once per version)."""
    path = RULES_DIR / name
    stamp = path.stat().st_mtime_ns if path.exists() else 0
    return copy.deepcopy(_parsed_rules(name, stamp))


@lru_cache(maxsize=32)
def _parsed_rules(name: str, stamp: int) -> dict:
    return read_yaml(RULES_DIR / name, f"rules/{name}")


def load_document(path: str | Path, allow_outside: bool = False) -> tuple[dict, Provenance]:
    """Merged raw document of a scenario and where each value came from
    (``allow_outside``: ``extends`` may name files anywhere, see
    ``rules.inheritance``)."""
    path = Path(path)
    files = chain(path, str(path), allow_outside)
    doc: dict = {}
    prov: Provenance = {}
    if files[0][2].get("rules") == "default":
        for name in RULE_FILES:
            doc = merge(doc, _rules_file(name), f"rules/{name}", prov)
    for _, shown, data in files:
        doc = merge(doc, data, shown, prov)
    return doc, prov


def _pydantic_problems(exc: ValidationError, doc: dict, prov: Provenance, top: str) -> list[Problem]:
    """One problem per field: union members' complaints about one value are
    joined, and a list's "too short" caused by a bad item is dropped."""
    grouped: dict[tuple, list[ErrorDetails]] = {}
    for err in _without_knock_on(exc.errors()):
        grouped.setdefault(_strip_tags(err["loc"], doc), []).append(err)
    return [Problem(file_of(prov, loc, top), format_path(loc), explain(errs, _fields_at(errs[0]["loc"][:-1])))
            for loc, errs in grouped.items()]


def _fields_at(loc: tuple) -> tuple[str, ...]:
    """Field names of the model at ``loc`` (pydantic's loc, tags included)."""
    tp: Any = Scenario
    for part in loc:
        tp = _descend(_unwrap(tp), part)
        if tp is None:
            return ()
    tp = _unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return tuple(f.alias or name for name, f in tp.model_fields.items())
    return ()


def _unwrap(tp: Any) -> Any:
    while get_origin(tp) is Annotated:
        tp = get_args(tp)[0]
    if get_origin(tp) in (Union, UnionType):
        members = [a for a in get_args(tp) if a is not type(None)]
        return members[0] if len(members) == 1 else tuple(members)
    return tp


def _descend(tp: Any, part: Any) -> Any:
    if isinstance(tp, tuple):  # a union: ``part`` names the member
        return next((m for m in tp if part in _tags(m)), None)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        field = next((f for n, f in tp.model_fields.items() if part in (n, f.alias)), None)
        return None if field is None else field.annotation
    args = get_args(tp)
    if get_origin(tp) is dict:
        return args[1]
    if get_origin(tp) in (tuple, list) and args:
        return args[0] if len(args) < 2 or args[1] is Ellipsis else args[part]
    return None


def _tags(member: Any) -> tuple:
    fields = getattr(member, "model_fields", {})
    return tuple(t for key in ("kind", "dist") if key in fields for t in get_args(fields[key].annotation))


def _without_knock_on(errors: list[ErrorDetails]) -> list[ErrorDetails]:
    def caused_below(err: ErrorDetails) -> bool:
        n = len(err["loc"])
        return any(len(o["loc"]) > n and o["loc"][:n] == err["loc"] for o in errors)
    return [e for e in errors if not (e["type"] == "too_short" and caused_below(e))]


def _strip_tags(loc: tuple, doc: Any) -> tuple:
    """Drop the union member names pydantic inserts in locs (``work``,
    ``triangular``, ``int``...): parts that are not keys of the document."""
    out: list = []
    node = doc
    for part in loc:
        if (isinstance(node, dict) and part in node) or (isinstance(node, list) and _index_in(part, node)):
            out.append(part)
            node = node[part]
        elif not (isinstance(part, str) and _TAG.match(part)):
            out.append(part)
            node = None
    return tuple(out)


def _index_in(part: Any, node: list) -> bool:
    return isinstance(part, int) and 0 <= part < len(node)


_TAG = re.compile(r"^(work|approval|meeting|contest|wait|scheduled|milestone|branch|fixed|exponential|"
                  r"uniform|triangular|lognormal|gamma|empirical|int|float|str|bool|constrained-\w+|"
                  r"\[key\]|literal\[.*\]|function-\w+\[.*\])$")


def load_scenario(path: str | Path, sets: Sequence[str] = (), temps: Sequence[str] = (),
                  periods: Sequence[str] = (), allow_outside: bool = False,
                  overtime: Sequence[str] = ()) -> Scenario:
    """Load, validate and freeze a scenario (raises :class:`RulesError`);
    ``sets`` (``PATH=VALUE``), ``temps`` (``ROLE+N@START..END[:SHIFT]``) and
    ``periods`` (``[NAME=]START..END``) are applied on top of the files
    (``rules.overrides``); ``allow_outside`` lets ``extends`` name files
    outside the scenario's folder, the current one and ``scenarios/``;
    ``overtime`` (``ROLE+N@START..END:SHIFT``) adds overtime like ``temps``
    adds temporary staff."""
    doc, prov = load_document(path, allow_outside)
    doc = apply_sets(doc, prov, sets, parse, merge)
    doc = apply_temps(doc, prov, temps)
    doc = apply_temps(doc, prov, overtime, "overtime")
    doc = apply_periods(doc, prov, periods)
    top = str(path)
    try:
        scenario = Scenario.model_validate(doc)
    except ValidationError as exc:
        raise RulesError(_pydantic_problems(exc, doc, prov, top)) from None
    problems = [Problem(file_of(prov, p, top), format_path(p), m) for p, m in check_scenario(scenario)]
    if problems:
        raise RulesError(problems)
    return scenario
