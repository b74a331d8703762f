"""What-ifs from the command line: ``--set PATH=VALUE`` and ``--temp``.

Each is one more layer on the merged scenario document, applied after the
files and before validation, so a value set here is checked exactly as if a
file had set it (same messages, exit 2) and the file named in a problem is
the option itself (``--set org.roles.designer.headcount=six``).

- ``--set PATH=VALUE``: PATH is a field path as problems print it
  (``org.roles.customer_service.headcount``, ``workflows.return.steps[2].role``);
  VALUE is YAML (``6``, ``true``, ``2026-10-20``, ``{dist: fixed, value: 2}``).
  A mapping merges into the value there, anything else replaces it.
- ``--period [NAME=]START..END``: one more period with verdicts of its own
  (named by its dates unless NAME is given), beside the scenario's ``periods``.
- ``--temp ROLE+N@START..END[:SHIFT]``: N temporary people of ROLE on every
  day from START to END (dates included), working SHIFT (by default the
  shift of the role's first roster group): an ``extra`` entry appended to
  ``calendars.overrides``.
- ``--overtime ROLE+N@START..END:SHIFT``: N of ROLE's own members also work
  SHIFT (an evening, say) on every day from START to END: an ``overtime``
  entry (the shift is required: overtime is not the roster's shift).
"""
from __future__ import annotations

import copy
import re
from collections.abc import Callable, Sequence
from typing import Any

from rules.errors import Problem, RulesError, format_path, suggest

Provenance = dict[tuple, str]
Parse = Callable[[str, Callable[[str], RulesError]], Any]

_SEGMENT = re.compile(r"([A-Za-z_][\w-]*)((?:\[\d+\])*)$")
_TEMP = re.compile(r"(?P<role>[\w-]+)\+(?P<n>\d+)@(?P<start>[\d-]+)\.\.(?P<end>[\d-]+)"
                   r"(?::(?P<shift>[\w-]+))?$")


def parse_path(text: str) -> tuple:
    """``a.b[2].c`` -> ``("a", "b", 2, "c")`` (ValueError if malformed)."""
    parts: list = []
    for segment in text.split("."):
        m = _SEGMENT.match(segment)
        if m is None:
            raise ValueError(f"malformed field path {text!r} (expected names joined by '.', "
                             f"list items as name[2])")
        parts.append(m.group(1))
        parts.extend(int(i) for i in re.findall(r"\[(\d+)\]", m.group(2)))
    return tuple(parts)


def apply_sets(doc: dict, prov: Provenance, sets: Sequence[str], parse: Parse,
               merge: Callable[[Any, Any, str, Provenance, tuple], Any]) -> dict:
    """``doc`` with each ``PATH=VALUE`` applied in turn (``merge`` is the
    loader's, so a mapping merges as a file's would)."""
    for item in sets:
        shown = f"--set {item}"
        path_text, sep, value_text = item.partition("=")
        if not sep or not path_text:
            raise RulesError([Problem(shown, "", "expected PATH=VALUE, for example "
                                      "org.roles.customer_service.headcount=6")])
        try:
            path = parse_path(path_text.strip())
        except ValueError as exc:
            raise RulesError([Problem(shown, "", str(exc))]) from None
        value = parse(value_text, failing(shown))
        doc = _set(doc, path, value, shown, prov, merge)
    return doc


def failing(shown: str) -> Callable[[str], RulesError]:
    """The error a bad value of the what-if ``shown`` (``--set PATH=VALUE``) raises."""
    def fail(message: str) -> RulesError:
        return RulesError([Problem(shown, "", message)])
    return fail


def _set(doc: dict, path: tuple, value: Any, shown: str, prov: Provenance,
         merge: Callable[[Any, Any, str, Provenance, tuple], Any]) -> dict:
    out = copy.deepcopy(doc)
    node: Any = out
    for depth, key in enumerate(path[:-1]):
        node = _child(node, key, path[:depth + 1], shown)
    last = path[-1]
    if isinstance(last, int):
        if not isinstance(node, list) or last >= len(node):
            raise RulesError([Problem(shown, format_path(path), _no_item(node, last))])
        node[last] = merge(node[last], value, shown, prov, path)
    else:
        if not isinstance(node, dict):
            raise RulesError([Problem(shown, format_path(path[:-1]), "is not a mapping of fields")])
        node[last] = merge(node.get(last), value, shown, prov, path)
    return out


