"""Source thresholds under concurrency, on PostgreSQL with real threads: editors setting the same new
source at once leave one row, every change audited in the order it was made."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth.models import User
from django.db import connection

from reviews.models import EventAction, ReviewEvent, SourceThreshold
from reviews.services.thresholds import source_threshold_set

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RUNS = 4


def test_editors_setting_one_new_source_at_once_leave_one_row_and_an_ordered_history(editor: User) -> None:
    barrier = threading.Barrier(RUNS)

    def run(value: float) -> int:
        try:
            barrier.wait()
            return source_threshold_set(host="www.example.com", threshold=value, editor=editor).pk
        finally:
            connection.close()

    values = [0.2, 0.4, 0.6, 0.8]
    with ThreadPoolExecutor(max_workers=RUNS) as pool:
        ids = list(pool.map(run, values))

    row = SourceThreshold.objects.get()
    assert set(ids) == {row.pk}
    events = list(ReviewEvent.objects.filter(action=EventAction.SOURCE_THRESHOLD_SET).order_by("pk"))
    assert sorted(e.data["threshold"] for e in events) == values
    # Serialised by the row lock: each change saw the one before it, and the last one stands.
    assert [e.data["previous"] for e in events] == [None, *(e.data["threshold"] for e in events[:-1])]
    assert row.threshold == events[-1].data["threshold"]
