"""Work done apart (``sim.report.apart``): the parts of its input arrive in order, in a
forked child or, without one, in this process."""
from __future__ import annotations

import os

import pytest

from sim.report.apart import Apart


@pytest.mark.parametrize("fork", [True, False])
def test_each_part_of_the_input_arrives_in_order(fork: bool) -> None:
    job: Apart[list[int]] = Apart(lambda get: [get(), get(), os.getpid()], fork)
    job.send(1)
    job.send(2)
    first, second, pid = job.result()
    assert (first, second) == (1, 2)
    assert (pid != os.getpid()) == (fork and job._proc is not None)


def test_a_child_that_waits_for_more_than_was_sent_is_redone_here() -> None:
    # The child ends when no more input comes; the work is then done here,
    # where its missing input is an error of its own.
    job: Apart[list[int]] = Apart(lambda get: [get(), get()], True)
    job.send(1)
    with pytest.raises(ValueError, match="no more input"):
        job.result()
