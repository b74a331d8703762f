"""``opsim``'s end (:func:`sim.cli.main.program`): the output flushed, then
``os._exit``. A stream that cannot be flushed (a closed pipe) must not keep
the other from being flushed: ``os._exit`` drops whatever is still buffered."""
from __future__ import annotations

import importlib
import io

import pytest

cli = importlib.import_module("sim.cli.main")  # the module: ``sim.cli.main`` the name is the function


class _Closed(io.StringIO):
    """stdout whose reader has gone (``opsim ... | head``)."""

    def flush(self) -> None:
        raise BrokenPipeError(32, "Broken pipe")


class _Counted(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.flushes = 0

    def flush(self) -> None:
        self.flushes += 1


class _Exited(Exception):
    pass


def _exit(code: int) -> None:
    raise _Exited(code)


@pytest.mark.parametrize("broken", ["stdout", "stderr"])
def test_a_stream_that_cannot_be_flushed_does_not_keep_the_other_unflushed(
        broken: str, monkeypatch: pytest.MonkeyPatch) -> None:
    streams = {"stdout": _Counted(), "stderr": _Counted()}
    streams[broken] = _Closed()
    monkeypatch.setattr(cli.sys, "stdout", streams["stdout"])
    monkeypatch.setattr(cli.sys, "stderr", streams["stderr"])
    monkeypatch.setattr(cli, "main", lambda: 2)
    monkeypatch.setattr(cli.os, "_exit", _exit)
    with pytest.raises(_Exited) as ended:
        cli.program()
    assert ended.value.args == (2,)
    other = streams["stderr" if broken == "stdout" else "stdout"]
    assert isinstance(other, _Counted) and other.flushes == 1
