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
from reviews.models import (
    Article,
    ArticleStatus,
    ClaimConflict,
    ClaimMatch,
    MatchStatus,
    RatingLabel,
    Scorecard,
    TaskStatus,
)
from reviews.services import scorecards as scorecard_service
from reviews.services.scorecards import (
    ACCURACY_DEFINITION,
    DATA_FORMAT,
    BuildOutcome,
    scorecard_build,
    scorecard_data,
    scorecard_mark_changed,
    scorecard_request,
    scorecards_build,
    scorecards_data,
    scorecards_fan_out,
    scorecards_stale_count,
    scorecards_stale_ids,
    scorecards_sweep,
)
from tests.factories import ArticleFactory, ClaimFactory, UserFactory
from tests.reviews.scorecard_fixtures import (
    article_with_claims,
    checkworthy,
    ensure_rating_scale,
    lease,
    publish_many,
    publish_verdict,
    retract_verdict,
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


# --- content ---------------------------------------------------------------------------------------


def test_claims_are_counted_by_review_state(editor) -> None:
    article = article_with_claims(6, sentences=2)
    _available, _also_available, leased, submitted, published, cancelled = checkworthy(article)
    lease(leased.tasks.get(), editor)
    submitted.tasks.update(status=TaskStatus.SUBMITTED, reviewer=editor)
    publish_verdict(published, "true")
    cancelled.tasks.update(status=TaskStatus.CANCELLED)

    data = scorecard_data(article=article)

    assert {key: data[key] for key in ("sentences", "claims_found", "queued", "in_review", "published")} == {
        "sentences": 8,
        "claims_found": 6,
        "queued": 2,
        "in_review": 2,
        "published": 1,
    }
    assert data["not_in_review"] == 1, "the claim whose only task was cancelled"
    assert data["coverage"] == round(1 / 6, 4)
    assert data["format"] == DATA_FORMAT


def test_an_article_without_claims_has_an_empty_scorecard() -> None:
    article = ArticleFactory.create()
    data = scorecard_data(article=article.pk)
    assert data["claims_found"] == 0
    assert data["coverage"] is None
    assert data["accuracy"] == {
        "score": None,
        "counted_verdicts": 0,
        "uncounted_verdicts": 0,
        "definition": ACCURACY_DEFINITION,
    }
    assert data["median_seconds_to_publication"] is None
    assert [row["count"] for row in data["verdict_mix"]] == [0] * 7


def test_accuracy_is_the_mean_of_normalised_ratings_without_unverifiable() -> None:
    article = article_with_claims(5)
    claims = checkworthy(article)
    for claim, slug in zip(
        claims, ["true", "false", "mostly-true", "unverifiable", "mostly-true"], strict=True
    ):
        publish_verdict(claim, slug)

    accuracy = scorecard_data(article=article)["accuracy"]

    # (1 + 0 + 0.75 + 0.75) / 4 counted verdicts: each rating weighted by how many verdicts carry it.
    assert accuracy == {
        "score": 62.5,
        "counted_verdicts": 4,
        "uncounted_verdicts": 1,
        "definition": ACCURACY_DEFINITION,
    }


def test_accuracy_normalises_each_rating_on_its_own_scale() -> None:
    RatingLabel.objects.create(
        slug="ten-of-ten", name="Ten of ten", order=20, rating_value=7, worst_rating=0, best_rating=10
    )
    article = article_with_claims(2)
    first, second = checkworthy(article)
    publish_verdict(first, "ten-of-ten")  # 0.7
    publish_verdict(second, "half-true")  # (3 - 1) / (5 - 1) = 0.5
    assert scorecard_data(article=article)["accuracy"]["score"] == 60.0


def test_verdict_mix_lists_active_ratings_in_scale_order_and_retired_ones_in_use() -> None:
    article = article_with_claims(3)
    first, second, third = checkworthy(article)
    publish_verdict(first, "false")
    publish_verdict(second, "false")
    publish_verdict(third, "misleading")
    RatingLabel.objects.filter(slug__in=["misleading", "half-true"]).update(is_active=False)

    mix = scorecard_data(article=article)["verdict_mix"]

    assert [(row["rating"], row["count"]) for row in mix] == [
        ("true", 0),
        ("mostly-true", 0),
        ("mostly-false", 0),
        ("false", 2),
        ("misleading", 1),
        ("unverifiable", 0),
    ]
    assert mix[3] == {
        "rating": "false",
        "name": "False",
        "count": 2,
        "rating_value": 1,
        "worst_rating": 1,
        "best_rating": 5,
        "counts_toward_score": True,
    }


def test_only_published_verdicts_on_checkworthy_claims_count() -> None:
    article = article_with_claims(3)
    corrected, retracted, demoted = checkworthy(article)
    publish_verdict(corrected, "false", citations=[("https://old.example.org/a", "Old")])
    publish_verdict(corrected, "true", citations=[("https://new.example.org/a", "New")])
    retract_verdict(publish_verdict(retracted, "false"))
    publish_verdict(demoted, "false")
    demoted.status = "sentence"
    demoted.save()

    data = scorecard_data(article=article)

    assert data["published"] == 1
    assert [(row["rating"], row["count"]) for row in data["verdict_mix"] if row["count"]] == [("true", 1)]
    assert data["top_domains"] == [{"domain": "new.example.org", "citations": 1}]
    assert data["worst_rated"] == []


def test_most_cited_domains_and_publishers() -> None:
    article = article_with_claims(3)
    first, second, third = checkworthy(article)
    publish_verdict(
        first,
        "false",
        citations=[
            ("https://www.ONS.gov.uk/economy", "Office for National Statistics"),
            ("https://bbc.co.uk/news/1", "BBC"),
        ],
    )
    publish_verdict(
        second,
        "true",
        citations=[
            ("http://ons.gov.uk:8080/trade", "Office for National Statistics"),
            ("https://a.org/", ""),
        ],
    )
    publish_verdict(third, "half-true", citations=[("https://bbc.co.uk/news/2", "BBC")])

    data = scorecard_data(article=article)

    assert data["top_domains"] == [
        {"domain": "bbc.co.uk", "citations": 2},
        {"domain": "ons.gov.uk", "citations": 2},
        {"domain": "a.org", "citations": 1},
    ]
    assert data["top_publishers"] == [
        {"publisher": "BBC", "citations": 2},
        {"publisher": "Office for National Statistics", "citations": 2},
    ]


@pytest.mark.parametrize(
    ("url", "domain"),
    [
        ("https://www.ONS.gov.uk/economy", "ons.gov.uk"),
        ("http://ons.gov.uk:8080/trade?x=1", "ons.gov.uk"),
        ("https://user:secret@www.example.org/a#b", "example.org"),
        ("https://example.org?q=1", "example.org"),
        ("https://www.bbc.co.uk./news", "bbc.co.uk"),
        ("http://[2001:db8::1]:8000/x", "[2001:db8::1]"),
    ],
)
def test_cited_domains_are_hosts_without_www_port_or_credentials(url: str, domain: str) -> None:
    assert scorecard_service._domain(url) == domain


def test_worst_rated_claims_lowest_first_at_most_five_top_rating_excluded() -> None:
    article = article_with_claims(9)
    claims = checkworthy(article)
    slugs = [
        "half-true",
        "false",
        "true",
        "mostly-false",
        "unverifiable",
        "false",
        "misleading",
        "mostly-true",
        "true",
    ]
    for claim, slug in zip(claims, slugs, strict=True):
        publish_verdict(claim, slug)

    worst = scorecard_data(article=article)["worst_rated"]

    assert [(row["sentence_index"], row["rating"]) for row in worst] == [
        (1, "false"),
        (5, "false"),
        (3, "mostly-false"),
        (6, "misleading"),
        (0, "half-true"),
    ]
    assert worst[0] == {
        "claim_id": claims[1].pk,
        "sentence_index": 1,
        "text": claims[1].text,
        "verdict_id": claims[1].verdicts.get().pk,
        "rating": "false",
        "rating_name": "False",
    }


def test_median_time_from_queueing_to_first_publication() -> None:
    queued = timezone.now() - dt.timedelta(days=1)
    article = article_with_claims(4, queued_at=queued)
    fast, slow, medium, _unpublished = checkworthy(article)
    publish_verdict(fast, "true", published_at=queued + dt.timedelta(hours=1))
    publish_verdict(slow, "true", published_at=queued + dt.timedelta(hours=3))
    publish_verdict(medium, "false", published_at=queued + dt.timedelta(hours=2))
    # A correction later on does not restart the clock: the claim was first published after 1 hour.
    publish_verdict(fast, "mostly-true", published_at=queued + dt.timedelta(hours=20))

    assert scorecard_data(article=article)["median_seconds_to_publication"] == 2 * 3600.0


# --- building --------------------------------------------------------------------------------------


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


def test_stale_ids_are_missing_or_older_than_the_latest_change() -> None:
    current, changed, missing = (article_with_claims(1) for _ in range(3))
    ArticleFactory.create(status=ArticleStatus.PENDING)  # not extracted yet: nothing to show
    _build_now(current)
    _build_now(changed)
    scorecard_request(article=changed)

    assert scorecards_stale_ids() == sorted([changed.pk, missing.pk])
    assert scorecards_stale_ids(limit=1) == [min(changed.pk, missing.pk)]
    assert scorecards_stale_count() == 2
    assert scorecards_stale_count(article_ids=[current.pk, changed.pk]) == 1


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
    real_compute = scorecard_service._compute

    def compute_with_a_change_committing_meanwhile(ids: list[int]) -> object:
        done = threading.Event()

        def publish() -> None:
            publish_verdict(second, "true")
            connection.close()
            done.set()

        threading.Thread(target=publish).start()
        assert done.wait(30)
        return real_compute(ids)

    with mock.patch.object(tasks.scorecard_build_task, "apply_async"):  # only the builds below run
        _build_now(article)
        publish_verdict(first, "false")
        with mock.patch("reviews.services.scorecards._compute", compute_with_a_change_committing_meanwhile):
            card = _build_now(article)

    assert card.data["published"] == 2, "the content saw the second verdict"
    assert scorecards_stale_ids() == [article.pk], "but it was built for an older changed_at: rebuilt later"
    rebuilt = _build_now(article)
    assert (rebuilt.version, rebuilt.data) == (card.version, card.data)
    assert scorecards_stale_ids() == []


def test_the_scorecard_counts_open_conflicts_for_both_articles_of_a_match() -> None:
    first, second, third = (ClaimFactory.create(article=ArticleFactory.create()) for _ in range(3))
    match = ClaimMatch.objects.create(claim=first, other_claim=second, similarity=0.9)
    rejected = ClaimMatch.objects.create(
        claim=first,
        other_claim=third,
        similarity=0.8,
        status=MatchStatus.REJECTED,
        decided_by=UserFactory.create(),
        decided_at=timezone.now(),
    )
    for other_value, resolved in (("2013", False), ("2011", False), ("2010", True)):
        ClaimConflict.objects.create(
            match=match,
            kind="year",
            value="2012",
            other_value=other_value,
            sentence="a",
            other_sentence="b",
            resolved=resolved,
            resolved_by=UserFactory.create() if resolved else None,
            resolved_at=timezone.now() if resolved else None,
            resolution_note="2012." if resolved else "",
        )
    ClaimConflict.objects.create(
        match=rejected, kind="year", value="2012", other_value="2014", sentence="a", other_sentence="b"
    )
    data = scorecards_data(article_ids=[first.article_id, second.article_id, third.article_id])
    assert [data[c.article_id]["open_conflicts"] for c in (first, second, third)] == [2, 2, 0]
