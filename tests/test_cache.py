"""The point cache: replications kept whole, read back the same, and a search
killed half way resumes without recomputing or double counting."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rules import load_scenario
from sim.analysis.evaluation import _STORED, Reduced, _one, evaluate_all
from sim.analysis.kpis import RoleInfo
from sim.analysis.windows import WindowCases
from sim.cli import main
from sim.runs.cache import STALE_SECONDS, PointCache, dataclass_types, point_key, scenario_hash
from sim.runs.executor import LocalExecutor

STRESS = "tests/scenarios/stress.yaml"
AS = "org.roles.aftersales_service.headcount"
TIMINGS = ("wall_seconds", "simulate_seconds", "reduce_seconds")


def untimed(results: list[dict]) -> list[dict]:
    """The results as JSON, without the wall times (the only numbers that may differ)."""
    out = json.loads(json.dumps(results))
    for r in out:
        for timing in TIMINGS:
            r["run"].pop(timing)
    return out


@pytest.fixture(scope="module")
def part() -> Reduced:
    return _one((load_scenario(STRESS), 1, 5, None))


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray):
        return (isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape
                and bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f")))
    if isinstance(a, dict):
        return type(b) is dict and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, tuple | list):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if hasattr(a, "__dataclass_fields__"):
        return type(a) is type(b) and all(_same(getattr(a, f), getattr(b, f))
                                          for f in a.__dataclass_fields__)
    return type(a) is type(b) and a == b


def test_an_entry_reads_back_as_it_was_written(tmp_path: Path, part: Reduced) -> None:
    cache = PointCache(tmp_path / "c")
    assert cache.get("k", _STORED) is None and len(cache) == 0
    cache.put("k", part, _STORED)
    back = cache.get("k", _STORED)
    assert _same(back, part)  # dtypes too
    wf = next(w.workflow for w in back.windows.values() if w.workflow.size)
    assert wf.dtype == np.int16  # the windows' workflows travel as codes (issue 13)
    assert (cache.hits, cache.writes, len(cache)) == (1, 1, 1)
    assert not [p for p in (tmp_path / "c").iterdir() if p.suffix != ".npz"]  # no temporary left
    cache.put("text", {"names": np.array(["a", "售后", "a"], dtype=object)}, _STORED)
    text = cache.get("text", _STORED)["names"]  # text arrays come back as Python str objects
    assert text.dtype == object and text.tolist() == ["a", "售后", "a"] and isinstance(text[0], str)


@dataclass(frozen=True)
class Inner:
    by_day: dict[int, np.ndarray]
    pair: tuple[str, float]


@dataclass(frozen=True)
class Outer:
    inner: dict[str, Inner]
    maybe: Inner | None = None


def test_the_types_an_entry_may_hold_come_from_the_annotations(tmp_path: Path) -> None:
    assert dataclass_types(Outer) == (Outer, Inner)
    assert set(_STORED) >= {Reduced, WindowCases, RoleInfo}
    value = Outer({"a": Inner({3: np.arange(3.0), -1: np.zeros(0)}, ("x", 0.1 + 0.2))})
    cache = PointCache(tmp_path)
    cache.put("k", value, dataclass_types(Outer))
    assert _same(cache.get("k", dataclass_types(Outer)), value)
    with pytest.raises(TypeError, match="cannot hold a Inner"):
        cache.put("j", value, (Outer,))  # it could never be read back


def test_a_killed_writers_leftovers_are_removed_once_stale(tmp_path: Path, part: Reduced) -> None:
    cache = PointCache(tmp_path)
    cache.put("a", part, _STORED)
    old, young = tmp_path / ".old.tmp", tmp_path / ".young.tmp"
    for f in (old, young):
        f.write_bytes(b"half")
    os.utime(old, (time.time() - 2 * STALE_SECONDS,) * 2)
    PointCache(tmp_path).put("b", part, _STORED)
    assert not old.exists() and young.exists()


def test_a_cache_that_cannot_be_written_does_not_lose_the_sweep(tmp_path: Path, capsys,
                                                                monkeypatch) -> None:
    import errno

    real = np.savez
    calls = []

    def full(f, *args, **kwargs):
        calls.append(1)
        if len(calls) > 1:  # the first entry fits, then the disk is full
            raise OSError(errno.ENOSPC, "No space left on device")
        real(f, *args, **kwargs)

    monkeypatch.setattr(np, "savez", full)
    out = tmp_path / "sweep"
    assert main(["sweep", STRESS, "--vary", f"{AS}=1,2", "-n", "2", "--jobs", "1",
                 "--out", str(out)]) == 0
    err = " ".join(capsys.readouterr().err.split())
    assert "0 replications read from the cache, 1 kept; cannot keep replications in" in err
    assert "No space left on device" in err and len(calls) == 2  # no more tries after it
    assert (out / "sweep.json").is_file()
    assert [p.name for p in (tmp_path / "sweep.cache").iterdir()] == [
        p.name for p in (tmp_path / "sweep.cache").glob("*.npz")]  # no temporary left


def test_the_key_is_the_scenario_seed_and_replication() -> None:
    a, b = load_scenario(STRESS), load_scenario(STRESS, [f"{AS}=2"])
    h = scenario_hash(a)
    assert h == scenario_hash(load_scenario(STRESS)) and h != scenario_hash(b)
    keys = {point_key(h, 5, 0), point_key(h, 5, 1), point_key(h, 6, 0), point_key(scenario_hash(b), 5, 0)}
    assert len(keys) == 4 and point_key(h, 5, 0) == point_key(h, 5, 0)


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty", "other key", "pickle",
                                    "unknown type"])
def test_a_damaged_entry_is_ignored_not_a_traceback(tmp_path: Path, part: Reduced,
                                                    damage: str) -> None:
    cache = PointCache(tmp_path)
    cache.put("k", part, _STORED)
    path = tmp_path / "k.npz"
    data = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        path.write_bytes(b"\x00garbage" * 100)
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "other key":
        os.replace(path, tmp_path / "j.npz")
        path = tmp_path / "k.npz"
        cache.put("j", part, _STORED)
        os.replace(tmp_path / "j.npz", path)
    elif damage == "pickle":  # an object array is a pickle: never loaded
        np.savez(path, __meta__=np.array(json.dumps({"key": "k", "value": {"$array": "a0"}})),
                 a0=np.array([{"x": 1}], dtype=object))
    assert cache.get("k", () if damage == "unknown type" else _STORED) is None
    assert cache.hits == 0


class Counting:
    """An executor that counts what it computes and can stop after ``stop``
    results, as a search killed half way."""

    def __init__(self, stop: int | None = None) -> None:
        self.items: list[Any] = []
        self.stop = stop

    def map(self, fn: Callable, items: Sequence) -> list:
        return [fn(x) for x in items]

    def completed(self, fn: Callable, items: Sequence) -> Iterator[tuple[int, Any]]:
        for i, item in enumerate(items):
            if self.stop is not None and len(self.items) == self.stop:
                raise KeyboardInterrupt
            self.items.append(item)
            yield i, fn(item)

    def close(self) -> None:
        pass


def test_a_search_stopped_half_way_resumes_where_it_stopped(tmp_path: Path) -> None:
    scenarios = [load_scenario(STRESS, [f"{AS}={k}"]) for k in (1, 2)]
    plain = untimed(evaluate_all(scenarios, 3, 5))
    cache = PointCache(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        evaluate_all(scenarios, 3, 5, executor=Counting(stop=4), cache=cache)
    assert len(cache) == 4
    again, resumed, told = Counting(), PointCache(tmp_path), []
    assert untimed(evaluate_all(scenarios, 3, 5, executor=again, cache=resumed,
                                progress=lambda done, total: told.append((done, total)))) == plain
    assert told == [(4, 6), (5, 6), (6, 6)]
    assert len(again.items) == 2 and (resumed.hits, resumed.writes) == (4, 2)
    done, third = Counting(), PointCache(tmp_path)
    assert untimed(evaluate_all(scenarios, 3, 5, executor=done, cache=third)) == plain
    assert done.items == [] and third.hits == 6


def test_equal_points_are_simulated_once(tmp_path: Path) -> None:
    scenarios = [load_scenario(STRESS, [f"{AS}={k}"]) for k in (1, 1, 2)]
    ex = Counting()
    first, again, _ = untimed(evaluate_all(scenarios, 2, 5, executor=ex))
    assert len(ex.items) == 4 and first["service_windows"] == again["service_windows"]


def test_a_damaged_entry_is_computed_again(tmp_path: Path) -> None:
    s = [load_scenario(STRESS)]
    plain = untimed(evaluate_all(s, 2, 5))
    evaluate_all(s, 2, 5, cache=PointCache(tmp_path))
    victim = sorted(tmp_path.glob("*.npz"))[0]
    victim.write_bytes(victim.read_bytes()[:100])
    ex, cache = Counting(), PointCache(tmp_path)
    assert untimed(evaluate_all(s, 2, 5, executor=ex, cache=cache)) == plain
    assert (len(ex.items), cache.hits, cache.writes) == (1, 1, 1)


@pytest.mark.slow  # a pool of processes
def test_the_pool_keeps_every_result_as_it_comes(tmp_path: Path) -> None:
    s = [load_scenario(STRESS, [f"{AS}={k}"]) for k in (1, 2)]
    plain = untimed(evaluate_all(s, 2, 5))
    cache = PointCache(tmp_path)
    with LocalExecutor(2) as ex:
        assert untimed(evaluate_all(s, 2, 5, executor=ex, cache=cache)) == plain
    assert cache.writes == 4 and len(cache) == 4


SWEEP = ["sweep", STRESS, "--vary", f"{AS}=1..6", "-n", "4", "--seed", "5", "--jobs", "1"]


@pytest.mark.slow  # a subprocess, killed
def test_a_sweep_killed_half_way_resumes_and_counts_nothing_twice(tmp_path: Path, capsys) -> None:
    out, cache_dir = tmp_path / "sweep", tmp_path / "sweep.cache"
    proc = subprocess.Popen([sys.executable, "-m", "sim", *SWEEP, "--out", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    try:
        while len(PointCache(cache_dir)) < 6:
            assert proc.poll() is None, "the sweep ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.02)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert not out.exists()  # the staged directory never moved into place
    before = {p.name: p.stat().st_mtime_ns for p in cache_dir.glob("*.npz")}
    assert 6 <= len(before) < 24
    assert main([*SWEEP, "--out", str(out)]) == 0
    note = " ".join(capsys.readouterr().err.split())
    assert f"{len(before)} replications read from the cache, {24 - len(before)} computed" in note
    assert {p.name: p.stat().st_mtime_ns for p in cache_dir.glob("*.npz")
            if p.name in before} == before  # read, not written again
    assert main([*SWEEP, "--out", str(tmp_path / "plain"), "--no-cache"]) == 0
    assert not (tmp_path / "plain.cache").exists()
    resumed, plain = (json.loads((d / "sweep.json").read_text(encoding="utf-8"))
                      for d in (out, tmp_path / "plain"))
    for r in (resumed, plain):
        r.pop("wall_seconds")
    assert resumed == plain


PLAN = ["plan", "tests/scenarios/plan_small.yaml", "--jobs", "1", "--budget", "8", "-n", "2",
        "--verify-replications", "3"]


def untimed_json(path: Path) -> Any:
    """A result file without its wall times, wherever they are."""
    def strip(x: Any) -> Any:
        if isinstance(x, dict):
            return {k: strip(v) for k, v in x.items() if k != "wall_seconds"}
        return [strip(v) for v in x] if isinstance(x, list) else x
    return strip(json.loads(path.read_text(encoding="utf-8")))


def computed(note: str) -> int:
    found = re.search(r"(\d+) computed and kept", note)
    assert found, note
    return int(found.group(1))


@pytest.mark.slow  # a subprocess, killed, and two plans
def test_a_plan_killed_half_way_resumes_and_counts_nothing_twice(tmp_path: Path, capsys) -> None:
    out, cache_dir = tmp_path / "plan", tmp_path / "plan.cache"
    proc = subprocess.Popen([sys.executable, "-m", "sim", *PLAN, "--out", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    try:
        while len(PointCache(cache_dir)) < 12:
            assert proc.poll() is None, "the plan ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.02)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert not out.exists()
    before = {p.name: p.stat().st_mtime_ns for p in cache_dir.glob("*.npz")}
    code = main([*PLAN, "--out", str(out)])
    resumed = computed(" ".join(capsys.readouterr().err.split()))
    assert {p.name: p.stat().st_mtime_ns for p in cache_dir.glob("*.npz")
            if p.name in before} == before  # read, not written again
    assert main([*PLAN, "--out", str(tmp_path / "whole")]) == code
    whole = computed(" ".join(capsys.readouterr().err.split()))
    assert resumed + len(before) == whole  # every replication computed exactly once
    assert len(PointCache(cache_dir)) == len(PointCache(tmp_path / "whole.cache")) == whole
    assert untimed_json(out / "plan.json") == untimed_json(tmp_path / "whole" / "plan.json")
