"""Each role against each endpoint: the status it gets and, for lists, exactly which rows it sees.

The world: one published verdict P (on claim Cp of article Ap) and one submitted verdict D (on claim Cd of
article Ad), both articles with a scorecard. Anonymous callers, API consumers (a token, no group) and
reviewers read published work only; editors read everything.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User

from reviews.models import VerdictStatus
from reviews.services.scorecards import scorecard_build
from tests.factories import ArticleFactory
from tests.reviews.api.public_data import consumer_user, make_verdict, token_client

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "consumer", "reviewer", "editor")
OTHERS = {"anonymous", "consumer", "reviewer"}


@dataclass(frozen=True)
class World:
    ids: dict[str, int]


@pytest.fixture
def world() -> World:
    public, unpublished = ArticleFactory.create(title="Public"), ArticleFactory.create(title="In review")
    p = make_verdict(article=public)
    d = make_verdict(article=unpublished, status=VerdictStatus.SUBMITTED, rating_slug="true")
    for article in (public, unpublished):
        scorecard_build(article_id=article.pk)
    return World(
        ids={"P": p.pk, "D": d.pk, "Cp": p.claim_id, "Cd": d.claim_id, "Ap": public.pk, "Ad": unpublished.pk}
    )


def _user(role: str, editor: User, reviewer: User) -> User | None:
    return {"anonymous": None, "consumer": consumer_user(), "reviewer": reviewer, "editor": editor}[role]


def _everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


EDITORS_ONLY = {"anonymous": 404, "consumer": 404, "reviewer": 404, "editor": 200}

# (method, path, expected status per role)
MATRIX: list[tuple[str, str, dict[str, int]]] = [
    ("GET", "/api/v1/articles/", _everyone(200)),
    ("GET", "/api/v1/articles/{Ap}/", _everyone(200)),
    ("GET", "/api/v1/articles/{Ad}/", EDITORS_ONLY),
    ("POST", "/api/v1/articles/", {"anonymous": 401, "consumer": 403, "reviewer": 403, "editor": 202}),
    # Retrying an extraction: editors only; Ap is extracted, so the editor is refused by its state.
    (
        "POST",
        "/api/v1/articles/{Ap}/retry",
        {"anonymous": 401, "consumer": 403, "reviewer": 403, "editor": 409},
    ),
    ("GET", "/api/v1/claims/", _everyone(200)),
    ("GET", "/api/v1/claims/{Cp}/", _everyone(200)),
    ("GET", "/api/v1/claims/{Cd}/", EDITORS_ONLY),
    ("GET", "/api/v1/verdicts/", _everyone(200)),
    ("GET", "/api/v1/verdicts/{P}/", _everyone(200)),
    ("GET", "/api/v1/verdicts/{D}/", EDITORS_ONLY),
    ("DELETE", "/api/v1/verdicts/{P}/", _everyone(405)),
    ("GET", "/api/v1/verdicts/{P}/claimreview", _everyone(200)),
    ("GET", "/api/v1/verdicts/{D}/claimreview", _everyone(404)),
    ("GET", "/api/v1/claimreview/", _everyone(200)),
    ("GET", "/api/v1/ratings/", _everyone(200)),
    ("GET", "/api/v1/ratings/false/", _everyone(200)),
    ("GET", "/api/v1/scorecards/", _everyone(200)),
    ("GET", "/api/v1/scorecards/{Ap}/", _everyone(200)),
    ("GET", "/api/v1/scorecards/{Ad}/", EDITORS_ONLY),
    # The reviewers' own tasks (reviews/api/queue.py): the queue permission, which editors do not hold.
    ("GET", "/api/v1/tasks/mine", {"anonymous": 401, "consumer": 403, "reviewer": 200, "editor": 403}),
    # Feeds (reviews/api/feeds.py): editors only, lists included. The POST's text body is no feed URL: 400.
    ("GET", "/api/v1/feeds/", {"anonymous": 401, "consumer": 403, "reviewer": 403, "editor": 200}),
    ("POST", "/api/v1/feeds/", {"anonymous": 401, "consumer": 403, "reviewer": 403, "editor": 400}),
    ("GET", "/verdicts/{P}/", _everyone(200)),
    ("GET", "/verdicts/{D}/", _everyone(404)),
]

# Which rows each list shows: published work to everybody, the unpublished too to editors.
LISTS = {
    "/api/v1/articles/": ("id", "Ap", "Ad"),
    "/api/v1/claims/": ("id", "Cp", "Cd"),
    "/api/v1/verdicts/": ("id", "P", "D"),
    "/api/v1/scorecards/": ("article", "Ap", "Ad"),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "expected"), MATRIX, ids=[f"{m} {p}" for m, p, _ in MATRIX])
def test_matrix(world, editor, reviewer, role, method, path, expected) -> None:
    client = token_client(_user(role, editor, reviewer))
    url = path.format(**world.ids)
    if method == "POST":
        response = client.post(url, {"text": "The mayor said roads cost $12 million in 2023."}, format="json")
    else:
        response = client.generic(method, url)
    assert response.status_code == expected[role], response.content[:300]
    if response.status_code >= 400 and url.startswith("/api/"):
        assert set(response.json()) >= {"detail", "code", "errors"}
    if method == "GET" and path in LISTS:
        key, public, unpublished = LISTS[path]
        seen = sorted(row[key] for row in response.json()["results"])
        wanted = [world.ids[public]] + ([world.ids[unpublished]] if role == "editor" else [])
        assert seen == sorted(wanted)


@pytest.mark.parametrize("role", ROLES)
def test_feed_shows_published_verdicts_to_every_role(world, editor, reviewer, role) -> None:
    body = token_client(_user(role, editor, reviewer)).get("/api/v1/claimreview/").json()
    assert [item["url"] for item in body["results"]] == [f"http://testserver/verdicts/{world.ids['P']}/"]
