"""Articles from URLs, through a real local HTTP server: the page is fetched through the guard, decoded
(declared or detected charset, recorded), deduplicated and extracted like any article, with the fetched
URL as its source; a page that cannot be fetched is refused with the reason and stores nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from reviews.exceptions import ArticleRejected
from reviews.extraction.pipeline import get_sentence_scorer
from reviews.models import (
    Article,
    ArticleStatus,
    Claim,
    ClaimStatus,
    ReviewEvent,
    ReviewTask,
    SourceThreshold,
    ThresholdOrigin,
)
from reviews.services.article_urls import article_ingest_url, article_submit_url
from tests.reviews.page_server import PageServer, running_page_server

pytestmark = pytest.mark.django_db

PAGE = (
    "<html><head><title>Roads budget</title></head><body><article>"
    "<h1>Roads budget</h1>"
    "<p>The city spent $12 million on roads in 2023, the mayor\u2019s office said on Tuesday.</p>"
    "<p>Critics said the café district got 40% of the money, against 10% in 2019.</p>"
    "<p>Unemployment in the region fell to 4.1% last year, according to the statistics office.</p>"
    "</article></body></html>"
)


@pytest.fixture
def pages(settings: Any) -> Iterator[PageServer]:
    settings.FACTCHECK_ALLOW_PRIVATE_URLS = True
    settings.FACTCHECK_FETCH_TIMEOUT_SECONDS = 0.5
    settings.FACTCHECK_FETCH_MAX_BYTES = 200_000
    yield from running_page_server()


def test_a_page_is_ingested_with_its_url_as_source(pages: PageServer) -> None:
    url = pages.serve("/roads", PAGE)
    outcome = article_ingest_url(url=url)
    article = Article.objects.get(pk=outcome.article.pk)
    assert outcome.created
    assert article.status == ArticleStatus.READY
    assert (article.source_url, article.origin, article.content_type) == (url, url, "text/html")
    assert (article.source_encoding, article.source_encoding_guessed) == ("utf-8", False)
    assert "spent $12 million" in article.body
    assert ReviewTask.objects.filter(claim__article=article).count() == outcome.claims_queued > 0


def test_a_redirected_page_keeps_the_final_url(pages: PageServer) -> None:
    final = pages.serve("/2023/roads", PAGE)
    pages.serve("/r", status=301, location="/2023/roads")
    article = article_ingest_url(url=pages.url("/r")).article
    assert Article.objects.get(pk=article.pk).source_url == final


def test_a_declared_legacy_charset_is_used(pages: PageServer) -> None:
    url = pages.serve("/legacy", PAGE.encode("cp1252"), content_type="text/html; charset=windows-1252")
    article = Article.objects.get(pk=article_ingest_url(url=url).article.pk)
    assert (article.source_encoding, article.source_encoding_guessed) == ("windows-1252", False)
    assert "mayor\u2019s office" in article.body
    assert "café district" in article.body


def test_an_undeclared_legacy_charset_is_detected_and_marked_guessed(pages: PageServer) -> None:
    url = pages.serve("/guess", PAGE.encode("cp1252"), content_type="text/html")
    article = Article.objects.get(pk=article_ingest_url(url=url).article.pk)
    assert (article.source_encoding, article.source_encoding_guessed) == ("windows-1252", True)
    assert "café district" in article.body


def test_the_same_page_twice_is_one_article(pages: PageServer) -> None:
    url = pages.serve("/roads", PAGE)
    first = article_ingest_url(url=url)
    again = article_ingest_url(url=url)
    assert (again.created, again.article.pk) == (False, first.article.pk)
    assert Article.objects.count() == 1


@pytest.mark.parametrize(
    ("path", "route", "reason"),
    [
        ("/slow", {"body": PAGE, "delay": 3}, "{url} did not answer within 0.5 seconds."),
        (
            "/huge",
            {"body": "<html><body>", "stream_bytes": 20 * 1024 * 1024},
            "{url} is larger than the limit of 200,000 bytes (FACTCHECK_FETCH_MAX_BYTES).",
        ),
        (
            "/pdf",
            {"body": "%PDF", "content_type": "application/pdf"},
            "{url} answered with application/pdf, not application/xhtml+xml or text/html or text/plain.",
        ),
        ("/gone", {"status": 410}, "{url} answered HTTP 410."),
        (
            "/binary",
            {"body": b"\x80\x81" * 3000, "content_type": "text/plain"},
            "{url}: not text in UTF-8, Windows-1252 or Latin-1 (invalid UTF-8 byte 0x80 at offset 0, and no "
            "legacy encoding reads it as text).",
        ),
    ],
)
def test_a_page_that_cannot_be_used_is_refused_and_nothing_stored(
    pages: PageServer, path: str, route: dict[str, Any], reason: str
) -> None:
    url = pages.serve(path, **route)
    for ingest in (article_ingest_url, article_submit_url):
        with pytest.raises(ArticleRejected) as refused:
            ingest(url=url)
        assert refused.value.message == reason.format(url=url)
    assert not Article.objects.exists()
    assert not ReviewEvent.objects.exists()


def test_a_private_address_is_refused_before_any_request(settings: Any) -> None:
    settings.FACTCHECK_ALLOW_PRIVATE_URLS = False
    with pytest.raises(ArticleRejected) as refused:
        article_ingest_url(url="http://169.254.169.254/latest/meta-data/")
    assert refused.value.message == (
        "The URL points to a private, loopback or link-local address (169.254.169.254), which is refused "
        "(FACTCHECK_ALLOW_PRIVATE_URLS is off)."
    )
    assert not Article.objects.exists()


def test_submitting_a_url_stores_it_pending_with_its_source(
    pages: PageServer, django_capture_on_commit_callbacks: Any
) -> None:
    url = pages.serve("/roads", PAGE)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = article_submit_url(url=url)
    article = Article.objects.get(pk=outcome.article.pk)
    assert (article.status, article.source_url, article.source_encoding) == (
        ArticleStatus.READY,
        url,
        "utf-8",
    )


def test_the_ingest_command_takes_urls_and_files(pages: PageServer, tmp_path: Any, capsys: Any) -> None:
    url = pages.serve("/roads", PAGE)
    missing = pages.url("/missing")
    note = tmp_path / "note.txt"
    note.write_text("The council raised parking fees by 25% in 2022, its minutes show.")
    with pytest.raises(CommandError, match=r"1 of 3 file\(s\) were rejected"):
        call_command("ingest", url, str(note), missing, "--no-progress")
    assert f"rejected {missing} answered HTTP 404." in capsys.readouterr().err
    assert Article.objects.filter(source_url=url, origin=url).exists()
    assert Article.objects.count() == 2


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_the_ingest_command_cuts_each_page_at_its_sources_threshold(
    pages: PageServer, tmp_path: Any, settings: Any, jobs: str
) -> None:
    settings.FACTCHECK_CLAIM_THRESHOLD = None
    SourceThreshold.objects.create(host="127.0.0.1", threshold=0.97)
    roads = pages.serve("/roads", PAGE)
    fees = pages.serve("/fees", PAGE.replace("roads", "fees"))
    note = tmp_path / "note.txt"
    note.write_text("The council raised parking fees by 25% in 2022, its minutes show.")
    call_command("ingest", roads, fees, str(note), "--jobs", jobs, "--no-progress")
    cuts = {a.origin: (a.claim_threshold, a.claim_threshold_origin) for a in Article.objects.all()}
    news = get_sentence_scorer("model").news_threshold
    assert cuts == {
        roads: (0.97, ThresholdOrigin.SOURCE),
        fees: (0.97, ThresholdOrigin.SOURCE),
        str(note): (news, ThresholdOrigin.MODEL),
    }
    for claim in Claim.objects.filter(repeat_of__isnull=True).select_related("article"):
        cut = claim.article.claim_threshold
        assert cut is not None
        assert (claim.status == ClaimStatus.CLAIM) == (claim.score >= cut)
