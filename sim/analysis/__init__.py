"""Everything computed from an event log, apart from the engine."""
