"""The reviewer's history on their queue page: every verdict they sent to an editor, its state and notes,
their figures, a page at a time, and nobody else's."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from reviews.selectors_history import HISTORY_PER_PAGE
from reviews.services.verdicts import verdict_publish
from tests.reviews.admin.desk import client_for, make_reviewer, page_text, submitted_verdict
from tests.reviews.test_selectors_history import _every_state

pytestmark = pytest.mark.django_db

QUEUE = reverse("reviews:queue")


def _history_text(response: Any) -> str:
    """The text of the "My verdicts" section and what follows it."""
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html[html.index('id="history"') :]))


def test_published_work_stays_on_the_page(editor: User, reviewer: User) -> None:
    verdict = submitted_verdict(reviewer)
    verdict_publish(verdict_id=verdict.pk, editor=editor)
    text = page_text(client_for(reviewer).get(QUEUE))
    assert "You have not submitted anything yet." not in text
    assert "Nothing of yours is waiting for an editor." in text
    assert "Published · Mostly false" in text


def test_every_state_with_its_note_and_public_page(editor: User, reviewer: User) -> None:
    mine = _every_state(reviewer, editor)
    response = client_for(reviewer).get(QUEUE)
    html = response.content.decode()
    text = _history_text(response)
    for label in ("Waiting for an editor", "Returned to you", "Published", "Corrected", "Retracted"):
        assert f"{label} · " in text, label
    assert "Editor\u2019s note Cite the report." in text
    assert "Editor\u2019s note Which year?" in text
    assert "The editor\u2019s correction The year was wrong." in text
    assert "Why it was retracted The article was withdrawn." in text
    for state in ("published", "superseded", "retracted"):
        assert f'href="{reverse("reviews:verdict-public", args=[mine[state].pk])}"' in html, state
    for state in ("submitted", "returned"):
        assert f'href="{reverse("reviews:verdict-public", args=[mine[state].pk])}"' not in html, state
    # Six submissions (one was resubmitted), two of them returned.
    assert re.search(
        r"5 submitted this week 3 published this week 33% returned \(2 of 6 submissions in 28 days\)", text
    )


def test_a_reviewer_never_sees_another_reviewers_verdicts(editor: User, reviewer: User) -> None:
    other = make_reviewer("other")
    _every_state(other, editor)
    response = client_for(reviewer).get(QUEUE)
    assert list(response.context["history"].object_list) == []
    text = _history_text(response)
    assert "Verdicts you submit stay listed here, whatever the editors decide." in text
    assert (
        "0 submitted this week 0 published this week No returned rate (nothing submitted in 28 days)" in text
    )


def test_history_is_paginated(editor: User, reviewer: User) -> None:
    verdicts = [submitted_verdict(reviewer) for _ in range(HISTORY_PER_PAGE + 1)]
    client = client_for(reviewer)
    first = client.get(QUEUE)
    assert len(first.context["history"].object_list) == HISTORY_PER_PAGE
    assert f"Page 1 of 2 ({HISTORY_PER_PAGE + 1} verdicts)" in page_text(first)
    second = client.get(QUEUE, {"page": 2})
    assert [v.pk for v in second.context["history"].object_list] == [verdicts[0].pk]
    assert 'href="?page=1#history" rel="prev"' in second.content.decode()


@pytest.mark.parametrize("scale", [1, HISTORY_PER_PAGE + 5])
def test_the_page_costs_a_fixed_number_of_queries(
    scale: int, editor: User, reviewer: User, django_assert_num_queries: Any
) -> None:
    for n in range(scale):
        verdict = submitted_verdict(reviewer)
        if n % 2:
            verdict_publish(verdict_id=verdict.pk, editor=editor)
    client: Client = client_for(reviewer)
    client.get(QUEUE)  # the session, once
    # Session, user, whether they are a reviewer (reviews.roles, one query); the queue's four; the
    # history's count and page; the figures' two.
    with django_assert_num_queries(11):
        client.get(QUEUE)
