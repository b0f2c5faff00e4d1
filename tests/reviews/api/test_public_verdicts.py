"""GET /api/v1/verdicts/: visibility by role, versions, filters, ordering, keyset cursors, conditional GET."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest

from reviews.models import Citation, Verdict, VerdictStatus
from tests.factories import ArticleFactory, ClaimFactory
from tests.reviews.api.public_data import (
    consumer_user,
    ids_by_publication,
    make_verdict,
    published_rows,
    token_client,
)

pytestmark = pytest.mark.django_db

UNPUBLISHED = [
    (VerdictStatus.DRAFT, None),
    (VerdictStatus.SUBMITTED, "true"),
    (VerdictStatus.RETURNED, "true"),
    (VerdictStatus.SUPERSEDED, "true"),
    (VerdictStatus.RETRACTED, "true"),
    (VerdictStatus.ABANDONED, None),
]


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def _walk(client, url: str, link: str = "next") -> list[list[int]]:
    pages = []
    while url:
        body = client.get(url).json()
        pages.append([row["id"] for row in body["results"]])
        url = body[link]
    return pages


@pytest.fixture
def every_state() -> dict[str, Verdict]:
    rows = {"published": make_verdict()}
    for status, slug in UNPUBLISHED:
        rows[status] = make_verdict(status=status, rating_slug=slug)
    return rows


def test_anonymous_consumers_and_reviewers_see_published_verdicts_only(every_state, reviewer) -> None:
    for user in (None, consumer_user(), reviewer):
        assert _ids(token_client(user).get("/api/v1/verdicts/")) == [every_state["published"].pk]


def test_editors_see_every_state(every_state, editor) -> None:
    assert sorted(_ids(token_client(editor).get("/api/v1/verdicts/"))) == sorted(
        v.pk for v in every_state.values()
    )
    drafts = token_client(editor).get("/api/v1/verdicts/?status=draft")
    assert _ids(drafts) == [every_state["draft"].pk]


@pytest.mark.parametrize(("status", "slug"), UNPUBLISHED)
def test_unpublished_detail_is_404_for_others_and_200_for_editors(status, slug, editor, reviewer) -> None:
    verdict = make_verdict(status=status, rating_slug=slug)
    for user in (None, consumer_user(), reviewer):
        response = token_client(user).get(f"/api/v1/verdicts/{verdict.pk}/")
        assert response.status_code == 404
        assert response.json() == {
            "detail": "No verdict with this id (or not visible to you).",
            "code": "not_found",
            "errors": {},
        }
    response = token_client(editor).get(f"/api/v1/verdicts/{verdict.pk}/")
    assert response.status_code == 200
    assert response.json()["status"] == status
    assert response.json()["public_url"] is None


def test_detail_of_a_published_verdict() -> None:
    article = ArticleFactory.create(
        title="Budget speech", publisher="Daily Planet", source_url="https://planet.example/budget"
    )
    verdict = make_verdict(
        claim=ClaimFactory.create(article=article, text="Roads cost $12 million.", claim_type="statistic"),
        rating_slug="mostly-false",
        citations=["https://gov.example/budget.pdf"],
        rationale="The budget line says $9.5 million.",
    )
    published_at = verdict.published_at
    assert published_at is not None
    body = token_client(None).get(f"/api/v1/verdicts/{verdict.pk}").json()  # no trailing slash works too
    assert body == {
        "id": verdict.pk,
        "status": "published",
        "version": 1,
        "previous": None,
        "superseded_by": None,
        "claim": {
            "id": verdict.claim_id,
            "text": "Roads cost $12 million.",
            "claim_type": "statistic",
            "score": 0.9,
        },
        "article": {
            "id": article.pk,
            "title": "Budget speech",
            "author": "",
            "publisher": "Daily Planet",
            "published_on": None,
            "source_url": "https://planet.example/budget",
        },
        "rating": {
            "slug": "mostly-false",
            "name": "Mostly false",
            "rating_value": 2,
            "best_rating": 5,
            "worst_rating": 1,
            "alternate_name": "Mostly false",
        },
        "summary": "The figure was 1.2%, not 3%.",
        "rationale": "The budget line says $9.5 million.",
        "citations": [
            {
                "url": "https://gov.example/budget.pdf",
                "title": "Source 0",
                "publisher": "",
                "published": None,
                "excerpt": "",
            }
        ],
        "correction_note": "",
        "retraction_note": "",
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
        "published_at": published_at.isoformat().replace("+00:00", "Z"),
        "retracted_at": None,
        "public_url": f"http://testserver/verdicts/{verdict.pk}/",
    }


def test_corrections_consumers_get_the_latest_version_editors_also_the_superseded_one(editor) -> None:
    claim = ClaimFactory.create()
    first = make_verdict(claim=claim, status=VerdictStatus.SUPERSEDED, rating_slug="true")
    second = make_verdict(
        claim=claim,
        version=2,
        previous=first,
        rating_slug="half-true",
        correction_note="The 2019 figure was revised.",
    )
    consumer = token_client(consumer_user())
    assert _ids(consumer.get("/api/v1/verdicts/")) == [second.pk]
    latest = consumer.get(f"/api/v1/verdicts/{second.pk}/").json()
    assert (latest["version"], latest["previous"], latest["superseded_by"]) == (2, first.pk, None)
    assert latest["correction_note"] == "The 2019 figure was revised."
    assert consumer.get(f"/api/v1/verdicts/{first.pk}/").status_code == 404
    assert consumer.get(f"/api/v1/claims/{claim.pk}/").json()["verdict"]["id"] == second.pk

    old = token_client(editor).get(f"/api/v1/verdicts/{first.pk}/").json()
    assert (old["status"], old["version"], old["previous"], old["superseded_by"]) == (
        "superseded",
        1,
        None,
        second.pk,
    )


# --- filters ---------------------------------------------------------------------------------------


@pytest.fixture
def three() -> dict[str, Verdict]:
    article = ArticleFactory.create()
    day = dt.datetime(2025, 1, 10, 9, 0, tzinfo=dt.UTC)
    return {
        "a": make_verdict(
            claim=ClaimFactory.create(
                article=article, claim_type="statistic", score=0.95, text="Deaths fell 40%."
            ),
            rating_slug="false",
            citations=["https://www.WHO.int/data?x=1", "https://example.net/"],
            published_at=day,
            summary="The vaccine data show otherwise.",
        ),
        "b": make_verdict(
            claim=ClaimFactory.create(claim_type="quote", score=0.5, text="The mayor said roads are free."),
            rating_slug="mostly-true",
            citations=["http://example.org:8080/page"],
            published_at=day + dt.timedelta(days=31),
        ),
        "c": make_verdict(
            claim=ClaimFactory.create(claim_type="statistic", score=0.7, text="GDP grew 3%."),
            rating_slug="true",
            citations=[
                "https://notwho.int/",
                "https://who.int.evil.example/",
                "https://user@example.com/who.int",
            ],
            published_at=day + dt.timedelta(days=59),
        ),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("claim_type=statistic", "ac"),
        ("score_min=0.6", "ac"),
        ("score_max=0.6", "b"),
        ("score_min=0.6&score_max=0.8", "c"),
        ("rating=false", "a"),
        ("rating=false,true", "ac"),
        ("rating=false&rating=mostly-true", "ab"),
        ("published_after=2025-02-01T00:00:00Z", "bc"),
        ("published_before=2025-02-01T00:00:00Z", "a"),
        ("published_after=2025-02-01T00:00:00Z&published_before=2025-03-01", "b"),
        # Offsets PostgreSQL would refuse (beyond 15:59) are converted to UTC first.
        ("published_before=2025-01-31T02:00:00-22:05", "a"),
        ("published_after=1024-11-22T22:36:49-22:05&status=abandoned", ""),
        ("cited_domain=who.int", "a"),
        ("cited_domain=WHO.INT", "a"),
        ("cited_domain=example.org", "b"),
        ("cited_domain=example.com", "c"),
        ("cited_domain=int", "ac"),
        ("cited_domain=nowhere.example", ""),
        ("q=vaccine", "a"),
        ("q=MAYOR", "b"),
        ("q=vaccine&claim_type=quote", ""),
        ("status=published", "abc"),
        ("status=draft", ""),
    ],
)
def test_filters(three, query: str, expected: str) -> None:
    ids = _ids(token_client(consumer_user()).get(f"/api/v1/verdicts/?{query}"))
    assert sorted(ids) == sorted(three[name].pk for name in expected)


def test_article_and_claim_filters(three) -> None:
    client = token_client(None)
    assert _ids(client.get(f"/api/v1/verdicts/?article={three['a'].claim.article_id}")) == [three["a"].pk]
    assert _ids(client.get(f"/api/v1/verdicts/?claim={three['b'].claim_id}")) == [three["b"].pk]


def test_ordering(three) -> None:
    client = token_client(None)
    a, b, c = (three[name].pk for name in "abc")
    assert _ids(client.get("/api/v1/verdicts/")) == [c, b, a]
    assert _ids(client.get("/api/v1/verdicts/?ordering=published_at")) == [a, b, c]
    assert _ids(client.get("/api/v1/verdicts/?ordering=-id")) == sorted([a, b, c], reverse=True)
    response = client.get("/api/v1/verdicts/?ordering=-rating")
    message = "Unknown ordering field: -rating. Choose from: created_at, id, published_at."
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Invalid input. ordering: " + message,
        "code": "invalid",
        "errors": {
            "ordering": ["Unknown ordering field: -rating. Choose from: created_at, id, published_at."]
        },
    }


# --- keyset cursor pagination ---------------------------------------------------------------------


def test_cursor_pages_forward_and_back_cover_every_row_once() -> None:
    rows = published_rows(7)
    client = token_client(None)
    expected = ids_by_publication(rows)
    pages = _walk(client, "/api/v1/verdicts/?page_size=3")
    assert pages == [expected[0:3], expected[3:6], expected[6:7]]

    first = client.get("/api/v1/verdicts/?page_size=3").json()
    assert first["previous"] is None
    last_url = client.get(first["next"]).json()["next"]
    last = client.get(last_url).json()
    assert last["next"] is None
    assert _walk(client, last["previous"], link="previous") == [expected[3:6], expected[0:3]]
    query = parse_qs(urlsplit(first["next"]).query)
    assert query["page_size"] == ["3"]


def test_cursor_is_stable_across_ties_and_new_publications() -> None:
    same_time = dt.datetime(2025, 5, 5, 5, 5, tzinfo=dt.UTC)
    rows = published_rows(5, published_at=same_time)
    client = token_client(None)
    first = client.get("/api/v1/verdicts/?page_size=2").json()
    # Published while the reader is on page 1: it sorts first, so it does not shift the pages to come.
    newer = make_verdict()
    Verdict.objects.filter(pk=newer.pk).update(published_at=same_time + dt.timedelta(hours=1))
    rest = _walk(client, first["next"])
    seen = [row["id"] for row in first["results"]] + [pk for page in rest for pk in page]
    assert seen == sorted((v.pk for v in rows), reverse=True)


@pytest.mark.parametrize("ordering", ["-published_at", "published_at"])
def test_editors_cursor_walks_through_unpublished_rows_with_no_date(editor, ordering: str) -> None:
    published = published_rows(3)
    drafts = [make_verdict(status=VerdictStatus.DRAFT, rating_slug=None) for _ in range(3)]
    client = token_client(editor)
    pages = _walk(client, f"/api/v1/verdicts/?page_size=2&ordering={ordering}")
    seen = [pk for page in pages for pk in page]
    by_date = ids_by_publication(published, newest_first=False)
    no_date = sorted((v.pk for v in drafts), reverse=ordering.startswith("-"))
    # No date sorts as the largest value: first when descending, last when ascending (ties by id).
    assert seen == (no_date + by_date[::-1] if ordering.startswith("-") else by_date + sorted(no_date))
    last = client.get(f"/api/v1/verdicts/?page_size=2&ordering={ordering}").json()
    while last["next"]:
        last = client.get(last["next"]).json()
    back = _walk(client, last["previous"], link="previous") if last["previous"] else []
    assert [pk for page in reversed(back) for pk in page] + [r["id"] for r in last["results"]] == seen


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "eyJrIjpbIi1wdWJsaXNoZWRfYXQiLCItaWQiXSwidiI6WyJub3QgYSBkYXRlIiwyXSwiciI6MH0",  # v: not a date
        "eyJrIjpbIi1wdWJsaXNoZWRfYXQiLCItaWQiXSwidiI6W251bGxdLCJyIjowfQ",  # one value for two keys
        "eyJrIjpbImlkIl0sInYiOlsxXSwiciI6MH0",  # made for ordering=id
        "W10",  # []
        "x" * 2000,
        # published_at "0001-01-01T00:00:00+05:00": a valid date that leaves the calendar in UTC
        "eyJrIjpbIi1wdWJsaXNoZWRfYXQiLCItaWQiXSwidiI6WyIwMDAxLTAxLTAxVDAwOjAwOjAwKzA1OjAwIiwxXSwiciI6MH0",
    ],
)
def test_bad_cursor_is_a_400(cursor: str) -> None:
    make_verdict()
    response = token_client(None).get(f"/api/v1/verdicts/?cursor={cursor}")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Invalid input. cursor: Invalid cursor.",
        "code": "invalid",
        "errors": {"cursor": ["Invalid cursor."]},
    }


def test_a_cursor_only_works_with_the_ordering_it_was_made_for() -> None:
    published_rows(3)
    client = token_client(None)
    next_url = client.get("/api/v1/verdicts/?page_size=1").json()["next"]
    assert client.get(next_url).status_code == 200
    assert client.get(next_url + "&ordering=id").json()["detail"] == "Invalid input. cursor: Invalid cursor."


# --- conditional GET -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/verdicts/{pk}/", "/api/v1/verdicts/"])
def test_etag_and_304(path: str) -> None:
    verdict = make_verdict()
    url = path.format(pk=verdict.pk)
    client = token_client(None)
    first = client.get(url)
    etag = first["ETag"]
    assert etag.startswith('"')
    assert first["Cache-Control"] == "no-cache"
    assert "Authorization" in first["Vary"]
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    Verdict.objects.filter(pk=verdict.pk).update(summary="Updated summary.")
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_editors_and_consumers_get_different_etags_for_different_bodies(editor) -> None:
    make_verdict()
    make_verdict(status=VerdictStatus.DRAFT, rating_slug=None)
    consumer_etag = token_client(consumer_user()).get("/api/v1/verdicts/")["ETag"]
    editor_response = token_client(editor).get("/api/v1/verdicts/", HTTP_IF_NONE_MATCH=consumer_etag)
    assert editor_response.status_code == 200


def test_the_list_and_the_detail_agree(editor) -> None:
    claim = ClaimFactory.create(
        article=ArticleFactory.create(published_on=dt.date(2025, 1, 2), author="Lois")
    )
    first = make_verdict(
        claim=claim, status=VerdictStatus.SUPERSEDED, citations=["https://a.example/", "https://b.example/"]
    )
    make_verdict(claim=claim, version=2, previous=first, correction_note="Fixed.")
    make_verdict(status=VerdictStatus.DRAFT, rating_slug=None, citations=[])
    Citation.objects.filter(verdict=first).update(published=dt.date(2024, 5, 6), excerpt="A quote.")
    client = token_client(editor)
    listed = client.get("/api/v1/verdicts/").json()["results"]
    assert len(listed) == 3
    for row in listed:
        assert client.get(f"/api/v1/verdicts/{row['id']}/").json() == row
