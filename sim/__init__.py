"""opsim's engine: a scenario in, an event log out."""
