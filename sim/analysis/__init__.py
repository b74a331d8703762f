"""Everything computed from an event log, apart from the engine.

Service windows, role and workflow KPIs, bottlenecks, what-ifs and
comparisons are computed from an :class:`~sim.log.records.EventLog` and the
scenario only, so a saved run can be re-analysed without re-simulating.
:func:`summarize` turns a log into ``summary.json``'s content. It may import
``rules``, ``sim.log`` and ``sim.runs`` (to re-run variants), nothing that
draws or prints.
"""
from sim.analysis.summary import summarize

__all__ = ["summarize"]
