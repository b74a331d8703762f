"""The same seed gives the same bytes: every plot (PNG and SVG), report.html,
the saved aggregates and the diagrams, in fresh interpreters with different
hash seeds (a set's order, which changes between runs, once picked the chart
font). Wall times live in summary.json only."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _opsim(args: list[str], hash_seed: str) -> None:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    proc = subprocess.run([sys.executable, "-m", "sim", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.slow  # two runs with their report, two sets of diagrams, each in a fresh interpreter
def test_the_same_seed_gives_the_same_bytes(tmp_path: Path) -> None:
    for i, hash_seed in enumerate(("1", "2")):
        # Two processes: the replications in workers, half of the plots drawn apart.
        _opsim(["run", "scenarios/validation/mmc.yaml", "-n", "2", "-j", "2", "--seed", "7", "--svg",
                "--set", "horizon={start: 2026-03-02, end: 2026-03-15}", "--out", str(tmp_path / f"run{i}")],
               hash_seed)
        _opsim(["show", "scenarios/validation/mmc.yaml", "--diagram",
                str(tmp_path / f"diagrams{i}")], hash_seed)
    first, second = _files(tmp_path / "run0"), _files(tmp_path / "run1")
    assert {"report.html", "plots/queues.png", "plots/queues.svg"} <= set(first)
    assert set(first) == set(second)
    differ = [name for name in first if first[name] != second[name]]
    # Only the wall time may differ, and two runs can take the same rounded time.
    assert set(differ) <= {"summary.json"}, differ
    one, two = (json.loads(first["summary.json"]), json.loads(second["summary.json"]))
    one["run"].pop("wall_seconds"), two["run"].pop("wall_seconds")
    assert one == two
    assert b"<dc:date>" not in first["plots/queues.svg"] and b"simulated in" not in first["report.html"]
    assert _files(tmp_path / "diagrams0") == _files(tmp_path / "diagrams1")
