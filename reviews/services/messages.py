"""The Celery tasks the services send, by their stable names.

`reviews/tasks.py` imports the services inside each task's body; the services look the tasks up here by
name in the Celery app's registry instead of importing that module, so neither imports the other
(tests/test_import_cycles.py). The registry holds the project's tasks from Django's start on: the
reviews app's `ready()` imports `reviews.tasks`.
"""

from __future__ import annotations

from typing import Any, cast

from celery import current_app
from celery.contrib.django.task import DjangoTask

ARTICLE_EXTRACT = "reviews.article_extract"
SCORECARD_BUILD = "reviews.scorecard_build"
SCORECARDS_BUILD_CHUNK = "reviews.scorecards_build_chunk"
PUBLISHED_CACHE_BUILD = "reviews.published_cache_build"
ARTICLE_MATCH = "reviews.article_match"
WEBHOOK_DELIVER = "reviews.webhook_deliver"
NOTIFICATION_SEND = "reviews.notification_send"
FEED_POLL = "reviews.feed_poll"
# A feed poll's hard time limit (its soft one is a minute less); the feed's lease outlasts it.
FEED_POLL_TIME_LIMIT = 900
EXPORT_RUN = "reviews.export_run"


def task_named(name: str) -> DjangoTask[Any, Any]:
    """The task registered under `name` (one of the names above). Celery makes the tasks of a Django
    project DjangoTasks (`delay_on_commit`)."""
    return cast(DjangoTask[Any, Any], current_app.tasks[name])
