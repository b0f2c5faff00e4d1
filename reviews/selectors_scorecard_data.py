"""The content of the articles' scorecards, computed from the database: what was checked in an article
and how it came out. Nothing here writes; `reviews.services.scorecards` stores what these reads return
(locking, staleness, the sweeper), and the page, the admin and the API show the stored copy.

A module of its own, not part of `reviews/selectors_scorecards.py`: that one decides who may read which
stored scorecard and is called by every surface, this one reads claims, tasks, verdicts, citations, rating
labels and conflicts to compute a scorecard's content and is called by the build. They share no query and
change for different reasons (a new figure on the card bumps `DATA_FORMAT` here, and nothing there).

Accuracy score (shown next to the number on every surface, see `ACCURACY_DEFINITION`):

    score = 100 * sum((value - worst) / (best - worst)) / n

over the `n` published verdicts on the article's check-worthy claims whose rating counts toward the score
(`RatingLabel.counts_toward_score`; "Unverifiable" does not), using each rating's own `rating_value`,
`worst_rating` and `best_rating`. It is the mean of the ratings' values normalised to 0-100, weighted by
how many published verdicts carry each rating; `None` until one counted verdict is published.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Left

from reviews.models import (
    Article,
    Citation,
    Claim,
    ClaimConflict,
    ClaimStatus,
    MatchStatus,
    RatingLabel,
    ReviewTask,
    TaskStatus,
    Verdict,
    VerdictStatus,
)
from reviews.scorecard_terms import ACCURACY_DEFINITION
from reviews.workflow import TASK_IN_REVIEW

# Bumped whenever what a scorecard contains or how it is computed changes: scorecards built by an older
# definition count as stale, so the sweeper rebuilds them after a deploy without anyone running a command.
DATA_FORMAT = 3

TOP_SOURCES = 5
WORST_RATED = 5
CLAIM_TEXT_CHARS = 300


def _normalised(value: int, worst: int, best: int) -> float:
    return (value - worst) / (best - worst)


def _domain(url: str) -> str:
    """The host of an http(s) URL (the constraint citation_url_http guarantees the scheme), lower-case,
    without "www.", port or credentials. Plain string slicing: a build folds hundreds of these, and
    `urlsplit` costs more than every query of the build put together."""
    rest = url.partition("://")[2]
    host = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0].rpartition("@")[2].lower()
    # An IPv6 literal keeps its brackets and colons; anything else loses its port.
    host = host[: host.find("]") + 1] if host.startswith("[") else host.partition(":")[0]
    return host.rstrip(".").removeprefix("www.")


def _top(counter: Counter[str], key: str) -> list[dict[str, Any]]:
    ranked = sorted(counter.items(), key=lambda item: (-item[1], item[0]))[:TOP_SOURCES]
    return [{key: name, "citations": count} for name, count in ranked]


def _empty_data() -> dict[str, Any]:
    return {
        "format": DATA_FORMAT,
        "sentences": 0,
        "claims_found": 0,
        "queued": 0,
        "in_review": 0,
        "published": 0,
        "not_in_review": 0,
        "coverage": None,
        "verdict_mix": [],
        "accuracy": {
            "score": None,
            "counted_verdicts": 0,
            "uncounted_verdicts": 0,
            "definition": ACCURACY_DEFINITION,
        },
        "top_domains": [],
        "top_publishers": [],
        "worst_rated": [],
        "median_seconds_to_publication": None,
        # Facts this article's claims and matched claims of other articles disagree on, not yet resolved.
        "open_conflicts": 0,
    }


def scorecards_data(*, article_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The scorecard content of each article in `article_ids` that exists (nothing is written)."""
    existing = list(Article.objects.filter(pk__in=article_ids).values_list("pk", flat=True))
    return scorecards_compute(article_ids=existing)


