"""Cases: workflows run step by step, each step recorded.

``steps`` compiles a workflow's steps once per replication (bound to their
staff pool and random stream); ``interpreter`` runs a case over them (a case
is a small state machine, not a process: see its docstring); ``routing``
decides where a case goes next (branches, milestones, scheduled moments);
``meetings`` runs the steps that gather several people (meetings, contests);
``rows`` builds the records a case writes. It may import ``rules``,
``sim.kernel``, ``sim.log``, ``sim.staff`` and ``sim.inputs``.
"""
