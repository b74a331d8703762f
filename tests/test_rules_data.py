"""The shipped rules say what the source says.

Checks the baseline scenario against the source's organisation chart (section
2 of operations-center.en.md), its 17 workflows (section 4), its recurring
duties (section 3) and its after-sales cases (section 5), and the researched
durations of parameters.md.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from rules.loader import load_scenario
from rules.scenario import Scenario
from rules.workflow import (
    Approval,
    Branch,
    Contest,
    Meeting,
    Milestone,
    Scheduled,
    Wait,
    Work,
    Workflow,
    walk,
)

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"

#: The source's list of 17 workflows, in its order (业务流程 1.1 .. 1.17).
WORKFLOW_IDS = (
    "sales_plan_breakdown", "quarterly_marketing_plan", "monthly_theme_campaign",
    "product_template", "interactive_campaign", "sms_copy", "image_processing",
    "storefront_design", "promo_images", "routine_promotion", "ztc_promotion",
    "event_signup", "presales_order", "exchange", "return", "photo_shoot", "product_upload",
)


@pytest.fixture(scope="module")
def s() -> Scenario:
    return load_scenario(BASELINE)


def steps_of(wf: Workflow) -> list:
    return [step for _, step, _ in walk(wf.steps)]


def top_ids(wf: Workflow) -> list[str]:
    return [step.id for step in wf.steps]


def covered(s: Scenario, wf: Workflow) -> set[str]:
    """The workflow's lanes with groups expanded to their member roles."""
    out = set(wf.lanes)
    for lane in wf.lanes:
        if lane in s.org.groups:
            out |= set(s.org.groups[lane].members)
    return out


def mean_hours(duration) -> float:
    return duration.mean_hours()


# --- workflows: the 17 and their numbers ------------------------------------

def test_seventeen_workflows_numbered_in_source_order(s: Scenario) -> None:
    assert set(s.workflows) == set(WORKFLOW_IDS)
    assert {wid: wf.number for wid, wf in s.workflows.items()} == {
        wid: i for i, wid in enumerate(WORKFLOW_IDS, start=1)}


def test_every_workflow_has_chinese_name_and_a_step(s: Scenario) -> None:
    for wid, wf in s.workflows.items():
        assert wf.name_zh, wid
        assert wf.steps, wid


# --- organisation: headcounts and reporting lines (section 2) ---------------

@pytest.mark.parametrize("role, n", [
    ("designer", 5), ("customer_service", 4),
    ("ops_supervisor", 1), ("promo_supervisor", 1), ("design_supervisor", 1),
    ("planning_supervisor", 1), ("sales_supervisor", 1),
    ("campaign_specialist", 1), ("ztc_specialist", 1), ("display_ads_specialist", 1),
    ("planner", 1),
])
def test_documented_headcounts(s: Scenario, role: str, n: int) -> None:
    assert s.headcount(role) == n


def test_one_project_ops_per_project(s: Scenario) -> None:
    assert s.org.roles["project_ops"].headcount == "per_project"
    assert s.headcount("project_ops") == s.org.projects


@pytest.mark.parametrize("role, boss", [
    ("ops_director", "general_manager"),
    ("ops_supervisor", "ops_director"),
    ("project_ops", "ops_supervisor"),
    ("promo_supervisor", "ops_director"),
    ("campaign_specialist", "promo_supervisor"),
    ("ztc_specialist", "promo_supervisor"),
    ("display_ads_specialist", "promo_supervisor"),
    ("design_supervisor", "ops_director"),
    ("designer", "design_supervisor"),
    ("planning_supervisor", "ops_director"),
    ("planner", "planning_supervisor"),
    ("sales_supervisor", "ops_director"),
    ("customer_service", "sales_supervisor"),
    ("aftersales_service", "sales_supervisor"),
])
def test_reporting_lines(s: Scenario, role: str, boss: str) -> None:
    assert s.org.roles[role].reports_to == boss


