"""The one loading path: read, inherit, merge, validate, cross-check, freeze.

``load_scenario(path)`` returns a frozen :class:`Scenario` or raises
:class:`RulesError` with one :class:`Problem` per fault, each naming the file
that set the offending value, the field path and what would be right.
"""
from __future__ import annotations

import copy
import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from types import UnionType
from typing import TYPE_CHECKING, Annotated, Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from rules.checks import check_scenario
from rules.errors import Problem, RulesError, explain, format_path
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
MAX_BYTES = 2_000_000
#: Values a document may hold once its aliases are expanded.
MAX_VALUES = 200_000
MAX_EXTENDS = 10
_TIMESTAMP = "tag:yaml.org,2002:timestamp"

Provenance = dict[tuple, str]


class _Refused(yaml.YAMLError):
    """Well-formed YAML that is refused (alias bombs, recursive aliases)."""


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe loader (libyaml's when installed) that refuses alias bombs
    (billion laughs) and recursive aliases before building anything."""

    def get_single_data(self) -> Any:
        node = self.get_single_node()
        if node is None:
            return None
        _check_expansion(node)
        return self.construct_document(node)


# Dates stay strings here: the schema parses them, so a bad date such as
# 2026-02-30 is reported with its field path instead of crashing the parser.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _TIMESTAMP]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.yaml_constructors = {**_Loader.yaml_constructors}


def _check_expansion(root: yaml.Node) -> None:
    """Refuse recursive aliases and documents that expand beyond MAX_VALUES.

    Counts each node once per place it appears (what ``merge`` and the
    schema would walk), memoising shared nodes so the count itself is cheap.
    """
    size: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        kids = _children(node)
        if done:
            on_path.discard(id(node))
            size[id(node)] = 1 + sum(size[id(k)] for k in kids)
            if size[id(node)] > MAX_VALUES:
                raise _Refused(f"aliases expand to more than {MAX_VALUES} values; "
                                     "refusing a possible alias bomb (billion laughs)")
            continue
        if id(node) in size:
            continue
        _refuse_duplicate_keys(node)
        on_path.add(id(node))
        stack.append((node, True))
        for kid in kids:
            if id(kid) in on_path:
                raise _Refused("an alias refers to a value that contains it (a recursive structure)")
            stack.append((kid, False))


def _refuse_duplicate_keys(node: yaml.Node) -> None:
    """A key given twice in one mapping: YAML would keep the last silently."""
    if not isinstance(node, yaml.MappingNode):
        return
    seen: dict[str, int] = {}
    for key, _value in node.value:
        if not isinstance(key, yaml.ScalarNode) or key.tag == "tag:yaml.org,2002:merge":
            continue
        line = key.start_mark.line + 1
        if key.value in seen:
            raise _Refused(f"key '{key.value[:40]}' is given twice in one mapping (lines "
                           f"{seen[key.value]} and {line}); keep one")
        seen[key.value] = line


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def read_yaml(path: Path, shown: str) -> dict:
    """Read one file into a mapping, or raise RulesError naming the file."""
    def fail(message: str) -> RulesError:
        return RulesError([Problem(shown, "", message)])

    if not path.exists():
        raise fail("file not found")
    if path.is_dir():
        raise fail("is a directory, expected a YAML file")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise fail(f"cannot read the file: {exc.strerror}") from None
    if len(raw) > MAX_BYTES:
        raise fail(f"file is {len(raw)} bytes; the limit is {MAX_BYTES}")
    data = _parse(_decode(raw, fail), fail)
    if data is None:
        raise fail("file is empty; expected a mapping of settings")
    if not isinstance(data, dict):
        raise fail(f"top level is a {type(data).__name__}; expected a mapping of settings")
    return data


def _decode(raw: bytes, fail: Callable[[str], RulesError]) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise fail(f"not UTF-8 (line {line}, byte {exc.start}); save the file as UTF-8 "
                   f"(files saved as GBK or GB2312 must be converted)") from None


def _parse(text: str, fail: Callable[[str], RulesError]) -> Any:
    try:
        loader = _Loader(text)  # a SafeLoader that also refuses alias bombs
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except _Refused as exc:
        raise fail(str(exc)) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise fail(f"malformed YAML: {where}{exc.problem}") from None
    except yaml.YAMLError as exc:
        raise fail(f"malformed YAML: {exc}") from None
    except RecursionError:
        raise fail("malformed YAML: nested too deeply") from None


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


Chain = list[tuple[Path, str, dict]]


def _chain(path: Path, shown: str) -> Chain:
    """The file and its ancestors by ``extends``, root first."""
    chain: Chain = []
    while True:
        _guard(chain, path, shown)
        data = read_yaml(path, shown)
        chain.append((path, shown, data))
        parent = data.pop("extends", None)
        if parent is None:
            return chain[::-1]
        path, shown = _parent(path, shown, parent)


def _guard(chain: Chain, path: Path, shown: str) -> None:
    """Refuse an ``extends`` that closes a cycle or goes too deep."""
    if not chain:
        return
    child = chain[-1][1]
    seen = [p.resolve() for p, _, _ in chain]
    if path.resolve() in seen:
        loop = [s for _, s, _ in chain[seen.index(path.resolve()):]] + [shown]
        raise RulesError([Problem(child, "extends", (
            f"scenarios extend each other in a cycle ({' -> '.join(loop)}); "
            f"a scenario cannot extend itself or a scenario that extends it"))])
    if len(chain) >= MAX_EXTENDS:
        raise RulesError([Problem(child, "extends", f"more than {MAX_EXTENDS} levels of 'extends'")])


def _parent(path: Path, shown: str, parent: Any) -> tuple[Path, str]:
    if not isinstance(parent, str) or not parent:
        raise RulesError([Problem(shown, "extends", (
            f"must be a file name (a string), got {parent!r}; e.g. extends: baseline.yaml"))])
    target = path.parent / parent
    if not target.exists():
        raise RulesError([Problem(shown, "extends", (
            f"file not found: '{parent}' (looked for {_shown(target)}; "
            f"the path is relative to the folder of {shown})"))])
    return target, _shown(target)


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _rules_file(name: str) -> dict:
    """A fresh copy of one of the shop's rules files (parsed once per version)."""
    path = RULES_DIR / name
    stamp = path.stat().st_mtime_ns if path.exists() else 0
    return copy.deepcopy(_parsed_rules(name, stamp))


@lru_cache(maxsize=32)
def _parsed_rules(name: str, stamp: int) -> dict:
    return read_yaml(RULES_DIR / name, f"rules/{name}")


def load_document(path: str | Path) -> tuple[dict, Provenance]:
    """Merged raw document of a scenario and where each value came from."""
    path = Path(path)
    chain = _chain(path, str(path))
    doc: dict = {}
    prov: Provenance = {}
    if chain[0][2].get("rules") == "default":
        for name in RULE_FILES:
            doc = merge(doc, _rules_file(name), f"rules/{name}", prov)
    for _, shown, data in chain:
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
                  r"literal\[.*\]|function-\w+\[.*\])$")


def load_scenario(path: str | Path, sets: Sequence[str] = (), temps: Sequence[str] = (),
                  periods: Sequence[str] = ()) -> Scenario:
    """Load, validate and freeze a scenario (raises :class:`RulesError`);
    ``sets`` (``PATH=VALUE``), ``temps`` (``ROLE+N@START..END[:SHIFT]``) and
    ``periods`` (``[NAME=]START..END``) are applied on top of the files
    (``rules.overrides``)."""
    doc, prov = load_document(path)
    doc = apply_sets(doc, prov, sets, _parse, merge)
    doc = apply_temps(doc, prov, temps)
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
