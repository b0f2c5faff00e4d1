"""Celery tasks: thin shells that take ids, call one service, and are safe to run twice.

Each imports its service inside its body: the services send these tasks by name
(reviews/services/messages.py) and never import this module, so the two do not import each other."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from reviews.services import messages

# Transient failures worth retrying; anything else is a bug and should surface.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)

_RELIABLE: dict[str, Any] = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 8,
    "soft_time_limit": 60,
    "time_limit": 90,
}


@shared_task(name=messages.ARTICLE_EXTRACT, **_RELIABLE)
def article_extract_task(article_id: int) -> None:
    from reviews.services.articles import article_extract
    from reviews.services.scorecards import scorecard_build

    article = article_extract(article_id=article_id)
    if article is not None:
        scorecard_build(article_id=article.pk)


@shared_task(name="reviews.articles_resend_pending", **_RELIABLE)
def articles_resend_pending_task() -> int:
    """Periodic repair (beat): send the extraction of every article stuck pending again."""
    from reviews.services.extraction_runs import articles_resend_pending

    return articles_resend_pending()


@shared_task(name=messages.SCORECARD_BUILD, **_RELIABLE)
def scorecard_build_task(article_id: int) -> str:
    """Bring one article's scorecard up to date. Queued after commit by `scorecard_request`; a duplicate
    or late message finds the scorecard current and returns after two queries."""
    from reviews.services.scorecards import scorecards_build

    outcome = scorecards_build(article_ids=[article_id])
    if outcome.missing:
        return "article gone"
    return "up to date" if outcome.up_to_date else "built"


@shared_task(name=messages.SCORECARDS_BUILD_CHUNK, **_RELIABLE)
def scorecards_build_chunk_task(article_ids: list[int]) -> dict[str, int]:
    """Build a chunk of scorecards in one transaction (the fan-out unit of the sweeper and
    `manage.py rebuild_scorecards`). A transient error retries the whole chunk, which is safe: the
    scorecards it already built are then found current and skipped."""
    from reviews.services.scorecards import scorecards_build

    outcome = scorecards_build(article_ids=article_ids)
    return {"built": outcome.built, "up_to_date": len(outcome.up_to_date), "missing": len(outcome.missing)}


@shared_task(name="reviews.scorecards_sweep_stale", **_RELIABLE)
def scorecards_sweep_stale_task() -> int:
    """Periodic repair (beat): queue rebuilds of every scorecard a lost message left stale."""
    from reviews.services.scorecards import scorecards_sweep

    return scorecards_sweep()


@shared_task(name="reviews.tasks_expire_leases", **_RELIABLE)
def tasks_expire_leases_task() -> int:
    """Periodic sweep: expired leases go back to the queue (they are claimable at once anyway)."""
    from reviews.services.queue import tasks_expire_leases

    return tasks_expire_leases()


@shared_task(name="reviews.published_cache_reconcile", **_RELIABLE)
def published_cache_reconcile_task() -> int:
    """Periodic repair (beat): outdate cached copies of recently changed verdicts again, in case an
    invalidation after commit was lost."""
    from reviews.published_cache import published_reconcile

    return published_reconcile()


@shared_task(name=messages.PUBLISHED_CACHE_BUILD, **_RELIABLE)
def published_cache_build_task(verdict_ids: list[int]) -> int:
    """Render newly published verdicts into the published cache, so their first reader hits it. Safe to
    run twice or late: it renders what is published now (nothing, if it was retracted meanwhile)."""
    from reviews.api.published_render import fragments_build
    from reviews.cache_outage import CACHE_ERRORS, cache_outage
    from reviews.published_cache import enabled

    if not enabled():
        return 0
    try:
        return len(fragments_build(verdict_ids))
    except CACHE_ERRORS as error:  # the cache is down: their first readers render them
        cache_outage.failed(error)
        return 0


@shared_task(name="reviews.article_match", **{**_RELIABLE, "soft_time_limit": 120, "time_limit": 150})
def article_match_task(article_id: int) -> str:
    """Match one article's claims against every other article's (reviews.services.matching). Safe to run
    twice or late: it recomputes from the database and upserts. A failure other than a transient one is
    recorded on the article, which the sweep retries later, and then raised so the worker logs it."""
    from reviews.services.matching import article_matching_failed
    from reviews.services.matching_run import article_match

    try:
        outcome = article_match(article_id=article_id)
    except TRANSIENT_ERRORS:
        raise
    except Exception as exc:
        article_matching_failed(article_id=article_id, error=exc)
        raise
    if outcome is None:
        return "article gone"
    return f"{outcome.matches} match(es), {outcome.conflicts} conflict(s)"


@shared_task(name="reviews.matching_sweep", **_RELIABLE)
def matching_sweep_task() -> int:
    """Periodic repair (beat): send matching again for articles whose run was lost or failed."""
    from reviews.services.matching import matching_sweep

    return matching_sweep()


@shared_task(name=messages.WEBHOOK_DELIVER, **{**_RELIABLE, "soft_time_limit": 120, "time_limit": 150})
def webhook_deliver_task(delivery_id: int) -> str:
    """Try one webhook delivery (reviews.services.webhooks). Safe to run twice: a delivery already sent,
    or taken by another worker, is skipped; its retries are scheduled by the service, not by Celery."""
    from reviews.services.webhooks import webhook_deliver

    return webhook_deliver(delivery_id=delivery_id)


@shared_task(name="reviews.webhooks_sweep", **_RELIABLE)
def webhooks_sweep_task() -> int:
    """Periodic repair (beat): send webhook deliveries still pending after their due time."""
    from reviews.services.webhooks import webhooks_sweep

    return webhooks_sweep()


@shared_task(name=messages.NOTIFICATION_SEND, **_RELIABLE)
def notification_send_task(notification_id: int) -> str:
    """Mail one notification (reviews.services.notifications). Safe to run twice: a notification already
    sent, or taken by another worker, is skipped; retries after a mail server error are the sweep's."""
    from reviews.services.notifications import notification_send

    return notification_send(notification_id=notification_id)


