"""reviews.selectors_search on PostgreSQL: the triggers keep the stored vectors current on every write
path, the web search syntax, ranking, visibility kept, odd input never an error, and the cap."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.postgres.search import SearchVector
from django.db import connection
from django.db.models import Value
from django.test.utils import CaptureQueriesContext

from reviews import selectors_search
from reviews.models import Article, Citation, Claim, ReviewTask, Verdict, VerdictStatus
from reviews.selectors_search import (
    RANK,
    articles_matching,
    claims_matching,
    search_problem,
    tasks_matching,
    verdicts_matching,
)
from tests.factories import ArticleFactory, ClaimFactory, ReviewTaskFactory
from tests.reviews.api.public_data import make_verdict

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not settings.FACTCHECK_TEST_POSTGRES, reason="full-text search needs PostgreSQL"),
]


def _claims(text: str) -> list[int]:
    return [claim.pk for claim in claims_matching(Claim.objects.all(), text)]


def _verdicts(text: str) -> list[int]:
    return [verdict.pk for verdict in verdicts_matching(Verdict.objects.all(), text)]


def _claim(text: str, **fields: object) -> Claim:
    return ClaimFactory.create(text=text, end=len(text), **fields)


# --- the vectors follow every write ----------------------------------------------------------------


def test_claims_found_by_stem_after_create_bulk_create_and_text_change() -> None:
    created = _claim("Taxes on fuel rose sharply.")
    article = ArticleFactory.create()
    bulk = Claim.objects.bulk_create(
        [Claim(article=article, text="The governor cut taxes.", start=0, end=23, sentence_index=0, score=0.5)]
    )[0]
    assert sorted(_claims("tax")) == sorted([created.pk, bulk.pk])

    created.text = "Spending on roads doubled."
    created.save()
    assert _claims("tax") == [bulk.pk]
    assert _claims("road") == [created.pk]
    Claim.objects.filter(pk=bulk.pk).update(text="Wages fell.")
    assert _claims("taxes") == []
    assert _claims("wage") == [bulk.pk]


def test_verdicts_found_by_claim_summary_rationale_and_citations() -> None:
    verdict = make_verdict(
        claim=_claim("The mayor promised new bridges."),
        summary="No bridge was funded.",
        rationale="The council minutes show the budget vote.",
        citations=[],
    )
    assert _verdicts("mayor") == [verdict.pk]
    assert _verdicts("funded bridges") == [verdict.pk]
    assert _verdicts("council minutes") == [verdict.pk]
    assert _verdicts("treasury") == []

    Citation.objects.create(verdict=verdict, url="https://treasury.example/report", title="Treasury report")
    assert _verdicts("treasury report") == [verdict.pk]
    Citation.objects.filter(verdict=verdict).delete()
    assert _verdicts("treasury") == []
    # One INSERT of several citations (as the services store them): every one is in the vector.
    Citation.objects.bulk_create(
        [
            Citation(verdict=verdict, url="https://a.example/1", title="Census tables", position=0),
            Citation(verdict=verdict, url="https://b.example/2", title="Rail timetable", position=1),
        ]
    )
    assert _verdicts("census") == _verdicts("timetable") == [verdict.pk]
    Citation.objects.filter(verdict=verdict, position=1).update(title="Bus timetable")
    assert _verdicts("rail") == []
    assert _verdicts("bus") == [verdict.pk]
    Citation.objects.filter(verdict=verdict).delete()

    Verdict.objects.filter(pk=verdict.pk).update(rationale="Auditors checked the ledger.")
    assert _verdicts("auditor ledger") == [verdict.pk]
    assert _verdicts("council") == []
    # The claim's text is part of its verdicts' vectors: a change there reaches them.
    Claim.objects.filter(pk=verdict.claim_id).update(text="The mayor promised new tunnels.")
    assert _verdicts("tunnel") == [verdict.pk]
    assert _verdicts('"promised new bridges"') == []


def _stored_vector(verdict: Verdict) -> str:
    return str(Verdict.objects.values_list("search_vector", flat=True).get(pk=verdict.pk))


def test_verdict_vector_rebuilt_on_update_only_when_its_words_or_vector_changed() -> None:
    verdict = make_verdict(summary="No bridge was funded.", status=VerdictStatus.SUBMITTED, citations=[])
    # A marker the trigger would never build: a rebuild replaces it, a skipped one leaves it.
    Verdict.objects.filter(pk=verdict.pk).update(search_vector=SearchVector(Value("marker")))
    loaded = Verdict.objects.get(pk=verdict.pk)
    loaded.editor_note = "Checked."
    loaded.save()  # every column named, as the services' save() does; no word changed
    assert _stored_vector(verdict) == "'marker':1"

    loaded.summary = "No tunnel was funded."
    loaded.save()
    assert _verdicts("tunnel") == [verdict.pk]
    assert "marker" not in _stored_vector(verdict)

    # The object's vector went stale when a citation was added (its trigger rebuilt the stored one):
    # saving the object writes the stale one back, so the row's trigger rebuilds it again.
    Citation.objects.create(verdict=verdict, url="https://treasury.example/report", title="Treasury report")
    loaded.editor_note = "Checked again."
    loaded.save()
    assert _verdicts("treasury") == [verdict.pk]


def test_articles_found_by_title_author_and_publisher() -> None:
    article = ArticleFactory.create(title="Floods in the valley", author="Ann Lee", publisher="Daily Planet")
    for text in ("flooding", "ann lee", "planet"):
        assert [a.pk for a in articles_matching(Article.objects.all(), text)] == [article.pk], text
    Article.objects.filter(pk=article.pk).update(title="Drought in the valley")
    assert [a.pk for a in articles_matching(Article.objects.all(), "drought")] == [article.pk]
    assert list(articles_matching(Article.objects.all(), "floods")) == []


def test_tasks_found_by_their_claim() -> None:
    task = ReviewTaskFactory.create(claim=_claim("Inflation reached 9% in 2022."))
    ReviewTaskFactory.create(claim=_claim("Crime fell."))
    assert [t.pk for t in tasks_matching(ReviewTask.objects.all(), "inflation")] == [task.pk]
    assert [t.pk for t in tasks_matching(ReviewTask.objects.all(), "nothing", or_id=task.pk)] == [task.pk]


# --- syntax and ranking ----------------------------------------------------------------------------


def test_web_search_syntax() -> None:
    health = _claim("Health care costs rose for families.")
    care = _claim("The care of the health ministry slipped.")
    flu = _claim("The flu season was mild.")
    assert _claims('"health care"') == [health.pk]
    assert sorted(_claims("health care")) == sorted([health.pk, care.pk])
    assert sorted(_claims("flu or families")) == sorted([health.pk, flu.pk])
    assert _claims("health -ministry") == [health.pk]


def test_best_match_first_then_newest() -> None:
    once = _claim("Unemployment was low, officials said.")
    twice = _claim("Unemployment rose and unemployment benefits ran out.")
    tie_old = _claim("Exports grew.")
    tie_new = _claim("Exports grew.")
    assert _claims("unemployment") == [twice.pk, once.pk]
    assert _claims("exports") == [tie_new.pk, tie_old.pk]
    ranks = [getattr(claim, RANK) for claim in claims_matching(Claim.objects.all(), "unemployment")]
    assert ranks[0] > ranks[1] > 0


def test_verdict_summary_outranks_citation() -> None:
    in_summary = make_verdict(summary="Pensions were not cut.", citations=[])
    in_citation = make_verdict(summary="Wrong figure.", citations=[])
    Citation.objects.create(verdict=in_citation, url="https://x.example/p", title="Pensions table")
    assert _verdicts("pensions") == [in_summary.pk, in_citation.pk]


@pytest.mark.parametrize(
    "text",
    [
        "&|!:*()",
        "'",
        '"unbalanced',
        "a:* & b | !c",
        "(((",
        "<->",
        "\\",
        "%_",
        "the",  # stop words only: an empty query, no match
        "😀 ∑ ü",
        "-",
        "or",
        "- - -",
        "x" * 200,
    ],
)
def test_odd_input_is_searched_safely(text: str) -> None:
    _claim("Shared text of a claim.")
    # Matches nothing (and raises nothing); the same query twice on a verdict search too.
    assert _claims(text) == []
    assert _verdicts(text) == []


def test_odd_characters_around_words_still_find_them() -> None:
    claim = _claim("Vaccines were tested in 2021.")
    assert _claims("vaccines!!! (tested) & 2021:*") == [claim.pk]


def test_refused_input_finds_nothing_even_through_a_caller_that_did_not_check() -> None:
    claim = _claim("Long query target.")
    assert search_problem("x" * 201) == "Search for at most 200 characters (this search has 201)."
    assert search_problem("a\x00b") == "Null characters are not allowed."
    assert search_problem("target") is None
    assert _claims("target " + "x" * 200) == []
    assert _claims("target\x00") == []
    assert _claims("target") == [claim.pk]


# --- visibility and the cap -------------------------------------------------------------------------


def test_search_keeps_the_callers_restriction() -> None:
    published = make_verdict(claim=_claim("Coal plants closed."))
    make_verdict(claim=_claim("Coal mines closed."), status=VerdictStatus.SUBMITTED)
    found = verdicts_matching(Verdict.objects.published(), "coal")
    assert [v.pk for v in found] == [published.pk]


def test_at_most_max_ranked_matches_of_the_callers_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(selectors_search, "MAX_RANKED", 2)
    article = ArticleFactory.create()
    visible = {_claim("Solar power grew.", article=article).pk for _ in range(3)}
    _claim("Solar power grew.")  # not among the caller's rows: never takes a place in the cap
    found = {claim.pk for claim in claims_matching(Claim.objects.filter(article=article), "solar")}
    assert len(found) == 2
    assert found <= visible


def test_left_out_words_apply_to_the_capped_candidates(monkeypatch: pytest.MonkeyPatch) -> None:
    keep = _claim("Tariffs on steel rose.")
    _claim("Tariffs on grain rose.")
    assert _claims("tariffs -grain") == [keep.pk]
    assert _claims("-grain") == []  # nothing to look for: nothing found, and no row read


def test_or_id_adds_that_row() -> None:
    claim = _claim("Fishing quotas changed.")
    other = _claim("Ports expanded.")
    assert sorted(c.pk for c in claims_matching(Claim.objects.all(), "fishing", or_id=other.pk)) == sorted(
        [claim.pk, other.pk]
    )


def test_the_index_is_read_once_for_a_page_and_its_count() -> None:
    _claim("Rents climbed.")
    with CaptureQueriesContext(connection) as queries:
        found = claims_matching(Claim.objects.all(), "rents")
        assert len(list(found[:50])) == 1
        assert found.count() == 1
    # The candidates from the index (the words to find, `querytree`), then the page and the count by id.
    assert ["querytree(" in query["sql"] for query in queries] == [True, False, False]
