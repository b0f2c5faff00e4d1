from __future__ import annotations

import re
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from kombu.exceptions import OperationalError as BrokerError

from reviews import tasks
from reviews.models import ArticleStatus, Scorecard
from reviews.selectors_scorecards import scorecards_stale_count
from reviews.services.scorecards import scorecard_build
from tests.factories import ArticleFactory
from tests.reviews.scorecard_fixtures import (
    article_with_claims,
    checkworthy,
    ensure_rating_scale,
    publish_verdict,
)

# Transactional: the command commits chunk by chunk and queues each after commit, and it waits for the
# builds, so the (eager) builds must run when the command commits, not when a test wrapper unwinds.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _ratings() -> None:
    ensure_rating_scale()


SUMMARY = re.compile(r"^Rebuilt (\d+) scorecard\(s\) in (\d+) chunk\(s\) in \d+\.\d s \(\d+ articles/s\)\.$")


def _built_articles(count: int) -> list[int]:
    ids = []
    for _ in range(count):
        article = article_with_claims(2)
        publish_verdict(checkworthy(article)[0], "false")
        scorecard_build(article_id=article.pk)
        ids.append(article.pk)
    return ids


def test_all_rebuilds_every_extracted_article_in_chunks(capsys) -> None:
    ids = _built_articles(5)
    ArticleFactory.create(status=ArticleStatus.PENDING)
    before = {card.article_id: card for card in Scorecard.objects.all()}

    with (
        mock.patch.object(
            tasks.scorecards_build_chunk_task, "delay", wraps=tasks.scorecards_build_chunk_task.delay
        ) as send,
    ):
        call_command("rebuild_scorecards", "--all", "--chunk-size", "2", "--no-progress")

    assert [call.args[0] for call in send.call_args_list] == [ids[0:2], ids[2:4], ids[4:5]]
    match = SUMMARY.match(capsys.readouterr().out.strip())
    assert match, "one summary line"
    assert match.groups() == ("5", "3")
    for card in Scorecard.objects.all():
        assert card.built_at > before[card.article_id].built_at
        assert card.version == before[card.article_id].version, "same content, same version"
    assert scorecards_stale_count() == 0


def test_given_ids_only(capsys) -> None:
    first, second, third = _built_articles(3)
    before = Scorecard.objects.get(article_id=second).built_at
    call_command("rebuild_scorecards", str(third), str(first), str(first), "--no-progress")
    match = SUMMARY.match(capsys.readouterr().out.strip())
    assert match
    assert match.groups() == ("2", "1")
    assert Scorecard.objects.get(article_id=second).built_at == before


def test_no_wait_only_queues(capsys) -> None:
    ids = _built_articles(3)
    with (
        mock.patch.object(tasks.scorecards_build_chunk_task, "delay"),
    ):
        call_command("rebuild_scorecards", "--all", "--no-wait", "--chunk-size", "2")
    assert capsys.readouterr().out == "Queued 3 scorecard rebuild(s) in 2 chunk(s); the workers build them.\n"
    assert scorecards_stale_count(article_ids=ids) == 3, "stale until a worker (or the sweeper) builds them"


def test_without_workers_it_gives_up_saying_the_sweeper_finishes() -> None:
    ids = _built_articles(2)
    with (
        mock.patch.object(tasks.scorecards_build_chunk_task, "delay"),
        pytest.raises(CommandError) as error,
    ):
        call_command("rebuild_scorecards", *map(str, ids), "--timeout", "0.3", "--no-progress")
    assert str(error.value) == (
        "2 of 2 scorecard(s) were not rebuilt within 0.3 s; is a Celery worker running? "
        "They stay marked stale, so the sweeper rebuilds them."
    )


def test_broker_down_is_reported() -> None:
    ids = _built_articles(1)
    outage = BrokerError("Error 111 connecting to 127.0.0.1:6399. Connection refused.")
    with (
        mock.patch.object(tasks.scorecards_build_chunk_task, "delay", side_effect=outage),
        pytest.raises(CommandError) as error,
    ):
        call_command("rebuild_scorecards", str(ids[0]), "--no-progress")
    assert str(error.value) == (
        "Cannot queue scorecard builds: the Celery broker is unreachable (Error 111 connecting to "
        "127.0.0.1:6399. Connection refused.). The articles queued so far are marked stale; the sweeper "
        "rebuilds them once the broker is back."
    )
    assert scorecards_stale_count(article_ids=ids) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "Give the ids of the articles to rebuild, or --all."),
        (["--all", "1"], "Give article ids or --all, not both."),
        (["--all", "--chunk-size", "0"], "--chunk-size must be at least 1."),
        # nan never compared true: the command waited for ever.
        (["--all", "--timeout", "nan"], "--timeout must be a number of seconds, 0 or more."),
        (["--all", "--timeout", "inf"], "--timeout must be a number of seconds, 0 or more."),
        (["--all", "--timeout", "-1"], "--timeout must be a number of seconds, 0 or more."),
    ],
)
def test_usage_errors(args: list[str], message: str) -> None:
    article_with_claims(1)
    with pytest.raises(CommandError) as error:
        call_command("rebuild_scorecards", *args)
    assert str(error.value) == message


def test_unknown_and_unextracted_articles_are_refused() -> None:
    ready = article_with_claims(1)
    pending = ArticleFactory.create(status=ArticleStatus.PENDING)
    with pytest.raises(CommandError) as error:
        call_command("rebuild_scorecards", str(ready.pk), "999998", "999999")
    assert str(error.value) == "No article with id 999998, 999999."
    with pytest.raises(CommandError) as error:
        call_command("rebuild_scorecards", str(ready.pk), str(pending.pk))
    assert str(error.value) == (
        f"Not extracted yet (no claims to summarise), so no scorecard: article {pending.pk}."
    )


def test_nothing_to_rebuild(capsys) -> None:
    call_command("rebuild_scorecards", "--all")
    assert capsys.readouterr().out == "No extracted articles: nothing to rebuild.\n"


def test_progress_bar_goes_to_stderr(capsys) -> None:
    _built_articles(2)
    call_command("rebuild_scorecards", "--all")
    err = capsys.readouterr().err
    assert "2/2" in err
    assert "article" in err
