"""The event kernel: everything that touches SimPy's internals, and nothing else.

Lean events (``events``: a SimPy-compatible event in one slotted object,
timeouts and zero-delay wake-ups without a process per wait, generators
driven without a ``Process``), long waits parked outside SimPy's heap
(``long_waits``) and the environment a replication runs in, its clock a
plain attribute (``clock``). This is the only package that may read or write SimPy's
private fields (``_value``, ``_ok``, ``Environment.schedule``, ``simpy.core``,
``simpy.events``); ``tests/test_layout.py`` fails if any other module does.
It imports nothing from ``rules`` or from the rest of ``sim``. SimPy is
pinned to ``>=4.1,<5`` in ``pyproject.toml`` because of it.
"""
