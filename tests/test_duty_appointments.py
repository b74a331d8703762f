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


def registers(days: int = 5) -> dict:
    """The chat line above, overloaded all day for ``days`` days, and a
    daily register of 0.25 h by each of a's members at 12:00 (priority 5,
    behind the chats)."""
    doc = chatting()
    doc["duties"] = {"register": {"role": "a", "every": "day", "at": "12:00", "who": "each",
                                  "duration": fixed(0.25)}}
    doc["horizon"]["end"] = f"2026-10-{11 + days}"
    return doc


def test_a_daily_duty_nobody_started_is_skipped_when_due_again() -> None:
    rows = [r for r in simulate(valid(registers())).records() if r.activity == "register"]
    skipped = [r for r in rows if r.outcome == "skipped"]
    # Each day's two tasks never start behind the chats: when the next day's
    # are due, yesterday's leave the line, logged at that moment.
    assert len(skipped) == 2 * 4
    assert all(r.start_time != r.start_time and r.end_time == r.enable_time + 24 for r in skipped)
    # The backlog stays bounded: only the last day's are still waiting.
    open_ = [r for r in rows if r.outcome == "open"]
    assert len(open_) == 2 and {r.enable_time for r in open_} == {4 * 24 + 12.0}
    assert not [r for r in rows if r.outcome == "done"]


def test_the_reference_engine_skips_and_appoints_alike() -> None:
    from test_reference_engine import assert_same_log
    for doc in (chatting(), registers(3)):
        doc["replications"] = 1
        for seed in (1, 2):
            assert_same_log(valid(doc), seed)


def test_duties_skipped_per_role_in_the_summary() -> None:
    import sim
    s = valid(registers())
    log, facts = sim.run(s, 7, 2)
    out = sim.summarize(s, log, facts)["duties_skipped"]
    assert out["a"]["per_replication"] == 8.0 and out["a"]["ci95"] == [8.0, 8.0]


def appointed_registers(days: int = 5, grace: float = 0.5) -> dict:
    """``registers`` as an end-of-shift record: an appointment at 12:00 for
    each of a's members on duty, waited for ``grace`` hours."""
    doc = registers(days)
    doc["duties"]["register"].update({"appointment": True, "grace_hours": grace})
    return doc


def test_a_register_held_as_an_appointment_happens_under_a_stream_of_chats() -> None:
    """Behind the chats as a task it never started (above); as an
    appointment each agent is claimed at 12:00, takes no new chat, and does
    it once the chats in hand (0.2 h each) have ended: every day, by both."""
    rows = [r for r in simulate(valid(appointed_registers())).records() if r.activity == "register"]
    assert len(rows) == 2 * 5 and {r.outcome for r in rows} == {"done"}
    for r in rows:
        day = (r.enable_time // 24) * 24
        assert r.enable_time == day + 12.0 and r.start_time <= day + 12.2 + 1e-9
        assert r.end_time == r.start_time + 0.25
    assert all(len({r.resource for r in rows if r.enable_time == t}) == 2
               for t in {r.enable_time for r in rows})


def test_an_agent_not_free_within_the_grace_skips_the_register() -> None:
    """With no grace an agent holding chats at 12:00 is not waited for:
    its register is skipped (no start, ended at the grace)."""
    rows = [r for r in simulate(valid(appointed_registers(grace=0.0))).records()
            if r.activity == "register"]
    skipped = [r for r in rows if r.outcome == "skipped"]
    assert skipped and all(r.start_time != r.start_time and r.end_time == r.enable_time
                           for r in skipped)


def test_the_reference_engine_holds_appointed_registers_alike() -> None:
    from test_reference_engine import assert_same_log
    for doc in (appointed_registers(3), appointed_registers(3, grace=0.0)):
        doc["replications"] = 1
        for seed in (1, 2):
            assert_same_log(valid(doc), seed)


def test_registers_happen_in_the_baseline() -> None:
    """The shipped registers (服务统计表, 问题登记表) at the end of each
    customer-service shift, a week of the baseline: nearly all are done (a
    task at 12:00 behind the chats, 355 of 368 were skipped a quarter)."""
    import datetime as dt

    from rules.loader import load_scenario
    s = load_scenario("scenarios/baseline.yaml")
    s = s.model_copy(update={"horizon": s.horizon.model_copy(
        update={"start": dt.date(2026, 10, 12), "end": dt.date(2026, 10, 18)})})
    rows = [r for r in simulate(s, 0).records()
            if r.activity.startswith("customer_service_daily_registers")]
    done = [r for r in rows if r.outcome == "done"]
    assert len(rows) >= 2 * 7 * 2 - 7  # the agents on duty at each shift's end
    assert len(done) >= 0.9 * len(rows)


def test_whole_member_work_open_at_the_horizon_per_activity_in_the_summary() -> None:
    """The overloaded line above: the last day's two registers are still
    waiting at the horizon, in every replication (review 9 item 1)."""
    import sim
    s = valid(registers())
    log, facts = sim.run(s, 7, 2)
    out = sim.summarize(s, log, facts)["whole_member_open"]
    assert out == {"a": {"register": {"per_replication": 2.0, "ci95": [2.0, 2.0],
                                      "in_progress": 0.0}}}


def test_work_in_progress_at_the_horizon_is_not_counted_as_left_undone() -> None:
    """Review 10 item 7: a register begun at 17:55 on the last day, paused
    at the shift's end (18:00), is cut short by the horizon: in progress,
    not left undone (the baseline's last 23:30 register read as undone)."""
    import sim
    doc = registers(2)
    doc["workflows"]["chats"]["trigger"]["mean"] = 1e-6  # no chats: the register starts at once
    doc["duties"]["register"]["at"] = "17:55"
    doc["org"]["roles"]["a"]["at_shift_end"] = "pause"
    s = valid(doc)
    log, facts = sim.run(s, 7, 2)
    out = sim.summarize(s, log, facts)["whole_member_open"]
    assert out == {"a": {"register": {"per_replication": 0.0, "ci95": [0.0, 0.0],
                                      "in_progress": 2.0}}}
