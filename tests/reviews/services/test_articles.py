from __future__ import annotations

import bz2
import gzip
import importlib
import lzma
from unittest import mock

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.db import IntegrityError, transaction
from django.test import override_settings

from reviews import tasks
from reviews.exceptions import ArticleRejected, InvalidTransition, NotAllowed
from reviews.extraction.pipeline import get_sentence_scorer
from reviews.links import web_link
from reviews.models import (
    Article,
    ArticleStatus,
    Claim,
    ClaimStatus,
    EventAction,
    ReviewEvent,
    ReviewTask,
    Scorecard,
)
from reviews.services.articles import (
    article_content_hash,
    article_decode,
    article_extract,
    article_extract_retry,
    article_ingest,
    article_submit,
)
from tests.reviews.article_fixtures import ARTICLE

pytestmark = pytest.mark.django_db


def test_ingest_stores_article_claims_and_one_task_per_claim(django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        outcome = article_ingest(data=ARTICLE.encode(), name="oil.txt")
    article = outcome.article
    assert outcome.created
    assert article.status == ArticleStatus.READY
    claims = list(article.claims.all())
    assert claims, "every sentence is kept with its score"
    for claim in claims:
        assert article.body[claim.start : claim.end] == claim.text
    checkworthy = [c for c in claims if c.status == ClaimStatus.CLAIM]
    assert checkworthy
    assert ReviewTask.objects.filter(claim__article=article).count() == len(checkworthy)
    assert set(ReviewTask.objects.values_list("claim_id", flat=True)) == {c.pk for c in checkworthy}
    assert ReviewEvent.objects.filter(article=article, action=EventAction.ARTICLE_INGESTED).count() == 1
    assert Scorecard.objects.get(article=article).data["claims_found"] == len(checkworthy)


def test_reingesting_the_same_content_changes_nothing() -> None:
    first = article_ingest(data=ARTICLE, name="a.txt")
    counts = (
        Article.objects.count(),
        Claim.objects.count(),
        ReviewTask.objects.count(),
        ReviewEvent.objects.count(),
    )
    again = article_ingest(data=ARTICLE.replace("\n\n", "\n  \n") + "\n\n", name="b.txt")
    assert not again.created
    assert again.article.pk == first.article.pk
    assert counts == (
        Article.objects.count(),
        Claim.objects.count(),
        ReviewTask.objects.count(),
        ReviewEvent.objects.count(),
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "x.txt: empty (no text to extract claims from)."),
        (b"   \n\t\n", "x.txt: empty (no text to extract claims from)."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "x.txt: binary file (contains NUL bytes), not text."),
        (
            b"caf" + bytes(range(0x80, 0xA0)) * 20,
            "x.txt: not text in UTF-8, Windows-1252 or Latin-1 (invalid UTF-8 byte 0x80 at offset 3, and no "
            "legacy encoding reads it as text).",
        ),
        # UTF-16 with and without its byte-order mark (it was called a binary file).
        (ARTICLE.encode("utf-16"), "x.txt: UTF-16 text; save it as UTF-8 and ingest it again."),
        (ARTICLE.encode("utf-16-le"), "x.txt: UTF-16 text; save it as UTF-8 and ingest it again."),
        (ARTICLE.encode("utf-16-be"), "x.txt: UTF-16 text; save it as UTF-8 and ingest it again."),
    ],
)
def test_bad_payloads_are_rejected_with_a_reason(data: bytes, message: str) -> None:
    with pytest.raises(ArticleRejected) as excinfo:
        article_ingest(data=data, name="x.txt")
    assert excinfo.value.message == message
    assert not Article.objects.exists()


def test_a_legacy_encoding_is_detected_and_recorded_on_the_article() -> None:
    text = ARTICLE.replace("said", "“said”", 1) + " Señor Müller\u2019s café agreed."
    outcome = article_ingest(data=text.encode("cp1252"), name="legacy.txt")
    article = Article.objects.get(pk=outcome.article.pk)
    assert (article.source_encoding, article.source_encoding_guessed) == ("windows-1252", True)
    assert article.raw_text == text
    event = ReviewEvent.objects.get(article=article)
    assert (event.data["encoding"], event.data["encoding_guessed"]) == ("windows-1252", True)


def test_utf8_and_text_record_their_encoding() -> None:
    from_bytes = article_ingest(data=ARTICLE.encode(), name="a.txt").article
    from_text = article_submit(data=ARTICLE + " Once more.").article
    assert Article.objects.get(pk=from_bytes.pk).source_encoding == "utf-8"
    assert (Article.objects.get(pk=from_text.pk).source_encoding, from_text.source_encoding_guessed) == (
        "",
        False,
    )


