"""The staffing planner: the cheapest temporary staff by role, shift and day
that meets every service window's target, found by simulation and verified
on fresh seeds.

``decisions`` (the plan as people per role, shift and day, and its scenario
overrides), ``bound`` (the lower bound from the offered load), ``search``
(the iterative staffing stage, greedy additions and removals, with common
random numbers), ``planner`` (the three stages, the feasibility check and
the verification). May import ``rules`` and every ``sim`` layer up to
``sim.analysis``; reports and the command line sit above it.
"""
