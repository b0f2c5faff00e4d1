"""Durations with their real precision (reviews.durations), and the template filter every page uses."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template

from reviews.durations import duration_text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "\u2014"),
        (0, "0 s"),
        (0.4, "0 s"),
        (44.6, "45 s"),
        (59.4, "59 s"),
        (59.6, "1 min 00 s"),
        (60, "1 min 00 s"),
        (125, "2 min 05 s"),
        (3599, "59 min 59 s"),
        (3600, "1 h 00 min"),
        (7200, "2 h 00 min"),
        (7500, "2 h 05 min"),
        (7559, "2 h 05 min"),  # the seconds below the second unit are dropped, not rounded up
        (12_000, "3 h 20 min"),
        (86_399, "23 h 59 min"),
        (86_400, "1 d 00 h"),
        (187_200, "2 d 04 h"),
        (400 * 86_400 + 3 * 3600, "400 d 03 h"),
        (-30, "0 s"),
        (dt.timedelta(seconds=45), "45 s"),
        (dt.timedelta(days=1, hours=6, minutes=59), "1 d 06 h"),
        (dt.timedelta(minutes=-5), "0 s"),
    ],
)
def test_duration_text(value: float | dt.timedelta | None, text: str) -> None:
    assert duration_text(value) == text


def test_the_filter_reads_seconds_and_timedeltas() -> None:
    template = Template("{% load durations %}{{ a|duration }} | {{ b|duration }} | {{ c|duration }}")
    context = Context({"a": 45, "b": dt.timedelta(hours=2, minutes=5), "c": None})
    assert template.render(context) == "45 s | 2 h 05 min | \u2014"
