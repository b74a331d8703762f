"""The ``opsim`` command: one module per command, the only place that prints.

``main`` parses the arguments and turns a :class:`rules.RulesError` into one
line per problem and exit status 2; ``check``, ``show``, ``run``,
``compare`` and ``report`` are the commands; ``tables`` holds the terminal
tables ``opsim run`` prints and ``progress`` what it shows while it works.
It may import every other package.
"""
from sim.cli.main import main

__all__ = ["main"]
