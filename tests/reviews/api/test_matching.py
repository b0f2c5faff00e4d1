"""`GET /api/v1/claims/{id}/matches/` and `GET /api/v1/conflicts/`: shape, who sees what, filters and bad
input, on PostgreSQL. Matches and conflicts are written directly (the matching run is tested on its own).

The world: claims A (article 1, published verdict), B (article 2, published verdict), C (article 3, no
verdict, its task leased to the reviewer) and D (article 4, no verdict, nobody holds it). Matches A-B
(a year conflict), A-C (an amount conflict), B-D, and a rejected A-D.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.test import APIClient

from reviews.models import (
    Claim,
    ClaimConflict,
    ClaimMatch,
    ConflictKind,
    MatchStatus,
    ReviewTask,
    TaskStatus,
    Verdict,
)
from tests.factories import ArticleFactory, ClaimFactory, UserFactory
from tests.reviews.api.public_data import consumer_user, make_verdict, token_client

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class World:
    a: Claim
    b: Claim
    c: Claim
    d: Claim
    verdict_a: Verdict
    verdict_b: Verdict
    ab: ClaimMatch
    ac: ClaimMatch
    bd: ClaimMatch
    ab_year: ClaimConflict
    ac_amount: ClaimConflict


def link(x: Claim, y: Claim, similarity: float, **fields: Any) -> ClaimMatch:
    low, high = sorted((x, y), key=lambda c: c.pk)
    return ClaimMatch.objects.create(claim=low, other_claim=high, similarity=similarity, **fields)


def conflict(match: ClaimMatch, kind: str, mine: tuple[Claim, str], theirs: str) -> ClaimConflict:
    """A conflict where `mine[0]` states `mine[1]` and the other claim `theirs`."""
    first = match.claim_id == mine[0].pk
    value, other = (mine[1], theirs) if first else (theirs, mine[1])
    return ClaimConflict.objects.create(
        match=match,
        kind=kind,
        value=value,
        other_value=other,
        sentence=f"sentence stating {value}",
        other_sentence=f"sentence stating {other}",
    )


@pytest.fixture
def world(reviewer: User) -> World:
    a, b, c, d = (
        ClaimFactory.create(article=ArticleFactory.create(title=f"Article {name}"), text=f"Claim {name}.")
        for name in "ABCD"
    )
    verdict_a, verdict_b = make_verdict(claim=a), make_verdict(claim=b, summary="Right.")
    ReviewTask.objects.create(
        claim=c,
        status=TaskStatus.LEASED,
        lease_holder=reviewer,
        lease_token="00000000-0000-0000-0000-000000000001",
        lease_expires_at=timezone.now() + dt.timedelta(minutes=30),
    )
    ReviewTask.objects.create(claim=d)
    ab, ac, bd = link(a, b, 0.93), link(a, c, 0.81), link(b, d, 0.77)
    link(a, d, 0.72, status=MatchStatus.REJECTED, decided_by=UserFactory.create(), decided_at=timezone.now())
    return World(
        a=a,
        b=b,
        c=c,
        d=d,
        verdict_a=verdict_a,
        verdict_b=verdict_b,
        ab=ab,
        ac=ac,
        bd=bd,
        ab_year=conflict(ab, ConflictKind.YEAR, (a, "2012"), "2013"),
        ac_amount=conflict(ac, ConflictKind.AMOUNT, (a, "4,200,000,000 USD"), "4,000,000,000 USD"),
    )


def client_for(role: str, editor: User, reviewer: User) -> APIClient:
    users = {"anonymous": None, "consumer": consumer_user(), "reviewer": reviewer, "editor": editor}
    return token_client(users[role])


def matches(client: APIClient, claim: Claim) -> Any:
    response = client.get(f"/api/v1/claims/{claim.pk}/matches/")
    assert response.status_code == 200, response.content
    return response.json()


# --- matches -----------------------------------------------------------------------------------------


def test_an_editor_sees_every_live_match_with_its_verdict_and_conflicts(
    world: World, editor: User, reviewer: User
) -> None:
    body = matches(client_for("editor", editor, reviewer), world.a)
    assert body["count"] == 2, "the rejected match is not shown"
    first, second = body["results"]
    assert (first["claim"], first["article"], first["similarity"]) == (world.b.pk, world.b.article_id, 0.93)
    assert first["status"] == "suggested"
    assert first["verdict"]["id"] == world.verdict_b.pk
    assert first["verdict"]["summary"] == "Right."
    assert first["conflicts"] == [
        {
            "id": world.ab_year.pk,
            "kind": "year",
            "value": "2012",
            "other_value": "2013",
            "sentence": "sentence stating 2012",
            "other_sentence": "sentence stating 2013",
            "resolved": False,
        }
    ]
    assert (second["claim"], second["verdict"]) == (world.c.pk, None)
    assert [(c["kind"], c["value"], c["other_value"]) for c in second["conflicts"]] == [
        ("amount", "4,200,000,000 USD", "4,000,000,000 USD")
    ]


def test_values_are_read_from_the_requested_claims_side(world: World, editor: User, reviewer: User) -> None:
    (row,) = [
        r
        for r in matches(client_for("editor", editor, reviewer), world.b)["results"]
        if r["claim"] == world.a.pk
    ]
    assert [(c["value"], c["other_value"]) for c in row["conflicts"]] == [("2013", "2012")]


@pytest.mark.parametrize("role", ["anonymous", "consumer"])
def test_the_public_sees_only_matches_between_published_claims_and_no_conflicts(
    world: World, editor: User, reviewer: User, role: str
) -> None:
    body = matches(client_for(role, editor, reviewer), world.a)
    assert [(r["claim"], r["conflicts"]) for r in body["results"]] == [(world.b.pk, [])]
    assert body["results"][0]["verdict"]["id"] == world.verdict_b.pk


@pytest.mark.parametrize("role", ["anonymous", "consumer", "reviewer"])
def test_an_unpublished_claim_nobody_lets_you_see_is_a_404(
    world: World, editor: User, reviewer: User, role: str
) -> None:
    response = client_for(role, editor, reviewer).get(f"/api/v1/claims/{world.d.pk}/matches/")
    assert response.status_code == 404
    assert response.json()["detail"] == "No claim with this id (or not visible to you)."


def test_a_reviewer_sees_the_matches_and_conflicts_of_the_claim_they_hold(
    world: World, editor: User, reviewer: User
) -> None:
    body = matches(client_for("reviewer", editor, reviewer), world.c)
    (row,) = body["results"]
    assert (row["claim"], row["verdict"]["id"]) == (world.a.pk, world.verdict_a.pk)
    assert [(c["value"], c["other_value"]) for c in row["conflicts"]] == [
        ("4,000,000,000 USD", "4,200,000,000 USD")
    ]


def test_a_reviewer_sees_other_claims_as_the_public_does(world: World, editor: User, reviewer: User) -> None:
    body = matches(client_for("reviewer", editor, reviewer), world.a)
    assert [(r["claim"], r["conflicts"]) for r in body["results"]] == [(world.b.pk, [])]


@pytest.mark.parametrize("pk", ["abc", "0", "99999999", "1.5", "9" * 30, "%C2%B2"])
def test_a_bad_or_unknown_claim_id_is_a_404(world: World, editor: User, reviewer: User, pk: str) -> None:
    response = client_for("editor", editor, reviewer).get(f"/api/v1/claims/{pk}/matches/")
    assert response.status_code == 404


def test_a_claim_without_matches_has_an_empty_list(editor: User, reviewer: User) -> None:
    claim = ClaimFactory.create()
    assert matches(client_for("editor", editor, reviewer), claim) == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
    }


def test_matches_cost_the_same_queries_whatever_their_number(
    world: World, editor: User, reviewer: User, django_assert_max_num_queries: Any
) -> None:
    for n in range(20):
        other = ClaimFactory.create(article=ArticleFactory.create())
        make_verdict(claim=other)
        conflict(link(world.a, other, 0.8), ConflictKind.YEAR, (world.a, "2012"), str(1990 + n))
    client = client_for("editor", editor, reviewer)
    with django_assert_max_num_queries(8):
        body = matches(client, world.a)
    assert len(body["results"]) == 22


# --- conflicts ---------------------------------------------------------------------------------------


def conflicts(client: APIClient, query: str = "") -> Any:
    response = client.get(f"/api/v1/conflicts/{query}")
    assert response.status_code == 200, response.content
    return response.json()


def test_an_editor_lists_every_conflict_naming_both_claims(
    world: World, editor: User, reviewer: User
) -> None:
    body = conflicts(client_for("editor", editor, reviewer))
    assert body["count"] == 2
    rows = {row["id"]: row for row in body["results"]}
    year = rows[world.ab_year.pk]
    assert (year["claim"], year["other_claim"]) == (world.ab.claim_id, world.ab.other_claim_id)
    assert (year["kind"], year["resolved"]) == ("year", False)
    assert {year["value"], year["other_value"]} == {"2012", "2013"}
    assert {year["article"], year["other_article"]} == {world.a.article_id, world.b.article_id}


def test_a_reviewer_lists_the_conflicts_of_the_claims_they_hold(
    world: World, editor: User, reviewer: User
) -> None:
    body = conflicts(client_for("reviewer", editor, reviewer))
    assert [row["id"] for row in body["results"]] == [world.ac_amount.pk]


@pytest.mark.parametrize("role", ["anonymous", "consumer"])
def test_the_public_lists_no_conflicts(world: World, editor: User, reviewer: User, role: str) -> None:
    assert conflicts(client_for(role, editor, reviewer))["results"] == []


def test_conflicts_filter_by_article_kind_and_resolved(world: World, editor: User, reviewer: User) -> None:
    client = client_for("editor", editor, reviewer)
    ClaimConflict.objects.filter(pk=world.ab_year.pk).update(
        resolved=True, resolved_by=editor, resolved_at=timezone.now(), resolution_note="2012."
    )
    ids = lambda query: [row["id"] for row in conflicts(client, query)["results"]]  # noqa: E731
    assert ids(f"?article={world.c.article_id}") == [world.ac_amount.pk]
    assert sorted(ids(f"?article={world.a.article_id}")) == sorted([world.ab_year.pk, world.ac_amount.pk])
    assert ids("?kind=year") == [world.ab_year.pk]
    assert ids("?resolved=true") == [world.ab_year.pk]
    assert ids("?resolved=false") == [world.ac_amount.pk]
    assert ids("?kind=amount&resolved=true") == []


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("?kind=colour", "kind", "Select a valid choice. colour is not one of the available choices."),
        ("?resolved=maybe", "resolved", "Select a valid choice. maybe is not one of the available choices."),
        ("?article=abc", "article", "Enter a whole number."),
        ("?article=0", "article", "Ensure this value is greater than or equal to 1."),
        (
            "?article=" + "9" * 30,
            "article",
            "Ensure this value is less than or equal to 9223372036854775807.",
        ),
        (
            "?ordering=similarity",
            "ordering",
            "Unknown ordering field: similarity. Choose from: created_at, id.",
        ),
        ("?page=0", "page", "Ensure this value is greater than or equal to 1."),
    ],
)
def test_bad_conflict_filters_are_a_400_naming_the_field(
    world: World, editor: User, reviewer: User, query: str, field: str, message: str
) -> None:
    response = client_for("editor", editor, reviewer).get(f"/api/v1/conflicts/{query}")
    assert response.status_code == 400
    assert response.json()["errors"] == {field: [message]}


def test_conflicts_are_paginated_with_pinned_queries(
    world: World, editor: User, reviewer: User, django_assert_max_num_queries: Any
) -> None:
    for n in range(30):
        conflict(world.ab, ConflictKind.COUNT, (world.a, str(n)), str(n + 100))
    client = client_for("editor", editor, reviewer)
    with django_assert_max_num_queries(6):
        body = conflicts(client, "?page_size=10")
    assert (body["count"], len(body["results"])) == (32, 10)
    assert body["next"] is not None


def test_the_endpoints_are_in_the_openapi_schema(api_client: APIClient) -> None:
    paths = api_client.get("/api/schema/?format=json").json()["paths"]
    assert "/api/v1/claims/{id}/matches/" in paths
    assert "/api/v1/conflicts/" in paths
