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
  scorecard is stale. The version grows only when the content changes. What a scorecard contains, and
  how it is computed, is a read: `reviews/selectors_scorecard_data.py` (with `DATA_FORMAT`).
* **Repairing.** `scorecards_sweep` (run by beat every `FACTCHECK_SCORECARD_SWEEP_SECONDS`) finds every
  scorecard older than its article's latest change, or built by an older definition, and rebuilds it. A
  message lost to a broker outage or a killed worker is repaired by the next sweep.

Debounce. A burst of changes to one article costs few builds, without any shared lock or "pending" flag
that could get stuck: (1) each build message is sent with a short countdown
(`FACTCHECK_SCORECARD_BUILD_COUNTDOWN`, 0.25 s), so every change committed within that window is seen by
the first build that runs; (2) every later message for the same state finds the scorecard up to date and
returns after two queries, without recomputing. Changes further apart than the countdown each get their
own build, which they need anyway to be visible within a second.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import DateTimeField, F, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from reviews import roles
from reviews.models import Article, Scorecard, TaskStatus
from reviews.selectors_scorecard_data import DATA_FORMAT, scorecards_compute
from reviews.selectors_scorecards import current_scorecard
from reviews.services.dispatch import BROKER_ERRORS as BROKER_ERRORS  # re-exported: verdicts uses it
from reviews.services.dispatch import task_send
from reviews.services.messages import SCORECARD_BUILD, SCORECARDS_BUILD_CHUNK, task_named
from reviews.services.webhooks import webhooks_record_scorecards
from reviews.workflow import TASK_IN_REVIEW

logger = logging.getLogger(__name__)

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
    data = scorecards_compute(article_ids=todo)
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


def scorecards_rebuild(*, article_ids: Iterable[int], editor: User) -> BuildOutcome | None:
    """An editor's forced rebuild of these articles' scorecards, here and now (a fixed number of queries
    for the whole selection, however many articles), so the editor sees the result on the next page.
    Only extracted (ready) articles have scorecards: the others are left out, and None is returned when
    none is ready.

    Each article is marked stale first (`scorecards_mark_stale`, its own short transaction), so the
    build recomputes even a scorecard that looks current; the build is a second transaction
    (`scorecards_build`), so the articles' rows are not held locked while it runs. Should it fail, the
    marks are committed and the sweeper rebuilds them. Refusals: NotAllowed for anyone but an editor.
    No audit row: a scorecard is derived data, and rebuilding it changes nothing an editor decided.
    """
    roles.require_editor(editor, "rebuild scorecards")
    ids = list(Article.objects.ready().filter(pk__in=article_ids).order_by("pk").values_list("pk", flat=True))
    if not ids:
        return None
    scorecards_mark_stale(article_ids=ids)
    return scorecards_build(article_ids=ids)


# --------------------------------------------------------------------------------------------------
# Staleness, sweeping and fan-out
# --------------------------------------------------------------------------------------------------


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
    Article.objects.filter(pk__in=ids).filter(current_scorecard()).update(scorecard_stale=False)
    stale = list(flagged.filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
    if stale:
        scorecards_fan_out(article_ids=stale, chunk_size=chunk_size)
        logger.info("Queued rebuilds of %s stale scorecard(s).", len(stale))
    return len(stale)


# Whether this process's sweep has flagged the scorecards of an older DATA_FORMAT yet.
_FORMAT_CHECKED = False
