"""The search box over a reviewer's history (the queue page): their own verdicts only, best match first,
the pages keep the search, and bad input an error next to the box."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.urls import reverse

from reviews.selectors_history import HISTORY_PER_PAGE
from reviews.services import queue
from reviews.services.verdicts import CitationInput, VerdictInput
from tests.factories import ClaimFactory, ReviewTaskFactory
from tests.reviews.admin.desk import client_for, make_reviewer, page_text

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not settings.FACTCHECK_TEST_POSTGRES, reason="full-text search needs PostgreSQL"),
]

QUEUE = reverse("reviews:queue")


def _submit(reviewer: User, claim_text: str, summary: str = "The figure is wrong.") -> int:
    ReviewTaskFactory.create(claim=ClaimFactory.create(text=claim_text, end=len(claim_text)))
    outcome = queue.task_claim_next(reviewer=reviewer)
    assert outcome is not None
    data = VerdictInput(
        rating="false",
        summary=summary,
        citations=(CitationInput(url="https://example.org/report", title="Report"),),
    )
    verdict = queue.task_submit(
        task_id=outcome.task.pk, reviewer=reviewer, lease_token=outcome.task.lease_token, data=data
    )
    return verdict.pk


def _history_ids(response) -> list[int]:
    assert response.status_code == 200
    return [verdict.pk for verdict in response.context["history"].object_list]


def test_a_reviewer_finds_only_their_own_verdicts(reviewer: User) -> None:
    mine = _submit(reviewer, "Rents doubled in the city.")
    _submit(reviewer, "Crime fell.")
    other = make_reviewer("other-reviewer")
    _submit(other, "Rents tripled downtown.")
    response = client_for(reviewer).get(QUEUE, {"q": "rent"})
    assert _history_ids(response) == [mine]
    assert "Rents tripled" not in response.content.decode()


def test_best_match_first_and_a_summary_counts(reviewer: User) -> None:
    once = _submit(reviewer, "Wages rose.")
    twice = _submit(reviewer, "Wages and wage bills rose.")
    by_summary = _submit(reviewer, "Prices fell.", summary="Wages were the cause.")
    ids = _history_ids(client_for(reviewer).get(QUEUE, {"q": "wages"}))
    assert ids[0] == twice
    assert sorted(ids) == sorted([once, twice, by_summary])


def test_no_match_says_so_and_offers_everything(reviewer: User) -> None:
    _submit(reviewer, "Rents doubled.")
    response = client_for(reviewer).get(QUEUE, {"q": "zebra"})
    text = page_text(response)
    assert "None of your verdicts matches “zebra”." in text
    # The reviewer has work waiting: the empty search does not claim otherwise.
    assert "You have not submitted anything yet." not in text
    assert f'href="{QUEUE}#history">Show all</a>' in response.content.decode()


def test_pages_keep_the_search(reviewer: User) -> None:
    for n in range(HISTORY_PER_PAGE + 1):
        _submit(reviewer, f"Tolls rose by {n} cents.")
    html = client_for(reviewer).get(QUEUE, {"q": "tolls"}).content.decode()
    assert re.search(r'href="\?page=2&amp;q=tolls#history" rel="next"', html)


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("x" * 201, "Ensure this value has at most 200 characters (it has 201)."),
        ("rents\x00", "Null characters are not allowed."),
    ],
)
def test_bad_search_is_an_error_by_the_box_and_the_whole_history(
    reviewer: User, value: str, error: str
) -> None:
    mine = _submit(reviewer, "Rents doubled.")
    response = client_for(reviewer).get(QUEUE, {"q": value})
    assert _history_ids(response) == [mine]
    assert (
        f'<ul class="errorlist" id="history-search-errors"><li>{error}</li></ul>' in response.content.decode()
    )


@pytest.mark.parametrize("value", ["&|!:*()", '"', "-rents", "the", "😀", "a:* & b"])
def test_odd_characters_are_a_search(reviewer: User, value: str) -> None:
    _submit(reviewer, "Rents doubled.")
    assert _history_ids(client_for(reviewer).get(QUEUE, {"q": value})) == []
