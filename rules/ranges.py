"""The range of every number in the rules and scenarios, in one place.

Each bound is finite and generous (ten times or more what the shop needs),
but small enough that no value can overflow the engine, fill the memory or
make a run that would never end: ``headcount: 100000000000000000000``
passed the schema and crashed the run. A bound is stated in the message
that refuses a value (``Input should be less than or equal to 1000``).

Numbers are strict: an integer field takes an integer (not ``5.0``, not
``"5"``), a real one an integer or a real, and neither takes a YAML 1.1
boolean (``yes``, ``on``, ``true``), which a careless file would otherwise
turn into 1. Infinite and NaN values are refused by every model's config.
"""
from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictFloat, StrictInt

#: People in one role, members in a roster group, an override, a meeting.
MAX_PEOPLE = 1_000
#: Tasks one member works on at once (customer service: 5 chats).
MAX_CONCURRENCY = 50
#: Projects the operations staff run at once.
MAX_PROJECTS = 1_000
#: Priorities run from -MAX_PRIORITY (soonest) to MAX_PRIORITY.
MAX_PRIORITY = 100
#: A root seed: a 32-bit unsigned integer, as most tools take.
MAX_SEED = 2**32 - 1
#: Replications of one run.
MAX_REPLICATIONS = 10_000
#: Days a horizon may span (ten years; a long one asks for ``--yes``).
MAX_HORIZON_DAYS = 3_653
#: Orders a day (the Double 11 scenario has a few hundred on a normal day).
MAX_ORDERS_PER_DAY = 1_000_000
#: A campaign's multiplier of orders or chats, a weekday's multiplier.
MAX_MULTIPLIER = 1_000.0
#: A relative hour weight (they are normalised; counts of orders are fine).
MAX_WEIGHT = 1_000_000.0
#: Days before or after a campaign, days of lead time.
MAX_LEAD_DAYS = 366.0
#: Cases per hour, day, week or month of a ``rate`` trigger.
MAX_RATE = 1_000_000.0
#: A parameter of a duration, in its unit (100,000 minutes is 69 days,
#: 100,000 days 274 years: the horizon ends first).
MAX_DURATION = 100_000.0
#: Values of an empirical duration.
MAX_VALUES = 10_000
#: A service window's limit in its unit (hours or days): a year in hours.
MAX_LIMIT = 8_760.0
#: Items in one batch of planned work (new arrivals of a photo shoot).
MAX_ITEMS = 1_000
#: A workflow's position in the source's list.
MAX_NUMBER = 1_000
#: Days on or off in a roster's rotation (a year at most).
MAX_ROSTER_DAYS = 366
#: Hours a duty held together waits for a busy attendee (a working day at most).
MAX_GRACE_HOURS = 24.0
#: Minutes of backend work a member holding conversations does between
#: their messages (an hour beside paused chats is no longer interleaving).
MAX_INTERLEAVE_MINUTES = 60.0
#: A price in the costs (CNY a day or an hour).
MAX_PRICE = 1_000_000.0
#: The years a calendar may list holidays for.
YEARS = (1990, 2200)

#: A count of people (0 allowed: a role nobody fills).
People = Annotated[StrictInt, Field(ge=0, le=MAX_PEOPLE)]
#: A count of people that must be at least one.
SomePeople = Annotated[StrictInt, Field(ge=1, le=MAX_PEOPLE)]
Priority = Annotated[StrictInt, Field(ge=-MAX_PRIORITY, le=MAX_PRIORITY)]
Share = Annotated[StrictFloat, Field(ge=0, le=1)]
Multiplier = Annotated[StrictFloat, Field(ge=0, le=MAX_MULTIPLIER)]
Weight = Annotated[StrictFloat, Field(ge=0, le=MAX_WEIGHT)]
Days = Annotated[StrictFloat, Field(ge=0, le=MAX_LEAD_DAYS)]
Amount = Annotated[StrictFloat, Field(ge=0, le=MAX_DURATION)]
Price = Annotated[StrictFloat, Field(ge=0, le=MAX_PRICE)]
#: Tasks one member works on at once, where a date range sets it.
Concurrency = Annotated[StrictInt, Field(ge=1, le=MAX_CONCURRENCY)]
#: Days of a roster's rotation: worked in a row, or rest days after them.
RosterDays = Annotated[StrictInt, Field(ge=1, le=MAX_ROSTER_DAYS)]
RestDays = Annotated[StrictInt, Field(ge=0, le=MAX_ROSTER_DAYS)]
Year = Annotated[int, Field(ge=YEARS[0], le=YEARS[1])]
