"""The desk's search boxes (reviews/admin/search.py): full-text search, best match first unless a column
is chosen, ids on the verdict and task lists, bad input a message, and the autocomplete unchanged."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reviews.models import ReviewTask
from tests.factories import ArticleFactory, ClaimFactory, ReviewTaskFactory
from tests.reviews.admin.desk import messages_of
from tests.reviews.api.public_data import make_verdict

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not settings.FACTCHECK_TEST_POSTGRES, reason="full-text search needs PostgreSQL"),
]


def _claim(text: str, **fields: object):
    return ClaimFactory.create(text=text, end=len(text), **fields)


def _listed(desk: Client, model: str, params: dict[str, str]) -> list[int]:
    response = desk.get(reverse(f"admin:reviews_{model}_changelist"), params)
    assert response.status_code == 200
    return [row.pk for row in response.context["cl"].result_list]


def test_claims_ranked_by_stem_then_by_a_chosen_column(desk: Client) -> None:
    once = _claim("Ferry fares were frozen.")
    twice = _claim("Ferries and ferry crews struck.")
    _claim("Buses ran late.")
    assert _listed(desk, "claim", {"q": "ferries"}) == [twice.pk, once.pk]
    # A column chosen (`o`): the admin's own ordering, still only the matches.
    assert sorted(_listed(desk, "claim", {"q": "ferries", "o": "1"})) == sorted([once.pk, twice.pk])


def test_verdicts_by_words_or_by_id(desk: Client) -> None:
    verdict = make_verdict(claim=_claim("Hospital waits fell."), summary="They rose.")
    other = make_verdict(claim=_claim("Schools closed."))
    assert _listed(desk, "verdict", {"q": "hospital"}) == [verdict.pk]
    assert _listed(desk, "verdict", {"q": "waiting lists"}) == []
    assert _listed(desk, "verdict", {"q": str(other.pk)}) == [other.pk]
    assert _listed(desk, "verdict", {"q": "9" * 30}) == []  # beyond any id: no error, no match


def test_articles_and_tasks(desk: Client) -> None:
    article = ArticleFactory.create(title="Drought hits farms")
    ArticleFactory.create(title="Election night")
    assert _listed(desk, "article", {"q": "droughts"}) == [article.pk]
    task = ReviewTaskFactory.create(claim=_claim("Wheat prices doubled."))
    ReviewTaskFactory.create(claim=_claim("Rice prices fell."))
    assert _listed(desk, "reviewtask", {"q": "wheat"}) == [task.pk]
    assert _listed(desk, "reviewtask", {"q": str(task.pk)}) == [task.pk]
    assert ReviewTask.objects.count() == 2


@pytest.mark.parametrize("text", ["&|!:*()", '"', "'", "a:* & b", "\\", "-wheat", "the", "😀"])
@pytest.mark.parametrize("model", ["claim", "verdict", "article", "reviewtask"])
def test_odd_characters_never_an_error(desk: Client, model: str, text: str) -> None:
    _claim("Wheat prices doubled.")
    assert _listed(desk, model, {"q": text}) == []


def test_an_over_long_search_says_why_and_lists_nothing(desk: Client) -> None:
    _claim("Wheat prices doubled.")
    response = desk.get(reverse("admin:reviews_claim_changelist"), {"q": "wheat " + "x" * 200})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []
    assert messages_of(response) == ["Search for at most 200 characters (this search has 206)."]


def test_the_autocomplete_keeps_matching_the_start_of_words(desk: Client) -> None:
    claim = _claim("Unemployment fell.")
    response = desk.get(
        "/admin/autocomplete/",
        {"term": "Unemp", "app_label": "reviews", "model_name": "verdict", "field_name": "claim"},
    )
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [str(claim.pk)]


def test_a_search_page_costs_the_same_queries_for_more_rows(desk: Client) -> None:
    def queries_for_page() -> int:
        with CaptureQueriesContext(connection) as queries:
            _listed(desk, "verdict", {"q": "harbour"})
        return len(queries)

    make_verdict(claim=_claim("Harbour fees rose."))
    few = queries_for_page()
    for n in range(5):
        make_verdict(claim=_claim(f"Harbour fees rose {n}%."))
    assert queries_for_page() == few
