"""Per-article scorecards: recomputed from the database and upserted, so building twice is harmless."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from reviews.models import Article, ClaimStatus, Scorecard, TaskStatus, VerdictStatus


def scorecard_data(*, article: Article) -> dict[str, object]:
    """The scorecard's content, from a fixed number of aggregate queries whatever the article's size."""
    counts = article.claims.aggregate(
        sentences=Count("id"),
        claims=Count("id", filter=Q(status=ClaimStatus.CLAIM)),
        published=Count(
            "id", filter=Q(status=ClaimStatus.CLAIM, verdicts__status=VerdictStatus.PUBLISHED), distinct=True
        ),
    )
    tasks = article.claims.filter(status=ClaimStatus.CLAIM, tasks__isnull=False).aggregate(
        queued=Count("tasks", filter=Q(tasks__status=TaskStatus.AVAILABLE)),
        in_review=Count(
            "tasks",
            filter=Q(tasks__status__in=[TaskStatus.LEASED, TaskStatus.SUBMITTED, TaskStatus.RETURNED]),
        ),
    )
    return {
        "sentences": counts["sentences"],
        "claims_found": counts["claims"],
        "queued": tasks["queued"],
        "in_review": tasks["in_review"],
        "published": counts["published"],
    }


def scorecard_build(*, article_id: int) -> Scorecard | None:
    """Recompute and upsert the article's scorecard. Idempotent; returns None when the article is gone.

    The version grows only when the content changes, so a duplicate delivery does not bump it.
    Locks the article row so two workers building the same scorecard serialise instead of racing.
    """
    with transaction.atomic():
        article = Article.objects.select_for_update().filter(pk=article_id).first()
        if article is None:
            return None
        data = scorecard_data(article=article)
        scorecard = Scorecard.objects.filter(article=article).first()
        now = timezone.now()
        if scorecard is None:
            return Scorecard.objects.create(
                article=article, data=data, source_changed_at=article.changed_at, built_at=now
            )
        if scorecard.data != data:
            scorecard.version += 1
            scorecard.data = data
        scorecard.source_changed_at = article.changed_at
        scorecard.built_at = now
        scorecard.save()
        return scorecard


def scorecards_stale_ids(*, limit: int = 1000) -> list[int]:
    """Articles whose scorecard is missing or older than their latest change."""
    from django.db.models import F

    return list(
        Article.objects.ready()
        .filter(Q(scorecard__isnull=True) | Q(scorecard__source_changed_at__lt=F("changed_at")))
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
