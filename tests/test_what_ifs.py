"""What-ifs without editing files: ``--set``, ``--temp`` and run directories
that are never overwritten silently (``--force``)."""
from __future__ import annotations

import json
import re

import pytest

from rules import RulesError, load_scenario
from rules.overrides import parse_path
from sim.cli import main

BASELINE = "scenarios/baseline.yaml"
MMC = "scenarios/validation/mmc.yaml"


def _problems(**what_ifs: list[str]) -> list[str]:
    with pytest.raises(RulesError) as exc:
        load_scenario(BASELINE, what_ifs.get("sets", []), what_ifs.get("temps", []))
    return [str(p) for p in exc.value.problems]


def test_set_changes_any_value_by_its_path() -> None:
    s = load_scenario(BASELINE, ["org.roles.customer_service.headcount=6",
                                 "demand.orders_per_day=500",
                                 "workflows.return.steps[0].duration={dist: fixed, value: 0.5}"])
    assert s.org.headcount("customer_service") == 6
    assert s.demand is not None and s.demand.orders_per_day == 500
    assert s.workflows["return"].steps[0].duration.mean_hours() == 0.5  # type: ignore[union-attr]
    assert load_scenario(BASELINE).org.headcount("customer_service") == 4  # the file is untouched


def test_set_is_checked_like_a_file_and_names_itself() -> None:
    assert _problems(sets=["org.roles.customer_service.headcount=six"]) == [
        "--set org.roles.customer_service.headcount=six: org.roles.customer_service.headcount: "
        "Input should be a valid integer or 'per_project' (got 'six')"]
    assert _problems(sets=["org.roles.designer.headcout=3"]) == [
        "--set org.roles.designer.headcout=3: org.roles.designer.headcout: unknown field "
        "'headcout'; did you mean 'headcount'? (unknown fields are refused)"]
    assert _problems(sets=["org.roles.customer_servic.headcount=6"]) == [
        "--set org.roles.customer_servic.headcount=6: org.roles.customer_servic: unknown name "
        "'customer_servic'; did you mean 'customer_service'?"]
    assert _problems(sets=["workflows.return.steps[99].role=x"]) == [
        "--set workflows.return.steps[99].role=x: workflows.return.steps[99]: no item 99: the "
        "list has 8 items"]
    assert _problems(sets=["nonsense"])[0].startswith("--set nonsense: expected PATH=VALUE")


def test_paths_read_as_problems_print_them() -> None:
    assert parse_path("workflows.return.steps[2].role") == ("workflows", "return", "steps", 2, "role")
    with pytest.raises(ValueError, match=re.escape("malformed field path 'a..b'")):
        parse_path("a..b")


def test_temp_adds_temporary_staff_on_the_roles_own_shift() -> None:
    s = load_scenario(BASELINE, temps=["customer_service+2@2026-10-20..2026-11-25",
                                       "warehouse+1@2026-11-01..2026-11-15:peak_day"])
    cs, wh = s.calendars.overrides[-2:]
    assert (cs.role, cs.change, cs.members, str(cs.start), str(cs.end)) == (
        "customer_service", "extra", 2, "2026-10-20", "2026-11-25")
    assert cs.shift == s.calendars.rosters["customer_service"][0].shift
    assert (wh.role, wh.members, wh.shift) == ("warehouse", 1, "peak_day")


def test_temp_is_checked_like_a_file() -> None:
    assert _problems(temps=["custmer_service+2@2026-10-20..2026-11-25:cs_early"]) == [
        "--temp custmer_service+2@2026-10-20..2026-11-25:cs_early: calendars.overrides[0].role: "
        "unknown role 'custmer_service'; did you mean 'customer_service'?"]
    assert _problems(temps=["cs+2"])[0].startswith("--temp cs+2: expected ROLE+N@START..END")
    assert "calendars.overrides[0].members" in _problems(
        temps=["customer_service+0@2026-10-20..2026-11-25"])[0]


def test_the_command_line_takes_what_ifs_and_records_them(tmp_path, capsys) -> None:
    assert main(["check", BASELINE, "--set", "org.roles.customer_service.headcount=6"]) == 0
    assert "what-if: --set org.roles.customer_service.headcount=6" in capsys.readouterr().out
    assert main(["check", BASELINE, "--set", "org.roles.customer_service.headcount=six"]) == 2
    out = tmp_path / "run"
    assert main(["run", MMC, "-n", "1", "--out", str(out), "--no-report",
                 "--set", "org.roles.server.headcount=4"]) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["run"]["what_ifs"] == {"set": ["org.roles.server.headcount=4"], "temp": [],
                                          "overtime": [],
                                          "period": []}
    resolved = json.loads((out / "scenario.json").read_text(encoding="utf-8"))
    assert resolved["org"]["roles"]["server"]["headcount"] == 4
    assert main(["compare", MMC, MMC, "-n", "2", "--set", "org.roles.server.headcount=4"]) == 0


def test_a_run_never_overwrites_silently(tmp_path, capsys) -> None:
    out = tmp_path / "run"
    args = ["run", MMC, "-n", "1", "--no-report", "--out", str(out)]
    assert main(args) == 0
    (out / "mine.txt").write_text("a file of the user's, in the run directory")
    assert main(args) == 2
    assert "holds an earlier result; replace it with --force" in capsys.readouterr().err
    assert (out / "mine.txt").exists()
    assert main([*args, "--force"]) == 0
    assert not (out / "mine.txt").exists()  # replaced whole


def test_force_never_empties_a_directory_that_is_not_a_run(tmp_path, capsys) -> None:
    (tmp_path / "notes.txt").write_text("not a run")
    assert main(["run", MMC, "-n", "1", "--no-report", "--out", str(tmp_path), "--force"]) == 2
    assert "is not empty and holds no earlier result" in capsys.readouterr().err
    assert (tmp_path / "notes.txt").exists()


def test_chinese_names_beside_ids_where_the_terminal_can_show_them() -> None:
    import io

    from rich.console import Console

    from sim.cli.tables import breaker_lines, chinese, label, windows_table

    wide = Console(file=io.StringIO(), width=140, force_terminal=False)
    narrow = Console(file=io.StringIO(), width=80, force_terminal=False)
    assert chinese(wide) and not chinese(narrow)
    assert label("customer_service", {"customer_service": "客服"}) == "客服 customer_service"
    summary = {"service_windows": {"w": {"name_zh": "旺旺首次响应", "cases": 1.0, "met": 1.0,
                                         "met_ci95": [0.9, 1.0], "p95_hours": 0.01,
                                         "limit_hours": 0.05, "verdict": "met", "target": 0.8}},
               "window_misses": {"w": {"missed_per_replication": 2.0,
                                       "largest_queue": {"role": "customer_service", "hours": 0.5}}}}
    wide.print(windows_table(summary, zh=True))
    assert "旺旺首次响应 w" in wide.file.getvalue()
    assert "客服 customer_service" in breaker_lines(summary, {"customer_service": "客服"})[1]


def test_the_run_says_who_breaks_the_windows(tmp_path, capsys) -> None:
    assert main(["run", "tests/scenarios/stress.yaml", "-n", "1", "--no-report",
                 "--out", str(tmp_path / "r"), "--set", "org.roles.warehouse.headcount=1",
                 "--set", "demand.orders_per_day=240"]) == 0
    out = capsys.readouterr().out.replace("\n", " ")
    assert "who breaks the windows" in out and "warehouse: ship_within_deadline_72h" in out
