"""Reads of the scorecards: who may see which, for the scorecard page, the admin's panel and the API.

What a scorecard contains is computed from the database by reviews/selectors_scorecard_data.py; building
and storing it (locking, staleness, the sweeper) is a service: reviews/services/scorecards.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Exists, F, OuterRef, Q, QuerySet

from reviews.models import Article, Scorecard, Verdict
from reviews.roles import is_editor

Reader = AbstractBaseUser | AnonymousUser


def scorecards_see_all(*, user: Reader) -> bool:
    """Editors (reviews.roles) see every scorecard; everyone else only those of articles with a
    published verdict. One rule for the HTML page and the API."""
    return is_editor(user)


def _has_published_verdict(article_ref: str) -> Exists:
    return Exists(Verdict.objects.published().filter(claim__article_id=OuterRef(article_ref)))


def scorecards_visible(*, user: Reader) -> QuerySet[Scorecard]:
    """Scorecards `user` may read, with their article, annotated with `is_stale`."""
    cards = Scorecard.objects.select_related("article").annotate(
        is_stale=Q(source_changed_at__lt=F("article__changed_at"))
    )
    if not scorecards_see_all(user=user):
        cards = cards.filter(_has_published_verdict("article_id"))
    return cards


@dataclass(frozen=True, slots=True)
class ScorecardView:
    article: Article
    scorecard: Scorecard | None

    @property
    def is_stale(self) -> bool:
        return self.scorecard is None or self.scorecard.source_changed_at < self.article.changed_at


def scorecard_for_article(*, user: Reader, article_id: int) -> ScorecardView | None:
    """The article and its scorecard (None until first built) if `user` may see it, else None."""
    articles = Article.objects.select_related("scorecard")
    if not scorecards_see_all(user=user):
        articles = articles.filter(_has_published_verdict("pk"))
    article = articles.filter(pk=article_id).first()
    if article is None:
        return None
    return ScorecardView(article=article, scorecard=getattr(article, "scorecard", None))


def scorecard_view_for_desk(*, article: Article) -> ScorecardView:
    """The article's scorecard (None until first built) for the admin's panel, in one query; the admin
    decides who sees it."""
    return ScorecardView(article=article, scorecard=Scorecard.objects.filter(article_id=article.pk).first())
