"""What a run leaves for people: the run directory, its tables, plots and HTML report.

``output`` writes the run directory, ``tables`` the CSV tables, ``plots``
the matplotlib figures and ``html`` the self-contained ``report.html``. It
may import everything below it (rules, the log, runs, analysis, views'
style), never the command line.
"""
