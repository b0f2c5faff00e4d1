from __future__ import annotations

import datetime as dt
import logging
import threading
from unittest import mock

import pytest
from django.db import connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from reviews import tasks
from reviews.exceptions import NotAllowed
from reviews.models import Article, ArticleStatus, Scorecard
from reviews.selectors_scorecard_data import DATA_FORMAT, scorecards_compute
from reviews.selectors_scorecards import scorecards_stale_count, scorecards_stale_ids
from reviews.services import scorecards as scorecard_service
from reviews.services.scorecards import (
    BuildOutcome,
    scorecard_build,
    scorecard_mark_changed,
    scorecard_request,
    scorecards_build,
    scorecards_fan_out,
    scorecards_rebuild,
    scorecards_sweep,
)
from tests.reviews.scorecard_fixtures import (
    article_with_claims,
    checkworthy,
    ensure_rating_scale,
    publish_many,
    publish_verdict,
)

pytestmark = pytest.mark.django_db

# A full build: savepoint, lock scorecards, read articles, claims by state, ratings, published verdicts,
# citations, open conflicts, write, the webhook endpoints listening (none here, so nothing is rendered),
# release savepoint. Nothing depends on the number of claims.
FULL_BUILD_QUERIES = 11
# A build that finds the scorecard current: savepoint, lock scorecard, read article, release.
UP_TO_DATE_QUERIES = 4


def _build_now(article: Article) -> Scorecard:
    card = scorecard_build(article_id=article.pk)
    assert card is not None
    return card


# --- building --------------------------------------------------------------------------------------


def test_an_editors_rebuild_forces_ready_articles_and_leaves_out_the_others(editor, reviewer) -> None:
    ready = article_with_claims(2)
    card = _build_now(ready)
    pending = Article.objects.create(raw_text="Waiting.", status=ArticleStatus.PENDING)
    outcome = scorecards_rebuild(article_ids=[pending.pk, ready.pk], editor=editor)
    assert outcome is not None
    assert outcome.built == 1, "rebuilt although it looked current"
    assert Scorecard.objects.get(article=ready).source_changed_at > card.source_changed_at
    assert not Scorecard.objects.filter(article=pending).exists()
    assert scorecards_rebuild(article_ids=[pending.pk], editor=editor) is None
    with pytest.raises(NotAllowed, match=r"^Only editors can rebuild scorecards\.$"):
        scorecards_rebuild(article_ids=[ready.pk], editor=reviewer)


def test_build_creates_then_skips_when_current_then_bumps_version_on_change() -> None:
    article = article_with_claims(3)
    first, second, _ = checkworthy(article)

    card = _build_now(article)
    assert (card.version, card.source_changed_at) == (1, Article.objects.get(pk=article.pk).changed_at)
    built_at = card.built_at

    again = scorecards_build(article_ids=[article.pk])
    assert again.up_to_date == [article.pk]
    assert Scorecard.objects.get(pk=card.pk).built_at == built_at, "a current scorecard is not rewritten"

    publish_verdict(first, "false")
    card = _build_now(article)
    assert card.version == 2
    assert card.data["published"] == 1

    publish_verdict(second, "true")
    assert _build_now(article).version == 3


def test_rebuilding_the_same_content_keeps_the_version() -> None:
    article = article_with_claims(2)
    publish_verdict(checkworthy(article)[0], "false")
    card = _build_now(article)
    scorecard_request(article=article)  # something changed that the scorecard does not show

    outcome = scorecards_build(article_ids=[article.pk])

    assert outcome.unchanged == [article.pk]
    rebuilt = Scorecard.objects.get(pk=card.pk)
    assert rebuilt.version == card.version
    assert rebuilt.data == card.data
    assert rebuilt.source_changed_at > card.source_changed_at
    assert rebuilt.built_at > card.built_at


def test_a_scorecard_built_by_an_older_definition_is_rebuilt() -> None:
    article = article_with_claims(1)
    card = _build_now(article)
    Scorecard.objects.filter(pk=card.pk).update(data={"claims_found": 1})
    assert scorecards_stale_ids() == [article.pk]

    rebuilt = _build_now(article)

    assert rebuilt.version == 2
    assert rebuilt.data["format"] == DATA_FORMAT


def test_building_a_deleted_article_returns_none() -> None:
    article = article_with_claims(1)
    article_id = article.pk
    article.delete()
    assert scorecard_build(article_id=article_id) is None
    assert scorecards_build(article_ids=[article_id]).missing == [article_id]
    assert tasks.scorecard_build_task.apply(args=(article_id,)).get() == "article gone"


