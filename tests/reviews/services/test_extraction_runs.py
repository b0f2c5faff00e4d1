"""The extraction worker's runs (reviews/services/extraction_runs.py): a lost message sent again by the
sweep, and a poison message failed once its runs are used up, with the editor's ways out of both."""

from __future__ import annotations

import datetime as dt
import logging
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from reviews import tasks
from reviews.exceptions import InvalidTransition
from reviews.models import Article, ArticleStatus, EventAction, ReviewEvent
from reviews.services.articles import (
    article_extract,
    article_extract_retry,
    article_reextract,
    article_submit,
)
from reviews.services.extraction_runs import articles_resend_pending
from tests.reviews.article_fixtures import ARTICLE

pytestmark = pytest.mark.django_db


# --- a lost extraction message (broker down at submission, worker killed) --------------------------


def _age(article: Article, seconds: float) -> None:
    Article.objects.filter(pk=article.pk).update(updated_at=timezone.now() - dt.timedelta(seconds=seconds))


def test_submitting_while_the_broker_is_down_accepts_the_article(
    django_capture_on_commit_callbacks, caplog
) -> None:
    outage = BrokerError("Error 111 connecting to 127.0.0.1:6399. Connection refused.")
    with (
        mock.patch.object(tasks.article_extract_task, "apply_async", side_effect=outage),
        caplog.at_level(logging.WARNING, logger="reviews.services.extraction_runs"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        outcome = article_submit(data=ARTICLE, name="api")
    assert outcome.created
    assert Article.objects.get(pk=outcome.article.pk).status == ArticleStatus.PENDING
    assert caplog.messages == [
        f"Extraction of article {outcome.article.pk} was not queued (Error 111 connecting to "
        "127.0.0.1:6399. Connection refused.); the pending-article sweep will send it again."
    ]


def test_the_sweep_sends_a_stuck_pending_article_again(settings, django_capture_on_commit_callbacks) -> None:
    settings.FACTCHECK_EXTRACT_RESEND_SECONDS = 120
    with mock.patch.object(tasks.article_extract_task, "apply_async"):
        stuck = article_submit(data=ARTICLE, name="api").article
        fresh = article_submit(
            data="The deficit fell by 2 percent in 2023, the treasury said.", name="b"
        ).article
    _age(stuck, 121)
    _age(fresh, 60)  # well inside the 120 s, however slow the first extraction below is

    with django_capture_on_commit_callbacks(execute=True):
        assert articles_resend_pending() == 1

    assert Article.objects.get(pk=stuck.pk).status == ArticleStatus.READY
    assert Article.objects.get(pk=fresh.pk).status == ArticleStatus.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        assert articles_resend_pending() == 0, "sent again at most once per FACTCHECK_EXTRACT_RESEND_SECONDS"


def test_the_sweep_sends_again_when_the_broker_is_back(settings, django_capture_on_commit_callbacks) -> None:
    settings.FACTCHECK_EXTRACT_RESEND_SECONDS = 120
    outage = BrokerError("Connection refused.")
    with mock.patch.object(tasks.article_extract_task, "apply_async", side_effect=outage):
        with django_capture_on_commit_callbacks(execute=True):
            article = article_submit(data=ARTICLE, name="api").article
        _age(article, 200)
        with django_capture_on_commit_callbacks(execute=True):
            assert articles_resend_pending() == 1, "tried; the broker is still down"
    assert Article.objects.get(pk=article.pk).status == ArticleStatus.PENDING
    _age(article, 200)
    with django_capture_on_commit_callbacks(execute=True):
        assert articles_resend_pending() == 1
    assert Article.objects.get(pk=article.pk).status == ArticleStatus.READY


def test_submitting_a_stuck_article_again_sends_its_extraction_again(
    django_capture_on_commit_callbacks,
) -> None:
    with mock.patch.object(tasks.article_extract_task, "apply_async"):
        article = article_submit(data=ARTICLE, name="api").article
    with django_capture_on_commit_callbacks(execute=True):
        again = article_submit(data=ARTICLE, name="api")
    assert not again.created
    assert Article.objects.get(pk=article.pk).status == ArticleStatus.PENDING, "not stuck yet: left alone"

    _age(article, 3600)
    with django_capture_on_commit_callbacks(execute=True):
        again = article_submit(data=ARTICLE, name="api")
    assert not again.created
    assert again.article.pk == article.pk
    assert Article.objects.get(pk=article.pk).status == ArticleStatus.READY


def test_an_editor_re_extracts_a_stuck_pending_article(editor) -> None:
    with mock.patch.object(tasks.article_extract_task, "apply_async"):
        article = article_submit(data=ARTICLE, name="api").article
    _age(article, 3600)
    article = article_reextract(article_id=article.pk, actor=editor)
    assert article.status == ArticleStatus.READY
    assert article.claims.exists()
    event = ReviewEvent.objects.get(article=article, action=EventAction.ARTICLE_REEXTRACTED)
    assert (event.from_status, event.to_status) == (ArticleStatus.PENDING, ArticleStatus.READY)


def test_the_sweep_finds_an_article_stuck_pending_for_days(
    settings, django_capture_on_commit_callbacks
) -> None:
    settings.FACTCHECK_EXTRACT_RESEND_SECONDS = 120
    with mock.patch.object(tasks.article_extract_task, "apply_async"):
        article = article_submit(data=ARTICLE, name="api").article
    _age(article, 3 * 24 * 3600)
    with django_capture_on_commit_callbacks(execute=True):
        assert articles_resend_pending() == 1
    assert Article.objects.get(pk=article.pk).status == ArticleStatus.READY


@pytest.mark.postgres
def test_the_sweep_reads_pending_articles_through_their_partial_index() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        stuck = Article.objects.filter(status=ArticleStatus.PENDING, updated_at__lte=timezone.now())
        plan = stuck.order_by("pk").values_list("pk", flat=True)[:100].explain()
    assert "article_pending_idx" in plan, plan


# --- a poison message: an extraction that kills its worker every time --------------------------------


class WorkerKilled(BaseException):
    """Stands for the worker process dying mid-extraction (SIGKILL, out of memory): nothing after the
    extraction call runs, and the message is delivered again (acks_late, reject_on_worker_lost)."""


def _kills_the_worker(*args: object, **kwargs: object) -> None:
    raise WorkerKilled()


EXHAUSTED = (
    "Extraction did not finish in 3 attempts: the worker stopped or ran out of time each time, so the "
    "text may be too large or malformed for the extractor. An editor can retry it."
)


def _poisoned(monkeypatch: pytest.MonkeyPatch) -> Article:
    monkeypatch.setattr("reviews.services.articles.extract_article", _kills_the_worker)
    with mock.patch.object(tasks.article_extract_task, "apply_async"):
        return article_submit(data=ARTICLE, name="api").article


def test_an_extraction_that_kills_its_worker_is_failed_after_the_allowed_attempts(
    settings, monkeypatch, caplog
) -> None:
    settings.FACTCHECK_EXTRACT_MAX_ATTEMPTS = 3
    article = _poisoned(monkeypatch)
    for attempt in (1, 2, 3):
        with pytest.raises(WorkerKilled):
            article_extract(article_id=article.pk)
        # Counted before the run, so the run that killed the worker is counted.
        assert Article.objects.get(pk=article.pk).extract_attempts == attempt

    extract = mock.Mock(side_effect=_kills_the_worker)
    monkeypatch.setattr("reviews.services.articles.extract_article", extract)
    with caplog.at_level(logging.ERROR, logger="reviews.services.extraction_runs"):
        failed = article_extract(article_id=article.pk)  # the message delivered a fourth time
    assert failed is not None
    assert not extract.called, "not run again"
    assert (failed.status, failed.failure_reason) == (ArticleStatus.FAILED, EXHAUSTED)
    event = ReviewEvent.objects.get(article=article, action=EventAction.ARTICLE_FAILED)
    assert (event.note, event.data) == (EXHAUSTED, {"attempts": 3})
    assert caplog.messages == [f"Article {article.pk} failed: {EXHAUSTED}"]


def test_the_sweep_fails_an_exhausted_article_instead_of_sending_it_again(
    settings, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    settings.FACTCHECK_EXTRACT_MAX_ATTEMPTS = 3
    article = _poisoned(monkeypatch)
    Article.objects.filter(pk=article.pk).update(extract_attempts=3)
    _age(article, 3600)
    with (
        mock.patch.object(tasks.article_extract_task, "apply_async") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert articles_resend_pending() == 0
    assert not send.called
    article.refresh_from_db()
    assert (article.status, article.failure_reason) == (ArticleStatus.FAILED, EXHAUSTED)


def test_an_editor_retries_a_failed_extraction_on_a_worker(
    settings, editor, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    settings.FACTCHECK_EXTRACT_MAX_ATTEMPTS = 3
    article = _poisoned(monkeypatch)
    Article.objects.filter(pk=article.pk).update(extract_attempts=3)
    article_extract(article_id=article.pk)
    monkeypatch.undo()  # the extractor is fixed

    with django_capture_on_commit_callbacks(execute=True):
        retried = article_extract_retry(article_id=article.pk, actor=editor)
        assert (retried.status, retried.failure_reason, retried.extract_attempts) == (
            ArticleStatus.PENDING,
            "",
            0,
        )
    article.refresh_from_db()
    assert (article.status, article.extract_attempts) == (ArticleStatus.READY, 1), "sent and extracted"
    event = ReviewEvent.objects.get(article=article, action=EventAction.ARTICLE_RETRIED)
    assert (event.actor, event.from_status, event.to_status) == (editor, "failed", "pending")
    assert event.data == {"previous_reason": EXHAUSTED}


def test_an_exhausted_article_is_not_re_extracted_in_the_request(settings, editor, monkeypatch) -> None:
    settings.FACTCHECK_EXTRACT_MAX_ATTEMPTS = 3
    article = _poisoned(monkeypatch)
    Article.objects.filter(pk=article.pk).update(extract_attempts=3)
    article_extract(article_id=article.pk)
    with pytest.raises(InvalidTransition) as refused:
        article_reextract(article_id=article.pk, actor=editor)
    assert refused.value.message == (
        f"Article {article.pk} cannot be re-extracted here: its extraction never finished on a worker. "
        "Retry its extraction instead."
    )
