"""`q` on /api/v1/claims/, /verdicts/, /claimreview/ and /articles/: full-text search on PostgreSQL, best
match first, visibility kept, the verdict feed's cursor through a ranked list, and bad input a 400."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reviews.models import Citation, VerdictStatus
from tests.factories import ArticleFactory, ClaimFactory
from tests.reviews.api.public_data import consumer_user, make_verdict, token_client

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not settings.FACTCHECK_TEST_POSTGRES, reason="full-text search needs PostgreSQL"),
]


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def _claim(text: str, **fields: object):
    return ClaimFactory.create(text=text, end=len(text), **fields)


@pytest.fixture
def rows() -> dict:
    strong = make_verdict(
        claim=_claim("Wind farms supplied half of the power."),
        summary="Wind farms supplied a fifth of the power, not half.",
        rationale="The grid operator's wind figures.",
    )
    weak = make_verdict(claim=_claim("Wind blew the roof off."), summary="Storm damage was minor.")
    hidden = make_verdict(claim=_claim("Wind taxes doubled."), status=VerdictStatus.SUBMITTED)
    return {"strong": strong, "weak": weak, "hidden": hidden}


def test_verdicts_ranked_best_first_and_only_published_for_others(rows, editor, reviewer) -> None:
    for user in (None, consumer_user(), reviewer):
        assert _ids(token_client(user).get("/api/v1/verdicts/?q=wind")) == [
            rows["strong"].pk,
            rows["weak"].pk,
        ]
    everything = _ids(token_client(editor).get("/api/v1/verdicts/?q=wind"))
    assert sorted(everything) == sorted(row.pk for row in rows.values())
    assert everything[0] == rows["strong"].pk


def test_verdicts_found_by_rationale_and_citation(rows) -> None:
    Citation.objects.create(
        verdict=rows["weak"], url="https://insurers.example/claims", title="Insurers' tally"
    )
    client = token_client(None)
    assert _ids(client.get("/api/v1/verdicts/?q=operator")) == [rows["strong"].pk]
    assert _ids(client.get("/api/v1/verdicts/?q=insurer")) == [rows["weak"].pk]
    reviews = client.get("/api/v1/claimreview/?q=insurer").json()["results"]
    assert [review["url"].rstrip("/").rsplit("/", 1)[1] for review in reviews] == [str(rows["weak"].pk)]


def test_explicit_ordering_wins_over_rank(rows) -> None:
    ids = _ids(token_client(None).get("/api/v1/verdicts/?q=wind&ordering=published_at"))
    assert ids == sorted([rows["strong"].pk, rows["weak"].pk], key=lambda pk: pk)


def test_verdict_cursor_pages_through_a_ranked_search() -> None:
    verdicts = [
        make_verdict(claim=_claim("Rail " * (n % 4 + 1) + "fares rose."), summary="Fares rose less.")
        for n in range(7)
    ]
    client = token_client(None)
    seen: list[int] = []
    url: str | None = "/api/v1/verdicts/?q=rail&page_size=3"
    while url:
        response = client.get(url)
        seen += _ids(response)
        url = response.json()["next"]
    assert sorted(seen) == sorted(v.pk for v in verdicts)
    assert len(seen) == len(set(seen))
    # Back from the last page gives the page before it, in the same order.
    whole = _ids(client.get("/api/v1/verdicts/?q=rail&page_size=7"))
    assert seen == whole


def test_claims_ranked_and_others_see_only_claims_with_a_published_verdict(rows, editor) -> None:
    sentence = _claim("Wind wind wind everywhere.", status="sentence")
    # Equal ranks (one "wind" each): the newest first.
    others = _ids(token_client(None).get("/api/v1/claims/?q=wind"))
    assert others == [rows["weak"].claim_id, rows["strong"].claim_id]
    editors = _ids(token_client(editor).get("/api/v1/claims/?q=wind"))
    assert editors[0] == sentence.pk
    assert sorted(editors) == sorted([sentence.pk, *(row.claim_id for row in rows.values())])


def test_articles_by_title_first() -> None:
    in_title = ArticleFactory.create(title="Harbour dredging plan", publisher="Coast News")
    by_publisher = ArticleFactory.create(title="Council meeting", publisher="Harbour Gazette")
    for article in (in_title, by_publisher):
        make_verdict(claim=_claim("A claim.", article=article))
    assert _ids(token_client(None).get("/api/v1/articles/?q=harbour")) == [in_title.pk, by_publisher.pk]


@pytest.mark.parametrize(
    "text",
    ["&|!:*()", "'", '"', "a:* & b", "((", "\\", "%", "the", "😀", "-wind", "wind -wind", "<script>"],
)
@pytest.mark.parametrize("path", ["claims", "verdicts", "claimreview", "articles"])
def test_odd_characters_are_a_search_not_an_error(rows, path: str, text: str) -> None:
    response = token_client(None).get(f"/api/v1/{path}/?q={quote(text)}")
    assert response.status_code == 200, response.content


def test_left_out_words(rows) -> None:
    client = token_client(None)
    assert _ids(client.get("/api/v1/verdicts/?q=wind%20-roof")) == [rows["strong"].pk]
    # Only words to leave out: nothing to look for, so nothing found (rather than reading every row).
    assert _ids(client.get("/api/v1/verdicts/?q=-roof")) == []


@pytest.mark.parametrize("path", ["claims", "verdicts", "claimreview", "articles"])
def test_over_long_and_nul_queries_are_refused_with_the_reason(path: str) -> None:
    client = token_client(None)
    response = client.get(f"/api/v1/{path}/?q=" + "a" * 201)
    assert response.status_code == 400
    assert response.json()["errors"] == {"q": ["Ensure this value has at most 200 characters (it has 201)."]}
    response = client.get(f"/api/v1/{path}/?q=a%00b")
    assert response.status_code == 400
    assert response.json()["errors"] == {"q": ["Null characters are not allowed."]}


def test_blank_query_is_the_whole_list(rows) -> None:
    client = token_client(None)
    assert _ids(client.get("/api/v1/verdicts/?q=%20%20")) == _ids(client.get("/api/v1/verdicts/"))


def test_forged_cursor_for_a_search_is_a_400(rows) -> None:
    import base64
    import json

    payload = json.dumps({"k": ["-search_rank", "-id"], "v": ["high", 1], "r": 0}).encode()
    cursor = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    response = token_client(None).get(f"/api/v1/verdicts/?q=wind&cursor={cursor}")
    assert response.status_code == 400
    assert response.json()["errors"] == {"cursor": ["Invalid cursor."]}


def test_schema_says_what_q_accepts(client) -> None:
    schema = client.get("/api/schema/?format=json").json()
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/claims/"]["get"]["parameters"]}
    assert (
        '"a quoted phrase", `or` between alternatives, `-word` to leave a word out'
        in (parameters["q"]["description"])
    )


def test_claim_pages_of_a_search_read_the_index_once(editor) -> None:
    claims = [_claim("Ferry " * (n % 3 + 1) + "tickets rose.", score=n / 10) for n in range(5)]
    _claim("Bus tickets rose.")
    client = token_client(editor)
    pages = []
    for number in (1, 2, 3):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/api/v1/claims/?q=ferry&page_size=2&page={number}")
        assert response.json()["count"] == 5
        pages += _ids(response)
        # The candidates from the index (`querytree`: the words to find), then the ranked ids of the
        # matches among them (the count), then the page's rows by id.
        assert sum("querytree(" in query["sql"] for query in queries) == 1
    whole = _ids(client.get("/api/v1/claims/?q=ferry"))
    assert pages == whole
    assert sorted(whole) == sorted(claim.pk for claim in claims)
    assert client.get("/api/v1/claims/?q=ferry&page_size=2&page=4").status_code == 404
    by_score = _ids(client.get("/api/v1/claims/?q=ferry&ordering=-score&page_size=2&page=2"))
    assert by_score == [claims[2].pk, claims[1].pk]


def test_verdict_cursor_pages_read_the_index_once() -> None:
    verdicts = [make_verdict(claim=_claim("Toll roads opened."), summary="Two opened.") for _ in range(3)]
    client = token_client(None)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/verdicts/?q=toll&page_size=2")
    assert _ids(response) == [verdicts[2].pk, verdicts[1].pk]
    assert sum("querytree(" in query["sql"] for query in queries) == 1
    # The page's rows, with their claims and articles, are read by id: no join for every match.
    (rows,) = [query["sql"] for query in queries if '"reviews_claim"."text"' in query["sql"]]
    assert "@@" not in rows
    with CaptureQueriesContext(connection) as queries:
        rest = client.get(response.json()["next"])
    assert _ids(rest) == [verdicts[0].pk]
    assert sum("querytree(" in query["sql"] for query in queries) == 1
