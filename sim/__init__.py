"""opsim's engine: a scenario in, an event log out."""
from sim.model import simulate
from sim.records import COLUMNS, EventLog, Record
from sim.runner import load_run, run, write_run

__all__ = ["COLUMNS", "EventLog", "Record", "load_run", "run", "simulate", "write_run"]