@pytest.mark.parametrize(("claims", "worst_rated"), [(5, 3), (500, 5)])
def test_build_query_count_does_not_depend_on_the_number_of_claims(
    claims: int, worst_rated: int, django_assert_num_queries
) -> None:
    article = article_with_claims(claims, sentences=claims)
    publish_many(checkworthy(article)[:-1], ["false", "true", "unverifiable", "half-true"], citations=2)
    _build_now(article)
    publish_verdict(checkworthy(article)[-1], "mostly-false")

    with django_assert_num_queries(FULL_BUILD_QUERIES):
        card = _build_now(article)
    assert card.data["published"] == claims
    assert len(card.data["worst_rated"]) == worst_rated

    with django_assert_num_queries(UP_TO_DATE_QUERIES):
        _build_now(article)


def test_a_chunk_of_articles_costs_the_queries_of_one(django_assert_num_queries) -> None:
    articles = [article_with_claims(3) for _ in range(10)]
    for article in articles:
        publish_verdict(checkworthy(article)[0], "false", citations=[("https://a.example.org/", "A")])
        _build_now(article)
        publish_verdict(checkworthy(article)[1], "true")
    with django_assert_num_queries(FULL_BUILD_QUERIES):
        outcome = scorecards_build(article_ids=[article.pk for article in articles])
    assert sorted(outcome.changed) == sorted(article.pk for article in articles)
    assert all(card.data["published"] == 2 for card in Scorecard.objects.all())


# --- requesting ------------------------------------------------------------------------------------


def test_request_moves_changed_at_forward_and_builds_after_commit(django_capture_on_commit_callbacks) -> None:
    article = article_with_claims(2)
    future = timezone.now() + dt.timedelta(hours=1)
    Article.objects.filter(pk=article.pk).update(changed_at=future)
    article.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        scorecard_request(article=article)

    assert len(callbacks) == 1
    # Strictly later than before even when the clock says otherwise, and the instance agrees with the row.
    assert article.changed_at == future + dt.timedelta(microseconds=1)
    assert Article.objects.get(pk=article.pk).changed_at == article.changed_at
    assert Scorecard.objects.get(article=article).source_changed_at == article.changed_at


def test_mark_changed_moves_changed_at_strictly_forward_and_sends_nothing(
    django_capture_on_commit_callbacks,
) -> None:
    article = article_with_claims(1)
    future = timezone.now() + dt.timedelta(hours=1)
    Article.objects.filter(pk=article.pk).update(changed_at=future)
    article.refresh_from_db()
    with django_capture_on_commit_callbacks() as callbacks:
        assert scorecard_mark_changed(article=article) is True
        assert scorecard_mark_changed(article=article.pk) is True
        assert scorecard_mark_changed(article=999_999) is False
    assert callbacks == []
    # Strictly later each time even when the clock says otherwise; the instance got the first value.
    assert article.changed_at == future + dt.timedelta(microseconds=1)
    assert Article.objects.get(pk=article.pk).changed_at == future + dt.timedelta(microseconds=2)
    assert scorecards_stale_ids() == [article.pk]

    Article.objects.filter(pk=article.pk).update(changed_at=timezone.now() - dt.timedelta(days=1))
    before = timezone.now()
    scorecard_mark_changed(article=article)
    assert article.changed_at >= before, "now, when that is later than the last change"


def test_requests_in_one_transaction_cost_one_build(django_capture_on_commit_callbacks) -> None:
    """A bulk change asks once per verdict; after commit the first build sees them all."""
    article = article_with_claims(3)
    _build_now(article)
    with (
        mock.patch.object(tasks.scorecard_build_task, "apply_async") as send,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        transaction.atomic(),
    ):
        for claim in checkworthy(article):
            publish_verdict(claim, "false")
    assert [callback.article_id for callback in callbacks] == [article.pk] * 3
    assert send.call_count == 3

    results = [tasks.scorecard_build_task.apply(args=(article.pk,)).get() for _ in range(3)]

    assert results == ["built", "up to date", "up to date"]
    assert Scorecard.objects.get(article=article).data["published"] == 3


def test_a_rolled_back_change_queues_nothing(django_capture_on_commit_callbacks) -> None:
    article = article_with_claims(1)
    before = Article.objects.get(pk=article.pk).changed_at

    def failing_change() -> None:
        with transaction.atomic():
            scorecard_request(article=article)
            raise RuntimeError("editor's change failed")

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError):
        failing_change()
    assert callbacks == []
    assert Article.objects.get(pk=article.pk).changed_at == before


