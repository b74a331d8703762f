"""Pieces of the small scenario documents tests build by hand."""
from __future__ import annotations


def always_calendars() -> dict:
    """No holidays and one shift round the clock every day, the roster
    ``always`` working it: staff always on duty, so a test sees its queue."""
    every_day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    return {"holidays": {"source": "listed"},
            "shifts": {"always": {"start": "00:00", "end": "24:00", "holidays_off": False,
                                  "weekdays": every_day}},
            "rosters": {"always": [{"shift": "always"}]}}
