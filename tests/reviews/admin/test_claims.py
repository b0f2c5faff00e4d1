"""Claims: promote and demote, the filters, the claim in context."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from reviews.models import Claim, ClaimStatus, ReviewTask, TaskStatus
from reviews.services.verdicts import verdict_publish
from tests.factories import ArticleFactory, ClaimFactory
from tests.reviews.admin.desk import BODY, messages_of, page_text, submitted_verdict

pytestmark = pytest.mark.django_db


def test_promote_and_demote(desk: Client) -> None:
    article = ArticleFactory.create()
    sentence = ClaimFactory.create(article=article, status=ClaimStatus.SENTENCE, score=0.4)
    url = reverse("admin:reviews_claim_changelist")
    done = desk.post(url, {"action": "promote", "_selected_action": [sentence.pk], "index": "0"}, follow=True)
    assert "Promoted 1 sentence to claims and queued their review." in messages_of(done)
    assert Claim.objects.get(pk=sentence.pk).status == ClaimStatus.CLAIM
    assert ReviewTask.objects.get(claim=sentence).priority == 400
    again = desk.post(
        url, {"action": "promote", "_selected_action": [sentence.pk], "index": "0"}, follow=True
    )
    assert messages_of(again) == [f"Sentence {sentence.pk} is already a check-worthy claim."]
    demoted = desk.post(
        url, {"action": "demote", "_selected_action": [sentence.pk], "index": "0"}, follow=True
    )
    assert "Demoted 1 claim to sentences." in messages_of(demoted)
    assert ReviewTask.objects.get(claim=sentence).status == TaskStatus.CANCELLED


def test_claim_filters_and_context(editor: User, reviewer: User, desk: Client) -> None:
    article = ArticleFactory.create(body=BODY, raw_text=BODY)
    start = BODY.index("The GDP")
    claim = ClaimFactory.create(
        article=article, text="The GDP grew 3% in 2019.", start=start, end=start + 24, score=0.95
    )
    ClaimFactory.create(status=ClaimStatus.SENTENCE, score=0.2)
    verdict = submitted_verdict(reviewer, claim=claim)
    verdict_publish(verdict_id=verdict.pk, editor=editor)
    url = reverse("admin:reviews_claim_changelist")
    assert [c.pk for c in desk.get(url, {"published": "yes"}).context["cl"].result_list] == [claim.pk]
    assert [c.pk for c in desk.get(url, {"score": "high"}).context["cl"].result_list] == [claim.pk]
    assert desk.get(url, {"score": "low"}).context["cl"].result_count == 1
    assert [c.pk for c in desk.get(url, {"article": str(article.pk)}).context["cl"].result_list] == [claim.pk]
    assert desk.get(url, {"status__exact": "sentence"}).context["cl"].result_count == 1
    assert desk.get(url, {"q": "GDP grew"}).context["cl"].result_count >= 1
    page = desk.get(reverse("admin:reviews_claim_change", args=[claim.pk])).content.decode()
    assert '<mark style="font-weight:600">The GDP grew 3% in 2019.</mark>' in page
    assert "Published: Mostly false" in page_text(desk.get(url, {"published": "yes"}))


def test_the_claim_page_lists_its_tasks_and_verdicts(reviewer: User, desk: Client) -> None:
    verdict = submitted_verdict(reviewer)
    task = ReviewTask.objects.get(verdicts=verdict)
    html = desk.get(reverse("admin:reviews_claim_change", args=[verdict.claim_id])).content.decode()
    task_url = reverse("admin:reviews_reviewtask_change", args=[task.pk])
    verdict_url = reverse("admin:reviews_verdict_change", args=[verdict.pk])
    assert (
        f'<ul><li><a href="{task_url}">Task {task.pk}</a>: {task.get_status_display()}</li>'
        f'<li><a href="{verdict_url}">Verdict {verdict.pk} (v{verdict.version})</a>: '
        "Submitted for editor review</li></ul>"
    ) in html
    write = f'<a class="button" href="{reverse("admin:reviews_verdict_add")}?claim={verdict.claim_id}">'
    assert write in html
    # A plain sentence is not reviewed: no verdict to write from its page.
    sentence = ClaimFactory.create(status=ClaimStatus.SENTENCE)
    sentence_page = desk.get(reverse("admin:reviews_claim_change", args=[sentence.pk])).content.decode()
    assert "Write a verdict yourself" not in sentence_page


def test_the_claim_list_links_each_article_and_its_sentences(desk: Client) -> None:
    article = ArticleFactory.create(title="Budget <2019>")
    ClaimFactory.create(article=article)
    html = desk.get(reverse("admin:reviews_claim_changelist")).content.decode()
    page = reverse("admin:reviews_article_change", args=[article.pk])
    assert f'<a href="{page}">Budget &lt;2019&gt;</a> <a href="?article={article.pk}"' in html