def test_a_burst_of_messages_costs_one_build() -> None:
    """Five changes, five messages: the first message to run sees every change, the rest find the
    scorecard current and return after two queries."""
    article = article_with_claims(5)
    _build_now(article)
    for claim in checkworthy(article):
        publish_verdict(claim, "false")

    results = [tasks.scorecard_build_task.apply(args=(article.pk,)).get() for _ in range(5)]

    assert results == ["built", "up to date", "up to date", "up to date", "up to date"]
    card = Scorecard.objects.get(article=article)
    assert (card.version, card.data["published"]) == (2, 5)


def test_publishing_survives_a_broker_outage(django_capture_on_commit_callbacks, caplog) -> None:
    article = article_with_claims(1)
    _build_now(article)
    outage = BrokerError("Error 111 connecting to 127.0.0.1:6399. Connection refused.")
    with (
        mock.patch.object(tasks.scorecard_build_task, "apply_async", side_effect=outage),
        caplog.at_level(logging.WARNING, logger="reviews.services.scorecards"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        verdict = publish_verdict(checkworthy(article)[0], "false")

    assert verdict.pk is not None
    assert caplog.messages == [
        f"Scorecard build for article {article.pk} was not queued (Error 111 connecting to 127.0.0.1:6399. "
        "Connection refused.); the stale-scorecard sweeper will rebuild it."
    ]
    assert scorecards_stale_ids() == [article.pk]
    with django_capture_on_commit_callbacks(execute=True):
        assert scorecards_sweep() == 1
    assert Scorecard.objects.get(article=article).data["published"] == 1
    assert scorecards_stale_ids() == []


def test_build_messages_carry_the_debounce_countdown(settings, django_capture_on_commit_callbacks) -> None:
    settings.FACTCHECK_SCORECARD_BUILD_COUNTDOWN = 0.4
    article = article_with_claims(1)
    with (
        mock.patch.object(tasks.scorecard_build_task, "apply_async") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        scorecard_request(article=article)
    send.assert_called_once()
    assert send.call_args.kwargs["args"] == (article.pk,)
    assert send.call_args.kwargs["countdown"] == 0.4


# --- staleness, sweeping, fan-out ------------------------------------------------------------------


def test_sweep_fans_out_in_chunks_and_leaves_nothing_stale(django_capture_on_commit_callbacks) -> None:
    articles = [article_with_claims(2) for _ in range(5)]
    with (
        mock.patch.object(
            tasks.scorecards_build_chunk_task, "delay", wraps=tasks.scorecards_build_chunk_task.delay
        ) as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert scorecards_sweep(chunk_size=2) == 5
    assert [call.args[0] for call in send.call_args_list] == [
        [articles[0].pk, articles[1].pk],
        [articles[2].pk, articles[3].pk],
        [articles[4].pk],
    ]
    assert Scorecard.objects.count() == 5
    assert scorecards_sweep() == 0


def _flags(*articles: Article) -> list[bool]:
    return [Article.objects.values_list("scorecard_stale", flat=True).get(pk=a.pk) for a in articles]


def test_the_sweep_finds_a_scorecard_stale_for_days_by_its_flag(django_capture_on_commit_callbacks) -> None:
    old, current = article_with_claims(1), article_with_claims(1)
    for article in (old, current):
        _build_now(article)
    with django_capture_on_commit_callbacks(execute=True):
        assert scorecards_sweep() == 0
    assert _flags(old, current) == [False, False], "current scorecards: flags cleared"

    # A change whose build message was lost, three days ago: flagged with the change, found however old.
    scorecard_mark_changed(article=old)
    three_days_ago = timezone.now() - dt.timedelta(days=3)
    Scorecard.objects.filter(article=old).update(source_changed_at=three_days_ago - dt.timedelta(seconds=1))
    Article.objects.filter(pk=old.pk).update(changed_at=three_days_ago)
    assert _flags(old, current) == [True, False]
    with django_capture_on_commit_callbacks(execute=True):
        assert scorecards_sweep() == 1  # queued (and, eager here, built)
    assert scorecards_stale_ids() == []
    assert _flags(old) == [True], "cleared by a later run, once seen current"
    assert scorecards_sweep() == 0
    assert _flags(old) == [False]


def test_the_sweep_reads_only_flagged_articles(django_assert_num_queries) -> None:
    article = article_with_claims(1)
    _build_now(article)
    scorecards_sweep()  # the first run in a process may also look for an older DATA_FORMAT
    # Stale by a change that did not set the flag (no service does this): not seen, as no scan is made.
    Article.objects.filter(pk=article.pk).update(changed_at=timezone.now())
    with django_assert_num_queries(1):
        assert scorecards_sweep() == 0
    assert scorecards_stale_ids() == [article.pk]
    scorecard_mark_changed(article=article)
    assert scorecards_sweep() == 1


def test_the_first_sweep_of_a_process_flags_scorecards_of_an_older_format(monkeypatch) -> None:
    article = article_with_claims(1)
    _build_now(article)
    scorecards_sweep()
    Scorecard.objects.filter(article=article).update(data={"format": DATA_FORMAT - 1})
    assert scorecards_sweep() == 0, "not looked for again in this process"
    monkeypatch.setattr(scorecard_service, "_FORMAT_CHECKED", False)  # a new process (a deployment)
    assert scorecards_sweep() == 1


@pytest.mark.postgres
def test_the_sweep_reads_the_flagged_articles_through_their_partial_index() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        flagged = Article.objects.ready().filter(scorecard_stale=True).order_by("pk")
        plan = flagged.values_list("pk", flat=True)[:10_000].explain()
    assert "article_scorecard_stale_idx" in plan, plan


def test_forced_fan_out_marks_stale_first_and_keeps_versions(django_capture_on_commit_callbacks) -> None:
    articles = [article_with_claims(1) for _ in range(3)]
    for article in articles:
        _build_now(article)
    before = {card.article_id: card for card in Scorecard.objects.all()}
    with (
        mock.patch.object(tasks.scorecards_build_chunk_task, "delay") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert scorecards_fan_out(article_ids=[a.pk for a in articles], chunk_size=2, mark_stale=True) == 2
    assert send.call_count == 2
    assert scorecards_stale_count() == 3, "marked stale: a lost message is repaired by the sweeper"

    tasks.scorecards_build_chunk_task.apply(args=([a.pk for a in articles],))

    for card in Scorecard.objects.all():
        assert card.version == before[card.article_id].version
        assert card.built_at > before[card.article_id].built_at
    assert scorecards_stale_count() == 0


def test_chunk_task_reports_what_it_did() -> None:
    current, stale = article_with_claims(1), article_with_claims(1)
    _build_now(current)
    result = tasks.scorecards_build_chunk_task.apply(args=([current.pk, stale.pk, 999_999],)).get()
    assert result == {"built": 1, "up_to_date": 1, "missing": 1}


# --- concurrency (PostgreSQL) ----------------------------------------------------------------------


def _in_threads(count: int, target) -> list[object]:
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = target()
        except Exception as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_first_builds_of_one_article_create_one_version() -> None:
    ensure_rating_scale()
    article = article_with_claims(20)
    with mock.patch.object(tasks.scorecard_build_task, "apply_async"):
        publish_verdict(checkworthy(article)[0], "false")
    assert not Scorecard.objects.exists()

    results = _in_threads(4, lambda: scorecards_build(article_ids=[article.pk]))

    outcomes = [result for result in results if isinstance(result, BuildOutcome)]
    assert len(outcomes) == 4, results
    assert sum(len(outcome.changed) for outcome in outcomes) == 1
    assert sum(len(outcome.up_to_date) for outcome in outcomes) == 3
    card = Scorecard.objects.get(article=article)
    assert (card.version, card.data["published"]) == (1, 1)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_change_committed_during_a_build_leaves_the_scorecard_stale_not_wrong() -> None:
    """The build reads `changed_at` before the content: a change that commits in between is either in
    the content or makes the scorecard stale, never silently lost."""
    ensure_rating_scale()
    article = article_with_claims(2)
    first, second = checkworthy(article)
    real_compute = scorecards_compute

    def compute_with_a_change_committing_meanwhile(*, article_ids: list[int]) -> object:
        done = threading.Event()

        def publish() -> None:
            publish_verdict(second, "true")
            connection.close()
            done.set()

        threading.Thread(target=publish).start()
        assert done.wait(30)
        return real_compute(article_ids=article_ids)

    with mock.patch.object(tasks.scorecard_build_task, "apply_async"):  # only the builds below run
        _build_now(article)
        publish_verdict(first, "false")
        with mock.patch(
            "reviews.services.scorecards.scorecards_compute", compute_with_a_change_committing_meanwhile
        ):
            card = _build_now(article)

    assert card.data["published"] == 2, "the content saw the second verdict"
    assert scorecards_stale_ids() == [article.pk], "but it was built for an older changed_at: rebuilt later"
    rebuilt = _build_now(article)
    assert (rebuilt.version, rebuilt.data) == (card.version, card.data)
    assert scorecards_stale_ids() == []
