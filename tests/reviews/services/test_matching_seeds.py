"""The seed articles (five reports on one story) ingested and matched by the worker's own code, on
PostgreSQL: the arms deal told in two reports is linked with its year conflict (2012 against 2013), no
other conflict is reported, and no link joins claims that are not the same claim (the general statements
of the story about Russia and Iraq)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.management import call_command

from reviews.matching.evaluation import SEED_SAME
from reviews.models import Article, ClaimConflict, ClaimMatch, ConflictKind
from reviews.services.matching_run import article_match
from reviews.services.vector_index import claims_index_reset
from tests.conftest import SEEDS

pytestmark = pytest.mark.django_db

WORTH = "The arms deal was worth a total of 4.2 billion USD."
SIGNED_2013 = "In 2013, former Prime Minister Nouri al-Maliki signed a $4.2 billion arms deal with Russia"


@pytest.fixture
def matched_seeds() -> Iterator[None]:
    """The seeds ingested, then each article matched as the worker does (`reviews.article_match`)."""
    claims_index_reset()
    call_command("ingest", str(SEEDS), "--no-progress")
    for article_id in Article.objects.order_by("pk").values_list("pk", flat=True):
        article_match(article_id=article_id)
    yield
    claims_index_reset()


def test_the_arms_deal_is_linked_with_its_year_conflict(matched_seeds: None) -> None:
    match = ClaimMatch.objects.get(claim__text=WORTH, other_claim__text__startswith=SIGNED_2013)
    (conflict,) = match.conflicts.all()
    assert conflict.kind == ConflictKind.YEAR
    assert (conflict.value, conflict.other_value) == ("2012", "2013")
    # 2012 is read from the sentence before the claim, and the conflict says so.
    assert conflict.sentence.startswith("For instance, Iraq equipped its army with American weapons")
    assert conflict.other_sentence.startswith(SIGNED_2013)


def test_no_other_conflict_is_reported_on_the_seeds(matched_seeds: None) -> None:
    found = {
        (c.kind, c.value, c.other_value, c.match.claim.text[:30], c.match.other_claim.text[:30])
        for c in ClaimConflict.objects.select_related("match__claim", "match__other_claim")
    }
    assert found == {("year", "2012", "2013", WORTH[:30], SIGNED_2013[:30])}


def test_every_link_on_the_seeds_is_the_same_claim(matched_seeds: None) -> None:
    links = [
        (m.claim.text, m.other_claim.text) for m in ClaimMatch.objects.select_related("claim", "other_claim")
    ]
    assert links
    wrong = [
        (a[:60], b[:60])
        for a, b in links
        if not any((x in a and y in b) or (x in b and y in a) for x, y in SEED_SAME)
    ]
    assert wrong == []
