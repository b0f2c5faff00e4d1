from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Group, User

from reviews.models import Article, ArticleStatus
from reviews.selectors_scorecards import (
    scorecard_for_article,
    scorecard_view_for_desk,
    scorecards_see_all,
    scorecards_stale_count,
    scorecards_stale_ids,
    scorecards_visible,
)
from reviews.services.scorecards import scorecard_build, scorecard_request
from tests.factories import ArticleFactory
from tests.reviews.scorecard_fixtures import article_with_claims, checkworthy, publish_verdict

pytestmark = pytest.mark.django_db


def _built(*, published: bool) -> Article:
    article = article_with_claims(2)
    if published:
        publish_verdict(checkworthy(article)[0], "false")
    scorecard_build(article_id=article.pk)
    return article


def test_editors_see_every_scorecard_others_only_published_ones() -> None:
    """An editor is who `reviews.roles.is_editor` says: staff status alone opens the admin's door, not the
    unpublished scorecards."""
    public, unpublished = _built(published=True), _built(published=False)
    desk = User.objects.create_user("desk")  # an editor by group, not staff
    desk.groups.add(Group.objects.get(name="Editors"))
    staff = User.objects.create_user("staff", is_staff=True)
    inactive = User.objects.create_user("gone", is_staff=True, is_active=False)
    reader = User.objects.create_user("reader")

    assert [scorecards_see_all(user=user) for user in (desk, staff, inactive, reader, AnonymousUser())] == [
        True,
        False,
        False,
        False,
        False,
    ]
    assert set(scorecards_visible(user=desk).values_list("article_id", flat=True)) == {
        public.pk,
        unpublished.pk,
    }
    assert list(scorecards_visible(user=AnonymousUser()).values_list("article_id", flat=True)) == [public.pk]


def test_a_visible_scorecard_says_whether_it_is_stale(editor: User) -> None:
    article = _built(published=True)
    assert [vars(card)["is_stale"] for card in scorecards_visible(user=editor)] == [False]
    view = scorecard_for_article(user=AnonymousUser(), article_id=article.pk)
    assert view is not None
    assert view.scorecard is not None
    assert not view.is_stale

    scorecard_request(article=article.pk)  # a change the scorecard has not been rebuilt for yet
    assert [vars(card)["is_stale"] for card in scorecards_visible(user=editor)] == [True]
    view = scorecard_for_article(user=AnonymousUser(), article_id=article.pk)
    assert view is not None
    assert view.is_stale


def test_an_unpublished_article_is_hidden_from_readers_and_shown_to_editors_before_its_build(
    editor: User,
) -> None:
    article = article_with_claims(2)
    assert scorecard_for_article(user=AnonymousUser(), article_id=article.pk) is None
    view = scorecard_for_article(user=editor, article_id=article.pk)
    assert view is not None
    assert (view.article.pk, view.scorecard, view.is_stale) == (article.pk, None, True)
    assert scorecard_for_article(user=editor, article_id=999_999) is None


def test_the_desk_reads_an_articles_scorecard_whoever_may_see_it(django_assert_num_queries) -> None:
    unpublished = _built(published=False)
    with django_assert_num_queries(1):
        view = scorecard_view_for_desk(article=unpublished)
    assert view.scorecard is not None
    assert view.scorecard.article_id == unpublished.pk
    assert scorecard_view_for_desk(article=article_with_claims(1)).scorecard is None


# --- staleness -----------------------------------------------------------------------------------


def test_stale_ids_are_missing_or_older_than_the_latest_change() -> None:
    current, changed, missing = (article_with_claims(1) for _ in range(3))
    ArticleFactory.create(status=ArticleStatus.PENDING)  # not extracted yet: nothing to show
    for article in (current, changed):
        assert scorecard_build(article_id=article.pk) is not None
    scorecard_request(article=changed)

    assert scorecards_stale_ids() == sorted([changed.pk, missing.pk])
    assert scorecards_stale_ids(limit=1) == [min(changed.pk, missing.pk)]
    assert scorecards_stale_count() == 2
    assert scorecards_stale_count(article_ids=[current.pk, changed.pk]) == 1
