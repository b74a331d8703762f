"""``opsim show [SCENARIO]``: the org chart and the workflows, as text or JSON,
and as diagrams with ``--diagram DIR``."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rules.loader import load_scenario
from sim.cli.options import add_confinement, outside
from sim.views.show import show_json, show_text


def add_parser(sub: argparse._SubParsersAction, default_scenario: str) -> None:
    p = sub.add_parser("show", help="print the org chart and the workflows; draw them with --diagram")
    p.add_argument("scenario", nargs="?", default=default_scenario)
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--diagram", metavar="DIR",
                   help="write the org chart and swimlane diagrams (PNG, SVG) here")
    add_confinement(p)


def cmd_show(args: argparse.Namespace) -> int:
    s = load_scenario(args.scenario, allow_outside=outside(args))
    print(show_json(s) if args.format == "json" else show_text(s))
    if args.diagram is not None:
        # Imported on use: matplotlib adds about half a second to every command.
        from sim.views import diagrams

        result = diagrams.write_diagrams(s, Path(args.diagram))
        if result.notice:
            print(f"notice: {result.notice}", file=sys.stderr)
        print(f"wrote {len(result.files)} files to {args.diagram}", file=sys.stderr)
    return 0
