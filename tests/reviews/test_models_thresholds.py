"""The claim thresholds' named constraints, each made to fail."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from reviews.models import Article, SourceThreshold

pytestmark = pytest.mark.django_db


def fails(name: str, create: object) -> None:
    with pytest.raises(IntegrityError, match=name), transaction.atomic():
        create()  # type: ignore[operator]


def test_one_threshold_per_source() -> None:
    SourceThreshold.objects.create(host="example.com", threshold=0.5)
    fails(
        "sourcethreshold_unique_host",
        lambda: SourceThreshold.objects.create(host="example.com", threshold=0.6),
    )


@pytest.mark.parametrize("value", [-0.1, 1.5])
def test_a_source_threshold_is_in_the_unit_range(value: float) -> None:
    fails(
        "sourcethreshold_threshold_range",
        lambda: SourceThreshold.objects.create(host="example.com", threshold=value),
    )
    SourceThreshold.objects.create(host="zero.example.com", threshold=0.0)
    SourceThreshold.objects.create(host="one.example.com", threshold=1.0)


@pytest.mark.parametrize("host", ["", "www.example.com", "Example.com"])
def test_a_source_host_is_stored_normalised(host: str) -> None:
    fails(
        "sourcethreshold_host_normalised",
        lambda: SourceThreshold.objects.create(host=host, threshold=0.5),
    )


def test_an_article_threshold_origin_is_one_of_the_choices() -> None:
    fails(
        "article_claim_threshold_origin_valid",
        lambda: Article.objects.create(raw_text="x", content_hash="a", claim_threshold_origin="guess"),
    )
    Article.objects.create(raw_text="x", content_hash="b", claim_threshold_origin="")
    Article.objects.create(raw_text="x", content_hash="c", claim_threshold_origin="source")
