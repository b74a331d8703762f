"""``extends``: a scenario's ancestors, confined to where scenarios live.

``extends`` names a relative path to a regular ``.yaml`` file that, with
links resolved, lies inside the directory tree of the scenario naming it,
of the current directory, or of the project's ``scenarios/``; a scenario
could otherwise read ``/etc/passwd``, ``/dev/zero`` (until memory runs out)
or a named pipe (forever). ``allow_outside`` (``--allow-outside``) lifts the
confinement, never the other rules. A refused file is never opened, and a
message quotes at most a short, sanitised part of the value.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path, PurePath
from typing import Any

from rules.documents import MAX_BYTES, kind_of, read_yaml
from rules.errors import Problem, RulesError, snippet

#: The project's own scenarios, always a place ``extends`` may reach.
SCENARIOS_DIR = Path(__file__).resolve().parent.parent / "scenarios"
MAX_EXTENDS = 10
SUFFIXES = (".yaml", ".yml")

Chain = list[tuple[Path, str, dict]]


def chain(path: Path, shown: str, allow_outside: bool = False) -> Chain:
    """The file and its ancestors by ``extends``, root first."""
    found: Chain = []
    while True:
        _guard(found, path, shown)
        data = read_yaml(path, shown, regular_only=bool(found))
        found.append((path, shown, data))
        parent = data.pop("extends", None)
        if parent is None:
            return found[::-1]
        path, shown = _parent(path, shown, parent, allow_outside)


def _guard(found: Chain, path: Path, shown: str) -> None:
    """Refuse an ``extends`` that closes a cycle or goes too deep."""
    if not found:
        return
    child = found[-1][1]
    seen = [p.resolve() for p, _, _ in found]
    if path.resolve() in seen:
        loop = [s for _, s, _ in found[seen.index(path.resolve()):]] + [shown]
        raise _problem(child, (f"scenarios extend each other in a cycle ({' -> '.join(loop)}); "
                               f"a scenario cannot extend itself or a scenario that extends it"))
    if len(found) >= MAX_EXTENDS:
        raise _problem(child, f"more than {MAX_EXTENDS} levels of 'extends'")


def _problem(shown: str, message: str) -> RulesError:
    return RulesError([Problem(shown, "extends", message)])


def _parent(path: Path, shown: str, parent: Any, allow_outside: bool) -> tuple[Path, str]:
    """The file ``parent`` names, checked before it is opened."""
    if not isinstance(parent, str) or not parent.strip():
        raise _problem(shown, f"must be a file name (a string), got {snippet(parent)}; "
                              "e.g. extends: baseline.yaml")
    quoted = snippet(parent, 60)
    if "\x00" in parent or not parent.isprintable():
        raise _problem(shown, f"{quoted} holds characters a file name cannot")
    if (PurePath(parent).is_absolute() or parent.startswith("~")) and not allow_outside:
        raise _problem(shown, f"{quoted} is an absolute path; give a path relative to the "
                              f"folder of {shown} (or run with --allow-outside)")
    if PurePath(parent).suffix.lower() not in SUFFIXES:
        raise _problem(shown, f"{quoted} is not a .yaml file; extends names a scenario file")
    target = path.parent / parent
    try:
        real = target.resolve()
    except (RuntimeError, OSError) as exc:  # a loop of symbolic links (RuntimeError before 3.13)
        raise _problem(shown, f"{quoted} cannot be resolved: {_why(exc)}") from None
    if not allow_outside and not any(real.is_relative_to(root) for root in _roots(path)):
        raise _problem(shown, (
            f"{quoted} lies outside the folders a scenario may extend from (the folder of "
            f"{shown}, the current folder, the project's scenarios/); "
            f"run with --allow-outside to allow it"))
    try:
        info = os.stat(real)  # stat, never open: a named pipe would block, /dev/zero never end
    except FileNotFoundError:
        raise _problem(shown, (f"file not found: {quoted} (looked for {_shown(target)}; "
                               f"the path is relative to the folder of {shown})")) from None
    except OSError as exc:
        raise _problem(shown, f"{quoted} cannot be read: {_why(exc)}") from None
    if not stat.S_ISREG(info.st_mode):
        raise _problem(shown, f"{quoted} is {kind_of(info.st_mode)}, not a regular file")
    if info.st_size > MAX_BYTES:
        raise _problem(shown, f"{quoted} is {info.st_size} bytes; the limit is {MAX_BYTES}")
    return real, _shown(real)


def _roots(path: Path) -> list[Path]:
    """The folder of the scenario naming the file, the current folder (not
    when it is the file system's root: that would allow everything) and the
    project's scenarios/."""
    cwd = Path.cwd().resolve()
    return [path.resolve().parent, SCENARIOS_DIR, *([cwd] if cwd != Path(cwd.anchor) else [])]


def _why(exc: BaseException) -> str:
    text = str(exc).lower()
    if isinstance(exc, RuntimeError) or "loop" in text or getattr(exc, "errno", None) == 40:
        return "a loop of symbolic links"
    return getattr(exc, "strerror", None) or "not readable"


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except (ValueError, OSError, RuntimeError):
        return str(path)
