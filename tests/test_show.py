"""``opsim show``: the JSON matches the rules, the diagrams are written, the
CJK-font fallback works, bad scenarios exit 2."""
from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import pytest

from rules.loader import load_scenario
from sim.cli import main
from sim.views import diagrams as diagram
from sim.views import style
from sim.views.diagrams import write_diagrams
from sim.views.show import show_data, show_text
from sim.views.swimlane_layout import layout_workflow

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(BASELINE)


@pytest.fixture(scope="module")
def data(scenario):
    return show_data(scenario)


def _roles(data: dict) -> dict[str, dict]:
    return {r["id"]: r for r in data["roles"]}


def test_json_cli_matches_source(capsys):
    assert main(["show", str(BASELINE), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    roles = _roles(data)
    assert roles["designer"]["headcount"] == 5
    assert roles["customer_service"]["headcount"] == 4
    for one in ("ops_supervisor", "promo_supervisor", "design_supervisor", "planning_supervisor",
                "sales_supervisor", "campaign_specialist", "ztc_specialist", "display_ads_specialist"):
        assert roles[one]["headcount"] == 1, one
    assert {"id", "name_zh", "department", "headcount", "reports_to"} <= set(roles["designer"])
    assert set(data) >= {"roles", "workflows", "service_windows", "departments"}


def test_reporting_lines(data):
    roles = _roles(data)
    assert roles["general_manager"]["reports_to"] is None
    assert roles["ops_director"]["reports_to"] == "general_manager"
    assert roles["designer"]["reports_to"] == "design_supervisor"
    assert roles["customer_service"]["reports_to"] == "sales_supervisor"
    assert roles["ztc_specialist"]["reports_to"] == "promo_supervisor"
    assert roles["planner"]["reports_to"] == "planning_supervisor"
    assert roles["designer"]["name_zh"] == "美工"
    assert roles["designer"]["department"] == "marketing"
    assert roles["project_ops"]["headcount"] == 2          # one per project, 2 projects
    assert roles["warehouse"]["assumed"] and not roles["designer"]["assumed"]


def test_workflows_have_lanes_and_steps(scenario, data):
    flows = data["workflows"]
    assert len(flows) == 17
    assert len(flows) == len(scenario.workflows)
    assert [f["number"] for f in flows] == sorted(f["number"] for f in flows)
    for f in flows:
        assert {"id", "name_zh", "number", "lanes", "steps"} <= set(f)
        assert f["lanes"] and f["steps"], f["id"]
        assert all("id" in step and "kind" in step for step in f["steps"])
        source = scenario.workflows[f["id"]]
        assert f["steps"] == [step.model_dump(mode="json") for step in source.steps]
    by_id = {f["id"]: f for f in flows}
    assert by_id["return"]["number"] == 15 and by_id["return"]["name_zh"] == "退货"


def test_service_windows_and_departments(data):
    windows = {w["id"]: w for w in data["service_windows"]}
    w72 = windows["refused_item_back_72h"]
    assert (w72["limit"], w72["clock"]) == (72, "elapsed_hours")
    assert w72["start"]["activity"] == "receive_inspect" and w72["end"]["activity"] == "ship_back_refused"
    deps = {d["id"]: d for d in data["departments"]}
    assert deps["sales"]["name_zh"] == "销售部"


def test_text_tree_marks_assumed(scenario):
    text = show_text(scenario)
    assert text.splitlines()[1].startswith("general_manager 总经理 x1*")
    assert "│   ├── ops_supervisor 运营主管 x1" in text
    assert "designer 美工 x5 [营销部]" in text
    for wid, wf in scenario.workflows.items():
        assert f"{wf.number:>3}. {wid} {wf.name_zh}" in text


def test_bad_scenario_exits_2(tmp_path, capsys):
    assert main(["show", str(tmp_path / "missing.yaml")]) == 2
    assert "file not found" in capsys.readouterr().err
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"extends: {os.path.relpath(BASELINE, tmp_path)}\norg: {{projects: 0}}\n")
    assert main(["show", str(bad), "--format", "json"]) == 2
    assert "org.projects" in capsys.readouterr().err


def test_every_step_gets_a_cell(scenario):
    for wid, wf in scenario.workflows.items():
        lay = layout_workflow(scenario, wf)
        cells = [(n.col, lane) for n in lay.nodes for lane in range(n.lo, n.hi + 1)]
        assert len(cells) == len(set(cells)), f"{wid}: two steps share a cell"
        assert lay.lanes[: len(wf.lanes)] == list(wf.lanes), wid


def _expected_files(scenario, out: Path) -> set[Path]:
    stems = ["org_chart"] + [f"workflow_{wf.number}_{wid}" for wid, wf in scenario.workflows.items()]
    return {out / f"{stem}.{ext}" for stem in stems for ext in ("png", "svg")}


def _glyph_warnings(caught) -> list[str]:
    return [str(w.message) for w in caught if "missing from" in str(w.message) or "Glyph" in str(w.message)]


@pytest.mark.slow  # draws every workflow's diagram, PNG and SVG
def test_diagram_cli_writes_png_and_svg_per_workflow(scenario, tmp_path, capsys):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main(["show", str(BASELINE), "--diagram", str(tmp_path)]) == 0
    written = set(tmp_path.iterdir())
    assert written == _expected_files(scenario, tmp_path)
    for path in written:
        head = path.read_bytes()[:8]
        assert head == b"\x89PNG\r\n\x1a\n" if path.suffix == ".png" else b"<svg" in path.read_bytes()[:500]
    err = capsys.readouterr().err
    if diagram.find_cjk_font() is not None:
        assert _glyph_warnings(caught) == []
        assert "no CJK font" not in err
    else:                              # no CJK font here: the fallback must say so
        assert "no CJK font found" in err and diagram.CJK_FONT_INSTALL in err


def test_fallback_without_cjk_font(scenario, tmp_path, monkeypatch):
    monkeypatch.setattr(diagram, "find_cjk_font", lambda: None)
    small = scenario.model_copy(update={"workflows": dict(list(scenario.workflows.items())[:2])})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = write_diagrams(small, tmp_path)
    assert result.notice is not None and "English labels" in result.notice
    assert diagram.CJK_FONT_INSTALL in result.notice
    assert set(result.files) == _expected_files(small, tmp_path)
    svg = (tmp_path / "org_chart.svg").read_text()
    assert "美工" not in svg
    assert _glyph_warnings(caught) == []    # no Chinese was drawn with a Latin-only font


def test_fallback_notice_reaches_stderr(tmp_path, monkeypatch, capsys):
    """The CLI prints the library's notice on stderr (drawing itself is tested above)."""
    def fake(s, out, font=True):
        assert diagram.find_cjk_font() is None
        return diagram.DiagramResult(files=[], notice="no CJK font found, so ...")
    monkeypatch.setattr(diagram, "find_cjk_font", lambda: None)
    monkeypatch.setattr(diagram, "write_diagrams", fake)
    assert main(["show", str(BASELINE), "--diagram", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert "notice: no CJK font found" in captured.err
    assert "notice" not in captured.out


def test_wrap_keeps_words_and_breaks_chinese():
    assert style.wrap("finance_refund_after_dispute", 9) == ["finance_refund_", "after_dispute"]
    assert style.wrap("收集支付宝账号姓名金额", 6) == ["收集支付宝账", "号姓名金额"]


def test_json_shows_extra_triggers_and_batch_sizes() -> None:
    """The storefront's monthly trigger and a shoot's batch of items are
    part of what ``show --format json`` prints (issue 16 point 7)."""
    from rules.loader import load_scenario
    from sim.views.show import show_data
    flows = {w["id"]: w for w in show_data(load_scenario("scenarios/baseline.yaml"))["workflows"]}
    assert [t["every"] for t in flows["storefront_design"]["extra_triggers"]] == ["month"]
    assert flows["photo_shoot"]["trigger"]["items"] == {"low": 8, "high": 16}
