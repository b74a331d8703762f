"""Where the wall time of one ``opsim run`` goes: a timeline of its phases in
every process (the parent, the simulation worker, the Parquet writer, the
drawer), from the moment the interpreter was started to the exit.

The run is the real ``opsim run`` (``sim.cli.main.main``) with the phases'
functions wrapped to note when each starts and ends, in whatever process
calls it (wrappers are inherited across ``fork``). Times are seconds since
this script was started by the shell (``T0`` in the environment when set,
e.g. ``T0=$(date +%s.%N)``, else the interpreter's own start), so the
interpreter's start-up shows too; the last line is the process's end as its
parent saw it. Beside each wall time, the CPU time the process has used so
far (a forked child starts with its parent's): on a loaded machine the CPU
seconds of a phase are what a quiet one would take, about.

Usage (from the repository root):

    .venv/bin/python benchmarks/run_timeline.py scenarios/double11.yaml -n 1 --out /tmp/t --force

Notes: the wrappers cost a little (a file append per call); the figures of
one run on a shared machine depend on the neighbours: read the structure
(what waits for what), and take times from ``whole_run.py``.
"""
from __future__ import annotations

import functools
import importlib
import importlib.abc
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: (module, function) pairs whose calls are noted, by phase.
PHASES = [
    ("sim.cli.options", "load"), ("sim.report.drawer", "start_drawer"),
    ("sim.runs.ahead", "start_ahead"),
    ("sim.runs.replication", "simulate"), ("sim.runs.runner", "_write_apart"),
    ("sim.log.files", "PartWriter.write"), ("sim.log.files", "PartWriter.close"),
    ("sim.runs.log_stream", "LogStream.close"), ("sim.runs.ahead", "reduced_ahead"),
    ("sim.runs.runner", "_one_reduced"), ("sim.analysis.run_parts", "run_view"),
    ("sim.runs.ahead", "send_ahead"), ("sim.runs.ahead", "_next_part"),
    ("sim.log.files", "write_part"), ("sim.analysis.run_parts", "reduce_part"),
    ("sim.analysis.run_parts", "first_view"),
    ("sim.analysis.run_parts", "merge"), ("sim.report.plot_numbers", "wait_numbers"),
    ("sim.report.plot_numbers", "plot_numbers"), ("sim.analysis.summary", "summary_of"),
    ("sim.analysis.compare", "compare_aggregates"), ("sim.report.output", "finish_run"),
    ("sim.report.plot_kit", "draw"), ("sim.report.html", "render_html"),
    ("sim.cli.run", "report_run"),
]

CHILD = r'''
import os, sys, time
sys.path.insert(0, os.environ["TIMELINE_DIR"])
import run_timeline
run_timeline.child(sys.argv[1:])
'''


def _note(log: Path, t0: float, what: str) -> None:
    with open(log, "a", encoding="utf-8") as f:
        f.write(f"{time.time() - t0:8.3f} {time.process_time():7.3f} {os.getpid():>7} {what}\n")


def _wrapped(f: Callable[..., Any], name: str, log: Path, t0: float) -> Callable[..., Any]:
    @functools.wraps(f)
    def g(*args: Any, **kwargs: Any) -> Any:
        _note(log, t0, f"> {name}")
        try:
            return f(*args, **kwargs)
        finally:
            _note(log, t0, f"< {name}")
    return g


def child(argv: list[str]) -> None:
    """In the timed process: wrap the phases as their modules load, run opsim."""
    log, t0 = Path(os.environ["TIMELINE_LOG"]), float(os.environ["T0"])
    _note(log, t0, "interpreter up")
    wanted: dict[str, list[str]] = {}
    for mod, fn in PHASES:
        wanted.setdefault(mod, []).append(fn)

    def wrap_module(module: Any) -> None:
        for fn in wanted.get(module.__name__, []):
            if "." in fn:  # a method: Class.name
                cls_name, method = fn.split(".")
                cls = getattr(module, cls_name, None)
                if cls is not None and hasattr(cls, method):
                    setattr(cls, method, _wrapped(getattr(cls, method), f"{module.__name__}.{fn}",
                                                  log, t0))
                continue
            f = getattr(module, fn, None)
            if f is None:  # an older checkout without this phase
                continue
            g = _wrapped(f, f"{module.__name__}.{fn}", log, t0)
            setattr(module, fn, g)
            for other in list(sys.modules.values()):  # names imported before the wrap
                d = getattr(other, "__dict__", None)
                if d is not None and d.get(fn) is f:
                    d[fn] = g

    class Hook(importlib.abc.MetaPathFinder):
        def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
            if name not in wanted:
                return None
            sys.meta_path.remove(self)
            try:
                spec = importlib.util.find_spec(name)
            finally:
                sys.meta_path.insert(0, self)
            run = spec.loader.exec_module

            def exec_module(module: Any) -> None:
                run(module)
                wrap_module(module)
            spec.loader.exec_module = exec_module
            return spec

    sys.meta_path.insert(0, Hook())
    from sim.cli.main import main
    _note(log, t0, "sim.cli.main imported")
    code = main(argv)
    _note(log, t0, "main returned")
    sys.stdout.flush()
    os._exit(code)  # as sim.cli.main.program does


def main() -> int:
    t0 = float(os.environ.get("T0", time.time()))
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "timeline.log"
        env = {**os.environ, "T0": repr(t0), "TIMELINE_LOG": str(log),
               "TIMELINE_DIR": str(Path(__file__).resolve().parent)}
        proc = subprocess.run([sys.executable, "-c", CHILD, "run", *sys.argv[1:]], env=env,
                              stdout=subprocess.DEVNULL)
        _note(log, t0, f"exited ({proc.returncode})")
        sys.stdout.write(log.read_text(encoding="utf-8"))
    return proc.returncode


if __name__ == "__main__":
    raise SystemExit(main())