def scorecards_compute(*, article_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The scorecard content of the articles `article_ids`, which must exist (the build has just read them
    after locking their scorecards, so it does not ask again).

    Set-based: five queries for the whole batch (claims by review state, the rating scale, the published
    verdicts, their citations, open conflicts), whatever the number of articles and claims, so a build
    costs the same round trips for 5 claims or 5,000 and a chunk of 250 articles no more than one. Only
    check-worthy claims count; a published verdict on a claim later demoted is not part of the scorecard.
    """
    ids = list(article_ids)
    data: dict[int, dict[str, Any]] = {article_id: _empty_data() for article_id in ids}
    # Claims grouped by the state of their open review task (at most one, by the partial unique constraint
    # reviewtask_one_open_per_claim), looked up per claim on the task's claim index: the cost follows the
    # articles' size, never the size of the task table.
    open_task = ReviewTask.objects.filter(claim=OuterRef("pk")).exclude(status=TaskStatus.CANCELLED)
    for row in (
        Claim.objects.filter(article_id__in=ids)
        .annotate(task_status=Subquery(open_task.values("status")[:1]))
        .values("article_id", "status", "task_status")
        .annotate(count=Count("id"))
        .order_by()
    ):
        entry = data[row["article_id"]]
        entry["sentences"] += row["count"]
        if row["status"] != ClaimStatus.CLAIM:
            continue
        entry["claims_found"] += row["count"]
        if row["task_status"] == TaskStatus.AVAILABLE:
            entry["queued"] += row["count"]
        elif row["task_status"] in TASK_IN_REVIEW:
            entry["in_review"] += row["count"]
    labels = {label.pk: label for label in RatingLabel.objects.all()}

    # One row per claim with a published verdict (verdict_one_published_per_claim: at most one each), with
    # the state of the claim's open task, when it was first queued and first published (a correction does
    # not restart the clock). Each of those is a LIMIT 1 lookup by claim id, on an index.
    published = Verdict.objects.filter(
        status=VerdictStatus.PUBLISHED, claim__article_id__in=ids, claim__status=ClaimStatus.CLAIM
    )
    task_of_claim = ReviewTask.objects.filter(claim=OuterRef("claim_id")).exclude(status=TaskStatus.CANCELLED)
    first_queued = ReviewTask.objects.filter(claim=OuterRef("claim_id")).order_by("created_at")
    first_published = Verdict.objects.filter(claim=OuterRef("claim_id"), published_at__isnull=False).order_by(
        "published_at"
    )
    rows: list[Any] = list(  # named tuples, whose fields the type stubs cannot know
        published.annotate(
            article=F("claim__article_id"),
            sentence_index=F("claim__sentence_index"),
            claim_text=Left("claim__text", CLAIM_TEXT_CHARS),
            task_status=Subquery(task_of_claim.values("status")[:1]),
            queued_at=Subquery(first_queued.values("created_at")[:1]),
            first_published_at=Subquery(first_published.values("published_at")[:1]),
        )
        .order_by()
        .values_list(
            "article",
            "claim_id",
            "sentence_index",
            "claim_text",
            "pk",
            "rating_id",
            "task_status",
            "queued_at",
            "first_published_at",
            named=True,
        )
    )
    mix: dict[int, Counter[int]] = defaultdict(Counter)
    waits: dict[int, list[float]] = defaultdict(list)
    ranked: dict[int, list[tuple[float, int, dict[str, Any]]]] = defaultdict(list)
    for row in rows:
        entry = data[row.article]
        entry["published"] += 1
        # Published comes first: a published claim whose task was reopened is not also queued or in review.
        if row.task_status == TaskStatus.AVAILABLE:
            entry["queued"] -= 1
        elif row.task_status in TASK_IN_REVIEW:
            entry["in_review"] -= 1
        mix[row.article][row.rating_id] += 1
        if row.queued_at is not None and row.first_published_at is not None:
            waits[row.article].append(max(0.0, (row.first_published_at - row.queued_at).total_seconds()))
        label = labels[row.rating_id]
        if label.counts_toward_score and label.rating_value < label.best_rating:
            share = _normalised(label.rating_value, label.worst_rating, label.best_rating)
            claim = {
                "claim_id": row.claim_id,
                "sentence_index": row.sentence_index,
                "text": row.claim_text,
                "verdict_id": row.pk,
                "rating": label.slug,
                "rating_name": label.name,
            }
            ranked[row.article].append((share, row.sentence_index, claim))

    domains: dict[int, Counter[str]] = defaultdict(Counter)
    publishers: dict[int, Counter[str]] = defaultdict(Counter)
    article_of = {row.pk: row.article for row in rows}
    if article_of:
        # By the verdict ids just read, on the citations' verdict index; hosts are folded in Python (a
        # URL's host is not portable SQL).
        for verdict_id, url, publisher in (
            Citation.objects.filter(verdict_id__in=article_of)
            .order_by()
            .values_list("verdict_id", "url", "publisher")
        ):
            article_id = article_of[verdict_id]
            domain = _domain(url)
            if domain:
                domains[article_id][domain] += 1
            if publisher.strip():
                publishers[article_id][publisher.strip()] += 1

    for article_id, count in _open_conflicts(ids).items():
        data[article_id]["open_conflicts"] = count

    for article_id, entry in data.items():
        found = entry["claims_found"]
        entry["not_in_review"] = found - entry["published"] - entry["in_review"] - entry["queued"]
        entry["coverage"] = round(entry["published"] / found, 4) if found else None
        entry["verdict_mix"] = _verdict_mix(labels, mix[article_id])
        entry["accuracy"] = _accuracy(labels, mix[article_id])
        entry["top_domains"] = _top(domains[article_id], "domain")
        entry["top_publishers"] = _top(publishers[article_id], "publisher")
        worst = sorted(ranked[article_id], key=lambda item: (item[0], item[1]))[:WORST_RATED]
        entry["worst_rated"] = [claim for _share, _index, claim in worst]
        if waits[article_id]:
            entry["median_seconds_to_publication"] = round(statistics.median(waits[article_id]), 1)
    return data


def _open_conflicts(ids: list[int]) -> Counter[int]:
    """Open conflicts per article among `ids`, a conflict counting for both articles of its match: one
    query grouped by the match's two articles, whatever the number of articles."""
    counts: Counter[int] = Counter()
    wanted = set(ids)
    pairs = (
        ClaimConflict.objects.open()
        .exclude(match__status=MatchStatus.REJECTED)
        .filter(Q(match__claim__article_id__in=ids) | Q(match__other_claim__article_id__in=ids))
        .values_list("match__claim__article_id", "match__other_claim__article_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for first, second, count in pairs:
        for article_id in {first, second} & wanted:
            counts[article_id] += count
    return counts


def _verdict_mix(labels: dict[int, RatingLabel], counts: Counter[int]) -> list[dict[str, Any]]:
    """Every active rating in scale order (zeros included, so charts keep their axis), plus retired ones
    that still carry published verdicts."""
    shown = [label for label in labels.values() if label.is_active or counts.get(label.pk)]
    shown.sort(key=lambda label: (label.order, label.pk))
    return [
        {
            "rating": label.slug,
            "name": label.name,
            "count": counts.get(label.pk, 0),
            "rating_value": label.rating_value,
            "worst_rating": label.worst_rating,
            "best_rating": label.best_rating,
            "counts_toward_score": label.counts_toward_score,
        }
        for label in shown
    ]


def _accuracy(labels: dict[int, RatingLabel], counts: Counter[int]) -> dict[str, Any]:
    total = 0.0
    counted = uncounted = 0
    for label_id, count in counts.items():
        label = labels[label_id]
        if not label.counts_toward_score:
            uncounted += count
            continue
        counted += count
        total += count * _normalised(label.rating_value, label.worst_rating, label.best_rating)
    return {
        "score": round(100 * total / counted, 1) if counted else None,
        "counted_verdicts": counted,
        "uncounted_verdicts": uncounted,
        "definition": ACCURACY_DEFINITION,
    }


def scorecard_data(*, article: Article | int) -> dict[str, Any]:
    """One article's scorecard content as `scorecard_build` would store it (nothing is written)."""
    article_id = article if isinstance(article, int) else article.pk
    return scorecards_data(article_ids=[article_id]).get(article_id, _empty_data())
