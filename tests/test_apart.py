"""Work done apart (``sim.report.apart``): the parts of its input arrive in order, in a
forked child or, without one, in this process."""
from __future__ import annotations

import os
import time

import pytest

from sim.report.apart import Apart, Inbox


@pytest.mark.parametrize("fork", [True, False])
def test_each_part_of_the_input_arrives_in_order(fork: bool) -> None:
    job: Apart[list[int]] = Apart(lambda get: [get(), get(), os.getpid()], fork)
    job.send(1)
    job.send(2)
    first, second, pid = job.result()
    assert (first, second) == (1, 2)
    assert (pid != os.getpid()) == (fork and job._proc is not None)


@pytest.mark.parametrize("fork", [True, False])
def test_the_work_sees_when_input_is_waiting(fork: bool) -> None:
    """``get.waiting()``: the drawer stops making figures ahead once the
    run's numbers are there."""
    def work(get: Inbox) -> list[object]:
        first = get()
        deadline = time.monotonic() + 10
        while not get.waiting() and time.monotonic() < deadline:
            time.sleep(0.01)
        return [first, get.waiting(), get()]

    job: Apart[list[object]] = Apart(work, fork)
    job.send(1)
    job.send(2)
    assert job.result() == [1, True, 2]


def test_a_child_that_waits_for_more_than_was_sent_is_redone_here() -> None:
    # The child ends when no more input comes; the work is then done here,
    # where its missing input is an error of its own.
    job: Apart[list[int]] = Apart(lambda get: [get(), get()], True)
    job.send(1)
    with pytest.raises(ValueError, match="no more input"):
        job.result()


def test_each_claimed_plot_goes_to_one_process() -> None:
    """The drawer and the parent take the shared plots from one list
    (``drawer.Claims``): each plot is taken once, by either."""
    from sim.report.drawer import Claims

    names = tuple(f"plot{i}" for i in range(40))
    claims = Claims(names)
    job: Apart[list[str]] = Apart(lambda get: [n for n in iter(claims.take, None)], True)
    here = [n for n in iter(claims.take, None)]
    there = job.result()
    claims.close()
    assert sorted(here + there) == sorted(names) and not set(here) & set(there)
    assert claims.take() is None  # closed: nothing more is taken here


@pytest.mark.slow  # renders plots to files
def test_a_plot_a_failed_drawer_took_is_drawn_here(tmp_path) -> None:
    from kpi_logs import small, warehouse_log

    from sim.report.plots import write_plots

    class Failed:
        """Took every plot but the window plot, and drew only the staffing plot."""
        names = ("queues", "wait_ecdf", "wait_p95_daily", "utilisation", "time_breakdown", "staffing")

        def take(self) -> None:
            return None

        def seconds(self) -> dict[str, float]:
            return {"staffing": 0.0}

    s = small(days=2)
    result = write_plots(s, warehouse_log(s), {}, tmp_path, font=None, drawn=[Failed()])
    assert set(result.seconds) == set(result.files)
    for name in Failed.names[:-1]:  # the drawer's lost plots: drawn here
        assert (tmp_path / f"{name}.png").stat().st_size > 1000
    assert not (tmp_path / "staffing.png").exists()  # the drawer's own, not drawn twice
