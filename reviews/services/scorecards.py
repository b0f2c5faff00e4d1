"""Per-article scorecards: what was checked in an article and how it came out.

A scorecard is derived data. It is recomputed from the database and upserted by a Celery worker, never
edited, so building it twice gives the same result, and a lost or duplicated message cannot make it wrong
for long:

* **Requesting.** Every service that changes something a scorecard shows (a verdict published, corrected
  or retracted, a claim promoted or demoted, an article re-extracted) calls `scorecard_request(article=...)`
  inside its own transaction. That moves `Article.changed_at` forward and, after commit, queues
  `reviews.scorecard_build`. Review tasks moving between queued and in review (leases, releases, skips,
  expiries, editors' queue actions) only move `changed_at` forward (`scorecard_mark_changed`): the
  sweeper rebuilds those scorecards within a minute, which spares the reviewers' queue a broker message
  per lease.
* **Building.** `scorecard_build` / `scorecards_build` lock the scorecard rows, compare the article's
  `changed_at` with the `source_changed_at` the scorecard was built from, and recompute only when the
  scorecard is stale. The version grows only when the content changes.
* **Repairing.** `scorecards_sweep` (run by beat every `FACTCHECK_SCORECARD_SWEEP_SECONDS`) finds every
  scorecard older than its article's latest change, or built by an older definition, and rebuilds it. A
  message lost to a broker outage or a killed worker is repaired by the next sweep.

Debounce. A burst of changes to one article costs few builds, without any shared lock or "pending" flag
that could get stuck: (1) each build message is sent with a short countdown
(`FACTCHECK_SCORECARD_BUILD_COUNTDOWN`, 0.25 s), so every change committed within that window is seen by
the first build that runs; (2) every later message for the same state finds the scorecard up to date and
returns after two queries, without recomputing. Changes further apart than the countdown each get their
own build, which they need anyway to be visible within a second.

Accuracy score (shown next to the number on every surface, see `ACCURACY_DEFINITION`):

    score = 100 * sum((value - worst) / (best - worst)) / n

over the `n` published verdicts on the article's check-worthy claims whose rating counts toward the score
(`RatingLabel.counts_toward_score`; "Unverifiable" does not), using each rating's own `rating_value`,
`worst_rating` and `best_rating`. It is the mean of the ratings' values normalised to 0-100, weighted by
how many published verdicts carry each rating; `None` until one counted verdict is published.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Greatest, Left
from django.utils import timezone

from reviews.models import (
    Article,
    Citation,
    Claim,
    ClaimConflict,
    ClaimStatus,
    MatchStatus,
    RatingLabel,
    ReviewTask,
    Scorecard,
    TaskStatus,
    Verdict,
    VerdictStatus,
)
from reviews.scorecard_terms import ACCURACY_DEFINITION as ACCURACY_DEFINITION  # re-exported
from reviews.services.dispatch import BROKER_ERRORS as BROKER_ERRORS  # re-exported: verdicts uses it
from reviews.services.dispatch import task_send
from reviews.services.messages import SCORECARD_BUILD, SCORECARDS_BUILD_CHUNK, task_named
from reviews.services.webhooks import webhooks_record_scorecards
from reviews.workflow import TASK_IN_REVIEW

logger = logging.getLogger(__name__)

# Bumped whenever what a scorecard contains or how it is computed changes: scorecards built by an older
# definition count as stale, so the sweeper rebuilds them after a deploy without anyone running a command.
DATA_FORMAT = 3

TOP_SOURCES = 5
WORST_RATED = 5
CLAIM_TEXT_CHARS = 300
SWEEP_LIMIT = 10_000
# Articles per build message of the sweeper and the rebuild command. Larger chunks share each query's fixed
# cost while a chunk still finishes far inside the tasks' time limits (docs/benchmarks.md, scorecards).
CHUNK_SIZE = 250

# One microsecond: `changed_at` must strictly grow with every change, even when two changes read the same
# clock value, or a scorecard built between them would look up to date.
_TICK = dt.timedelta(microseconds=1)


# --------------------------------------------------------------------------------------------------
# Requesting a build
# --------------------------------------------------------------------------------------------------


class _EnqueueBuild:
    """The on-commit callback of `scorecard_request`; tests identify it (and its article) among the
    callbacks a transaction registered."""

    __slots__ = ("article_id",)

    def __init__(self, article_id: int) -> None:
        self.article_id = article_id

    def __call__(self) -> None:
        scorecard_enqueue(article_id=self.article_id)


def scorecard_enqueue(*, article_id: int) -> bool:
    """Send `reviews.scorecard_build` for the article now. Never raises for a broker problem: the change
    that asked for the build is already committed and `changed_at` marks the scorecard stale, so the
    sweeper rebuilds it when the broker is back. Returns whether the message was sent."""
    return task_send(
        task_named(SCORECARD_BUILD),
        args=(article_id,),
        countdown=settings.FACTCHECK_SCORECARD_BUILD_COUNTDOWN,
        what=f"Scorecard build for article {article_id}",
        repair="the stale-scorecard sweeper will rebuild it",
        log=logger,
    )


def scorecard_mark_changed(*, article: Article | int) -> bool:
    """Record that something the article's scorecard shows has changed: move `Article.changed_at` strictly
    forward (also on the instance, so a later `article.save()` keeps it). The scorecard counts as stale
    from then on, and the sweeper rebuilds it within `FACTCHECK_SCORECARD_SWEEP_SECONDS`; nothing is sent.
    Queue moves use this alone (see `scorecard_shows_task_move`); `scorecard_request` also builds at once.

    Call it inside the transaction that makes the change, preferably as its last write: it locks the
    article row until that transaction ends. Returns whether the article exists."""
    article_id = article if isinstance(article, int) else article.pk
    # One statement takes the article's row lock and computes max(old + 1 µs, now) from the row as locked
    # (PostgreSQL re-reads a row changed by a concurrent transaction before updating it), so `changed_at`
    # strictly grows without a separate SELECT ... FOR UPDATE.
    updated = Article.objects.filter(pk=article_id).update(
        changed_at=Greatest(F("changed_at") + _TICK, Value(timezone.now(), output_field=DateTimeField())),
        scorecard_stale=True,
    )
    if updated and isinstance(article, Article):
        article.changed_at = Article.objects.filter(pk=article_id).values_list("changed_at", flat=True).get()
    return bool(updated)


def scorecard_request(*, article: Article | int) -> None:
    """Record that something the article's scorecard shows has changed, and build it after commit.

    Call it inside the transaction that makes the change (verdict published, corrected or retracted, claim
    promoted or demoted, article re-extracted), preferably as its last write: `scorecard_mark_changed`
    locks the article row until that transaction ends. It registers a `reviews.scorecard_build` message
    with `transaction.on_commit`; a rollback sends nothing. Calling it several times in one transaction is
    harmless: the first build to run sees every change and the others find the scorecard current.
    Publishing the message never fails the caller: if the broker is down it is logged and the sweeper
    repairs the scorecard.
    """
    article_id = article if isinstance(article, int) else article.pk
    with transaction.atomic(savepoint=False):
        if not scorecard_mark_changed(article=article):
            return
    transaction.on_commit(_EnqueueBuild(article_id))


def _task_bucket(status: str) -> str:
    if status == TaskStatus.AVAILABLE:
        return "queued"
    return "in_review" if status in TASK_IN_REVIEW else "other"


def scorecard_shows_task_move(*, from_status: str, to_status: str) -> bool:
    """Whether a review task moving between these states changes its article's scorecard. A scorecard
    counts claims by their open task's state only as queued (available) or in review (leased, submitted,
    returned), so a move inside one of those groups (a lease of a returned task, a submission) changes
    nothing: on the reviewers' queue that saves an article update per submission. A move that does change
    the counts marks the scorecard changed (`scorecard_mark_changed`), and the sweeper rebuilds it."""
    return _task_bucket(from_status) != _task_bucket(to_status)


# --------------------------------------------------------------------------------------------------
# Computing the content
# --------------------------------------------------------------------------------------------------


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
    return _compute(existing)


def _compute(ids: list[int]) -> dict[int, dict[str, Any]]:
    """The scorecard content of the articles `ids`, which must exist.

    Set-based: five queries for the whole batch (claims by review state, the rating scale, the published
    verdicts, their citations, open conflicts), whatever the number of articles and claims, so a build
    costs the same round trips for 5 claims or 5,000 and a chunk of 250 articles no more than one. Only
    check-worthy claims count; a published verdict on a claim later demoted is not part of the scorecard.
    """
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


# --------------------------------------------------------------------------------------------------
# Building
# --------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class BuildOutcome:
    """What a batch build did, by article id."""

    changed: list[int] = field(default_factory=list)  # created, or content changed (version bumped)
    unchanged: list[int] = field(default_factory=list)  # recomputed, same content (version kept)
    up_to_date: list[int] = field(default_factory=list)  # already built from the latest change: skipped
    missing: list[int] = field(default_factory=list)  # the article is gone
    scorecards: dict[int, Scorecard] = field(default_factory=dict)

    @property
    def built(self) -> int:
        return len(self.changed) + len(self.unchanged)


def _is_current(scorecard: Scorecard, changed_at: dt.datetime) -> bool:
    return scorecard.source_changed_at >= changed_at and scorecard.data.get("format") == DATA_FORMAT


def _build_locked(ids: list[int]) -> BuildOutcome:
    outcome = BuildOutcome()
    # Row locks in primary-key order, so two batches that overlap wait for each other instead of
    # deadlocking. Building the same article twice at once is therefore serialised: the second build sees
    # the first one's result and skips. Publishers never touch these rows, so a build never blocks them.
    existing = {
        card.article_id: card
        for card in Scorecard.objects.select_for_update().filter(article_id__in=ids).order_by("pk")
    }
    # Read after taking the locks: any change committed later moves changed_at past what is recorded
    # here, so the scorecard then counts as stale and is rebuilt.
    changed_at = dict(Article.objects.filter(pk__in=ids).order_by().values_list("pk", "changed_at"))
    outcome.missing = [article_id for article_id in ids if article_id not in changed_at]
    todo = []
    for article_id in ids:
        card = existing.get(article_id)
        if article_id not in changed_at:
            continue
        if card is not None and _is_current(card, changed_at[article_id]):
            outcome.up_to_date.append(article_id)
            outcome.scorecards[article_id] = card
        else:
            todo.append(article_id)
    if not todo:
        return outcome
    data = _compute(todo)
    _test_delay()
    now = timezone.now()
    updates, creates = [], []
    for article_id in todo:
        card = existing.get(article_id)
        if card is None:
            card = Scorecard(
                article_id=article_id,
                version=1,
                data=data[article_id],
                source_changed_at=changed_at[article_id],
                built_at=now,
            )
            creates.append(card)
            outcome.changed.append(article_id)
        else:
            if card.data != data[article_id]:
                card.version += 1
                card.data = data[article_id]
                outcome.changed.append(article_id)
            else:
                outcome.unchanged.append(article_id)
            card.source_changed_at = changed_at[article_id]
            card.built_at = now
            updates.append(card)
        outcome.scorecards[article_id] = card
    if updates:
        # An upsert on rows we hold locked always takes its UPDATE path. It is one INSERT ... ON CONFLICT
        # with plain VALUES, where bulk_update writes a CASE per row and column: for a chunk of 100 that
        # CASE costs more to build than all the build's queries take to run.
        Scorecard.objects.bulk_create(
            updates,
            update_conflicts=True,
            unique_fields=["article"],
            update_fields=["version", "data", "source_changed_at", "built_at"],
        )
    if creates:
        # In article order, like the locks: two first builds of overlapping batches wait on the unique
        # index in the same order; the loser retries (see scorecards_build) and then finds the rows.
        Scorecard.objects.bulk_create(creates)
    # Only a change of content is news for webhook receivers (a rebuild with the same content is not).
    webhooks_record_scorecards(article_ids=outcome.changed)
    return outcome


def _test_delay() -> None:
    """Test hook for the end-to-end proof that killing a worker mid-build loses nothing: with
    FACTCHECK_SCORECARD_TEST_DELAY > 0 a build sleeps that long between computing and writing, inside its
    transaction. Zero (never set in production) skips it."""
    delay = settings.FACTCHECK_SCORECARD_TEST_DELAY
    if delay > 0:
        time.sleep(delay)


def scorecards_build(*, article_ids: Iterable[int]) -> BuildOutcome:
    """Recompute and upsert the scorecards of `article_ids` that are stale, in one transaction.

    Idempotent: a scorecard already built from its article's latest change (and by the current
    definition) is left alone; a rebuild with the same content keeps its version, so only a real change
    bumps it. Takes row locks on the existing scorecards (primary-key order) for the length of the build;
    it never locks articles. Articles that no longer exist are reported in `missing`.
    """
    ids = sorted(set(article_ids))
    for attempt in range(2):
        try:
            with transaction.atomic():
                return _build_locked(ids)
        except IntegrityError:
            # Another build created one of these scorecards after we looked; its row exists now.
            if attempt:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def scorecard_build(*, article_id: int) -> Scorecard | None:
    """Bring one article's scorecard up to date (see `scorecards_build`); None when the article is gone.

    Query count is fixed (at most seven; two when the scorecard is already up to date), whatever
    the number of claims.
    """
    return scorecards_build(article_ids=[article_id]).scorecards.get(article_id)


# --------------------------------------------------------------------------------------------------
# Staleness, sweeping and fan-out
# --------------------------------------------------------------------------------------------------


def _current_scorecard() -> Exists:
    """For an article query: its scorecard was built from its latest change, by this definition."""
    return Exists(
        Scorecard.objects.filter(
            article_id=OuterRef("pk"), source_changed_at__gte=OuterRef("changed_at"), data__format=DATA_FORMAT
        )
    )


def _stale_articles() -> QuerySet[Article]:
    return Article.objects.ready().filter(~_current_scorecard())


def scorecards_stale_ids(*, limit: int | None = SWEEP_LIMIT) -> list[int]:
    """Extracted articles whose scorecard is missing, older than their latest change, or built by an
    older definition (`DATA_FORMAT`), lowest id first."""
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


def _chunks(ids: Sequence[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


def scorecards_mark_stale(*, article_ids: Sequence[int]) -> int:
    """Move `changed_at` forward on these articles (rows locked in primary-key order), so their
    scorecards count as stale until rebuilt. Returns how many articles exist."""
    now = timezone.now()
    with transaction.atomic(savepoint=False):
        articles = list(
            Article.objects.select_for_update()
            .filter(pk__in=article_ids)
            .order_by("pk")
            .only("changed_at", "scorecard_stale")
        )
        for article in articles:
            article.changed_at = max(article.changed_at + _TICK, now)
            article.scorecard_stale = True
        # One UPDATE for the whole chunk; only `changed_at` and the sweep's flag are written.
        Article.objects.bulk_update(articles, ["changed_at", "scorecard_stale"])
    return len(articles)


def scorecards_fan_out(
    *, article_ids: Sequence[int], chunk_size: int = CHUNK_SIZE, mark_stale: bool = False
) -> int:
    """Queue `reviews.scorecards_build_chunk` messages of `chunk_size` article ids each, spread over the
    workers; returns the number of messages.

    With `mark_stale` (a forced rebuild), each chunk's articles are first marked stale in their own
    transaction and the message is sent after that commits: if the broker is down or a worker dies, the
    sweeper still rebuilds them. Broker errors propagate (the caller is a command or the sweeper, which
    can report or retry); nothing is lost either way.
    """
    build_chunk = task_named(SCORECARDS_BUILD_CHUNK)

    sent = 0
    for chunk in _chunks(list(article_ids), chunk_size):
        with transaction.atomic():
            if mark_stale:
                scorecards_mark_stale(article_ids=chunk)
            transaction.on_commit(functools.partial(build_chunk.delay, chunk))
        sent += 1
    return sent


def scorecards_sweep(*, limit: int = SWEEP_LIMIT, chunk_size: int = CHUNK_SIZE) -> int:
    """The periodic repair: queue a rebuild of every stale scorecard (up to `limit` per run), however long
    ago it went stale. Harmless when the normal path is merely slow: a build that finds the scorecard
    current returns at once.

    It reads only the articles flagged `scorecard_stale` (every move of `changed_at` sets the flag; a
    partial index holds them), checks which of those are really stale, clears the flag of the others
    unless `changed_at` moved again meanwhile, and queues the rest, whose flag a later run clears once
    rebuilt. The first run in each process also flags every scorecard built by an older definition
    (`DATA_FORMAT`, which only changes with a deployment): its one full scan."""
    global _FORMAT_CHECKED
    if not _FORMAT_CHECKED:
        outdated = Scorecard.objects.exclude(data__format=DATA_FORMAT).values("article_id")
        Article.objects.filter(pk__in=outdated, scorecard_stale=False).update(scorecard_stale=True)
        _FORMAT_CHECKED = True
    flagged = Article.objects.ready().filter(scorecard_stale=True)
    ids = list(flagged.order_by("pk").values_list("pk", flat=True)[:limit])
    if not ids:
        return 0
    # One statement: PostgreSQL re-checks a row changed by a concurrent transaction against its new
    # `changed_at`, so a change committed meanwhile keeps its flag.
    Article.objects.filter(pk__in=ids).filter(_current_scorecard()).update(scorecard_stale=False)
    stale = list(flagged.filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
    if stale:
        scorecards_fan_out(article_ids=stale, chunk_size=chunk_size)
        logger.info("Queued rebuilds of %s stale scorecard(s).", len(stale))
    return len(stale)


# Whether this process's sweep has flagged the scorecards of an older DATA_FORMAT yet.
_FORMAT_CHECKED = False
