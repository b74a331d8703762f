"""Staff: pools of the members of a role, their line of waiting work, their tasks.

``pool`` assigns work to members on duty by priority and computes when it is
done from their shift intervals (``rules.shifts``); ``line`` is the waiting
line (one FIFO per priority level); ``task`` is what a pool queues and times;
``member`` is one person's on-duty intervals and the tasks in hand.
It may import ``rules``, ``sim.kernel`` and ``sim.log``; nothing in ``sim``
above it.
"""