def test_general_manager_is_the_root(s: Scenario) -> None:
    assert s.org.roles["general_manager"].reports_to is None


# --- lanes (section 4) -------------------------------------------------------

@pytest.mark.parametrize("wid, names", [
    ("sales_plan_breakdown", {"general_manager", "ops_director", "ops_supervisor", "project_ops",
                              "sales_supervisor", "planning_supervisor", "promo_supervisor",
                              "admin_office"}),
    ("quarterly_marketing_plan", {"ops_director", "ops_supervisor", "project_ops", "planner"}),
    ("monthly_theme_campaign", {"ops_supervisor", "project_ops", "planner", "designer"}),
    ("product_template", {"ops_supervisor", "project_ops", "planner", "designer"}),
    ("interactive_campaign", {"ops_supervisor", "project_ops", "planner", "promo_supervisor"}),
    ("sms_copy", {"ops_supervisor", "project_ops", "planner", "promo_supervisor", "campaign_specialist"}),
    ("image_processing", {"ops_supervisor", "project_ops", "design_supervisor", "designer"}),
    ("storefront_design", {"ops_supervisor", "project_ops", "planner", "designer"}),
    ("promo_images", {"ops_supervisor", "project_ops", "promo_supervisor", "planner", "designer"}),
    ("routine_promotion", {"ops_supervisor", "project_ops", "promo_supervisor", "ztc_specialist",
                           "display_ads_specialist", "campaign_specialist"}),
    ("ztc_promotion", {"ops_supervisor", "project_ops", "promo_supervisor", "ztc_specialist"}),
    ("event_signup", {"ops_supervisor", "project_ops", "promo_supervisor", "campaign_specialist"}),
    ("presales_order", {"sales_supervisor", "customer_service", "customer", "warehouse"}),
    ("exchange", {"customer_service", "customer", "warehouse"}),
    ("return", {"customer_service", "customer", "warehouse", "finance"}),
    ("photo_shoot", {"manufacturer", "project_ops", "ops_supervisor", "planner", "photographer"}),
    ("product_upload", {"ops_supervisor", "project_ops", "customer_service", "ztc_specialist"}),
])
def test_lanes_hold_the_roles_the_source_names(s: Scenario, wid: str, names: set[str]) -> None:
    assert names <= covered(s, s.workflows[wid])


def test_lanes_name_the_source_groups(s: Scenario) -> None:
    assert "discussion_group" in s.workflows["sales_plan_breakdown"].lanes
    assert "brainstorm_group" in s.workflows["quarterly_marketing_plan"].lanes
    assert "review_meeting" in s.workflows["event_signup"].lanes


# --- step kinds used faithfully ----------------------------------------------

#: The workflows whose source text has a confirm/approve, a discussion or a sign-off.
REVIEWED = [w for w in WORKFLOW_IDS if w not in ("presales_order", "exchange", "return")]


@pytest.mark.parametrize("wid", REVIEWED)
def test_confirmations_are_approvals_or_meetings(s: Scenario, wid: str) -> None:
    kinds = {type(step) for step in steps_of(s.workflows[wid])}
    assert kinds & {Approval, Meeting}


@pytest.mark.parametrize("wid", REVIEWED)
def test_internal_workflows_start_with_a_request_then_a_confirmation(s: Scenario, wid: str) -> None:
    """Every planned flow of the source opens with someone submitting and a
    superior confirming (or, for event sign-up, the supervisors deciding)."""
    steps = [st for st in s.workflows[wid].steps if not isinstance(st, Milestone)]
    assert isinstance(steps[0], Work)
    assert isinstance(steps[1], (Approval, Meeting, Branch))


def test_every_approval_reworks_to_itself_or_earlier_with_a_cap(s: Scenario) -> None:
    for wid, wf in s.workflows.items():
        for _, step, siblings in walk(wf.steps):
            if isinstance(step, Approval):
                ids = [x.id for x in siblings]
                assert ids.index(step.rework_to) <= ids.index(step.id), (wid, step.id)
                assert 0 < step.reject_probability < 1, (wid, step.id)
                assert 1 <= step.max_rounds <= 5, (wid, step.id)


