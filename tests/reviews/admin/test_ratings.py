"""The rating scale, edited in place."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from reviews.models import RatingLabel
from tests.factories import rating

pytestmark = pytest.mark.django_db


def test_rating_labels_are_editable(desk: Client) -> None:
    label = rating("misleading")
    url = reverse("admin:reviews_ratinglabel_change", args=[label.pk])
    assert desk.get(url).status_code == 200
    response = desk.post(
        url,
        {
            "name": "Misleading",
            "slug": "misleading",
            "description": "Accurate facts, false impression.",
            "order": "5",
            "is_active": "on",
            "rating_value": "2",
            "best_rating": "5",
            "worst_rating": "1",
            "alternate_name": "Misleading (out of context)",
            "requires_citation": "on",
            "counts_toward_score": "on",
        },
    )
    assert response.status_code == 302
    label.refresh_from_db()
    assert label.alternate_name == "Misleading (out of context)"
    assert RatingLabel.objects.filter(slug="misleading").count() == 1
