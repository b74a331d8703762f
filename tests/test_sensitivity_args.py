"""benchmarks/sensitivity.py refuses a headcount range it cannot sweep
with the usage error (exit 2), before loading anything: ``5..x`` raised
a ValueError and ``9..5`` an IndexError on an empty sweep (review 11
item 8)."""
from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "sensitivity.py"


def _script():
    """The script as a module (registered first: its dataclasses look it up)."""
    if "sensitivity" in sys.modules:
        return sys.modules["sensitivity"]
    spec = importlib.util.spec_from_file_location("sensitivity", SCRIPT)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["sensitivity"] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


@pytest.mark.parametrize(("text", "message"), [
    ("5..x", "'5..x' is not LO..HI with whole numbers"),
    ("9..5", "'9..5' is an empty range \\(5 is below 9\\)"),
    ("0..3", "'0..3' starts below 1 agent"),
    ("..", "'..' is not LO..HI"),
])
def test_a_bad_headcount_range_is_a_usage_error(text: str, message: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        _script().main(["--headcount", text])
    assert exit_.value.code == 2
    assert re.search(f"--headcount: {message}", capsys.readouterr().err)


def test_a_range_and_one_headcount_are_read() -> None:
    script = _script()
    assert script._range("5..7") == [5, 6, 7]
    assert script._range("6") == [6]
