"""Reads of the stored scorecards: who may see which, for the scorecard page, the admin's panel and the
API; and which are stale (missing, or older than their article's latest change), for the sweeper,
`/metrics` and `rebuild_scorecards`.

What a scorecard contains is computed from the database by reviews/selectors_scorecard_data.py; building
and storing it (locking, marking stale, the sweeper) is a service: reviews/services/scorecards.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet

from reviews.models import Article, Scorecard, Verdict
from reviews.roles import is_editor
from reviews.selectors_scorecard_data import DATA_FORMAT

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


# Staleness: which extracted articles' stored scorecards are missing or older than their latest change
# (the sweeper in reviews/services/scorecards.py rebuilds them; /metrics and rebuild_scorecards count them).


def current_scorecard() -> Exists:
    """For an article query: its scorecard was built from its latest change, by this definition."""
    return Exists(
        Scorecard.objects.filter(
            article_id=OuterRef("pk"), source_changed_at__gte=OuterRef("changed_at"), data__format=DATA_FORMAT
        )
    )


def _stale_articles() -> QuerySet[Article]:
    return Article.objects.ready().filter(~current_scorecard())


def scorecards_stale_ids(*, limit: int | None = None) -> list[int]:
    """Extracted articles whose scorecard is missing, older than their latest change, or built by an
    older definition (`DATA_FORMAT`), lowest id first; at most `limit` of them when given."""
    ids = _stale_articles().order_by("pk").values_list("pk", flat=True)
    return list(ids if limit is None else ids[:limit])


def scorecards_stale_count(*, article_ids: Sequence[int] | None = None) -> int:
    """How many scorecards are stale, among `article_ids` or among all extracted articles."""
    stale = _stale_articles()
    if article_ids is not None:
        stale = stale.filter(pk__in=article_ids)
    return stale.count()


def scorecards_staleness() -> tuple[int, dt.datetime | None]:
    """How many extracted articles' scorecards are stale, and the oldest change one of them misses (None
    when none is), in one query for `/metrics`. It reads only the articles flagged `scorecard_stale` (a
    partial index): every stale scorecard's article is flagged (the flag moves with `changed_at`, and
    the sweep clears it only on a current scorecard)."""
    found = (
        _stale_articles().filter(scorecard_stale=True).aggregate(stale=Count("pk"), oldest=Min("changed_at"))
    )
    return found["stale"], found["oldest"]
