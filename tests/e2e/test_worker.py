"""End to end through a real Celery worker process and a real Redis broker."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token

from reviews.models import Article, ArticleStatus, ClaimStatus, ReviewTask, Scorecard
from tests.conftest import SEEDS
from tests.e2e.conftest import wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.broker]


def test_article_posted_to_the_api_is_extracted_by_a_real_worker(
    celery_worker_process, api_client, editor
) -> None:
    token, _ = Token.objects.get_or_create(user=editor)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    text = (SEEDS / "003_92d1ca03750dec38.txt").read_text()
    response = api_client.post("/api/v1/articles/", {"text": text}, format="json")
    assert response.status_code == 202
    article_id = response.data["id"]
    assert Article.objects.get(pk=article_id).status == ArticleStatus.PENDING

    article = wait_for(
        lambda: Article.objects.filter(pk=article_id, status=ArticleStatus.READY).first(),
        what="the worker to extract the article",
    )
    claims = article.claims.filter(status=ClaimStatus.CLAIM).count()
    assert claims > 0
    assert ReviewTask.objects.filter(claim__article=article).count() == claims
    scorecard = wait_for(lambda: Scorecard.objects.filter(article=article).first(), what="the scorecard")
    assert scorecard.data["claims_found"] == claims
    assert celery_worker_process.poll() is None, "the worker is still running"
