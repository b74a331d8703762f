"""The report of a short run opens in headless Chromium with every image shown.

CI installs the browser (``apt-get update && apt-get install -y chromium``);
without it this test fails and says so rather than skipping.
"""
from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from rules.loader import load_scenario
from rules.scenario import Horizon
from sim import run, write_run
from sim.analysis.summary import summarize
from sim.cli import main
from sim.report.html import PLOT_TITLES
from sim.report.plots import PlotResult

INSTALL = "apt-get update && apt-get install -y chromium"
#: Sets data-images on <body> once the page has loaded: "ok" when every image
#: decoded with a size, else how many failed.
PROBE = """<script>
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  var bad = imgs.filter(function (i) { return !(i.complete && i.naturalWidth > 0); });
  document.body.setAttribute('data-images',
    imgs.length && !bad.length ? 'ok' : 'broken ' + bad.length + '/' + imgs.length);
  document.body.setAttribute('data-count', String(imgs.length));
});
</script>"""


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.fail(f"headless Chromium is needed to check report.html; install it: {INSTALL}", pytrace=False)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Baseline over two weeks, two replications, written and reported through
    ``opsim report DIR`` (so the saved-run path is the one tested)."""
    s = load_scenario("scenarios/baseline.yaml")
    s = s.model_copy(update={"horizon": Horizon(start=dt.date(2026, 10, 12), end=dt.date(2026, 10, 25))})
    log, facts = run(s, seed=7, n=2, jobs=1)
    out = tmp_path_factory.mktemp("run")
    write_run(out, s, log, summarize(s, log, facts))
    assert main(["report", str(out), "--svg"]) == 0
    return out


@pytest.mark.slow  # its run directory: a short run, summary, plots and report (~4 s)
def test_report_files(run_dir: Path) -> None:
    page = (run_dir / "report.html").read_text(encoding="utf-8")
    for name in PLOT_TITLES:
        assert (run_dir / "plots" / f"{name}.png").stat().st_size > 1000
        assert (run_dir / "plots" / f"{name}.svg").stat().st_size > 1000
    assert page.count("data:image/png;base64,") == len(PLOT_TITLES)
    assert not re.search(r"""(src|href)=['"]?https?:""", page), "the page must not load anything from the web"
    head = page.index("Service windows: verdicts")
    assert head < page.index("Bottlenecks") < page.index("<h2>Roles") < page.index("<h2>Plots")
    assert "baseline" in page and "input hash" in page


@pytest.mark.slow  # headless Chromium
def test_report_renders_in_chromium(run_dir: Path, tmp_path: Path) -> None:
    browser = chromium()
    page = (run_dir / "report.html").read_text(encoding="utf-8").replace("</body>", PROBE + "</body>")
    probe = tmp_path / "probe.html"
    probe.write_text(page, encoding="utf-8")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=5000"]
    done = subprocess.run([browser, *flags, "--dump-dom", probe.as_uri()], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    body = re.search(r"<body[^>]*>", done.stdout)
    assert body, f"no <body> in Chromium's DOM dump: {done.stdout[:500]!r} {done.stderr[-1000:]}"
    assert 'data-images="ok"' in body.group(0), f"images not shown: {body.group(0)}"
    assert f'data-count="{len(PLOT_TITLES)}"' in body.group(0)

    shot = tmp_path / "shot.png"
    subprocess.run([browser, *flags, "--window-size=1200,1600", f"--screenshot={shot}", probe.as_uri()],
                   capture_output=True, timeout=60, check=True)
    import matplotlib.image as mpimg
    pixels = mpimg.imread(shot)
    assert pixels.shape[0] >= 1000 and pixels.std() > 0.05, "the screenshot is blank"


def test_report_command_refuses_a_non_run(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["report", str(tmp_path)]) == 2
    assert "incomplete run: " in capsys.readouterr().err


def test_empty_plots_still_render(tmp_path: Path) -> None:
    from sim.report.html import render_html
    s = load_scenario("scenarios/baseline.yaml")
    page = render_html(s, {"run": {"scenario": "x"}}, PlotResult())
    assert "not available" in page and "<img" not in page