@override_settings(FACTCHECK_MAX_ARTICLE_BYTES=100)
def test_oversized_payload_is_rejected() -> None:
    with pytest.raises(ArticleRejected) as excinfo:
        article_decode(data=b"a" * 101, name="big.txt")
    assert excinfo.value.message == "big.txt: too large (101 bytes; the limit is 100 bytes)."


def test_text_without_sentences_is_rejected_and_nothing_is_stored() -> None:
    with pytest.raises(ArticleRejected) as excinfo:
        article_ingest(data="Print Friendly, PDF & Email\n\nPlease Share:\n", name="clutter.txt")
    assert excinfo.value.message == "clutter.txt: no sentences found after cleaning (nothing to review)."
    assert not Article.objects.exists()
    assert not ReviewEvent.objects.exists()


DEEP_HTML = "<html><body><h1>Exports</h1>" + "<span>" * 2100 + "<p>Exports rose 4% in 2020.</p></body></html>"
DEEP_REASON = (
    "the HTML nests elements more than 2048 levels deep (unclosed tags?), deeper than the HTML parser "
    "reads; repair the markup or submit the article as plain text."
)


def test_html_too_deep_to_read_is_rejected_with_that_reason_and_nothing_is_stored() -> None:
    with pytest.raises(ArticleRejected) as excinfo:
        article_ingest(data=DEEP_HTML, name="deep.html")
    assert excinfo.value.message == f"deep.html: {DEEP_REASON}"
    assert not Article.objects.exists()
    assert not ReviewEvent.objects.exists()


def test_extract_of_html_too_deep_to_read_marks_the_article_failed_with_that_reason() -> None:
    outcome = article_submit(data=DEEP_HTML, name="api", content_type="text/html")
    article = article_extract(article_id=outcome.article.pk)
    assert article is not None
    assert article.status == ArticleStatus.FAILED
    assert article.failure_reason == f"api: {DEEP_REASON}"
    assert not article.claims.exists()


def test_content_hash_ignores_whitespace_only_differences() -> None:
    assert article_content_hash("a  b\n\nc") == article_content_hash(" a b c ")
    assert article_content_hash("a b c") != article_content_hash("a b d")


def test_submit_then_extract_is_idempotent(django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        outcome = article_submit(data=ARTICLE, name="api")
    assert outcome.article.status == ArticleStatus.PENDING
    assert len(callbacks) == 1, "extraction is enqueued once, after commit"
    article_extract(article_id=outcome.article.pk)
    tasks = ReviewTask.objects.count()
    assert tasks > 0
    article = article_extract(article_id=outcome.article.pk)
    assert article is not None
    assert article.status == ArticleStatus.READY
    assert ReviewTask.objects.count() == tasks
    assert article_extract(article_id=10**9) is None


def test_extract_without_sentences_marks_the_article_failed() -> None:
    outcome = article_submit(data="Loading, please wait...", name="api")
    article = article_extract(article_id=outcome.article.pk)
    assert article is not None
    assert article.status == ArticleStatus.FAILED
    assert article.failure_reason == "api: no sentences found after cleaning (nothing to review)."
    assert not article.claims.exists()


def _crash(*args: object, **kwargs: object) -> None:
    raise AssertionError("a parser's internal check")


def test_an_extraction_crash_marks_the_article_failed_with_a_reason(monkeypatch, caplog) -> None:
    # It used to escape the Celery task: the article stayed pending for good, and posting the same text
    # again returned the stuck article.
    monkeypatch.setattr("reviews.services.articles.extract_article", _crash)
    outcome = article_submit(data=ARTICLE, name="api")
    article = article_extract(article_id=outcome.article.pk)
    assert article is not None
    assert article.status == ArticleStatus.FAILED
    assert (
        article.failure_reason == "api: extraction failed unexpectedly (AssertionError); the error is logged."
    )
    assert "Extraction of api failed" in caplog.text


def test_an_extraction_past_the_workers_time_limit_marks_the_article_failed(monkeypatch) -> None:
    def too_slow(*args: object, **kwargs: object) -> None:
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr("reviews.services.articles.extract_article", too_slow)
    article = article_extract(article_id=article_submit(data=ARTICLE, name="api").article.pk)
    assert article is not None
    assert article.status == ArticleStatus.FAILED
    assert article.failure_reason == (
        "api: extraction took longer than the worker's time limit; split the article and submit the parts."
    )


def test_an_extraction_crash_on_ingest_stores_nothing(monkeypatch) -> None:
    monkeypatch.setattr("reviews.services.articles.extract_article", _crash)
    with pytest.raises(ArticleRejected) as info:
        article_ingest(data=ARTICLE.encode(), name="oil.txt")
    assert (
        info.value.message == "oil.txt: extraction failed unexpectedly (AssertionError); the error is logged."
    )
    assert not Article.objects.exists()


@pytest.mark.parametrize(
    ("line", "source_url"),
    [
        ("Source: https://news.example.org/oil", "https://news.example.org/oil"),
        # Scraped, so anything: a URL that is not a web link is not kept (pages show it as a link).
        ("Source: https://[::1", ""),
        ("Source: http://[x]/", ""),
    ],
)
def test_ingest_keeps_only_a_web_link_as_the_source_url(line: str, source_url: str) -> None:
    article = article_ingest(data=f"{line}\n\n{ARTICLE}".encode(), name="oil.txt").article
    assert Article.objects.get(pk=article.pk).source_url == source_url


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("HTTPS://news.example.org/oil", "https://news.example.org/oil"),
        ("ftp://news.example.org/oil", ""),
        ("javascript:alert(1)", ""),
        ("https://news.example.org/" + "x" * 2000, ""),
    ],
)
def test_a_given_source_url_is_stored_only_as_a_web_link(given: str, stored: str) -> None:
    ingested = article_ingest(data=ARTICLE.encode(), name="oil.txt", source_url=given).article
    submitted = article_submit(data=ARTICLE + " Again.", source_url=given).article
    assert Article.objects.get(pk=ingested.pk).source_url == stored
    assert Article.objects.get(pk=submitted.pk).source_url == stored


