"""Every list endpoint costs a fixed number of queries: the same for 1 row as for a full page of 50."""

from __future__ import annotations

import pytest

from reviews.models import RatingLabel, VerdictStatus
from tests.reviews.api.public_data import consumer_user, make_verdict, published_rows, token_client

pytestmark = pytest.mark.django_db

# Anonymous: no authentication query. Numbered pages add a COUNT. Verdicts: page + citations prefetch.
# Claims: page + published-verdict prefetch (its rating joined in). Feed: one query, no citations.
ANONYMOUS = {
    "/api/v1/verdicts/": 2,
    "/api/v1/claimreview/": 1,
    "/api/v1/claims/": 3,
    "/api/v1/articles/": 2,
    "/api/v1/ratings/": 2,
}
# A token costs one query: the token with its user and whether they are an editor or a reviewer
# (reviews.api.authentication), which decides what they may see. Nothing more is asked about them.
TOKEN = 1


def _rows(endpoint: str, count: int) -> None:
    if endpoint == "/api/v1/ratings/":
        for n in range(count - RatingLabel.objects.count()):
            RatingLabel.objects.create(slug=f"extra-{n}", name=f"Extra {n}", order=10 + n, rating_value=3)
        return
    published_rows(count)
    # Unpublished work around it must not change the count either (editors see it, others do not).
    make_verdict(status=VerdictStatus.DRAFT, rating_slug=None)


@pytest.mark.parametrize("rows", [1, 50])
@pytest.mark.parametrize("endpoint", list(ANONYMOUS))
def test_anonymous_list_queries_do_not_grow_with_rows(endpoint, rows, django_assert_num_queries) -> None:
    _rows(endpoint, rows)
    client = token_client(None)
    with django_assert_num_queries(ANONYMOUS[endpoint]):
        response = client.get(endpoint)
    assert response.status_code == 200
    assert len(response.json()["results"]) == (7 if endpoint == "/api/v1/ratings/" and rows == 1 else rows)


@pytest.mark.parametrize("rows", [1, 50])
@pytest.mark.parametrize("endpoint", list(ANONYMOUS))
@pytest.mark.parametrize("role", ["consumer", "editor"])
def test_authenticated_list_queries_do_not_grow_with_rows(
    endpoint, rows, role, editor, django_assert_num_queries
) -> None:
    _rows(endpoint, rows)
    client = token_client(consumer_user() if role == "consumer" else editor)
    with django_assert_num_queries(ANONYMOUS[endpoint] + TOKEN):
        response = client.get(endpoint)
    assert response.status_code == 200
