"""Articles: the list and page, rebuilding scorecards, re-extraction."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from reviews.models import ArticleStatus, Claim, ClaimStatus, EventAction, ReviewEvent, Scorecard
from reviews.services import queue
from reviews.services.verdicts import verdict_publish
from tests.factories import ArticleFactory, ClaimFactory
from tests.reviews.admin.desk import BODY, messages_of, page_text, submitted_verdict

pytestmark = pytest.mark.django_db


def test_article_page_and_list(editor: User, reviewer: User, desk: Client) -> None:
    article = ArticleFactory.create(
        title="Growth report", body=BODY, raw_text=BODY, published_on=dt.date(2020, 1, 15)
    )
    start = BODY.index("The GDP")
    claim = ClaimFactory.create(article=article, text="The GDP grew 3% in 2019.", start=start, end=start + 24)
    ClaimFactory.create(
        article=article, text="Prices rose last year.", start=0, end=22, status=ClaimStatus.CLAIM
    )
    verdict_publish(verdict_id=submitted_verdict(reviewer, claim=claim).pk, editor=editor)
    listing = desk.get(reverse("admin:reviews_article_changelist"))
    row = next(a for a in listing.context["cl"].result_list if a.pk == article.pk)
    assert (row.claim_count, row.published_count) == (2, 1)
    assert "50%" in page_text(listing)
    page = desk.get(reverse("admin:reviews_article_change", args=[article.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert f'<mark title="claim {claim.pk}">The GDP grew 3% in 2019.</mark>' in html
    assert reverse("admin:reviews_claim_change", args=[claim.pk]) in html
    assert "Scorecard" in html
    assert 'name="_save"' not in html
    partial = desk.get(reverse("admin:reviews_article_changelist"), {"progress": "partial"})
    assert [a.pk for a in partial.context["cl"].result_list] == [article.pk]


def test_list_says_no_score_where_the_scorecard_has_none(desk: Client) -> None:
    unbuilt, unscored, false, true = (ArticleFactory.create() for _ in range(4))
    for article, score in ((unscored, None), (false, 0.0), (true, 87.5)):
        Scorecard.objects.create(
            article=article, data={"accuracy": {"score": score}}, source_changed_at=article.changed_at
        )
    html = desk.get(reverse("admin:reviews_article_changelist")).content.decode()
    cells = dict(
        re.findall(
            r'<a href="/admin/reviews/article/(\d+)/change/">.*?<td class="field-score">([^<]*)</td>', html
        )
    )
    assert cells == {
        str(unbuilt.pk): "No score",
        str(unscored.pk): "No score",
        str(false.pk): "0",
        str(true.pk): "88",
    }


def test_rebuild_scorecard_action(editor: User, reviewer: User, desk: Client) -> None:
    claim = ClaimFactory.create()
    verdict_publish(verdict_id=submitted_verdict(reviewer, claim=claim).pk, editor=editor)
    response = desk.post(
        reverse("admin:reviews_article_changelist"),
        {"action": "rebuild_scorecard", "_selected_action": [claim.article_id], "index": "0"},
        follow=True,
    )
    assert "Rebuilt 1 scorecard." in messages_of(response)
    card = Scorecard.objects.get(article_id=claim.article_id)
    assert card.data["published"] == 1


def test_rebuild_scorecard_action_skips_articles_not_extracted(desk: Client) -> None:
    pending = ArticleFactory.create(status=ArticleStatus.PENDING)
    response = desk.post(
        reverse("admin:reviews_article_changelist"),
        {"action": "rebuild_scorecard", "_selected_action": [pending.pk], "index": "0"},
        follow=True,
    )
    assert messages_of(response) == ["Only extracted articles have scorecards."]
    assert not Scorecard.objects.filter(article_id=pending.pk).exists()


def test_reextract_action(editor: User, reviewer: User, desk: Client) -> None:
    text = "The unemployment rate fell to 4.1% in March 2023, the statistics office said. It was sunny."
    article = ArticleFactory.create(raw_text=text, body="old body", status=ArticleStatus.READY)
    ClaimFactory.create(article=article, text="old", start=0, end=3)
    url = reverse("admin:reviews_article_changelist")
    done = desk.post(
        url, {"action": "reextract", "_selected_action": [article.pk], "index": "0"}, follow=True
    )
    assert "Re-extracted 1 article." in messages_of(done)
    article.refresh_from_db()
    assert article.body.startswith("The unemployment rate")
    assert not Claim.objects.filter(article=article, text="old").exists()
    assert ReviewEvent.objects.filter(
        article=article, action=EventAction.ARTICLE_REEXTRACTED, actor=editor
    ).exists()
    # Once review work exists, re-extraction is refused with the service's reason.
    claim = Claim.objects.filter(article=article, status=ClaimStatus.CLAIM).first()
    assert claim is not None
    assert queue.task_claim_next(reviewer=reviewer) is not None
    refused = desk.post(
        url, {"action": "reextract", "_selected_action": [article.pk], "index": "0"}, follow=True
    )
    assert messages_of(refused) == [
        f"Article {article.pk} cannot be re-extracted: "
        "review work has started on its claims (see its audit log)."
    ]


REASON = (
    "Extraction did not finish in 3 attempts: the worker stopped or ran out of time each time, so the "
    "text may be too large or malformed for the extractor. An editor can retry it."
)


def test_a_failed_extraction_shows_its_reason_and_is_retried(
    editor: User, desk: Client, django_capture_on_commit_callbacks: Any
) -> None:
    text = "The unemployment rate fell to 4.1% in March 2023, the statistics office said."
    article = ArticleFactory.create(
        raw_text=text, status=ArticleStatus.FAILED, failure_reason=REASON, extract_attempts=3
    )
    page = desk.get(reverse("admin:reviews_article_change", args=[article.pk]))
    assert REASON in page_text(page)

    url = reverse("admin:reviews_article_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        done = desk.post(
            url, {"action": "retry_extraction", "_selected_action": [article.pk], "index": "0"}, follow=True
        )
    assert messages_of(done) == ["Sent the extraction of 1 article again."]
    article.refresh_from_db()
    assert (article.status, article.failure_reason) == (ArticleStatus.READY, "")
    assert ReviewEvent.objects.filter(
        article=article, action=EventAction.ARTICLE_RETRIED, actor=editor
    ).exists()

    refused = desk.post(
        url, {"action": "retry_extraction", "_selected_action": [article.pk], "index": "0"}, follow=True
    )
    assert messages_of(refused) == [
        f"Article {article.pk} is extracted; only a failed extraction can be retried."
    ]
