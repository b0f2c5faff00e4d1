"""`{{ seconds_or_timedelta|duration }}`: the one way pages show a duration (reviews.durations)."""

from __future__ import annotations

import datetime as dt

from django import template

from reviews.durations import duration_text

register = template.Library()


@register.filter
def duration(value: float | dt.timedelta | None) -> str:
    return duration_text(value)
