"""Tests run from the repository root, whatever directory pytest starts in."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


@pytest.fixture(scope="module")
def cluster():  # a distributed.LocalCluster; distributed is imported only when installed
    distributed = pytest.importorskip("distributed")
    # One worker thread in this process, reached over TCP on loopback (so
    # tasks and results are serialised as for a remote worker), no dashboard.
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  protocol="tcp://", host="127.0.0.1",
                                  dashboard_address=None) as c:
        yield c


os.environ.setdefault("MPLBACKEND", "Agg")
