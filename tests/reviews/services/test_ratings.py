"""rating_label_changed: what an edit to a rating label means for published verdicts carrying it."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from reviews import published_cache
from reviews.api.published_render import fragments_build
from reviews.models import Article, RatingLabel
from reviews.services.ratings import rating_label_changed
from tests.reviews.api.public_data import make_verdict

pytestmark = pytest.mark.django_db


def _changed_at(article_id: int) -> Any:
    return Article.objects.values_list("changed_at", flat=True).get(pk=article_id)


def test_a_scoring_field_outdates_cache_and_scorecards(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.FACTCHECK_PUBLISHED_CACHE = True
    cache.clear()
    verdict = make_verdict(rating_slug="false")
    fragments_build([verdict.pk])
    before = _changed_at(verdict.claim.article_id)
    label = RatingLabel.objects.get(slug="false")
    with django_capture_on_commit_callbacks(execute=True):
        rating_label_changed(label=label, changed_fields=["rating_value"])
    assert published_cache.fragments_get([verdict.pk]) == {}
    assert _changed_at(verdict.claim.article_id) > before
    cache.clear()


def test_a_display_field_leaves_scorecards_alone_and_no_change_does_nothing(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.FACTCHECK_PUBLISHED_CACHE = True
    cache.clear()
    verdict = make_verdict(rating_slug="false")
    before = _changed_at(verdict.claim.article_id)
    label = RatingLabel.objects.get(slug="false")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        rating_label_changed(label=label, changed_fields=[])
    assert callbacks == []
    fragments_build([verdict.pk])
    with django_capture_on_commit_callbacks(execute=True):
        rating_label_changed(label=label, changed_fields=["alternate_name"])
    assert published_cache.fragments_get([verdict.pk]) == {}
    assert _changed_at(verdict.claim.article_id) == before
    cache.clear()
