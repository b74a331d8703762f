"""``opsim run`` shows every phase: plain lines when stderr is not a terminal."""
from __future__ import annotations

import io
import re

from sim.cli import main
from sim.cli.progress import RunProgress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_without_a_terminal_each_replication_and_phase_is_one_line() -> None:
    out = io.StringIO()
    with RunProgress("d11", 2, ("summary", "files"), out) as progress:
        progress.replication_done(1)
        progress.replication_done(2)
        with progress.phase("summary"):
            pass
        with progress.phase("files"):
            pass
    lines = out.getvalue().splitlines()
    assert [re.sub(r" \(\d+\.\d s\)$", "", line) for line in lines] == [
        "opsim: d11: replication 1/2 done", "opsim: d11: replication 2/2 done",
        "opsim: d11: summary done", "opsim: d11: files done"]


def test_in_a_terminal_one_bar_covers_the_phases() -> None:
    out = _Terminal()
    with RunProgress("d11", 2, ("summary",), out) as progress:
        assert progress.bar is not None
        progress.replication_done(2)
        with progress.phase("summary"):
            assert progress.bar.tasks[0].description == "d11: summary"
        assert progress.bar.tasks[0].completed == 3 == progress.bar.tasks[0].total
    assert "done (" not in out.getvalue()


def test_a_logged_run_shows_it_is_alive(tmp_path, capsys) -> None:
    code = main(["run", "scenarios/validation/mmc.yaml", "-n", "2", "-j", "1", "--out",
                 str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert code == 0
    for what in ("replication 1/2 done", "replication 2/2 done", "summary done", "files done",
                 "report done"):
        assert f"opsim: mmc: {what} (" in err


def test_events_csv_only_when_asked_and_no_report_draws_nothing(tmp_path, capsys) -> None:
    out = tmp_path / "run"
    assert main(["run", "scenarios/validation/mmc.yaml", "-n", "1", "--out", str(out), "--csv"]) == 0
    assert (out / "events.csv").is_file() and (out / "report.html").is_file()
    assert main(["run", "scenarios/validation/mmc.yaml", "-n", "1", "--out", str(out),
                 "--no-report", "--force"]) == 0
    # The earlier run is replaced whole: its CSV, report and plots are gone.
    assert not (out / "events.csv").exists() and not (out / "report.html").exists()
    assert not (out / "plots").exists() and (out / "events.parquet" / "part-00000.parquet").is_file()
    assert f"opsim report {out}" in capsys.readouterr().out.replace("\n", "")
    assert main(["report", str(out)]) == 0
    assert (out / "report.html").is_file()


def test_a_search_and_a_run_without_report_load_no_plotting() -> None:
    """``sim.evaluate`` and ``opsim run --no-report`` do not pay for matplotlib."""
    import subprocess
    import sys

    code = ("import sys, tempfile\n"
            "import sim\nfrom rules import load_scenario\nfrom sim.cli import main\n"
            "sim.evaluate(load_scenario('scenarios/validation/mmc.yaml'), 1)\n"
            "main(['run', 'scenarios/validation/mmc.yaml', '-n', '1', '-j', '1', '--no-report',"
            " '--out', tempfile.mkdtemp()])\n"
            "print(sorted(m for m in sys.modules if m.startswith('matplotlib'))[:3])\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
