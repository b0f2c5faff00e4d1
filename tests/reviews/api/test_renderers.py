"""reviews/api/renderers.py's JSONRenderer, the API's one JSON renderer: no answer carries a
bidirectional control character, whatever rows stored before ingest and validation kept them hold."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from reviews.models import RatingLabel
from reviews.payloads import json_without_bidi_controls
from reviews.services.scorecards import scorecard_build
from tests.factories import ArticleFactory, ClaimFactory
from tests.reviews.api.public_data import consumer_user, make_verdict, token_client

pytestmark = pytest.mark.django_db

BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
ALL_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def test_the_json_filter_removes_every_bidirectional_control_and_nothing_else() -> None:
    text = f'{{"a": "x{ALL_BIDI}y \u00e9\u4e2d\U0001f600"}}'
    assert json_without_bidi_controls(text.encode()) == '{"a": "xy \u00e9\u4e2d\U0001f600"}'.encode()
    plain = b'{"a": "plain"}'
    assert json_without_bidi_controls(plain) is plain


@pytest.fixture
def stored_with_bidi() -> Any:
    """Rows as they were stored before ingest removed and validation refused bidirectional controls."""
    RatingLabel.objects.filter(slug="false").update(
        name="Fal\u202ese", alternate_name="Not \u2067true\u2069", description="\u202eeurt\u202c"
    )
    article = ArticleFactory.create(title="Dam \u202eeslaf\u202c report", author="A \u2067B\u2069")
    verdict = make_verdict(
        claim=ClaimFactory.create(article=article, text="The dam is \u202eeslaf si siht\u202c safe."),
        summary="It is \u202eeurt\u202c.",
        rationale="Because \u200fso\u200e.",
    )
    scorecard_build(article_id=article.pk)
    return verdict


@pytest.mark.parametrize("settings_cache", [False, True], ids=["database", "published-cache"])
def test_no_json_answer_carries_a_bidirectional_control(
    stored_with_bidi: Any, editor: User, settings: Any, settings_cache: bool
) -> None:
    if settings_cache:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
        settings.FACTCHECK_PUBLISHED_CACHE = True
    verdict = stored_with_bidi
    article_id = verdict.claim.article_id
    paths = [
        "/api/v1/verdicts/",
        f"/api/v1/verdicts/{verdict.pk}/",
        f"/api/v1/verdicts/{verdict.pk}/claimreview",
        "/api/v1/claimreview/",
        "/api/v1/claims/",
        f"/api/v1/claims/{verdict.claim_id}/",
        "/api/v1/articles/",
        f"/api/v1/articles/{article_id}/",
        "/api/v1/ratings/",
        f"/api/v1/scorecards/{article_id}/",
    ]
    for user in (None, consumer_user(), editor):
        client = token_client(user)
        for path in paths:
            for _ in range(2):  # the second answer may come from the published cache
                response = client.get(path)
                assert response.status_code == 200, (path, response.content)
                body = response.content.decode()
                assert BIDI.search(body) is None, (user, path, body)
    detail = token_client(None).get(f"/api/v1/verdicts/{verdict.pk}/").json()
    assert detail["claim"]["text"] == "The dam is eslaf si siht safe."
    assert detail["summary"] == "It is eurt."


def test_the_scorecard_page_carries_no_bidirectional_control(stored_with_bidi: Any) -> None:
    article_id = stored_with_bidi.claim.article_id
    html = token_client(None).get(reverse("reviews:scorecard", args=[article_id])).content.decode()
    assert "<title>" in html
    assert "Dam eslaf report" in html
    assert BIDI.search(html) is None
