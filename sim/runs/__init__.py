"""Runs: one replication of a scenario, and many on several processes.

``replication`` builds the center (pools, demand, planned work, duties) and
runs it into an event log (:func:`~sim.runs.replication.simulate`);
``runner`` runs replications in parallel and gathers their logs
(:func:`~sim.runs.runner.run`). It may import every engine package below it
(``rules``, ``kernel``, ``log``, ``staff``, ``inputs``, ``cases``), never the
analysis.
"""
