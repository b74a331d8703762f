"""Executors: the same numbers in this process, on a pool and on a Dask cluster."""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest
from test_cache import untimed

from rules import RulesError, load_scenario
from sim.analysis.evaluation import evaluate_all
from sim.cli import main
from sim.runs import executor as executors
from sim.runs.executor import LocalExecutor, make_executor

STRESS = "tests/scenarios/stress.yaml"
AS = "org.roles.aftersales_service.headcount"
CS = "org.roles.customer_service.headcount"


def square(x: int) -> int:
    return x * x


@pytest.mark.slow  # a pool of processes
def test_results_come_in_order_and_the_pool_is_reused() -> None:
    with LocalExecutor(2) as ex:
        assert ex.map(square, range(7)) == [x * x for x in range(7)]
        pool = ex._pool
        assert sorted(ex.completed(square, [3, 4])) == [(0, 9), (1, 16)]
        assert ex._pool is pool and pool is not None
    assert ex._pool is None
    assert LocalExecutor(1).map(square, [2, 3]) == [4, 9]
    assert LocalExecutor(2).map(square, [5]) == [25]  # one item: no pool started
    assert LocalExecutor(2).map(square, []) == []


@pytest.mark.slow  # pools of processes
def test_one_process_or_two_give_the_same_numbers() -> None:
    s = [load_scenario(STRESS, [f"{AS}={k}"]) for k in (1, 2)]
    one = untimed(evaluate_all(s, 3, 5, executor=LocalExecutor(1)))
    with LocalExecutor(2) as ex:
        assert untimed(evaluate_all(s, 3, 5, executor=ex)) == one
        assert untimed(evaluate_all(s, 3, 5, executor=ex)) == one  # the pool again
    assert untimed(evaluate_all(s, 3, 5, jobs=2)) == one


def test_the_options_are_checked() -> None:
    with pytest.raises(RulesError, match="unknown executor 'spark'"):
        make_executor("spark", 1)
    with pytest.raises(RulesError, match="--address: takes a Dask scheduler; add --executor dask"):
        make_executor("local", 1, "tcp://127.0.0.1:8786")


def test_without_dask_the_message_says_how_to_install_it(monkeypatch, capsys) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails
    with pytest.raises(RulesError) as err:
        make_executor("dask", 1, "tcp://127.0.0.1:8786")
    assert str(err.value) == ("--executor: dask is not installed; install the dask extra: "
                              "pip install -e '.[dask]'")
    assert main(["sweep", STRESS, "--vary", f"{AS}=1", "-n", "1", "--executor", "dask",
                 "--out", "/nonexistent/never"]) == 2
    assert "pip install -e '.[dask]'" in capsys.readouterr().err


@pytest.mark.slow  # a sweep on two executors
def test_a_dask_cluster_gives_the_local_numbers(cluster, tmp_path: Path) -> None:
    common = ["sweep", STRESS, "--vary", f"{CS}=4,5", "--vary", f"{AS}=1,2", "-n", "2",
              "--seed", "5", "--no-cache"]
    assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
    assert main([*common, "--out", str(tmp_path / "local"), "--jobs", "2"]) == 0
    assert main([*common, "--out", str(tmp_path / "dask"), "--executor", "dask",
                 "--address", cluster.scheduler_address]) == 0
    local, dask = (json.loads((tmp_path / d / "sweep.json").read_text(encoding="utf-8"))
                   for d in ("local", "dask"))
    for r in (local, dask):
        r.pop("wall_seconds")
    assert dask == local


@pytest.mark.slow  # a Dask cluster
def test_a_dask_executor_streams_and_reuses_its_client(cluster) -> None:
    s = [load_scenario(STRESS, [f"{AS}={k}"]) for k in (1, 2)]
    one = untimed(evaluate_all(s, 2, 5))
    with make_executor("dask", 1, cluster.scheduler_address) as ex:
        assert ex.map(square, range(5)) == [0, 1, 4, 9, 16]
        assert untimed(evaluate_all(s, 2, 5, executor=ex)) == one


@pytest.mark.slow  # a Dask cluster
def test_a_dask_worker_with_other_code_is_refused(cluster, monkeypatch) -> None:
    import distributed
    monkeypatch.setattr(distributed.Client, "run",
                        lambda self, fn: {"tcp://127.0.0.1:1": "other", "tcp://127.0.0.1:2": fn()})
    with pytest.raises(RulesError, match=r"run other opsim code than this one"):
        make_executor("dask", 1, cluster.scheduler_address)


@pytest.mark.slow  # waits for the connection to time out
def test_an_unreachable_scheduler_is_one_line(monkeypatch) -> None:
    pytest.importorskip("distributed")
    monkeypatch.setattr(executors, "CONNECT_TIMEOUT", 1)
    with pytest.raises(RulesError, match=r"^--address: cannot reach the Dask scheduler at "
                                         r"tcp://127.0.0.1:9: "):
        make_executor("dask", 1, "tcp://127.0.0.1:9")


def die(x: int) -> int:
    if x == 1:
        os._exit(1)  # a worker killed (out of memory, kill -9)
    return x


@pytest.mark.slow  # a pool of processes
def test_a_worker_that_dies_is_one_line_and_the_pool_starts_again() -> None:
    with LocalExecutor(2) as ex:
        with pytest.raises(RulesError, match=r"^--jobs: a worker process died .* run the "
                                             r"command again to resume"):
            ex.map(die, [0, 1, 2])
        assert ex.map(square, [3, 4]) == [9, 16]


@pytest.mark.slow  # a Dask scheduler, waited on
def test_a_scheduler_without_workers_is_one_line(monkeypatch) -> None:
    distributed = pytest.importorskip("distributed")
    monkeypatch.setattr(executors, "CONNECT_TIMEOUT", 1)
    with distributed.LocalCluster(n_workers=0, processes=False, protocol="tcp://",
                                  host="127.0.0.1", dashboard_address=None) as empty:
        message = r"^--address: the Dask scheduler at tcp://127.0.0.1:\d+ has no workers .*; " \
                  r"start some: dask worker"
        with pytest.raises(RulesError, match=message):
            make_executor("dask", 1, empty.scheduler_address)


def nap(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


@pytest.mark.slow  # a pool of processes
def test_an_interrupted_pool_stops_at_once() -> None:
    t0 = time.monotonic()
    with pytest.raises(KeyboardInterrupt), LocalExecutor(2) as ex:
        results = ex.completed(nap, [0.0, 60.0])
        assert next(results) == (0, 0.0)
        raise KeyboardInterrupt  # Ctrl-C while a replication is in flight
    assert time.monotonic() - t0 < 20
