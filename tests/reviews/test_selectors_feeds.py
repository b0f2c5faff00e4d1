import pytest

from reviews.models import Feed
from reviews.selectors_feeds import feed_get, feeds_all

pytestmark = pytest.mark.django_db


def test_feeds_are_listed_oldest_first():
    second = Feed.objects.create(url="https://b.example.org/feed.xml", title="A title sorting first")
    first = Feed.objects.create(url="https://a.example.org/feed.xml", title="Z")
    # The model orders by title; the API lists by registration.
    assert list(feeds_all()) == [second, first]


def test_feed_get_answers_none_for_an_unknown_id():
    feed = Feed.objects.create(url="https://a.example.org/feed.xml")
    assert feed_get(feed_id=feed.pk) == feed
    assert feed_get(feed_id=feed.pk + 1) is None
