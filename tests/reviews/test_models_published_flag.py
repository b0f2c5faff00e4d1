"""`Claim.has_published_verdict`: the triggers of migration 0027 keep it equal to "one of its verdicts is
published" through every kind of write, and `with_published_verdict()` reads it."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import timezone

from reviews.models import Claim, Verdict, VerdictStatus
from tests.factories import ClaimFactory
from tests.reviews.api.public_data import make_verdict

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(
    not settings.FACTCHECK_TEST_POSTGRES, reason="the flag is kept by PostgreSQL triggers"
)


def _flag(claim: Claim) -> bool:
    return Claim.objects.values_list("has_published_verdict", flat=True).get(pk=claim.pk)


def _visible() -> set[int]:
    return set(Claim.objects.with_published_verdict().values_list("pk", flat=True))


def test_claims_with_a_published_verdict_and_no_others() -> None:
    published = make_verdict(status=VerdictStatus.PUBLISHED)
    submitted = make_verdict(status=VerdictStatus.SUBMITTED)
    retracted = make_verdict(status=VerdictStatus.RETRACTED)
    ClaimFactory.create()
    assert _visible() == {published.claim_id}
    assert submitted.claim_id not in _visible()
    assert retracted.claim_id not in _visible()


@postgres_only
def test_flag_follows_a_verdict_in_and_out_of_published() -> None:
    verdict = make_verdict(status=VerdictStatus.SUBMITTED)
    claim = verdict.claim
    assert _flag(claim) is False

    verdict.status = VerdictStatus.PUBLISHED
    verdict.published_at = timezone.now()
    verdict.save()
    assert _flag(claim) is True

    Verdict.objects.filter(pk=verdict.pk).update(status=VerdictStatus.RETRACTED, retracted_at=timezone.now())
    assert _flag(claim) is False

    Verdict.objects.filter(pk=verdict.pk).update(status=VerdictStatus.PUBLISHED)
    assert _flag(claim) is True
    Verdict.objects.filter(pk=verdict.pk).delete()
    assert _flag(claim) is False


@postgres_only
def test_flag_set_by_inserts_of_published_verdicts_one_or_many() -> None:
    one = make_verdict(status=VerdictStatus.PUBLISHED)
    assert _flag(one.claim) is True
    claims = ClaimFactory.create_batch(2)
    Verdict.objects.bulk_create(
        [
            Verdict(claim=claims[0], status=VerdictStatus.DRAFT, summary="a"),
            Verdict(
                claim=claims[1],
                status=VerdictStatus.PUBLISHED,
                summary="b",
                rationale="",
                published_at=one.published_at,
                rating=one.rating,
            ),
        ]
    )
    assert [_flag(claim) for claim in claims] == [False, True]


@postgres_only
def test_flag_moves_with_a_published_verdict_to_another_claim() -> None:
    verdict = make_verdict(status=VerdictStatus.PUBLISHED)
    old_claim, new_claim = verdict.claim, ClaimFactory.create()
    Verdict.objects.filter(pk=verdict.pk).update(claim=new_claim)
    assert (_flag(old_claim), _flag(new_claim)) == (False, True)


@postgres_only
def test_a_stale_claim_object_cannot_save_a_wrong_flag() -> None:
    claim = ClaimFactory.create()
    stale = Claim.objects.get(pk=claim.pk)
    make_verdict(claim=claim, status=VerdictStatus.PUBLISHED)
    assert stale.has_published_verdict is False
    stale.score = 0.9
    stale.save()  # names every column, the flag as the object read it
    assert _flag(claim) is True

    Claim.objects.filter(pk=claim.pk).update(has_published_verdict=False)
    assert _flag(claim) is True
