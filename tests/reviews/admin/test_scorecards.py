"""The scorecards' admin list: the score in words when there is none, and how long each build lagged."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from reviews.models import Scorecard
from reviews.services.scorecards import scorecard_build
from tests.reviews.scorecard_fixtures import article_with_claims, checkworthy, publish_verdict

pytestmark = pytest.mark.django_db


def _row(html: str, article_pk: int) -> str:
    start = html.index(f"/admin/reviews/scorecard/{Scorecard.objects.get(article_id=article_pk).pk}/")
    return html[start : html.index("</tr>", start)]


def test_the_list_shows_the_score_or_no_score_and_the_build_latency(desk: Client) -> None:
    scored, unscored = article_with_claims(2), article_with_claims(1)
    publish_verdict(checkworthy(scored)[0], "false")
    publish_verdict(checkworthy(scored)[1], "true")
    publish_verdict(checkworthy(unscored)[0], "unverifiable")
    for article in (scored, unscored):
        scorecard_build(article_id=article.pk)
    card = Scorecard.objects.get(article=scored)
    Scorecard.objects.filter(pk=card.pk).update(
        built_at=card.source_changed_at + dt.timedelta(minutes=2, seconds=5)
    )

    html = desk.get(reverse("admin:reviews_scorecard_changelist")).content.decode()

    assert '<td class="field-score">50</td>' in _row(html, scored.pk)
    assert '<td class="field-build_latency">2 min 05 s</td>' in _row(html, scored.pk)
    assert '<td class="field-score">No score</td>' in _row(html, unscored.pk)