def test_sales_plan_breakdown_order(s: Scenario) -> None:
    wf = s.workflows["sales_plan_breakdown"]
    ids = top_ids(wf)
    order = ["director_sets_targets", "gm_confirms", "director_hands_down", "breakdown_discussion",
             "compile_targets", "director_confirms", "feasibility_discussion", "compile_final",
             "sign_off", "file_plan"]
    assert [i for i in ids if i in order] == order
    assert wf.steps[ids.index("gm_confirms")].role == "general_manager"
    assert wf.steps[-1].role == "admin_office"
    assert isinstance(wf.steps[ids.index("sign_off")], Meeting)


def test_quarterly_plan_brainstorm_has_the_four(s: Scenario) -> None:
    wf = s.workflows["quarterly_marketing_plan"]
    meeting = wf.steps[top_ids(wf).index("brainstorm")]
    assert set(meeting.roles) == {"ops_director", "ops_supervisor", "project_ops", "planner"}
    # confirmed by supervisor and director before the planner drafts
    ids = top_ids(wf)
    assert ids.index("supervisor_confirms") < ids.index("director_confirms") < ids.index("planner_drafts")


def test_promo_images_in_group_pk_and_live_test(s: Scenario) -> None:
    wf = s.workflows["promo_images"]
    ids = top_ids(wf)
    pk = wf.steps[ids.index("images_pk")]
    assert isinstance(pk, Contest)
    assert pk.role == "designer" and 2 <= pk.entrants <= 3
    test = wf.steps[ids.index("live_test")]
    assert isinstance(test, Wait) and test.party == "platform"
    takedown = wf.steps[ids.index("live_test") + 1]
    assert isinstance(takedown, Approval) and takedown.role == "project_ops"
    assert takedown.rework_to == "images_pk"


def test_product_template_copy_pk_before_ops_review_and_images(s: Scenario) -> None:
    ids = top_ids(s.workflows["product_template"])
    order = ["brainstorm", "copy_pk", "ops_reviews_copy", "make_images"]
    assert [ids.index(i) for i in order] == sorted(ids.index(i) for i in order)


@pytest.mark.parametrize("wid", ["monthly_theme_campaign", "product_template", "image_processing",
                                 "storefront_design", "product_upload"])
def test_uploads_wait_for_the_scheduled_time(s: Scenario, wid: str) -> None:
    assert any(isinstance(st, Scheduled) for st in steps_of(s.workflows[wid]))


def test_event_signup_branches(s: Scenario) -> None:
    wf = s.workflows["event_signup"]
    branches = [st for st in wf.steps if isinstance(st, Branch)]
    assert [b.id for b in branches] == ["supervisors_agree", "accepted"]
    assert {c.name for c in branches[0].cases} == {"approved", "not_approved"}
    assert any(isinstance(st, Wait) and st.party == "platform" for st in wf.steps)
    accepted = next(c for c in branches[1].cases if c.name == "accepted")
    roles = [st.role for st in accepted.steps if isinstance(st, Work)]
    assert "project_ops" in roles  # ops coordinates the departments
    # ...and the event brings its images (1.9) and its prices (sales supervisor).
    assert [st.starts for st in accepted.steps if isinstance(st, Milestone)] == ["promo_images"]
    assert roles[-1] == "sales_supervisor"