def _child(node: Any, key: Any, path: tuple, shown: str) -> Any:
    if isinstance(key, int):
        if not isinstance(node, list) or key >= len(node):
            raise RulesError([Problem(shown, format_path(path), _no_item(node, key))])
        return node[key]
    if not isinstance(node, dict):
        raise RulesError([Problem(shown, format_path(path[:-1]), "is not a mapping of fields")])
    if key not in node:
        # Only the last name may be new (the schema then says whether such a
        # field exists); a new name on the way is a typo, not a new role.
        raise RulesError([Problem(shown, format_path(path), suggest("name", key, node))])
    if node[key] is None:
        node[key] = {}
    return node[key]


def _no_item(node: Any, index: int) -> str:
    if not isinstance(node, list):
        return "is not a list"
    return f"no item {index}: the list has {len(node)} item{'s' if len(node) != 1 else ''}"


def temp_override(text: str, doc: dict, change: str = "extra") -> dict:
    """The ``calendars.overrides`` entry of ``--temp ROLE+N@START..END[:SHIFT]``
    (or of ``--overtime``, ``change="overtime"``; dates and the role are
    checked by the schema with the rest)."""
    option = "--temp" if change == "extra" else "--overtime"
    shown = f"{option} {text}"
    m = _TEMP.match(text.strip())
    if m is None:
        example = ("customer_service+2@2026-10-20..2026-11-25:cs_early" if change == "extra"
                   else "warehouse+3@2026-11-10..2026-11-20:overtime_evening")
        raise RulesError([Problem(shown, "", f"expected ROLE+N@START..END"
                                  f"{'[:SHIFT]' if change == 'extra' else ':SHIFT'}, for example "
                                  f"{example}")])
    if change != "extra" and not m.group("shift"):
        raise RulesError([Problem(shown, "", "name the overtime's shift: ...:SHIFT (for example "
                                  "overtime_evening)")])
    shift = m.group("shift") or _default_shift(doc, m.group("role"))
    if shift is None:
        raise RulesError([Problem(shown, "", f"role '{m.group('role')}' has no roster to take a "
                                  "shift from; name one: ...:SHIFT")])
    return {"role": m.group("role"), "change": change, "members": int(m.group("n")),
            "start": m.group("start"), "end": m.group("end"), "shift": shift,
            "note": f"{option} {text.strip()}"}


def _default_shift(doc: dict, role: str) -> str | None:
    spec = ((doc.get("org") or {}).get("roles") or {}).get(role)
    # A role works its roster (``office`` unless it names one), not a roster named after it.
    roster = spec.get("roster", "office") if isinstance(spec, dict) else role
    groups = ((doc.get("calendars") or {}).get("rosters") or {}).get(roster) or []
    first = groups[0] if groups else None
    return first.get("shift") if isinstance(first, dict) else None


def apply_periods(doc: dict, prov: Provenance, periods: Sequence[str]) -> dict:
    """``doc`` with one entry in ``periods`` per ``--period`` (the schema
    checks the dates)."""
    if not periods:
        return doc
    out = copy.deepcopy(doc)
    named = dict(out.get("periods") or {})
    for text in periods:
        name, sep, span = text.partition("=")
        name, span = (name.strip(), span.strip()) if sep else (text.strip(), text.strip())
        named[name] = span
        prov[("periods", name)] = f"--period {text}"
    out["periods"] = named
    return out


def apply_temps(doc: dict, prov: Provenance, temps: Sequence[str],
                change: str = "extra") -> dict:
    """``doc`` with one ``extra`` override appended per ``--temp`` (an
    ``overtime`` one per ``--overtime`` with ``change="overtime"``)."""
    if not temps:
        return doc
    option = "--temp" if change == "extra" else "--overtime"
    out = copy.deepcopy(doc)
    calendars = out.setdefault("calendars", {})
    overrides = list(calendars.get("overrides") or [])
    for text in temps:
        path = ("calendars", "overrides", len(overrides))
        overrides.append(temp_override(text, out, change))
        for key in overrides[-1]:
            prov[(*path, key)] = f"{option} {text}"
        prov[path] = f"{option} {text}"
    calendars["overrides"] = overrides
    return out
