"""One YAML file read safely into a mapping: bounded, UTF-8, no alias bombs,
no key given twice.

The size is known before anything is read (a regular file's from ``fstat``;
anything else is read only up to the limit), a file is opened without
blocking (a named pipe with no writer cannot hang the command), and every
fault is a :class:`RulesError` naming the file, never its contents.
"""
from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from rules.errors import Problem, RulesError, bare

#: The largest rules or scenario file read (the shop's largest, workflows.yaml, is 62 kB).
MAX_BYTES = 1_000_000
#: Values a document may hold once its aliases are expanded.
MAX_VALUES = 200_000
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
#: YAML 1.1's base-60 numbers: unquoted 15:30 would read as the integer 930
#: (and 1:30.5 as a float), so a time of day written without quotes in a
#: file or a ``--set`` would fail as "a valid string (got 930)" or worse
#: pass as a number; such a plain scalar stays the text it looks like.
_SEXAGESIMAL = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")

Fail = Callable[[str], RulesError]


class _Refused(yaml.YAMLError):
    """Well-formed YAML that is refused (alias bombs, recursive aliases)."""


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe loader (libyaml's when installed) that refuses alias bombs
    (billion laughs) and recursive aliases before building anything, and
    reads base-60 numbers (15:30) as the text they are written as."""

    def get_single_data(self) -> Any:
        node = self.get_single_node()
        if node is None:
            return None
        _check_expansion(node)
        return self.construct_document(node)

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is yaml.ScalarNode and implicit[0] and _SEXAGESIMAL.match(value):
            return "tag:yaml.org,2002:str"
        return super().resolve(kind, value, implicit)


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


def kind_of(mode: int) -> str:
    """What a file that is not a regular file is, for a message."""
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def read_yaml(path: Path, shown: str, regular_only: bool = False) -> dict:
    """Read one file into a mapping, or raise RulesError naming the file.
    ``regular_only`` refuses anything but a regular file (what ``extends``
    may name); otherwise a pipe (``<(cat x.yaml)``) is read up to the limit."""
    def fail(message: str) -> RulesError:
        return RulesError([Problem(shown, "", message)])

    data = parse(decode(_read(path, fail, regular_only), fail), fail)
    if data is None:
        raise fail("file is empty; expected a mapping of settings")
    if not isinstance(data, dict):
        raise fail(f"top level is a {type(data).__name__}; expected a mapping of settings")
    return data


def _read(path: Path, fail: Fail, regular_only: bool) -> bytes:
    """At most MAX_BYTES of ``path``; its size checked before it is read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise fail("file not found") from None
    except IsADirectoryError:
        raise fail("is a directory, expected a YAML file") from None
    except OSError as exc:
        raise fail(f"cannot read the file: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise fail("is a directory, expected a YAML file")
        regular = stat.S_ISREG(info.st_mode)
        if not regular and regular_only:
            raise fail(f"is {kind_of(info.st_mode)}, not a regular file")
        if regular and info.st_size > MAX_BYTES:
            raise fail(f"file is {info.st_size} bytes; the limit is {MAX_BYTES}")
        os.set_blocking(fd, True)
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_BYTES:
            chunk = os.read(fd, min(1 << 16, MAX_BYTES + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > MAX_BYTES:
            raise fail(f"file is more than {MAX_BYTES} bytes; the limit is {MAX_BYTES}")
        return b"".join(chunks)
    except OSError as exc:
        raise fail(f"cannot read the file: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def decode(raw: bytes, fail: Fail) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise fail(f"not UTF-8 (line {line}, byte {exc.start}); save the file as UTF-8 "
                   f"(files saved as GBK or GB2312 must be converted)") from None


def parse(text: str, fail: Fail) -> Any:
    """YAML text to data with the safe loader, or ``fail``'s error."""
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
        raise fail(f"malformed YAML: {where}{bare(str(exc.problem), 120)}") from None
    except yaml.YAMLError as exc:
        first = (str(exc).splitlines() or [""])[0]  # the rest points into the text
        raise fail(f"malformed YAML: {bare(first, 120)}") from None
    except RecursionError:
        raise fail("malformed YAML: nested too deeply") from None
