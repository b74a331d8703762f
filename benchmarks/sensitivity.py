"""What the baseline's answer rests on: a one-at-a-time sensitivity study.

Each assumed input of the customer-service model is set, alone, to a low
and a high plausible value (parameters.md ranges, or stated as assumed in
``INPUTS``), and every point is evaluated with the scenario's seed and the
same replications (common random numbers, ``sim.evaluate_all``): the
differences between rows come from the input, not the noise. The outputs
are those a manager reads: the chat window, refusals back within 72 h,
shipping on time, lost sales, customer service's utilisation and the share
of its slot-time held idle by claims, and the role whose queue the missed
cases waited for longest (the top bottleneck).

    python benchmarks/sensitivity.py                      # baseline, 5 replications
    python benchmarks/sensitivity.py --scenario scenarios/double11.yaml -n 3 --peak
    python benchmarks/sensitivity.py --headcount 4..9 -n 3 --inputs release_time,chat_duration

``--headcount LO..HI`` adds, for each chosen input's ends (and the scenario
as it is), a sweep of customer service's headcount, and prints the chat
window at each: how many agents an 80% window needs at each end.

Replications are kept in ``--cache`` (default ``results/sensitivity.cache``),
so a second run with the same inputs reads them back. Prints Markdown.
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass

from rules.loader import load_scenario
from sim.analysis.evaluation import evaluate_all
from sim.runs.cache import PointCache
from sim.runs.runner import default_jobs

CS = "customer_service"
PO = "workflows.presales_order.steps"
CHATS = (f"{PO}[0].actions.chat_order[0]", f"{PO}[0].actions.chat_only[0]")
REGISTERS = ("duties.customer_service_daily_registers",
             "duties.customer_service_daily_registers_late_shift")


@dataclass(frozen=True)
class Input:
    key: str
    label: str
    as_is: str
    #: (label, --set items) per alternative value.
    values: tuple[tuple[str, tuple[str, ...]], ...]
    source: str


def _both(paths: tuple[str, ...], field: str, value: str) -> tuple[str, ...]:
    return tuple(f"{p}.{field}={value}" for p in paths)


INPUTS: tuple[Input, ...] = (
    Input("release_time", "order release, time per order", "15 s-1.5 min (mean 45 s)",
          (("ERP batch, 1-6 s", (f"{PO}[3].duration={{low: 0.02, mode: 0.05, high: 0.1}}",)),
           ("0.5-2 min (mean 70 s)", (f"{PO}[3].duration={{low: 0.5, mode: 1, high: 2}}",))),
          "assumed (no source); an ERP's batch release takes seconds for a list of orders"),
    Input("release_priority", "order release, priority", "1 (beside chats)",
          (("2 (behind chats)", (f"{PO}[3].priority=2",)),),
          "assumed: the 72 h shipping deadline leaves hours for a release"),
    Input("concurrency", "chats at once per agent", "5",
          (("3", (f"org.roles.{CS}.concurrency=3",)),
           ("8", (f"org.roles.{CS}.concurrency=8",))),
          "parameters.md: 5 normal, 3-60 (B); 8 assumed (Double 11's deposit period)"),
    Input("bot_share", "chats the bot (店小蜜) answers", "0",
          (("30%", ("demand.bot_share=0.3",)), ("60%", ("demand.bot_share=0.6",))),
          "assumed: Double 11 uses 30%; vendor pages claim up to 75% of routine questions (C)"),
    Input("chat_duration", "chat length (elapsed, while juggling)", "5-12-30 min (mean 15.7)",
          (("4-10-26 (mean 13.3)", _both(CHATS, "duration", "{low: 4, mode: 10, high: 26}")),
           ("8-19-48 (mean 25)", _both(CHATS, "duration", "{low: 8, mode: 19, high: 48}"))),
          "parameters.md: ~180 chats an agent-day (B) gives 13.3 min at 5 at once; "
          "4-6 min of attention (B-/C) gives 25 min at 5 at once"),
    Input("patience", "customer patience (on-duty minutes)", "mean 30, sd 30",
          (("mean 10", _both(CHATS, "patience", "{mean: 10, sd: 10}")),
           ("mean 60", _both(CHATS, "patience", "{mean: 60, sd: 60}"))),
          "assumed, 5-60 min (rules/workflows.yaml)"),
    Input("roster", "customer service roster", "6 on / 1 off",
          (("5 on / 2 off", (f"calendars.rosters.{CS}=[{{shift: cs_early, members: 2, days_on: 5, "
                             f"days_off: 2}}, {{shift: cs_late, members: 2, days_on: 5, days_off: 2}}]",)),
           ("no rest days", (f"calendars.rosters.{CS}=[{{shift: cs_early, members: 2}}, "
                             f"{{shift: cs_late, members: 2}}]",))),
          "assumed (job-ad pattern 做六休一); a five-day week or every day"),
    Input("claim_after", "claim_after_hours", "0.5",
          (("0 (clear for each task)", (f"org.roles.{CS}.claim_after_hours=0",)),
           ("1", (f"org.roles.{CS}.claim_after_hours=1",))),
          "assumed"),
    Input("interleave", "interleave_up_to_minutes", "3",
          (("0 (no interleaving)", (f"org.roles.{CS}.interleave_up_to_minutes=0",)),
           ("5", (f"org.roles.{CS}.interleave_up_to_minutes=5",))),
          "assumed"),
    Input("registers", "end-of-shift registers", "10-15-25 min",
          (("5-8-12 min", _both(REGISTERS, "duration", "{low: 5, mode: 8, high: 12}")),
           ("20-30-50 min", _both(REGISTERS, "duration", "{low: 20, mode: 30, high: 50}"))),
          "assumed (the source names the sheets only)"),
    Input("chat_share", "orders that involve a chat (chat volume)", "50%",
          (("30%", ("demand.chat_share_of_orders=0.3",)),
           ("70%", ("demand.chat_share_of_orders=0.7",))),
          "parameters.md: 30-70% (C)"),
    Input("conversion", "chats that end in an order", "40%",
          (("20%", ("demand.chat_conversion=0.2",)), ("60%", ("demand.chat_conversion=0.6",))),
          "parameters.md: 20-60% (C); fewer orders a chat = more chats for the same orders"),
    Input("review_share", "orders whose review customer service follows up", "10%",
          (("5%", ("demand.review_followup_share=0.05",)),
           ("20%", ("demand.review_followup_share=0.2",))),
          "assumed"),
)

_PROMOTION = "{start: 2026-10-21, end: 2026-11-13, value: %s}"
_CONC = ("[{role: customer_service, start: 2026-10-21, end: 2026-10-31, value: %d}, "
         "{role: customer_service, start: 2026-11-01, end: 2026-11-10, value: %d}, "
         "{role: customer_service, start: 2026-11-11, end: 2026-11-11, value: %d}, "
         "{role: customer_service, start: 2026-11-12, end: 2026-11-13, value: %d}]")

#: Double 11's own readings of the promotion (its ``bot_share_periods`` and
#: ``calendars.concurrency`` replace the baseline's values in those days).
PEAK_INPUTS: tuple[Input, ...] = (
    Input("peak_bot_share", "bot share in the promotion", "30% (21 Oct-13 Nov)",
          (("0", (f"demand.bot_share_periods=[{_PROMOTION % 0}]",)),
           ("60%", (f"demand.bot_share_periods=[{_PROMOTION % 0.6}]",))),
          "assumed 30% in scenarios/double11.yaml; vendor pages up to 75% (C)"),
    Input("peak_concurrency", "chats at once in the promotion", "8 / 10 / 20 at the peak / 10",
          (("5 throughout", (f"calendars.concurrency={_CONC % (5, 5, 5, 5)}",)),
           ("10 / 15 / 30 / 15", (f"calendars.concurrency={_CONC % (10, 15, 30, 15)}",))),
          "parameters.md: 20+ at peak, 3-60 (B); the steps between assumed"),
)

#: The inputs that matter at the peak (``--peak``, for Double 11).
PEAK = ("release_time", "release_priority", "peak_bot_share", "peak_concurrency",
        "chat_duration", "patience")


def _window(r: dict, wid: str) -> tuple[float, float, float]:
    w = r["service_windows"].get(wid, {})
    lo, hi = w.get("met_ci95") or (None, None)
    return w.get("met", float("nan")), lo if lo is not None else float("nan"), \
        hi if hi is not None else float("nan")


def _bottleneck(r: dict) -> str:
    """The role the missed cases of every window waited for longest."""
    hours: dict[str, float] = {}
    for by_role in r["workload"]["window_waits"].values():
        for role, days in by_role.items():
            hours[role] = hours.get(role, 0.0) + sum(days)
    if not hours or max(hours.values()) <= 0:
        return "-"
    top = max(hours, key=lambda k: hours[k])
    return f"{top} ({hours[top] / max(sum(hours.values()), 1e-9):.0%})"


def row(label: str, value: str, r: dict, base: dict | None) -> dict:
    chat, chat_lo, chat_hi = _window(r, "chat_first_reply_3min")
    refused = _window(r, "refused_item_back_72h")[0]
    ship = _window(r, "ship_within_deadline_72h")[0]
    cs = r["roles"][CS]
    lost = r["lost_sales"].get("value_lost", 0.0)
    out = {"input": label, "value": value, "chat": chat, "chat_ci": (chat_lo, chat_hi),
           "refused": refused, "ship": ship, "lost": lost,
           "chats_lost": r["lost_sales"].get("chats_lost", 0.0),
           "util": cs["utilization"], "reserved": cs.get("reserved_share", 0.0),
           "bottleneck": _bottleneck(r)}
    if base is not None:
        out["d_chat"] = chat - base["chat"]
        out["d_lost"] = lost - base["lost"]
    return out


def table(rows: list[dict]) -> str:
    lines = ["| input | value | chats within 3 min [95% CI] | Δ pts | refused back 72h | "
             "shipped 72h | lost sales CNY (chats) | Δ CNY | CS busy + reserved | top bottleneck |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for x in rows:
        lo, hi = x["chat_ci"]
        d_chat = f"{100 * x['d_chat']:+.1f}" if "d_chat" in x else ""
        d_lost = f"{x['d_lost']:+,.0f}" if "d_lost" in x else ""
        lines.append(
            f"| {x['input']} | {x['value']} | {100 * x['chat']:.1f} [{100 * lo:.1f}-{100 * hi:.1f}] "
            f"| {d_chat} | {100 * x['refused']:.1f} | {100 * x['ship']:.1f} | "
            f"{x['lost']:,.0f} ({x['chats_lost']:,.0f}) | {d_lost} | "
            f"{100 * x['util']:.0f}% + {100 * x['reserved']:.1f}% | {x['bottleneck']} |")
    return "\n".join(lines)


def ranking(rows: list[dict]) -> str:
    by: dict[str, list[dict]] = {}
    for x in rows:
        if "d_chat" in x:
            by.setdefault(x["input"], []).append(x)
    ranked = sorted(by.items(), key=lambda kv: -max(abs(x["d_chat"]) for x in kv[1]))
    lines = ["| rank | input | chat window range (pts) | lost sales range (CNY) |", "|---|---|---|---|"]
    for i, (label, xs) in enumerate(ranked, 1):
        chats = sorted(x["d_chat"] for x in xs)
        losts = sorted(x["d_lost"] for x in xs)
        lines.append(f"| {i} | {label} | {100 * chats[0]:+.1f} .. {100 * chats[-1]:+.1f} | "
                     f"{losts[0]:+,.0f} .. {losts[-1]:+,.0f} |")
    return "\n".join(lines)


def _range(text: str) -> list[int]:
    """``LO..HI`` (or one number): the headcounts from LO to HI. Raises
    ValueError naming the problem (a bound not a whole number, below 1,
    or HI below LO: an empty range)."""
    lo_text, _, hi_text = text.partition("..")
    try:
        lo, hi = int(lo_text), int(hi_text or lo_text)
    except ValueError:
        raise ValueError(f"'{text}' is not LO..HI with whole numbers, e.g. 5..10") from None
    if lo < 1:
        raise ValueError(f"'{text}' starts below 1 agent")
    if hi < lo:
        raise ValueError(f"'{text}' is an empty range ({hi} is below {lo})")
    return list(range(lo, hi + 1))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--scenario", default="scenarios/baseline.yaml")
    ap.add_argument("-n", "--replications", type=int, default=5)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--jobs", "-j", type=int, default=None)
    ap.add_argument("--inputs", default="", help="comma-separated keys (default: all)")
    ap.add_argument("--peak", action="store_true", help="only the inputs that matter at the peak")
    ap.add_argument("--headcount", default="", help="LO..HI: customer service headcounts at each end")
    ap.add_argument("--cache", default="results/sensitivity.cache")
    args = ap.parse_args(argv)
    try:
        heads: list[int | None] = list(_range(args.headcount)) if args.headcount else [None]
    except ValueError as e:
        ap.error(f"--headcount: {e}")
    keys = [k for k in args.inputs.split(",") if k] or (list(PEAK) if args.peak
                                                        else [i.key for i in INPUTS])
    known = INPUTS + PEAK_INPUTS
    unknown = set(keys) - {i.key for i in known}
    if unknown:
        ap.error(f"unknown inputs {sorted(unknown)}; known: {[i.key for i in known]}")
    chosen = [i for i in known if i.key in keys]
    points: list[tuple[str, str, int | None, tuple[str, ...]]] = []
    for h in heads:
        hset = (f"org.roles.{CS}.headcount={h}",) if h is not None else ()
        points.append(("as is", "", h, hset))
        for inp in chosen:
            for label, sets in inp.values:
                points.append((inp.label, label, h, hset + sets))
    scenarios = [load_scenario(args.scenario, list(sets)) for *_, sets in points]
    seed = scenarios[0].seed if args.seed is None else args.seed
    jobs = args.jobs or default_jobs()
    t0 = time.perf_counter()
    results = evaluate_all(scenarios, args.replications, seed, jobs, cache=PointCache(args.cache))
    wall = time.perf_counter() - t0
    out = sys.stdout
    out.write(f"{scenarios[0].name}: seed {seed}, {args.replications} replications, "
              f"{len(points)} points, {wall:.0f} s wall, jobs {jobs}\n\n")
    for h in heads:
        mine = [(p, r) for p, r in zip(points, results) if p[2] == h]
        base = row("as is", "", mine[0][1], None)
        rows = [base] + [row(p[0], p[1], r, base) for p, r in mine[1:]]
        if h is not None:
            out.write(f"customer service headcount {h}\n\n")
        out.write(table(rows) + "\n\n")
        if len(rows) > 1 and h is None:
            out.write(ranking(rows) + "\n\n")
    if args.headcount:
        out.write("chats within 3 min by customer service headcount\n\n")
        labels = list(dict.fromkeys((p[0], p[1]) for p in points))
        out.write("| input | value | " + " | ".join(str(h) for h in heads) + " |\n")
        out.write("|---|---|" + "---|" * len(heads) + "\n")
        for lab in labels:
            cells = [f"{100 * r['service_windows']['chat_first_reply_3min']['met']:.1f}"
                     for p, r in zip(points, results) if (p[0], p[1]) == lab]
            out.write(f"| {lab[0]} | {lab[1]} | " + " | ".join(cells) + " |\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
