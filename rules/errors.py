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


#: The most characters of a value a message quotes.
SNIPPET = 40
#: The most known names a message lists.
MAX_LISTED = 30


def format_path(parts: tuple) -> str:
    """``("workflows", "return", "steps", 3, "role")`` -> ``workflows.return.steps[3].role``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + bare(str(part))  # a key can be anything
    return out


def suggest(kind: str, name: str | int, known: Iterable[object]) -> str:
    """``unknown role 'desiger'; did you mean 'designer'?`` (or the known names)."""
    import difflib

    names = sorted(str(k) for k in known)
    close = difflib.get_close_matches(str(name)[:100], names, n=1)
    if close:
        hint = f"did you mean '{close[0]}'?"
    elif names:
        listed = [bare(n) for n in names[:MAX_LISTED]]
        more = f", ... ({len(names) - MAX_LISTED} more)" if len(names) > MAX_LISTED else ""
        hint = f"expected one of: {', '.join(listed)}{more}"
    else:
        hint = "nothing may be set here"
    return f"unknown {kind} '{bare(str(name))}'; {hint}"


def snippet(value: object, limit: int = SNIPPET) -> str:
    """A value as a message quotes it: its ``repr``, cut to ``limit``
    characters with ``...`` (a value can be a whole line of a file, and
    messages are one line)."""
    return bare(repr(value), limit)


def bare(text: str, limit: int = SNIPPET) -> str:
    """``text`` with anything unprintable escaped, cut to ``limit`` characters."""
    text = "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


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
    if err["type"] == "string_pattern_mismatch" and ":[0-5]" in str(err.get("ctx", {}).get("pattern")):
        # The time patterns' regex says nothing to a manager who wrote 9:00.
        return "a time of day as HH:MM with two-digit hours, e.g. 09:00 or 17:30"
    return msg


def _got(err: ErrorDetails) -> str:
    value = err.get("input")
    if err["msg"].startswith("Value error, ") or isinstance(value, (dict, list, tuple)):
        return ""
    if isinstance(value, bool) and err["type"] in ("int_type", "float_type"):
        return f" (got {value}: in YAML yes, no, on, off, true and false are booleans, not numbers)"
    return f" (got {snippet(value)})"
