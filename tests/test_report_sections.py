"""The report's sections on periods and staffing, from a summary."""
from __future__ import annotations

from rules import load_scenario
from sim.report.html import glance
from sim.report.html_sections import periods_section, staffing_section, undone_section

SUMMARY = {
    "service_windows": {"chat_first_reply_3min": {"verdict": "met", "met": 0.93, "periods": {
        "presale": {"verdict": "met", "met": 0.99, "met_ci95": [0.98, 0.995]},
        "peak": {"verdict": "not met", "met": 0.6, "met_ci95": [0.59, 0.62]}}}},
    "staffing": {"customer_service": {"headcount": 4, "person_days": 583,
                                      "temporary_person_days": 215, "overtime_hours": 0.0,
                                      "cost_cny": 156500.0}},
    "cost_cny_total": 156500.0,
}


def test_a_window_met_overall_but_failing_in_a_period_is_said_first() -> None:
    s = load_scenario("scenarios/double11.yaml")
    page = periods_section(s, SUMMARY)
    assert "<b>chat_first_reply_3min</b> is met overall but not in peak" in page
    assert "2026-11-11..2026-11-17" in page and "60.0%" in page
    assert "But by period:</b> chat_first_reply_3min met only 60% in peak" in glance(s, SUMMARY)


def test_staffing_and_its_cost() -> None:
    s = load_scenario("scenarios/double11.yaml")
    page = staffing_section(s, SUMMARY)
    assert "156,500 CNY" in page and "<td>215</td>" in page


def test_no_periods_no_section() -> None:
    assert periods_section(load_scenario("scenarios/baseline.yaml"), SUMMARY) == ""


def test_work_left_undone_per_role_with_the_activities_most_left() -> None:
    """A saturated role's skipped duties and unstarted tasks are on the page,
    not only in the terminal (review 10: whole_member_open was not in the report)."""
    summary = {
        "duties_skipped": {"customer_service": {"per_replication": 107.0, "ci95": [103.2, 110.8]}},
        "whole_member_open": {
            "customer_service": {
                "review_followup": {"per_replication": 384.8, "ci95": [370.0, 399.6], "in_progress": 0.0},
                "arrange_shipment": {"per_replication": 0.2, "ci95": [0.0, 0.6], "in_progress": 1.0}},
            "finance": {"platform_refund": {"per_replication": 0.2, "ci95": [0.0, 0.6], "in_progress": 0.0}}},
    }
    page = undone_section(summary)
    assert "<h2>Work left undone</h2>" in page
    assert "<b>107.0</b> <small>[103.2 \u2013 110.8]</small>" in page
    assert "<td>385.0</td><td>1.0</td>" in page  # not started: 384.8 + 0.2; cut short 1.0
    assert "<code>review_followup</code> 384.8" in page
    assert "arrange_shipment</code>" not in page  # under half a task: not among the most left
    assert "finance" not in page  # nothing worth a row


def test_no_work_left_undone_no_section() -> None:
    assert undone_section({}) == ""
    idle = {"a": {"x": {"per_replication": 0.0, "in_progress": 0.0}}}
    assert undone_section({"whole_member_open": idle}) == ""
