"""The extraction worker's runs of a submitted article: `reviews.article_extract` sent after the commit that
stored it pending, sent again by a beat sweep when the message was lost, and each run counted so that an
article whose runs all end without a result (a poison message) is failed instead of delivered for ever.

What a run does with the article (extract, store its claims) is `reviews.services.articles.article_extract`.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from reviews.models import Article, EventAction
from reviews.services.dispatch import task_send
from reviews.services.events import event_record
from reviews.services.messages import ARTICLE_EXTRACT, task_named
from reviews.workflow import Role, allowed, extract_attempts_max, states_allowing, target

logger = logging.getLogger(__name__)


def article_extract_enqueue(*, article_id: int) -> bool:
    """Send `reviews.article_extract` for the article now (after the commit that stored it pending).
    Never raises for a broker problem: the article stays pending and `articles_resend_pending` sends it
    again. Returns whether the message was sent."""
    return task_send(
        task_named(ARTICLE_EXTRACT),
        args=(article_id,),
        what=f"Extraction of article {article_id}",
        repair="the pending-article sweep will send it again",
        log=logger,
    )


def _resend_before() -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=settings.FACTCHECK_EXTRACT_RESEND_SECONDS)


def article_is_stuck(article: Article) -> bool:
    """Pending, and neither stored nor sent again for `FACTCHECK_EXTRACT_RESEND_SECONDS`: its message was
    lost (broker down at submission, worker killed) or is far behind a backlog."""
    waiting = allowed("article.extract", article, role=Role.SYSTEM)
    return waiting and article.updated_at <= _resend_before()


def articles_resend_pending(*, article_ids: list[int] | None = None, limit: int = 100) -> int:
    """Send the extraction of every stuck pending article again (`article_is_stuck`; among `article_ids`
    when given, up to `limit`): the beat sweep that makes a lost `reviews.article_extract` message late,
    never lost. Returns how many were sent.

    Each article's `updated_at` moves to now in the same transaction, so one is sent again at most once
    per `FACTCHECK_EXTRACT_RESEND_SECONDS` whether or not the broker takes it. Rows a worker has locked
    (it is storing the extraction) are skipped. A duplicate message is harmless: `article_extract` finds
    the article no longer pending and returns."""
    with transaction.atomic():
        stuck = Article.objects.filter(
            status__in=states_allowing("article.extract"), updated_at__lte=_resend_before()
        )
        if article_ids is not None:
            stuck = stuck.filter(pk__in=article_ids)
        ids = list(
            stuck.select_for_update(skip_locked=True).order_by("pk").values_list("pk", flat=True)[:limit]
        )
        # Those whose runs are used up are failed here rather than sent again (a poison message).
        for article in Article.objects.filter(pk__in=ids, extract_attempts__gte=extract_attempts_max()):
            _fail_exhausted(article)
            ids.remove(article.pk)
        if not ids:
            return 0
        Article.objects.filter(pk__in=ids).update(updated_at=timezone.now())
        for article_id in ids:
            transaction.on_commit(functools.partial(article_extract_enqueue, article_id=article_id))
    logger.warning("Sent the extraction of %s stuck pending article(s) again: %s.", len(ids), ids)
    return len(ids)


def article_extract_fail(*, article: Article, reason: str, **data: object) -> None:
    """Move a pending article (locked by the caller) where `article.extract_fail` leads, with `reason`
    and its audit row."""
    from_status = article.status
    article.status = target("article.extract_fail")
    article.failure_reason = reason
    article.save(update_fields=["status", "failure_reason", "updated_at"])
    event_record(
        action=EventAction.ARTICLE_FAILED,
        article=article,
        from_status=from_status,
        to_status=article.status,
        note=reason,
        data=data,
    )


def _fail_exhausted(article: Article) -> None:
    """Fail a pending article (locked by the caller): its extraction runs are used up."""
    attempts = article.extract_attempts
    reason = (
        f"Extraction did not finish in {attempts} attempt{'s' if attempts != 1 else ''}: the worker "
        "stopped or ran out of time each time, so the text may be too large or malformed for the "
        "extractor. An editor can retry it."
    )
    article_extract_fail(article=article, reason=reason, attempts=attempts)
    logger.error("Article %s failed: %s", article.pk, article.failure_reason)


def article_extract_attempt_begin(*, article_id: int) -> tuple[Article | None, bool]:
    """Count one more extraction run on a pending article, committed before the run starts (so a run
    that kills its worker is counted), or fail the article when its runs are used up. Returns the article
    (None when gone) and whether to extract it."""
    with transaction.atomic():
        article = Article.objects.select_for_update().filter(pk=article_id).first()
        if article is None or not allowed("article.extract", article, role=Role.SYSTEM):
            return article, False
        if article.extract_attempts >= extract_attempts_max():
            _fail_exhausted(article)
            return article, False
        article.extract_attempts += 1
        article.save(update_fields=["extract_attempts"])
    return article, True
