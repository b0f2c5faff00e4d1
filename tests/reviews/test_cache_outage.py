"""reviews/cache_outage.py: with the shared cache (Redis) down, the API answers as usual from the database
(reads, the reviewers' queue, editors' actions), and each process logs the outage once, not per request."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.contrib.auth.models import Group

from reviews.cache_outage import cache_outage
from reviews.models import ReviewTask, VerdictStatus
from tests.factories import ClaimFactory, ReviewTaskFactory, UserFactory
from tests.reviews.api.public_data import consumer_user, make_verdict, token_client
from tests.reviews.private_redis import private_redis

pytestmark = pytest.mark.django_db

CITATION = {"url": "https://stats.example/series", "title": "Series"}


def _outage_messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "reviews.cache_outage"]


@pytest.fixture
def outage_state() -> Any:
    cache_outage.down = False
    yield cache_outage
    cache_outage.down = False


def test_with_redis_down_the_api_answers_from_the_database(
    settings: Any,
    editor: Any,
    outage_state: Any,
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: Any,
) -> None:
    caplog.set_level(logging.INFO, logger="reviews.cache_outage")
    published = make_verdict()
    submitted = make_verdict(status=VerdictStatus.SUBMITTED)
    reviewer = UserFactory.create(username="rev-outage")
    reviewer.groups.add(Group.objects.get(name="Reviewers"))
    ReviewTaskFactory.create(claim=ClaimFactory.create())
    reads = [
        f"/api/v1/verdicts/{published.pk}/",
        f"/api/v1/verdicts/{published.pk}/claimreview",
        "/api/v1/verdicts/",
        "/api/v1/claimreview/",
    ]
    with private_redis() as redis:
        settings.CACHES = {
            "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis.url}
        }
        settings.FACTCHECK_PUBLISHED_CACHE = True
        anonymous, consumer = token_client(None), token_client(consumer_user())
        before = {url: anonymous.get(url).content for url in reads}  # answered, and now cached
        redis.stop()

        for client in (anonymous, consumer):
            for url in reads:
                response = client.get(url)
                assert response.status_code == 200, (url, response.content)
                assert response.content == before[url]
        queue = token_client(reviewer)
        leased = queue.post("/api/v1/queue/next")
        assert leased.status_code == 200, leased.content
        task = leased.json()
        submit = queue.post(
            f"/api/v1/tasks/{task['id']}/submit",
            {
                "lease_token": task["lease_token"],
                "rating": "false",
                "summary": "No.",
                "citations": [CITATION],
            },
            format="json",
        )
        assert submit.status_code == 201, submit.content
        with django_capture_on_commit_callbacks(execute=True):
            publish = token_client(editor).post(f"/api/v1/verdicts/{submitted.pk}/publish")
        assert publish.status_code == 200, publish.content
        assert anonymous.get(f"/api/v1/verdicts/{submitted.pk}/").json()["status"] == "published"
        assert ReviewTask.objects.get(pk=task["id"]).status == "submitted"

        assert [m.startswith("The cache is unreachable") for m in _outage_messages(caplog)] == [True]
        redis.start()
        assert anonymous.get(reads[0]).status_code == 200
    assert _outage_messages(caplog)[1:] == [
        "The cache answers again: rate limits and the published cache are back in use."
    ]