def test_the_database_refuses_a_source_url_that_is_not_http() -> None:
    article = article_ingest(data=ARTICLE.encode(), name="oil.txt").article
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.filter(pk=article.pk).update(source_url="javascript:alert(1)")


def test_migration_0006_blanks_stored_source_urls_that_are_not_web_links() -> None:
    from django.apps import apps

    migration = importlib.import_module("reviews.migrations.0006_article_source_url_http")
    urls = ["https://[::1", "https://exa mple.org/", "https://ok.example/a", ""]
    articles = [
        article_ingest(data=f"{ARTICLE} Number {n}.".encode(), name=f"{n}.txt").article
        for n in range(len(urls))
    ]
    for article, url in zip(articles, urls, strict=True):
        Article.objects.filter(pk=article.pk).update(source_url=url)
    migration.clean_source_urls(apps, None)
    assert [Article.objects.get(pk=a.pk).source_url for a in articles] == ["", "", "https://ok.example/a", ""]
    for url in ["https://[::1", "HTTP://a.example/", "ftp://a.example/", "https://a.example:99999/"]:
        assert migration._web_link(url) == web_link(url), "the migration restates reviews.links.web_link"


# --- an editor's retry ---------------------------------------------------------------------------


def test_only_an_editor_retries_and_only_a_failed_extraction(editor, reviewer) -> None:
    article = article_ingest(data=ARTICLE, name="a.txt").article
    with pytest.raises(NotAllowed, match=r"^Only editors can retry extractions\.$"):
        article_extract_retry(article_id=article.pk, actor=reviewer)
    with pytest.raises(InvalidTransition) as refused:
        article_extract_retry(article_id=article.pk, actor=editor)
    assert refused.value.message == (
        f"Article {article.pk} is extracted; only a failed extraction can be retried."
    )


# --- bad text -------------------------------------------------------------------------------------


def test_a_sentence_too_long_to_be_a_claim_refuses_the_article(settings) -> None:
    settings.FACTCHECK_MAX_CLAIM_CHARS = 1000
    text = ARTICLE + "\n\n" + " ".join(["word"] * 40_000) + "\n"
    with pytest.raises(ArticleRejected) as info:
        article_ingest(data=text, name="wall.txt")
    assert info.value.message.startswith("wall.txt: a sentence (or clause) of 199,999 characters (at offset ")
    assert info.value.message.endswith(
        "has no clause boundary to split it at; a claim may be at most 1,000 characters "
        "(FACTCHECK_MAX_CLAIM_CHARS)."
    )
    assert not Article.objects.exists()


