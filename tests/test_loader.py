"""The one loading path: inheritance, overrides, strictness, frozen objects,
the decision-table proof and the duration samplers."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pydantic
import pytest
from pydantic import TypeAdapter

from rules.aftersales import AfterSales, DecisionRow, table_problems
from rules.distributions import Duration
from rules.errors import RulesError
from rules.loader import load_document, load_scenario, merge
from rules.org import Role

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"


def write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(f"extends: {os.path.relpath(BASELINE, tmp_path)}\n{text}", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def baseline():
    return load_scenario(BASELINE)


# --- inheritance and overrides -------------------------------------------

def test_override_changes_one_headcount_and_one_target(tmp_path, baseline) -> None:
    s = load_scenario(write(tmp_path, "name: six_designers\n"
                                      "org: {roles: {designer: {headcount: 6}}}\n"
                                      "targets: {chat_first_reply_3min: 0.9}\n"))
    assert s.org.headcount("designer") == 6
    assert s.targets["chat_first_reply_3min"] == 0.9
    # Mappings merge: the rest of the role and the other targets are kept.
    assert s.org.roles["designer"].name_zh == baseline.org.roles["designer"].name_zh
    assert s.org.roles["designer"].at_shift_end == "pause"
    assert s.targets["ship_within_deadline_72h"] == baseline.targets["ship_within_deadline_72h"]
    assert s.total_headcount == baseline.total_headcount + 1


def test_lists_are_replaced_not_appended(tmp_path, baseline) -> None:
    s = load_scenario(write(tmp_path, "demand: {weekday_profile: [1, 1, 1, 1, 1, 2, 2]}\n"
                                      "workflows: {presales_order: {lanes: "
                                      "[customer_service, warehouse, customer, courier]}}\n"))
    assert s.demand.weekday_profile == (1, 1, 1, 1, 1, 2, 2)
    assert s.workflows["presales_order"].lanes == ("customer_service", "warehouse", "customer", "courier")
    assert s.workflows["presales_order"].steps == baseline.workflows["presales_order"].steps


def test_merge_rules_and_provenance() -> None:
    prov: dict = {}
    base = merge({}, {"a": {"x": 1, "l": [1, 2]}, "d": {"dist": "fixed", "value": 1}}, "base", prov)
    out = merge(base, {"a": {"y": 2, "l": [3]}, "d": {"dist": "exponential", "mean": 2}}, "over", prov)
    assert out == {"a": {"x": 1, "y": 2, "l": [3]}, "d": {"dist": "exponential", "mean": 2}}
    assert prov[("a", "x")] == "base" and prov[("a", "y")] == "over"
    assert ("a", "l", 1) not in prov  # the replaced list forgot its old items
    assert ("d", "value") not in prov
    assert base == {"a": {"x": 1, "l": [1, 2]}, "d": {"dist": "fixed", "value": 1}}  # inputs untouched


def test_chain_of_three_files(tmp_path) -> None:
    mid = write(tmp_path, "name: mid\nseed: 1\n", "mid.yaml")
    (tmp_path / "child.yaml").write_text(f"extends: {mid.name}\nname: child\n", encoding="utf-8")
    doc, prov = load_document(tmp_path / "child.yaml")
    assert (doc["name"], doc["seed"]) == ("child", 1)
    assert prov[("seed",)] == str(mid)
    assert prov[("org", "roles", "designer", "headcount")] == "rules/org_chart.yaml"


def test_shipped_scenarios_load(baseline) -> None:
    assert baseline.name == "baseline"
    assert load_scenario(ROOT / "scenarios" / "double11.yaml").demand.campaigns


# --- strictness --------------------------------------------------------------

@pytest.mark.parametrize(("text", "path"), [
    ("colour: red\n", "colour"),
    ("horizon: {start: 2026-10-01, end: 2026-10-31, tz: CST}\n", "horizon.tz"),
    ("org: {roles: {designer: {skill: 3}}}\n", "org.roles.designer.skill"),
    ("org: {parties: {courier: {sla: 2}}}\n", "org.parties.courier.sla"),
    ("calendars: {shifts: {office: {lunch: 1}}}\n", "calendars.shifts.office.lunch"),
    ("demand: {aftersales_lag: {dist: triangular, low: 0, mode: 1, high: 7, mu: 3}}\n",
     "demand.aftersales_lag.mu"),
    ("service_windows: {ship_within_deadline_72h: {start: {activity: payment, when: end}}}\n",
     "service_windows.ship_within_deadline_72h.start.when"),
    ("aftersales: {refund_table: [{trade_status: completed, action: alipay_transfer, amount: 1}, "
     "{trade_status: not_completed, action: platform_refund}]}\n", "aftersales.refund_table[0].amount"),
])
def test_unknown_keys_are_refused_at_every_level(tmp_path, text, path) -> None:
    with pytest.raises(RulesError) as info:
        load_scenario(write(tmp_path, text))
    assert [p.path for p in info.value.problems] == [path]
    assert "unknown field" in info.value.problems[0].message


def test_unknown_step_field_is_refused(tmp_path) -> None:
    text = ("workflows: {x: {name_zh: x, number: 16, lanes: [planner], steps: "
            "[{id: a, kind: work, role: planner, duration: {dist: fixed, value: 1}, owner: me}]}}\n")
    with pytest.raises(RulesError, match=r"workflows\.x\.steps\[0\]\.owner: unknown field 'owner'"):
        load_scenario(write(tmp_path, text))


def test_objects_are_frozen(baseline) -> None:
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        baseline.org.roles["designer"].headcount = 9
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        baseline.horizon.start = baseline.horizon.end
    with pytest.raises(AttributeError):
        baseline.workflows["return"].steps.append(None)


def test_role_rejects_a_negative_headcount() -> None:
    with pytest.raises(ValueError, match="greater than or equal to 0"):
        Role(name_zh="x", department="d", headcount=-1, headcount_basis="assumed")


# --- decision table -------------------------------------------------------------

def test_shipped_table_is_complete_and_unambiguous(baseline) -> None:
    assert table_problems(baseline.aftersales) == []


def without_row(table: AfterSales, i: int) -> AfterSales:
    rows = table.decision_table[:i] + table.decision_table[i + 1:]
    return table.model_copy(update={"decision_table": rows})


def test_missing_row_names_the_combination(baseline) -> None:
    problems = table_problems(without_row(baseline.aftersales, 0))
    messages = [m for _, m in problems]
    assert ("incomplete: no row matches kind=exchange, fault=customer, resalable=false; "
            "add a row that covers it") in messages
    assert len(problems) == 4  # both kinds x (customer, none) x not resalable
    assert all(path == ("decision_table",) for path, _ in problems)


def test_overlapping_rows_name_the_rows(baseline) -> None:
    extra = DecisionRow(kind=("exchange",), fault=("shop",), resalable=(True,), action="refund", case=2)
    rows = (*baseline.aftersales.decision_table, extra)
    table = baseline.aftersales.model_copy(update={"decision_table": rows})
    [(path, message)] = table_problems(table)
    assert path == ("decision_table", 5)
    assert message.startswith("ambiguous: kind=exchange, fault=shop, resalable=true matches 2 rows "
                              "(decision_table[1], decision_table[5])")


def test_duplicate_row_is_overlapping_not_ambiguous(baseline) -> None:
    rows = baseline.aftersales.decision_table
    problems = table_problems(baseline.aftersales.model_copy(update={"decision_table": rows + (rows[1],)}))
    assert [m[:49] for _, m in problems] == ["overlapping: kind=exchange, fault=shop, resalable"] * 2


def test_refund_table_needs_one_row_per_status(baseline) -> None:
    table = baseline.aftersales.model_copy(update={"refund_table": baseline.aftersales.refund_table[:1]})
    assert table_problems(table) == [
        (("refund_table",), "trade_status=not_completed matches 0 rows; it must match exactly one")]


# --- distributions -------------------------------------------------------------

SPEC = TypeAdapter(Duration)
N = 20_000


@pytest.mark.parametrize(("spec", "mean_hours"), [
    ({"dist": "fixed", "value": 3, "unit": "minutes"}, 0.05),
    ({"dist": "exponential", "mean": 2}, 2.0),
    ({"dist": "uniform", "low": 1, "high": 3, "unit": "days"}, 48.0),
    ({"dist": "triangular", "low": 5, "mode": 10, "high": 30, "unit": "minutes"}, 15 / 60),
    ({"dist": "lognormal", "mean": 4, "sd": 2}, 4.0),
    ({"dist": "gamma", "shape": 2, "scale": 1.5, "unit": "days"}, 72.0),
    ({"dist": "empirical", "values": [1, 2, 10]}, 13 / 3),
    ({"dist": "empirical", "values": [0, 60], "weights": [3, 1], "unit": "minutes"}, 0.25),
])
def test_sampler_mean_in_hours(spec, mean_hours) -> None:
    d = SPEC.validate_python(spec)
    assert d.mean_hours() == pytest.approx(mean_hours)
    draw = d.sampler()
    rng = np.random.default_rng(20261111)
    sample = np.array([draw(rng) for _ in range(N)])
    assert sample.min() >= 0
    assert sample.mean() == pytest.approx(mean_hours, rel=0.03)


def test_lognormal_sd_is_the_samples_sd() -> None:
    draw = SPEC.validate_python({"dist": "lognormal", "mean": 4, "sd": 2, "unit": "minutes"}).sampler()
    rng = np.random.default_rng(7)
    sample = np.array([draw(rng) for _ in range(N)]) * 60
    assert sample.std() == pytest.approx(2, rel=0.08)


@pytest.mark.parametrize(("spec", "message"), [
    ({"dist": "triangular", "low": 7, "mode": 1, "high": 0},
     r"need low <= mode <= high and low < high, got low=7\.0"),
    ({"dist": "triangular", "low": 2, "mode": 2, "high": 2}, r"low < high"),
    ({"dist": "uniform", "low": 3, "high": 1}, r"low \(3\.0\) must be <= high \(1\.0\)"),
    ({"dist": "lognormal", "mean": 2, "sd": 0}, r"sd\n.*greater than 0"),
    ({"dist": "exponential", "mean": -1}, r"mean\n.*greater than 0"),
    ({"dist": "gamma", "shape": 0, "scale": 1}, r"shape\n.*greater than 0"),
    ({"dist": "empirical", "values": [0, 1, 7], "weights": [1, 1]},
     r"weights has 2 entries but values has 3; give one weight per value"),
    ({"dist": "empirical", "values": [1, 2], "weights": [0, 0]}, r"weights must not all be zero"),
    ({"dist": "fixed", "value": 1, "unit": "weeks"}, r"'minutes', 'hours' or 'days'"),
    ({"dist": "weibull", "shape": 1}, r"'weibull'.*expected tags"),
])
def test_invalid_parameters_are_refused(spec, message) -> None:
    with pytest.raises(ValueError, match=message):
        SPEC.validate_python(spec)


def test_demand_without_aftersales_rules_is_refused(baseline) -> None:
    """The demand model draws every order's after-sales request from the
    after-sales case mix: without that section the run could not start."""
    from rules.checks import check_scenario

    problems = list(check_scenario(baseline.model_copy(update={"aftersales": None})))
    assert (("aftersales",), "the demand section needs an 'aftersales' section (its case_mix "
            "draws each order's after-sales request); 'rules: default' brings the shop's") in problems


def test_a_time_of_day_without_quotes_stays_a_time(tmp_path) -> None:
    """Review 10 item 11: YAML 1.1 reads an unquoted 15:30 as the base-60
    number 930 ("Input should be a valid string (got 930)"); in a --set
    and in a file it is the time it looks like."""
    s = load_scenario(BASELINE, ["duties.customer_service_daily_registers.at=15:00",
                                 "calendars.shifts.overtime_evening.end=21:30"])
    assert s.duties["customer_service_daily_registers"].at == "15:00"
    assert s.calendars.shifts["overtime_evening"].end == "21:30"
    s = load_scenario(write(tmp_path, "duties: {customer_service_daily_registers: {at: 15:00}}\n"
                                      "calendars: {shifts: {overtime_evening: {end: 21:30}}}\n"))
    assert s.duties["customer_service_daily_registers"].at == "15:00"
    assert s.calendars.shifts["overtime_evening"].end == "21:30"
    # A time the schema refuses is named as the text written, not a number.
    with pytest.raises(RulesError, match="25:00") as err:
        load_scenario(BASELINE, ["duties.customer_service_daily_registers.at=25:00"])
    assert "duties.customer_service_daily_registers.at" in str(err.value)


@pytest.mark.parametrize("where", ["duties.customer_service_daily_registers.at",
                                   "calendars.shifts.overtime_evening.end",
                                   "workflows.storefront_design.trigger.at"])
def test_a_time_without_its_leading_zero_is_asked_for_as_hh_mm(where) -> None:
    """Review 11 item 4: 9:00 reached the schema as text and was refused with
    the pattern's regex; the message says what to write instead."""
    with pytest.raises(RulesError) as err:
        load_scenario(BASELINE, [f"{where}=9:00"])
    text = str(err.value)
    assert "a time of day as HH:MM with two-digit hours, e.g. 09:00 or 17:30 (got '9:00')" in text
    assert "^(" not in text
