"""``opsim run``: simulate, write the run directory, print the verdicts."""
from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape

from rules.errors import Problem, RulesError
from rules.scenario import Scenario
from sim.cli.budget import confirm
from sim.cli.options import add_long_jobs, add_what_ifs, check_seed, load, what_ifs
from sim.cli.progress import RunProgress
from sim.cli.staging import RUN_FILES, slug, staged
from sim.cli.tables import (
    lost_sales_line,
    report_bottlenecks,
    report_cases,
    report_staffing,
    report_windows,
    slot_time_lines,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from sim.analysis.run_parts import RunView
    from sim.report.drawer import Drawer
    from sim.report.html import ReportResult
    from sim.runs.ahead import Ready

#: How many of the top bottleneck roles ``--what-if-plus-one`` re-runs.
WHAT_IF_ROLES = 2


def add_parser(sub: argparse._SubParsersAction, default_scenario: str) -> None:
    p = sub.add_parser("run", help="simulate a scenario and write the event log and summary")
    p.add_argument("scenario", nargs="?", default=default_scenario)
    p.add_argument("--seed", type=int, default=None, help="root seed (default: the scenario's)")
    p.add_argument("--replications", "-n", type=int, default=None)
    p.add_argument("--out", default=None, help="run directory (default: results/<scenario name>)")
    p.add_argument("--jobs", "-j", type=int, default=0, help="processes (default: up to 4 cores)")
    p.add_argument("--csv", action="store_true",
                   help="also write events.csv for process-mining tools (the log is always in "
                        "events.parquet)")
    p.add_argument("--no-report", action="store_true",
                   help="skip the plots and report.html (opsim report DIR draws them later)")
    p.add_argument("--svg", action="store_true", help="also write each plot as SVG (PNG always)")
    p.add_argument("--force", action="store_true",
                   help="replace the run directory if it exists (it is replaced whole)")
    add_what_ifs(p)
    add_long_jobs(p)
    p.add_argument("--what-if-plus-one", action="store_true",
                   help=f"re-run with one more person in each of the {WHAT_IF_ROLES} roles that break "
                        "the most window cases (else the top bottlenecks; same seed) and report "
                        "what it buys")


#: The worker's reducer (``sim.analysis.run_parts.reduce_part``, what
#: ``run_view`` gives ``run_reduced``), named: its work is sent before this
#: process imports the analysis.
REDUCER = ("sim.analysis.run_parts", "reduce_part")


def cmd_run(args: argparse.Namespace, ready: Ready | None = None) -> int:
    """``ready``: the worker of a one-replication run, forked by ``main``
    before the commands' modules were imported (``sim.cli.main.worker_ahead``);
    used when the run is one replication with a core to spare, else closed."""
    # Imported on use, here and in every command: the engine, scipy and
    # pyarrow take about 0.6 s to load, which ``opsim check`` need not pay.
    from sim.runs.ahead import ByName
    from sim.runs.children import default_jobs

    # One replication with a core to spare runs in the worker (its reduction
    # sent ahead), which imports numpy, the engine and the reduction while
    # this process loads the scenario, and is sent its work once the
    # scenario is loaded and the options checked, before this process
    # imports what follows the simulation (closed unused if the scenario
    # asks for more replications).
    may = not args.no_report and args.replications in (None, 1) and (args.jobs or default_jobs()) >= 2
    if ready is not None and not may:
        ready.close()
        ready = None
    try:
        s = load(args.scenario, args)
        seed = s.seed if args.seed is None else args.seed
        n = s.replications if args.replications is None else args.replications
        check_options(args, n, seed)
        out = Path(args.out) if args.out is not None else Path("results") / slug(s.name)
        jobs = args.jobs if args.jobs else default_jobs()
        # --what-if-plus-one simulates the scenario once more per role it tries.
        est = confirm(s, n, jobs, args.yes, args.csv,
                      points=1 + (WHAT_IF_ROLES if args.what_if_plus_one else 0))
        if n > 1:
            return_freed_memory()
        with staged(out, args.force, RUN_FILES, need=est.bytes) as work:
            try:
                if ready is not None and n == 1 and jobs >= 2 and not args.csv:
                    from sim.log import PARQUET

                    ready.begin(s, seed, ByName(*REDUCER), work / PARQUET, None, apart=jobs > n)
                summary, report = _run(args, s, seed, n, jobs, work, ready)
            finally:
                # A failed run's worker must not write into the staging
                # directory removed as this block ends.
                if ready is not None:
                    ready.close()
    finally:
        if ready is not None:
            ready.close()
    console = Console()
    report_run(console, summary, out, {rid: r.name_zh for rid, r in s.org.roles.items()})
    if report is None:
        console.print(f"report: not drawn (--no-report); draw it with: opsim report {out}",
                      markup=False, highlight=False)
        return 0
    if report.notice:
        Console(stderr=True).print(f"notice: {report.notice}", markup=False, highlight=False)
    console.print(f"report: {out / report.path.name}", markup=False, highlight=False)
    return 0


#: glibc's mallopt option for the size from which blocks are mapped on their own.
M_MMAP_THRESHOLD = -3


def return_freed_memory() -> None:
    """Have glibc map every block of 256 kB or more on its own, so that an
    array freed goes back to the system at once. By default glibc raises
    that threshold as large arrays are freed and then keeps their memory
    in its heap: after the replications were merged, 120 MB more stayed
    resident for the rest of a Double 11 run of 10 replications. Not for
    one replication: every large temporary then costs fresh pages (the
    reduction, the plots' numbers and the summary of Double 11 took 0.25 s
    more CPU: 4 times the page faults), and its memory is small anyway."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None).mallopt(M_MMAP_THRESHOLD, 1 << 18)


def settle() -> None:
    """Objects alive now (modules, the scenario, the merged view) live to
    the end of the run: the cyclic garbage collector stops scanning them.
    Its full passes over them took about 0.1 s of the parent's work after
    the replications (Double 11, -n 1); they are still freed when dropped."""
    gc.freeze()


#: The most replications a run takes (the scenario schema's own cap).
MAX_REPLICATIONS = 10_000


def check_options(args: argparse.Namespace, n: int, seed: int) -> None:
    """Every option that could fail late, refused before the simulation."""
    if not 1 <= n <= MAX_REPLICATIONS:
        raise RulesError([Problem("--replications", "", f"must be from 1 to {MAX_REPLICATIONS}, "
                                  f"got {n}")])
    check_seed(seed)
    if args.jobs < 0:
        raise RulesError([Problem("--jobs", "", f"must be >= 0 (0: up to 4 cores), got {args.jobs}")])


def _run(args: argparse.Namespace, s: Scenario, seed: int, n: int, jobs: int,
         out: Path, worker: Ready | None = None) -> tuple[dict, ReportResult | None]:
    """Simulate, summarise and write everything into ``out`` (the staging
    directory); the summary and the report's result (None with ``--no-report``).
    Each replication writes its records and is reduced where it ran; the
    parent holds the merged reductions, never the logs. With a core to
    spare, a drawer process draws the scenario's plots while the
    replications run and half of the run's plots while this process writes
    the summary and the files."""
    if worker is not None and worker.begun is not None:
        # The worker simulates already: the analysis' imports (numpy, 0.15 s)
        # at a lower priority, off the simulation's core (``aside``).
        from sim.runs.ahead import aside

        aside(_import_analysis)()
    # What the workers need, before they start; the rest is imported while they run.
    import sim.analysis.run_parts  # noqa: F401

    phases = ("summary", *(("what if +1",) if args.what_if_plus_one else ()), "files",
              *(() if args.no_report else ("report",)))
    formats = ("png", "svg") if args.svg else ("png",)
    drawer = None
    if not args.no_report:
        from sim.report.drawer import start_drawer  # light: no matplotlib

        # With a core to spare (n < jobs), the figures are built while the
        # replications run; else that would only take from the simulations.
        drawer = start_drawer(s, out / "plots", formats=formats, fork=jobs >= 2,
                              inherited=worker.fds() if worker is not None else (), ahead=n < jobs)

    ready: dict = {}

    def meanwhile() -> None:
        # While the replications run (in workers when jobs >= 2): the
        # imports of what comes after are paid, and the staffing of the
        # scenario (summary and staffing.csv) computed.
        import sim.analysis.summary
        import sim.report.output
        from sim.analysis.payroll import daily_staffing

        if drawer is not None:
            import sim.report.html  # noqa: F401
        ready["staffed"] = daily_staffing(s)
        settle()
        if drawer is not None and n < jobs:
            # The replications run elsewhere: the figures this process
            # may draw, built now (a quarter of each one's drawing).
            from sim.report.drawer import SHARED, prepare_plots
            from sim.report.plot_kit import Ahead, Context, style_of

            ready["ahead"] = Ahead()
            prepare_plots(Context(s, style_of(font=True)), ("window_compliance", *SHARED), ready["ahead"],
                          until=_worker_sent(worker))

    try:
        return _stages(args, s, seed, n, jobs, out, phases, formats, drawer, meanwhile, ready, worker)
    finally:
        if drawer is not None:
            drawer.close()  # a failed run's drawer must not write into the removed staging directory
            if "ahead" in ready:  # figures built ahead that no plot took (review 11b item 3)
                ready["ahead"].discard()


def _worker_sent(worker: Ready | None) -> Callable[[], bool]:
    """Whether the worker has sent its first part (or is gone): the figures
    built ahead stop then, since the run waits for this work to end (on a
    busy machine this lower-priority work may not be done by then)."""
    def sent() -> bool:
        if worker is None:
            return False
        try:
            return worker.closed or worker.recv.poll()
        except OSError:  # closed meanwhile
            return True
    return sent


def _import_analysis() -> None:
    import sim.analysis.run_parts  # noqa: F401


def _stages(args: argparse.Namespace, s: Scenario, seed: int, n: int, jobs: int, out: Path,
            phases: tuple[str, ...], formats: tuple[str, ...], drawer: Drawer | None,
            meanwhile: Callable[[], None], ready: dict, worker: Ready | None = None
            ) -> tuple[dict, ReportResult | None]:
    from sim.analysis.run_parts import for_report, run_view

    report = None
    early: dict = {}

    def ahead(first: RunView, waiting: Callable[[], bool]) -> None:
        # One replication in a worker: its staff rows come ahead of the
        # rest of its reduction, and the plots' numbers are made (and the
        # drawer draws) while the worker reduces the windows and the misses.
        # This process then waits for the worker: drawing here would slow
        # the reduction, which the summary waits for (the drawer's priority
        # is lower: it takes the core this process leaves).
        from sim.report.plot_numbers import plot_numbers, wait_numbers

        waits = wait_numbers(first)
        if drawer is not None:
            drawer.send_waits(waits)
        early["numbers"] = plot_numbers(s, first, waits)
        if drawer is not None:
            drawer.send(early["numbers"])
        # The summary's per-role numbers need the staff rows alone: made now
        # (kept with the staff view, which the merged view reuses), not
        # after the worker, when the summary is the run's critical path
        # (Double 11: 0.3 s, most of it the reserved slot-hours).
        from sim.analysis.kpis import role_reps

        role_reps(first.st)

    with RunProgress(s.name, n, phases) as progress:
        view, facts = run_view(s, seed, n, jobs, out, args.csv, progress.replication_done, meanwhile,
                               ahead if drawer is not None else None, worker)
        settle()
        from sim.analysis.compare import compare_aggregates
        from sim.analysis.summary import summary_of
        from sim.report.output import finish_run, run_aggregates
        from sim.report.plot_numbers import plot_numbers, wait_numbers

        # A run with a core to spare is small: the drawer gets the plots'
        # numbers before the summary is made, the waits' first (its first
        # plot starts on them). A longer run drops the windows' populations
        # first (its peak of memory would be here).
        numbers = early.get("numbers")
        if numbers is None and n < jobs:
            waits = wait_numbers(view)
            if drawer is not None:
                drawer.send_waits(waits)
            numbers = plot_numbers(s, view, waits)
            if drawer is not None:
                drawer.send(numbers)
        with progress.phase("summary"):
            facts["what_ifs"] = what_ifs(args)
            summary = summary_of(view, facts, ready.get("staffed"))
        if args.what_if_plus_one:
            with progress.phase("what if +1"):
                what_if(s, view, summary, seed, n, jobs)
        with progress.phase("files"):
            kept = compare_aggregates(view)
            view = for_report(view)  # the summary is made: its populations can go
            if numbers is None:
                numbers = plot_numbers(s, view)
                if drawer is not None:
                    drawer.send(numbers)
            finish_run(out, s, view, summary, run_aggregates(kept, numbers), ready.get("staffed"))
        del view
        if drawer is not None:
            with progress.phase("report"):
                from sim.report.html import write_report

                report = write_report(s, numbers, summary, out, formats=formats, jobs=jobs,
                                      drawn=[drawer], ahead=ready.get("ahead"))
    return summary, report


def what_if(s: Scenario, view: RunView, summary: dict, seed: int, n: int, jobs: int) -> None:
    """Adds ``what_if_plus_one`` to the summary: one more person in each of
    the roles that break the most window cases (the missed cases' longest
    wait), else in the top active-period bottlenecks."""
    from sim.analysis.ci import clean
    from sim.analysis.run_parts import run_view
    from sim.analysis.whatif import Staffed, what_if_plus_one
    from sim.analysis.window_report import window_breakers

    roles = [b["role"] for b in window_breakers(summary)][:WHAT_IF_ROLES]
    ranked = [b["role"] for b in summary.get("bottlenecks", {}).get("ranked", [])]
    roles += [r for r in ranked if r not in roles][:WHAT_IF_ROLES - len(roles)]

    def rerun(variant: Scenario) -> Staffed:
        v, _ = run_view(variant, seed, n, jobs)
        return v.st, v.windows
    summary["what_if_plus_one"] = clean(what_if_plus_one(s, (view.st, view.windows), roles, rerun))


def report_run(console: Console, summary: dict, out: Path, names: dict[str, str] | None = None) -> None:
    """The short report at the end of ``opsim run`` (``names``: Chinese names
    of the roles, shown beside the ids where the terminal can)."""
    facts = summary["run"]
    console.print(f"[bold]{escape(facts['scenario'])}[/]: {facts['replications']} replications, "
                  f"seed {facts['seed']}, {facts['records']} records in {facts['wall_seconds']} s")
    report_windows(console, summary, names)
    report_staffing(console, summary)
    if (lost := lost_sales_line(summary)) is not None:
        console.print(lost, markup=False, highlight=False)
    for line in slot_time_lines(summary):
        console.print(line, markup=False, highlight=False)
    report_cases(console, summary)
    report_bottlenecks(console, summary, names)
    console.print(f"results: {out}")