def test_a_submitted_article_with_such_a_sentence_fails_with_the_reason(settings) -> None:
    settings.FACTCHECK_MAX_CLAIM_CHARS = 1000
    with mock.patch.object(tasks.article_extract_task, "apply_async"):
        submitted = article_submit(data=ARTICLE + "\n\n" + " ".join(["word"] * 300) + "\n", name="api")
    article = article_extract(article_id=submitted.article.pk)
    assert article is not None
    assert article.status == ArticleStatus.FAILED
    assert "a claim may be at most 1,000 characters (FACTCHECK_MAX_CLAIM_CHARS)." in article.failure_reason
    assert not article.claims.exists()


def test_long_sentences_are_stored_as_parts_within_the_limit(settings) -> None:
    settings.FACTCHECK_MAX_CLAIM_CHARS = 120
    long_one = (
        "Iraq exported 3.4 million barrels a day in March, the oil ministry said on Tuesday in Baghdad; "
        "Kuwait exported 2.1 million barrels a day, its ministry said, and Qatar sold less than before."
    )
    article = article_ingest(data=ARTICLE + "\n\n" + long_one + "\n", name="long.txt").article
    texts = list(article.claims.order_by("sentence_index").values_list("text", flat=True))
    assert max(len(text) for text in texts) <= 120
    assert (
        "Kuwait exported 2.1 million barrels a day, its ministry said, and Qatar sold less than before."
        in texts
    )


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (gzip.compress(ARTICLE.encode()), "gzip-compressed"),
        (b"PK\x03\x04\x14\x00\x00\x00\x08\x00", "a ZIP archive"),
        (bz2.compress(ARTICLE.encode()), "bzip2-compressed"),
        (lzma.compress(ARTICLE.encode()), "xz-compressed"),
    ],
)
def test_a_compressed_file_is_named_as_such(data: bytes, kind: str) -> None:
    with pytest.raises(ArticleRejected) as info:
        article_ingest(data=data, name="x.txt.gz")
    assert info.value.message == f"x.txt.gz: {kind} data, not text; decompress it and send the text inside."


def test_text_starting_with_the_bzip2_letters_is_not_taken_for_bzip2() -> None:
    assert article_decode(data=b"BZh is no word. " + ARTICLE.encode(), name="x.txt").startswith("BZh")


def test_bidirectional_controls_are_removed_at_ingest(django_capture_on_commit_callbacks) -> None:
    # "eslaf si siht" inside a right-to-left override displays as "this is false": the control is gone
    # before claims, title or the article's identity are derived from the text.
    tricked = "Officials said the dam is \u202eeslaf si siht\u202c safe, the ministry said.\n"
    with django_capture_on_commit_callbacks(execute=True):
        article = article_ingest(data=ARTICLE + tricked, name="rlo.txt").article
    assert "\u202e" not in article.raw_text
    assert "\u202c" not in article.raw_text
    assert not Claim.objects.filter(text__regex="[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]").exists()
    assert Claim.objects.filter(text__contains="dam is eslaf si siht safe").exists()
    assert article.content_hash == article_content_hash(
        ARTICLE + tricked.replace("\u202e", "").replace("\u202c", "")
    )


CAPTION = "Russian President Vladimir Putin shakes hands with Iraq's prime minister in Moscow in 2015."


def test_a_repeated_sentence_is_one_claim_with_one_task_and_its_repeat_recorded() -> None:
    text = f"Talks in Moscow\n\n{CAPTION}\n\nIraq bought 40 helicopters in 2012.\n\n{CAPTION}\n"
    article = article_ingest(data=text, name="caption.txt").article
    first, repeat = Claim.objects.filter(article=article, text=CAPTION).order_by("sentence_index")
    assert first.repeat_of_id is None
    assert repeat.repeat_of_id == first.pk
    assert repeat.status == ClaimStatus.SENTENCE
    assert article.body[repeat.start : repeat.end] == CAPTION
    assert list(first.repeats.all()) == [repeat]
    assert ReviewTask.objects.filter(claim__text=CAPTION).count() == (first.status == ClaimStatus.CLAIM)
    assert not ReviewTask.objects.filter(claim=repeat).exists()


def test_ingest_cuts_claims_at_the_news_threshold_and_the_setting_overrides_it() -> None:
    scorer = get_sentence_scorer("model")
    article = article_ingest(data=ARTICLE, name="cut.txt").article
    assert article.claim_threshold == scorer.news_threshold
    with override_settings(FACTCHECK_CLAIM_THRESHOLD=0.95):
        overridden = article_ingest(data=ARTICLE + "\nMore.\n", name="cut2.txt").article
    assert overridden.claim_threshold == 0.95
