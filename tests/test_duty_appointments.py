"""Duties under a stream of chats (issue 16 point 8): a duty held at its
time (an appointment) claims its attendees as whole-member work first in
line does, so a training happens although its trainees always hold chats."""
from __future__ import annotations

from test_design_workload import attended, fixed, valid

from sim.runs.replication import simulate


def chatting(rate: float = 60.0, **duty) -> dict:
    """``attended``'s training (r with both members of a, Monday 10:00) and
    a pre-sales chat line for a (5 chats at once, 0.2 h each, ``rate`` an
    hour: 60 is 12 chats in hand for 10 slots, so chats always wait)."""
    doc = attended(**duty)
    doc["org"]["roles"]["a"]["concurrency"] = 5
    doc["workflows"] = {"chats": {
        "name_zh": "咨询", "number": 1, "lanes": ["a"],
        "trigger": {"kind": "rate", "mean": rate, "per": "hour"},
        "steps": [{"id": "chat", "kind": "work", "role": "a", "shared": True, "priority": 1,
                   "duration": fixed(0.2)}]}}
    return doc


def test_a_training_claims_trainees_who_hold_chats() -> None:
    rows = simulate(valid(chatting())).records()
    (training,) = [r for r in rows if r.activity == "training"]
    # It starts within its grace (0.25 h) of 10:00, with both trainees: each
    # took no new chat once claimed and came when their chats had ended.
    assert training.enable_time == 10.0 and training.start_time <= 10.25
    assert sorted(training.resource.split("+")) == ["a#1", "a#2", "r#1"]
    start, end = training.start_time, training.end_time
    during = [r for r in rows if r.activity == "chat" and r.start_time == r.start_time
              and start <= r.start_time < end]
    assert not during  # the trainees took no chat during the training
