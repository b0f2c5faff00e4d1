"""Durations as people read a wait, with their real precision: the largest unit and the next one down,
"45 s", "12 min 05 s", "2 h 05 min", "3 d 04 h".

Django's `timesince`/`timeuntil` round to whole minutes ("0 minutes" for a 40-second wait) and drop
everything below the second unit's words; a scorecard's median, a verdict's wait on the triage page and a
lease's remaining time all need the seconds or minutes that are really there. The second unit is always
shown, zero-padded, so "2 h 00 min" reads as exact rather than rounded. Every page uses this one
function, through the `duration` template filter (reviews/templatetags/durations.py) or directly.
"""

from __future__ import annotations

import datetime as dt

NO_DURATION = "\u2014"

_MINUTE = 60
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR


def duration_text(value: float | dt.timedelta | None) -> str:
    """`value` (seconds, or a timedelta) as text; None -> an em dash. A negative duration (a clock a
    little ahead, a lease just ended) reads as "0 s": this says how long, never which way."""
    if value is None:
        return NO_DURATION
    seconds = value.total_seconds() if isinstance(value, dt.timedelta) else float(value)
    total = max(0, round(seconds))
    if total < _MINUTE:
        return f"{total} s"
    if total < _HOUR:
        minutes, rest = divmod(total, _MINUTE)
        return f"{minutes} min {rest:02d} s"
    if total < _DAY:
        hours, rest = divmod(total, _HOUR)
        return f"{hours} h {rest // _MINUTE:02d} min"
    days, rest = divmod(total, _DAY)
    return f"{days} d {rest // _HOUR:02d} h"
