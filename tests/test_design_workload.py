"""The design workload and the smaller gaps of issue 16 (points 7 and 8), on
small scenarios: a detail page per item of a batch, the design work an
accepted event sign-up brings, storefront and promotional images in the
baseline, the pre-sales order's per-order 安排发货, and duties whose
attendees are held for the duty's time."""
from __future__ import annotations

import datetime as dt
from collections import Counter

import numpy as np
import pytest

from rules.calendar import DayKinds
from rules.checks import check_scenario
from rules.errors import RulesError
from rules.loader import load_scenario
from rules.scenario import Scenario
from sim.analysis.kpis import role_reps
from sim.analysis.staffing import staff_log
from sim.inputs.planned import planned_arrivals
from sim.inputs.streams import Streams
from sim.runs.replication import simulate

BASELINE = "scenarios/baseline.yaml"
ALL_WEEK = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def fixed(hours: float) -> dict:
    return {"dist": "fixed", "value": hours, "unit": "hours"}


def small(workflows: dict, duties: dict | None = None, headcounts: dict | None = None,
          days: int = 3) -> dict:
    """A standalone document: roles ``r`` and ``a`` (09:00-18:00 every day
    from Monday 2026-10-12), the given workflows and duties."""
    heads = {"r": 1, "a": 2, **(headcounts or {})}
    end = dt.date(2026, 10, 11) + dt.timedelta(days=days)
    return {
        "name": "t", "horizon": {"start": "2026-10-12", "end": end.isoformat()},
        "seed": 7, "replications": 1,
        "org": {"projects": 1, "departments": {"d": {"name_zh": "部"}},
                "roles": {rid: {"name_zh": rid, "department": "d", "headcount": n,
                                "headcount_basis": "assumed"} for rid, n in heads.items()},
                "parties": {}},
        "duties": duties or {},
        "calendars": {"holidays": {"source": "listed"},
                      "shifts": {"office": {"start": "09:00", "end": "18:00", "weekdays": ALL_WEEK}},
                      "rosters": {"office": [{"shift": "office"}]}},
        "workflows": workflows,
    }


def valid(doc: dict) -> Scenario:
    s = Scenario.model_validate(doc)
    assert list(check_scenario(s)) == []
    return s


def problems(doc: dict) -> list[tuple[tuple, str]]:
    return list(check_scenario(Scenario.model_validate(doc)))


def batch_flow(items: dict | None, **extra) -> dict:
    """A batch at 10:00 on Monday: each item's page (2 h, any of the
    three members of ``a``), then a milestone that starts ``child``."""
    trigger = {"kind": "every", "every": "week", "weekday": "mon", "at": "10:00"}
    if items is not None:
        trigger["items"] = items
    return {
        "batch": {"name_zh": "批", "number": 1, "lanes": ["a"], "trigger": trigger,
                  "steps": [{"id": "page", "kind": "work", "role": "a", "per_item": True,
                             "duration": fixed(2)},
                            {"id": "pages_done", "kind": "milestone", "starts": "child"}]},
        "child": {"name_zh": "子", "number": 2, "lanes": ["a"],
                  "steps": [{"id": "upload", "kind": "work", "role": "a", "per_item": True,
                             "duration": fixed(0.5)}]},
        **extra,
    }


# --- a detail page per item ---------------------------------------------------