def test_photo_shoot_passes_or_reshoots(s: Scenario) -> None:
    wf = s.workflows["photo_shoot"]
    ids = top_ids(wf)
    branch = wf.steps[ids.index("photos_pass")]
    reshoot = next(c for c in branch.cases if c.name == "reshoot")
    assert any(isinstance(st, Work) and st.role == "photographer" for st in reshoot.steps)
    assert any(isinstance(st, Approval) and st.rework_to == "reshoot" for st in reshoot.steps)
    # Samples go back, the designers retouch each item, then the template starts.
    assert ids[-3:] == ["return_samples", "post_production", "photos_handed_on"]
    post = wf.steps[ids.index("post_production")]
    assert isinstance(post, Work) and post.role == "designer" and post.per_item
    assert wf.trigger.items is not None and wf.trigger.items.low >= 1
    assert any(isinstance(st, Wait) and st.party == "manufacturer" for st in wf.steps)


def test_product_upload_by_sales_then_promotion_then_listed(s: Scenario) -> None:
    wf = s.workflows["product_upload"]
    roles = [st.role for st in wf.steps if isinstance(st, Work)]
    assert roles.index("customer_service") < roles.index("ztc_specialist")
    assert isinstance(wf.steps[-2], Scheduled)


# --- triggers -----------------------------------------------------------------

def test_triggers(s: Scenario) -> None:
    t = {wid: wf.trigger for wid, wf in s.workflows.items()}
    assert (t["sales_plan_breakdown"].every, t["sales_plan_breakdown"].month) == ("year", 12)
    assert t["quarterly_marketing_plan"].every == "quarter"
    assert t["monthly_theme_campaign"].every == "month"
    assert t["routine_promotion"].every == "month"
    assert t["ztc_promotion"].every == "week"
    for wid in ("photo_shoot", "image_processing", "event_signup", "interactive_campaign",
                "sms_copy"):
        assert t[wid].kind == "rate" and t[wid].mean > 0, wid
    # A new-arrival batch: shoot, then template, then upload, each started by
    # a milestone of the one before.
    assert t["product_template"].kind == t["product_upload"].kind == "none"
    starts = {wid: [st.starts for st in steps_of(wf) if getattr(st, "starts", None)]
              for wid, wf in s.workflows.items()}
    assert starts["photo_shoot"] == ["product_template"]
    assert starts["product_template"] == ["product_upload"]
    # An accepted event brings its promotional images.
    assert starts["event_signup"] == ["promo_images"]
    assert sum(len(v) for v in starts.values()) == 3
    assert t["promo_images"].kind == t["storefront_design"].kind == "campaign"
    assert 0 < t["promo_images"].lead_days < t["storefront_design"].lead_days
    # The storefront is also redesigned monthly, so the baseline has it too.
    assert [x.every for x in s.workflows["storefront_design"].extra_triggers] == ["month"]
    for wid in ("presales_order", "exchange", "return"):
        assert t[wid].kind == "demand"


# --- durations from parameters.md ----------------------------------------------

def step(s: Scenario, wid: str, sid: str):
    return next(st for st in steps_of(s.workflows[wid]) if st.id == sid)


def test_researched_durations(s: Scenario) -> None:
    # promotional banner: about half a working day (2 h to 1 day)
    assert 2 <= mean_hours(step(s, "promo_images", "images_pk").duration) <= 8
    # detail page: about 2 working days (1 to 3 days), a page from scratch:
    # the storefront/detail template (1.8); an item's page on that template
    # is a few hours (assumed), and there is one per item of a batch
    assert 12 <= mean_hours(step(s, "storefront_design", "make_images_and_screen").duration) <= 20
    page = step(s, "product_template", "make_images")
    assert page.per_item and 1 <= mean_hours(page.duration) < 12
    # photo shoot: 2 to 5 days of shooting a batch, shot item by item: the
    # mean batch's shoot is in that range
    shoot, items = step(s, "photo_shoot", "shoot"), s.workflows["photo_shoot"].trigger.items
    assert shoot.per_item and items is not None
    assert 16 <= mean_hours(shoot.duration) * (items.low + items.high) / 2 <= 40
    # ZTC routine: about 3 h a day
    assert 2.5 <= mean_hours(s.duties["ztc_six_reports_daily"].duration) <= 3.5


# --- after-sales decisions (section 5) -------------------------------------------

