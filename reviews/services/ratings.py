"""Rating labels: what an editor's change to one means for what was already published with it."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from reviews.models import RatingLabel, Verdict
from reviews.published_cache import published_changed_on_commit
from reviews.services.scorecards import scorecards_mark_stale

# The fields a scorecard's verdict mix and accuracy score are computed from.
SCORING_FIELDS = frozenset({"rating_value", "best_rating", "worst_rating", "counts_toward_score", "name"})


def rating_label_changed(*, label: RatingLabel, changed_fields: Iterable[str]) -> None:
    """After `label` was saved with `changed_fields` changed: every published verdict with it shows it
    (name, values, slug), so their cached renderings go once this commits; scorecards that count it are
    marked stale when a field they are computed from changed."""
    changed = set(changed_fields)
    if not changed:
        return
    published = Verdict.objects.published().filter(rating=label)
    with transaction.atomic():
        published_changed_on_commit(verdict_ids=list(published.values_list("id", flat=True)))
        if changed & SCORING_FIELDS:
            articles = published.values_list("claim__article_id", flat=True).distinct()
            scorecards_mark_stale(article_ids=list(articles))