@pytest.mark.parametrize("n", [1, 4, 7])
def test_a_batch_of_n_items_makes_n_pages(n: int) -> None:
    s = valid(small(batch_flow({"low": n, "high": n}), headcounts={"a": 3}))
    rows = [r for r in simulate(s).records() if r.workflow == "batch"]
    pages = [r for r in rows if r.activity == "page"]
    assert len(pages) == n and all(r.outcome == "done" and r.kind == "work" for r in pages)
    # Three members share the pages at once; the step ends with the last page.
    assert {r.start_time for r in pages} >= {10.0}
    assert Counter(r.start_time for r in pages)[10.0] == min(n, 3)
    (done,) = [r for r in rows if r.activity == "pages_done"]
    assert done.start_time == max(r.end_time for r in pages) == 10 + 2 * -(-n // 3)
    # The case it starts carries the batch: one upload per item too.
    uploads = [r for r in simulate(s).records() if r.activity == "upload"]
    assert len(uploads) == n


def test_batch_sizes_are_drawn_per_case_within_the_range() -> None:
    doc = small(batch_flow({"low": 3, "high": 6}), days=28)
    s = valid(doc)
    arrivals = planned_arrivals("batch", s.workflows["batch"], s, DayKinds(s.calendars.holidays),
                                Streams(s.seed, 0))
    assert len(arrivals) == 4
    assert all(3 <= a["items"] <= 6 for _, a in arrivals)


def test_per_item_needs_a_batch_and_batches_need_a_planned_trigger() -> None:
    doc = small(batch_flow(None))
    found = problems(doc)
    assert [(p[-1], m) for p, m in found] == [
        ("per_item", "per_item, but no case of workflow 'batch' carries a batch's items; give its "
                     "trigger 'items' (low, high) or start it from a workflow whose trigger does"),
        ("per_item", "per_item, but no case of workflow 'child' carries a batch's items; give its "
                     "trigger 'items' (low, high) or start it from a workflow whose trigger does")]
    doc = small(batch_flow({"low": 2, "high": 1}))
    with pytest.raises(ValueError, match="items low 2 is above high 1"):
        Scenario.model_validate(doc)
    doc = small(batch_flow({"low": 1, "high": 2}))
    doc["workflows"]["child"]["trigger"] = {"kind": "none", "items": {"low": 1, "high": 2}}
    with pytest.raises(ValueError, match="'items' on a trigger of kind 'none' would never be drawn"):
        Scenario.model_validate(doc)


def test_shipped_batches_reach_the_designers_per_item() -> None:
    s = load_scenario(BASELINE)
    per_item = {(wid, st.id) for wid, wf in s.workflows.items() for st in wf.steps
                if getattr(st, "per_item", False)}
    assert {("photo_shoot", "post_production"), ("product_template", "make_images"),
            ("product_template", "make_main_and_sku_images")} <= per_item
    # The shoot and the listing's data entry scale with the batch too (review of issue 16).
    assert {("photo_shoot", "shoot"), ("product_upload", "edit_product_data"),
            ("product_upload", "check_stock_and_sku")} <= per_item
    items = s.workflows["photo_shoot"].trigger.items
    assert items is not None and 1 <= items.low <= items.high


# --- campaign work: an accepted sign-up, storefront and promo images -----------

@pytest.fixture(scope="module")
def signups():
    """Four weeks of the baseline with only the sign-up and the images it
    starts (nothing else competes for the people)."""
    keep = {"event_signup", "promo_images"}
    s = load_scenario(BASELINE)
    sets = ["horizon.end=2026-10-28", "demand.orders_per_day=0"] + [
        f"workflows.{wid}.enabled=false" for wid in s.workflows if wid not in keep]
    s = load_scenario(BASELINE, sets)
    return s, simulate(s).records()


def test_an_accepted_signup_brings_its_promotional_images(signups) -> None:
    _s, rows = signups
    asked = sorted(r.end_time for r in rows if r.activity == "event_design_requested")
    started = sorted(r.start_time for r in rows
                     if r.workflow == "promo_images" and r.activity == "case_start")
    accepted = [r for r in rows if r.activity == "accepted" and r.outcome == "accepted"]
    assert asked and len(asked) <= len(accepted)
    # No campaign in the baseline: every promo_images case is an event's,
    # started the moment its sign-up was accepted and coordinated.
    assert started == asked
    # ...and the event's prices are set by the sales supervisor.
    prices = [r for r in rows if r.activity == "set_event_prices"]
    assert prices and {r.role for r in prices} == {"sales_supervisor"}


def test_storefront_and_promo_images_run_in_the_baseline() -> None:
    s = load_scenario(BASELINE)
    assert not s.demand.campaigns  # the baseline has no campaign to trigger them
    kinds = DayKinds(s.calendars.holidays)
    times = [t for t, _ in planned_arrivals("storefront_design", s.workflows["storefront_design"],
                                            s, kinds, Streams(s.seed, 0))]
    # Monthly on the 20th, or the next working day (20 Dec 2026 is a Sunday).
    days = [s.horizon.start + dt.timedelta(days=int(t // 24)) for t in times]
    assert [d.isoformat() for d in days] == ["2026-10-20", "2026-11-20", "2026-12-21"]
    # promo_images: started by accepted events (see the test above), no trigger needed.
    assert any(getattr(st, "starts", None) == "promo_images"
               for st in s.workflows["event_signup"].steps[-1].cases[0].steps)


def test_a_campaigns_storefront_redesign_replaces_that_months_routine_one() -> None:
    s = load_scenario("scenarios/double11.yaml")
    kinds = DayKinds(s.calendars.holidays)
    times = [t for t, _ in planned_arrivals("storefront_design", s.workflows["storefront_design"],
                                            s, kinds, Streams(s.seed, 0))]
    days = [s.horizon.start + dt.timedelta(days=int(t // 24)) for t in times]
    # The presale's, 11.11's and 12.12's redesigns start 21 days ahead (11
    # and 21 Oct, 21 Nov): the routine ones of 20 Oct and 20 Nov are theirs,
    # not a second design; December keeps its routine one.
    assert [d.isoformat() for d in days] == ["2026-10-11", "2026-10-21", "2026-11-21", "2026-12-21"]


def test_replaced_by_campaign_needs_a_campaign_trigger() -> None:
    doc = small({"w": {"name_zh": "w", "number": 1, "lanes": ["r"],
                       "trigger": {"kind": "every", "every": "day", "replaced_by_campaign": True},
                       "steps": [{"id": "s", "name_zh": "s", "kind": "work", "role": "r",
                                  "duration": fixed(1)}]}})
    found = problems(doc)
    assert (("workflows", "w", "trigger", "replaced_by_campaign"),
            "workflow 'w' has no campaign trigger to replace this trigger's cases") in found, found


# --- 安排发货: customer service per order ---------------------------------------

def test_customer_service_arranges_each_paid_orders_shipment() -> None:
    s = load_scenario(BASELINE, ["horizon.end=2026-10-02"])
    log = simulate(s)
    c = log.columns
    orders = c["workflow"] == "presales_order"
    paid = set(c["case_id"][orders & (c["activity"] == "payment")].tolist())
    arrange = orders & (c["activity"] == "arrange_shipment")
    done = arrange & (c["outcome"] == "done")
    assert set(c["role"][arrange].tolist()) == {"customer_service"}
    # One per paid order, never twice, none before payment.
    ids = c["case_id"][arrange].tolist()
    assert len(ids) == len(set(ids)) and set(ids) <= paid
    assert len(ids) >= 0.95 * len(paid)
    # The warehouse starts a parcel only once its shipment was arranged.
    pick = orders & (c["activity"] == "pick_pack_ship")
    ready = dict(zip(c["case_id"][done].tolist(), c["end_time"][done].tolist()))
    picked = dict(zip(c["case_id"][pick].tolist(), c["enable_time"][pick].tolist()))
    assert picked and all(cid in ready and ready[cid] <= t for cid, t in picked.items())


# --- duties' attendees --------------------------------------------------------

def attended(**duty) -> dict:
    work = {"w": {"name_zh": "流程", "number": 1, "lanes": ["a"],
                  "trigger": {"kind": "every", "every": "day", "at": "10:30"},
                  "steps": [{"id": "x", "kind": "work", "role": "a", "duration": fixed(0.5)}]}}
    base = {"role": "r", "every": "week", "weekday": "mon", "at": "10:00", "who": "one",
            "attendees": {"a": "all"}, "duration": fixed(1)}
    return small(work, {"training": {**base, **duty}}, days=1)


def test_a_duty_holds_its_attendees_for_its_time() -> None:
    s = valid(attended())
    log = simulate(s)
    rows = log.records()
    (training,) = [r for r in rows if r.activity == "training"]
    assert training.kind == "duty" and training.role == "a+r"
    assert sorted(training.resource.split("+")) == ["a#1", "a#2", "r#1"]
    assert (training.start_time, training.end_time) == (10.0, 11.0)
    # The trainees' work that came at 10:30 waits for the training's end.
    (x,) = [r for r in rows if r.activity == "x"]
    assert (x.enable_time, x.start_time) == (10.5, 11.0)
    # And their utilisation counts the hour: two members, 1 h each, plus x.
    st = staff_log(s, log)
    busy = role_reps(st)["a"]["busy"]
    assert np.allclose(busy, [2 * 1.0 + 0.5])


def test_without_attendees_the_organiser_alone_is_busy() -> None:
    doc = attended()
    del doc["duties"]["training"]["attendees"]
    log = simulate(valid(doc))
    (x,) = [r for r in log.records() if r.activity == "x"]
    assert x.start_time == 10.5


def test_an_absent_attendee_does_not_hold_the_others() -> None:
    # One of the two trainees is away on the Monday of the training: it is
    # an appointment, held with those present at 10:00, not once all are back.
    doc = attended()
    doc["calendars"]["overrides"] = [{"role": "a", "start": "2026-10-12", "end": "2026-10-12",
                                      "change": "absent", "members": 1}]
    doc["horizon"]["end"] = "2026-10-14"
    rows = simulate(valid(doc)).records()
    (training,) = [r for r in rows if r.activity == "training"]
    assert (training.start_time, training.end_time) == (10.0, 11.0)
    present, organiser = sorted(training.resource.split("+"))
    assert organiser == "r#1" and present.startswith("a#")
    # The trainee present is back at work after the training, not held.
    assert next((x.start_time, x.resource) for x in rows if x.activity == "x") == (11.0, present)


def test_a_busy_attendee_is_waited_for_only_the_duty_grace() -> None:
    # A trainee busy from 09:00 to 13:00: the training waits its 15 minutes
    # of grace for them, then starts without them.
    doc = attended(grace_hours=0.25)
    doc["workflows"]["long"] = {"name_zh": "长", "number": 2, "lanes": ["a"],
                                "trigger": {"kind": "every", "every": "day", "at": "09:00"},
                                "steps": [{"id": "long_job", "kind": "work", "role": "a",
                                           "duration": fixed(4)}]}
    rows = simulate(valid(doc)).records()
    (training,) = [r for r in rows if r.activity == "training"]
    (job,) = [r for r in rows if r.activity == "long_job"]
    assert (job.start_time, job.end_time) == (9.0, 13.0)
    assert (training.enable_time, training.start_time, training.end_time) == (10.0, 10.25, 11.25)
    assert job.resource not in training.resource.split("+")
    assert len(training.resource.split("+")) == 2


@pytest.mark.parametrize(("duty", "field", "message"), [
    ({"who": "each"}, "attendees",
     "attendees meet with the duty's members at once, but 'who: each' is a task per member; "
     "use 'who: one' or 'who: together'"),
    ({"attendees": {"r": 1}}, "r",
     "role 'r' is the duty's own role; use 'who: together' for all its members"),
    ({"attendees": {"b": 1}}, "b", "unknown role 'b'"),
    ({"attendees": {}, "grace_hours": 1.0}, "grace_hours",
     "'who: one' without attendees is not held together, so nobody is waited for"),
    ({"attendees": {"a": 3}}, "a", "3 attendees but role 'a' has only 2 members; use at most that or 'all'"),
])
def test_bad_attendees_are_refused(duty: dict, field: str, message: str) -> None:
    found = problems(attended(**duty))
    assert found and found[0][0][-1] == field and found[0][1].startswith(message)


def test_a_bad_attendee_names_the_file_and_field(tmp_path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("extends: " + str((__import__("pathlib").Path(BASELINE)).resolve()) + "\n"
                    "duties:\n  ops_supervisor_training: {attendees: {projct_ops: all}}\n")
    with pytest.raises(RulesError, match=r"duties\.ops_supervisor_training\.attendees\.projct_ops: "
                                         r"unknown role 'projct_ops'; did you mean 'project_ops'"):
        load_scenario(path, allow_outside=True)
