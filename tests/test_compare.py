"""``opsim compare`` on two short runs: pairing, differences, outputs, which
way is better, and refused arguments."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from kpi_logs import small

from sim import run, write_run
from sim.analysis.compare import _better, compare, metrics, side_of_log
from sim.analysis.kpis import kpis
from sim.cli import main
from sim.report.compare_page import write_html

BASELINE = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.yaml"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A 5-day week with 3 and with 5 customer-service agents, 2 replications
    each, same seed; saved as run directories too."""
    base = small(5, customer_service=3)
    more = small(5, customer_service=5)
    root = tmp_path_factory.mktemp("runs")
    sides = []
    for name, s, seed in (("three", base, 7), ("five", more, 7), ("five_other_seed", more, 8)):
        log, facts = run(s, seed, 2)
        write_run(root / name, s, log, {"run": facts, **kpis(s, log)})
        sides.append(side_of_log(name, s, log, seed, 2, "scenario"))
    return root, sides


def test_paired_differences_with_common_random_numbers(runs):
    _, (three, five, _) = runs
    out = compare([three, five])
    comp = out["comparisons"][0]
    assert comp["paired"] is True
    rows = {r["metric"]: r for r in comp["rows"]}
    cs = rows["role customer_service: wait mean (h)"]
    assert cs["test"] == "paired t" and cs["n"] == 2
    a = metrics(three)["role customer_service: wait mean (h)"]
    b = metrics(five)["role customer_service: wait mean (h)"]
    assert cs["diff"] == pytest.approx(float(np.mean(b - a)))
    assert cs["diff"] < 0 and cs["better"] in ("better", None)
    assert "window chat_first_reply_3min: met share" in rows
    # Lost sales (issue 16): fewer chats lost with more agents, value beside them.
    assert rows["sales: chats lost"]["diff"] <= 0 and "sales: value lost (CNY)" in rows


def test_welch_when_seeds_differ(runs):
    _, (three, _, other) = runs
    comp = compare([three, other])["comparisons"][0]
    assert comp["paired"] is False
    assert {r["test"] for r in comp["rows"]} == {"welch t"}


def test_cli_on_saved_runs(runs, tmp_path, capsys):
    root, _ = runs
    out_json, out_html = tmp_path / "c.json", tmp_path / "c.html"
    code = main(["compare", str(root / "three"), str(root / "five"), str(root / "five_other_seed"),
                 "--json", str(out_json), "--html", str(out_html)])
    assert code == 0
    result = json.loads(out_json.read_text())
    assert [c["paired"] for c in result["comparisons"]] == [True, False]
    shown = capsys.readouterr().out
    assert "customer_service" in shown and "side by side" in shown
    page = out_html.read_text()
    assert page.startswith("<!doctype html>") and "paired t" in page and "<script" not in page
    # Side by side first: every input's own verdicts and cost, then a chart.
    sbs = result["side_by_side"]
    assert len(sbs["cost_cny_total"]) == 3 and sbs["windows"]
    assert all(len(per_side) == 3 for per_side in sbs["windows"].values())
    assert all(w is None or "verdict" in w for ps in sbs["windows"].values() for w in ps)
    assert "<h2>Side by side</h2>" in page and "data:image/png;base64," in page


def test_html_escapes(tmp_path):
    result = {"base": "<a>", "sides": [{"label": "<a>", "scenario": "x&y", "seed": 1, "replications": 1,
                                        "source": "run"}], "comparisons": []}
    write_html(tmp_path / "p.html", result)
    assert "&lt;a&gt;" in (tmp_path / "p.html").read_text()


def test_compare_refuses_zero_replications(capsys):
    assert main(["compare", str(BASELINE), str(BASELINE), "-n", "0"]) == 2
    assert "replications" in capsys.readouterr().err


def test_better_reads_the_measure_not_the_ids():
    # A window whose id contains "wait" is still a met share: larger is better.
    d = {"significant": True, "diff": 0.1}
    assert _better("window reply_wait_3min: met share", d) == "better"
    assert _better("role planner: wait mean (h)", d) == "worse"
    assert _better("sales: chats lost", d) == "worse"