@shared_task(name="reviews.notifications_sweep", **_RELIABLE)
def notifications_sweep_task() -> int:
    """Periodic repair (beat): send notifications still pending after their due time."""
    from reviews.services.notifications import notifications_sweep

    return notifications_sweep()


@shared_task(name="reviews.notifications_work_waiting", **_RELIABLE)
def notifications_work_waiting_task() -> int:
    """Periodic (beat): notify editors of submitted verdicts waiting longer than the setting."""
    from reviews.services.notifications import notifications_work_waiting

    return notifications_work_waiting()


@shared_task(
    name=messages.FEED_POLL,
    **{
        **_RELIABLE,
        "soft_time_limit": messages.FEED_POLL_TIME_LIMIT - 60,
        "time_limit": messages.FEED_POLL_TIME_LIMIT,
    },
)
def feed_poll_task(feed_id: int) -> str:
    """Poll one feed (reviews.services.feeds). Safe to run twice: a feed already taken or not due is
    skipped, and each item is recorded, and so ingested, once."""
    from reviews.services.feeds import feed_poll

    outcome = feed_poll(feed_id=feed_id)
    if outcome.status in ("skipped", "failed"):
        return outcome.error or outcome.status
    return f"{outcome.status}: {outcome.new} new, {outcome.ingested} ingested, {outcome.failed} failed"


@shared_task(name="reviews.feeds_poll_due", **_RELIABLE)
def feeds_poll_due_task() -> int:
    """Periodic (beat): send the poll of every active feed that is due."""
    from reviews.services.feeds import feeds_poll_due

    return feeds_poll_due()


@shared_task(
    name=messages.EXPORT_RUN,
    **{
        **_RELIABLE,
        "soft_time_limit": settings.FACTCHECK_EXPORT_TIME_LIMIT_SECONDS,
        "time_limit": settings.FACTCHECK_EXPORT_TIME_LIMIT_SECONDS + 60,
    },
)
def export_run_task(export_id: int) -> str:
    """Write one export (reviews.services.exports). Safe to run twice: a duplicate finds the export taken
    (or finished) and skips it; a transient error puts it back in the queue for the retry."""
    from reviews.services.exports import export_run

    return export_run(export_id=export_id)


@shared_task(name="reviews.exports_sweep", **_RELIABLE)
def exports_sweep_task() -> dict[str, int]:
    """Periodic (beat): expire old exports, deleting their files, and send stuck ones again."""
    from reviews.services.exports import exports_sweep

    outcome = exports_sweep()
    return {"expired": outcome.expired, "resent": outcome.resent}