@pytest.mark.parametrize("kind, fault, resalable, action", [
    ("exchange", "customer", False, "refuse"),
    ("return", "customer", False, "refuse"),
    ("exchange", "shop", True, "replace"),
    ("exchange", "shop", False, "replace"),
    ("return", "shop", False, "refund"),
    ("exchange", "none", True, "postage_then_replace"),
    ("return", "none", True, "refund"),
    ("return", "customer", True, "refund"),
])
def test_aftersales_decisions(s: Scenario, kind: str, fault: str, resalable: bool, action: str) -> None:
    assert s.aftersales.decide(kind, fault, resalable) == action


@pytest.mark.parametrize("status, action", [("completed", "alipay_transfer"),
                                            ("not_completed", "platform_refund")])
def test_refund_paths(s: Scenario, status: str, action: str) -> None:
    assert s.aftersales.refund_action(status) == action


# --- duties (section 3) ---------------------------------------------------------

def duties_of(s: Scenario, role: str, every: str | None = None) -> list:
    return [d for d in s.duties.values() if d.role == role and (every is None or d.every == every)]


@pytest.mark.parametrize("role, every", [
    ("sales_supervisor", "day"), ("sales_supervisor", "week"), ("sales_supervisor", "month"),
    ("project_ops", "day"), ("campaign_specialist", "day"), ("ztc_specialist", "day"),
    ("display_ads_specialist", "day"), ("display_ads_specialist", "week"),
    ("display_ads_specialist", "month"), ("design_supervisor", "week"),
    ("ops_supervisor", "week"), ("ops_supervisor", "month"),
    ("promo_supervisor", "month"), ("planning_supervisor", "month"),
    ("customer_service", "month"), ("aftersales_service", "week"),
])
def test_bold_recurring_duties_exist(s: Scenario, role: str, every: str) -> None:
    assert duties_of(s, role, every)


def test_sales_supervisor_first_thing_and_two_daily_duties(s: Scenario) -> None:
    daily = duties_of(s, "sales_supervisor", "day")
    assert len(daily) >= 2
    first = min(daily, key=lambda d: d.at)
    assert first.at <= "09:30" and first.priority < 5


def test_project_ops_daily_check_by_each(s: Scenario) -> None:
    assert any(d.who == "each" for d in duties_of(s, "project_ops", "day"))


def test_design_team_weekly_meeting_together(s: Scenario) -> None:
    # The supervisor's weekly meeting holds every designer at once.
    meeting = s.duties["design_supervisor_weekly_meeting"]
    assert meeting.every == "week" and meeting.attendees == {"designer": "all"}


def test_trainings_charge_their_trainees(s: Scenario) -> None:
    """A supervisor's training or review of the department holds the roles
    reporting to them (section 2), so their time is taken too."""
    for did in ("ops_supervisor_training", "promo_supervisor_training",
                "planning_supervisor_training", "design_supervisor_pk_training"):
        duty = s.duties[did]
        assert duty.attendees, did
        for role in duty.attendees:
            assert s.org.roles[role].reports_to == duty.role, (did, role)


def test_every_duty_cites_the_source(s: Scenario) -> None:
    for did, d in s.duties.items():
        assert d.source and d.name_zh, did


WORKING_DAYS = {"day": 1, "week": 5, "month": 21, "quarter": 63, "year": 250}


@pytest.mark.parametrize("role", ["ops_supervisor", "promo_supervisor", "design_supervisor",
                                  "planning_supervisor", "sales_supervisor", "project_ops",
                                  "ztc_specialist", "display_ads_specialist", "campaign_specialist",
                                  "aftersales_service"])
def test_duties_leave_room_for_the_workflows(s: Scenario, role: str) -> None:
    """Mean hours of duties per member per working day stay modest (< 4.5 of 8)."""
    load = sum(d.duration.mean_hours() / WORKING_DAYS[d.every] for d in duties_of(s, role))
    assert load < 4.5, f"{role}: {load:.1f} h a day of duties"
