"""What a run will cost before it starts: time and disk, from the scenario.

A horizon of years or thousands of replications can mean hours of work and
gigabytes of events; such a run prints its estimate and goes ahead only
with ``--yes``, and one beyond ``CAP_SECONDS`` or ``CAP_BYTES`` is refused.
The estimate counts the cases the scenario starts (orders and chats by the
demand model, rate and calendar triggers, duties) and prices them at rates
measured on this project's scenarios (``tests/test_budget.py`` keeps them
within a factor of three of real runs).
"""
from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass

from rules.errors import Problem, RulesError
from rules.scenario import Scenario

#: Seconds of one process per case started (Double 11: 3.5 s of CPU for about
#: 81,000 cases a replication, log and summary included; more on a busy machine).
SECONDS_PER_CASE = 6e-5
#: Bytes of events.parquet per case (Double 11: 6.5 MB a replication of about
#: 81,000 cases since the three times sit side by side; mmc: 24 bytes a case).
BYTES_PER_CASE = 70
#: events.csv is about ten times the Parquet files.
CSV_FACTOR = 10.0
#: Fixed costs of a run: start-up, tables, plots and report (bytes: the
#: summary and tables; the plots and report add about 2 MB when drawn).
BASE_SECONDS = 3.0
BASE_BYTES = 50_000
#: Beyond these a run asks for --yes...
ASK_SECONDS = 15 * 60
ASK_BYTES = 2_000_000_000
ASK_DAYS = 2 * 366
ASK_REPLICATIONS = 1_000
#: ...and beyond these it is refused (narrow the horizon or the replications).
CAP_SECONDS = 3 * 24 * 3600
CAP_BYTES = 200_000_000_000
_PER_DAY = {"hour": 24.0, "day": 1.0, "week": 1 / 7, "month": 12 / 365}
_EVERY = {"day": 1.0, "week": 1 / 7, "month": 12 / 365, "quarter": 4 / 365, "year": 1 / 365}


@dataclass(frozen=True)
class Estimate:
    cases: float      # per replication
    seconds: float    # wall, on the given processes
    bytes: int        # written into the run directory

    def text(self) -> str:
        disk = f" and {size(self.bytes)} on disk" if self.bytes else ""
        return f"about {duration(self.seconds)}{disk}"


def cases_per_replication(s: Scenario) -> float:
    """Expected cases one replication starts."""
    days = s.horizon.days
    total = 0.0
    d = s.demand
    if d is not None:
        day0 = s.horizon.start
        weekday = sum(d.weekday_profile[(day0 + dt.timedelta(i)).weekday()] for i in range(days))
        end = s.horizon.end
        lift = sum(max(0.0, c.order_multiplier - 1) * ((min(c.end, end) - max(c.start, day0)).days + 1)
                   for c in d.campaigns.values() if c.start <= end and c.end >= day0)
        orders = d.orders_per_day * (weekday + lift)
        # Each order may bring a chat that did not convert and an after-sales case.
        chats_lost = orders * d.chat_share_of_orders * (1 / d.chat_conversion - 1)
        total += orders * (1 + d.return_rate) + chats_lost
    for wf in s.workflows.values():
        t = wf.trigger
        if not wf.enabled:
            continue
        if t.kind == "rate":
            total += t.mean * _PER_DAY[t.per] * days
        elif t.kind == "every" and t.every is not None:
            total += _EVERY[t.every] * days
    total += sum(_EVERY[duty.every] * days * s.org.headcount(duty.role) for duty in s.duties.values()
                 if duty.role in s.org.roles)
    return total


def estimate(s: Scenario, replications: int, jobs: int, csv: bool = False) -> Estimate:
    cases = cases_per_replication(s)
    work = cases * replications
    seconds = BASE_SECONDS + work * SECONDS_PER_CASE / max(1, min(jobs, replications))
    per_case = BYTES_PER_CASE * (1 + (CSV_FACTOR if csv else 0.0))
    return Estimate(cases, seconds, int(BASE_BYTES + work * per_case))


def confirm(s: Scenario, replications: int, jobs: int, yes: bool, csv: bool = False,
            points: int = 1, disk: bool = True) -> Estimate:
    """Refuse a run over the caps; refuse a long one without ``yes``. The
    estimate: ``points`` scenarios alike simulated, one written if ``disk``."""
    one = estimate(s, replications, jobs, csv)
    est = Estimate(one.cases, BASE_SECONDS + (one.seconds - BASE_SECONDS) * points,
                   one.bytes if disk else 0)
    scale = (f"{s.horizon.days} days x {replications} replications"
             + (f" x {points} points" if points > 1 else "") + f", about {_count(one.cases)} cases each")
    if est.seconds > CAP_SECONDS or est.bytes > CAP_BYTES:
        raise RulesError([Problem("run", "", (
            f"too long a job: {est.text()} ({scale}); the limit is {duration(CAP_SECONDS)} and "
            f"{size(CAP_BYTES)}; shorten the horizon or use fewer replications"))])
    long = (est.seconds > ASK_SECONDS or est.bytes > ASK_BYTES or s.horizon.days > ASK_DAYS
            or replications >= ASK_REPLICATIONS)
    if long and not yes:
        raise RulesError([Problem("--yes", "", (
            f"a long job: {est.text()} ({scale}); run it again with --yes to go ahead"))])
    if long:
        print(f"notice: a long job: {est.text()} ({scale})", file=sys.stderr)
    return est


def duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def size(n: float) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n:.0f} bytes"


def _count(n: float) -> str:
    return f"{n / 1e6:.1f} million" if n >= 1e6 else f"{n:,.0f}"
