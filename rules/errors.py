"""One error type for everything wrong with a rules or scenario file."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails


@dataclass(frozen=True)
class Problem:
    file: str
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.path}" if self.path else self.file
        return f"{where}: {self.message}"


class RulesError(ValueError):
    """Raised with every problem found; ``str()`` gives one line per problem."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def format_path(parts: tuple) -> str:
    """``("workflows", "return", "steps", 3, "role")`` -> ``workflows.return.steps[3].role``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def suggest(kind: str, name: str | int, known: Iterable[object]) -> str:
    """``unknown role 'desiger'; did you mean 'designer'?`` (or the known names)."""
    import difflib

    names = sorted(str(k) for k in known)
    close = difflib.get_close_matches(str(name), names, n=1)
    if close:
        hint = f"did you mean '{close[0]}'?"
    elif names:
        hint = f"expected one of: {', '.join(names)}"
    else:
        hint = "nothing may be set here"
    return f"unknown {kind} '{name}'; {hint}"


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


_SHORT = ("int_parsing", "float_parsing", "bool_parsing")


def explain(errors: Sequence[ErrorDetails], fields: tuple[str, ...] = ()) -> str:
    """One message for pydantic's errors about one value. Several errors at
    one place come from the members of a union ("a number or 'per_project'").
    ``fields`` are the known field names there, to suggest a spelling."""
    first = errors[0]
    kind, ctx = first["type"], first.get("ctx", {})
    if kind == "extra_forbidden":
        return suggest("field", first["loc"][-1], fields) + " (unknown fields are refused)"
    if kind == "missing":
        return "required field is missing"
    if kind == "union_tag_invalid":
        key = ctx["discriminator"].strip("'")
        return f"unknown {key} '{ctx['tag']}'; expected one of: {ctx['expected_tags'].replace(chr(39), '')}"
    if kind == "union_tag_not_found":
        return f"missing {ctx['discriminator']}, which says what kind of item this is"
    wants = [_want(e) for e in errors]
    if all(w.startswith("Input should be ") for w in wants):
        text = "Input should be " + " or ".join(w[len("Input should be "):] for w in wants)
    else:
        text = "; or ".join(wants)
    return text + _got(first)


def _want(err: ErrorDetails) -> str:
    msg = err["msg"]
    if msg.startswith("Value error, "):
        return msg[len("Value error, "):]
    if err["type"] in _SHORT:
        return msg.split(",")[0]
    return msg


def _got(err: ErrorDetails) -> str:
    value = err.get("input")
    if err["msg"].startswith("Value error, ") or isinstance(value, (dict, list, tuple)):
        return ""
    return f" (got {value!r})"
