import pytest

from reviews.selectors import rating_labels_offered
from tests.factories import rating

pytestmark = pytest.mark.django_db


def test_offered_ratings_are_the_active_ones():
    retired = rating("unverifiable")
    retired.is_active = False
    retired.save(update_fields=["is_active"])
    offered = list(rating_labels_offered())
    assert offered
    assert all(label.is_active for label in offered)
    assert retired not in offered


def test_a_verdicts_retired_rating_is_still_offered_with_it():
    retired = rating("unverifiable")
    retired.is_active = False
    retired.save(update_fields=["is_active"])
    offered = list(rating_labels_offered(current=retired))
    assert retired in offered
    assert offered == sorted(offered, key=lambda label: (label.order, label.pk))
