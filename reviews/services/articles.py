"""Ingesting articles: validate the payload, extract claims, store article + claims + one task per claim.

The CPU-heavy extraction runs before the transaction opens; the transaction then writes everything at
once, so an article is either fully ingested (claims and tasks included) or not stored at all.
Sending a submitted article to the extraction worker, again when its message is lost, and counting the
worker's runs is `reviews.services.extraction_runs`.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import re
import unicodedata
from dataclasses import dataclass

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from reviews.charsets import DecodedText, UndecodableText, text_decode
from reviews.exceptions import ArticleRejected, NotFound
from reviews.extraction.pipeline import extract_article, get_sentence_scorer
from reviews.extraction.types import ExtractionResult, ScoredSentence
from reviews.links import web_link
from reviews.models import (
    Article,
    ArticleStatus,
    Claim,
    ClaimStatus,
    ClaimType,
    EventAction,
    ReviewEvent,
    ReviewTask,
)
from reviews.payloads import bidi_controls_removed, compressed_kind, compressed_refusal
from reviews.selectors_matching import articles_in_open_conflict_with
from reviews.selectors_thresholds import ThresholdChoice, claim_threshold_for, claim_threshold_named
from reviews.services.events import Actor, event_record
from reviews.services.extraction_runs import (
    article_extract_attempt_begin,
    article_extract_enqueue,
    article_extract_fail,
    article_is_stuck,
    articles_resend_pending,
)
from reviews.services.matching import matching_request
from reviews.services.messages import SCORECARD_BUILD, task_named
from reviews.workflow import Role, allowed, check, refuse, require_editor, target

logger = logging.getLogger(__name__)

# Control characters other than tab/newline/carriage return/form feed mark a file as binary.
_BINARY_CHARS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class IngestOutcome:
    article: Article
    created: bool
    # Claims queued by this ingest (0 when the article was already there): known from the store itself,
    # so callers need no count query per article.
    claims_queued: int = 0


def _looks_utf16(data: bytes) -> bool:
    """A UTF-16 byte-order mark, or mostly-ASCII UTF-16 without one: every other byte NUL."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    head = data[:2000]
    return len(head) >= 16 and max(head[0::2].count(0), head[1::2].count(0)) >= 0.9 * (len(head) // 2)


def article_decode(*, data: bytes | str, name: str) -> str:
    """The text of an article payload (`article_decode_text`)."""
    return article_decode_text(data=data, name=name).text


def article_decode_text(*, data: bytes | str, name: str, declared: str | None = None) -> DecodedText:
    """The text of an article payload with the encoding it was read in, or `ArticleRejected` with a
    one-line reason naming `name`. Bytes that are not UTF-8 are read in their `declared` charset (an HTTP
    Content-Type's) or one detected among the legacy encodings (`reviews.charsets`), and the guess is
    recorded; text received as text has no encoding (""). Bidirectional control characters are removed
    (`reviews.payloads.BIDI_CONTROLS`)."""
    limit = settings.FACTCHECK_MAX_ARTICLE_BYTES
    size = len(data.encode("utf-8")) if isinstance(data, str) else len(data)
    if size > limit:
        raise ArticleRejected(f"{name}: too large ({size:,} bytes; the limit is {limit:,} bytes).")
    if isinstance(data, bytes):
        if kind := compressed_kind(data):
            raise ArticleRejected(f"{name}: {compressed_refusal(kind)}.")
        if _looks_utf16(data):
            raise ArticleRejected(f"{name}: UTF-16 text; save it as UTF-8 and ingest it again.")
        if b"\x00" in data:
            raise ArticleRejected(f"{name}: binary file (contains NUL bytes), not text.")
        try:
            decoded = text_decode(data, declared=declared)
        except UndecodableText as exc:
            raise ArticleRejected(f"{name}: {exc}.") from None
    else:
        decoded = DecodedText(text=data, encoding="", guessed=False)
    # Removed before anything is derived from the text (identity, claims, title): a right-to-left
    # override in a claim made "this is false" display as something else on every page showing it.
    text = bidi_controls_removed(decoded.text)
    if not text.strip():
        raise ArticleRejected(f"{name}: empty (no text to extract claims from).")
    controls = len(_BINARY_CHARS.findall(text[:10000]))
    if controls > 8:
        raise ArticleRejected(f"{name}: binary file ({controls} control characters), not text.")
    return DecodedText(text=text, encoding=decoded.encoding, guessed=decoded.guessed)


def article_content_hash(text: str) -> str:
    """Identity of an article's content: the same text with different whitespace is the same article."""
    normalised = _WHITESPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


def _sniff_content_type(text: str, declared: str | None, name: str) -> str:
    if declared:
        return declared
    if name.lower().endswith((".html", ".htm")):
        return "text/html"
    head = text.lstrip()[:500].lower()
    if head.startswith(("<!doctype html", "<html")) or "<body" in head:
        return "text/html"
    return "text/plain"


def article_check_extraction(result: ExtractionResult, *, name: str) -> ExtractionResult:
    """Refuse an extraction that left nothing to review, saying why when the page could not be read,
    and one with a sentence too long to be a claim (`FACTCHECK_MAX_CLAIM_CHARS`)."""
    if result.refused:
        raise ArticleRejected(f"{name}: {result.refused} (FACTCHECK_MAX_CLAIM_CHARS).")
    if not result.sentences:
        reason = result.article.unreadable or "no sentences found after cleaning (nothing to review)"
        raise ArticleRejected(f"{name}: {reason}.")
    return result


def _extract(text: str, *, content_type: str, name: str, threshold: ThresholdChoice) -> ExtractionResult:
    try:
        result = extract_article(
            text,
            content_type=content_type,
            filename=name,
            # The model's origin carries no value: extraction uses the scorer's news threshold (never its
            # debate-tuned default_threshold) and the result records the number.
            threshold=threshold.value,
            scorer=get_sentence_scorer(settings.FACTCHECK_SCORER),
            max_sentence_chars=settings.FACTCHECK_MAX_CLAIM_CHARS,
        )
    except SoftTimeLimitExceeded:
        # The Celery task's time limit (reviews/tasks.py): an article this long would time out again.
        raise ArticleRejected(
            f"{name}: extraction took longer than the worker's time limit; split the article and submit "
            "the parts."
        ) from None
    except Exception as exc:
        # Extraction reads untrusted text with third-party parsers and touches no database: whatever it
        # raises is about this article. Refused with the reason (an API article is marked failed, and an
        # editor can re-extract it) instead of leaving the article pending; the traceback is logged.
        logger.exception("Extraction of %s failed", name)
        raise article_extraction_failed(name, exc) from exc
    return article_check_extraction(result, name=name)


def _recut_for_named_source(
    text: str,
    *,
    content_type: str,
    name: str,
    result: ExtractionResult,
    used: ThresholdChoice,
    given_source_url: str,
    feed_id: int | None = None,
) -> tuple[ExtractionResult, ThresholdChoice]:
    """`result` and the threshold it was cut at, or, when the article came without a source URL and its
    page names a source with a threshold (`claim_threshold_named`), the extraction again at that one."""
    named = claim_threshold_named(
        used=used,
        given_source_url=given_source_url,
        named_source_url=_source_url(result.article.source_url),
        feed_id=feed_id,
    )
    if named is None:
        return result, used
    return _extract(text, content_type=content_type, name=name, threshold=named), named


def _extract_at(
    text: str,
    *,
    content_type: str,
    name: str,
    used: ThresholdChoice,
    given_source_url: str,
    feed_id: int | None = None,
) -> tuple[ExtractionResult, ThresholdChoice]:
    """Extract at `used`, then cut again where the page names a source with a threshold
    (`_recut_for_named_source`); the result and the threshold it was cut at."""
    result = _extract(text, content_type=content_type, name=name, threshold=used)
    return _recut_for_named_source(
        text,
        content_type=content_type,
        name=name,
        result=result,
        used=used,
        given_source_url=given_source_url,
        feed_id=feed_id,
    )


def _extract_by_policy(
    text: str, *, content_type: str, name: str, source_url: str, feed_id: int | None
) -> tuple[ExtractionResult, ThresholdChoice]:
    """Extract at the threshold the policy gives now (reviews.selectors_thresholds), and the choice."""
    used = claim_threshold_for(source_url=source_url, feed_id=feed_id)
    return _extract_at(
        text, content_type=content_type, name=name, used=used, given_source_url=source_url, feed_id=feed_id
    )


def article_extraction_failed(name: str, exc: BaseException) -> ArticleRejected:
    """The refusal of an article whose extraction raised `exc` (here, or in an `ingest --jobs` worker);
    the caller logs the traceback."""
    return ArticleRejected(
        f"{name}: extraction failed unexpectedly ({type(exc).__name__}); the error is logged."
    )


def task_article_date(article: Article) -> dt.datetime:
    """The article date a claim's task is ordered by (after priority): its publication date, else when it
    was stored."""
    if article.published_on:
        return dt.datetime.combine(article.published_on, dt.time(12), tzinfo=dt.UTC)
    return article.created_at


def _source_url(url: str) -> str:
    """An article's source URL as stored: a web link (`reviews.links.web_link`) that fits the column, else
    "". It comes from scraped text or HTML metadata, and pages show it as a link, so anything else (a
    `javascript:` URL, a malformed one) is dropped; the API refuses such a URL with a 400 before this."""
    link = web_link(url)
    longest = Article._meta.get_field("source_url").max_length
    return link if link is not None and (longest is None or len(link) <= longest) else ""


def _store_extraction(
    article: Article, result: ExtractionResult, threshold: ThresholdChoice, *, action: str
) -> int:
    """Write claims and tasks for `result`, extracted at `threshold`, onto `article` (inside the caller's
    transaction), and move it where workflow `action` leads: `article.extract` for one a worker extracted,
    `article.reextract` for an editor's re-extraction. A synchronous ingest stores a new article, never
    pending, in the state a worker's extraction leads to: it passes `article.extract` for its target only."""
    meta = result.article
    article.title = (meta.title or article.title)[:500]
    article.author = (meta.author or article.author)[:300]
    article.publisher = (meta.publisher or article.publisher)[:300]
    article.published_on = meta.published or article.published_on
    # A source URL given with the article (the URL it was fetched from, the API's `source_url`) wins
    # over the one its metadata names.
    article.source_url = article.source_url or _source_url(meta.source_url)
    article.body = meta.body
    article.status = target(action)
    article.failure_reason = ""
    article.extractor_version = result.scorer_version
    article.claim_threshold = result.threshold
    article.claim_threshold_origin = threshold.origin
    article.changed_at = timezone.now()
    article.scorecard_stale = True
    article.save()
    # Matching against other articles runs after commit, in a task: it never blocks or fails the ingest.
    matching_request(article=article)

    def row(sentence: ScoredSentence, repeat_of: Claim | None = None) -> Claim:
        return Claim(
            article=article,
            text=sentence.span.text,
            start=sentence.span.start,
            end=sentence.span.end,
            sentence_index=sentence.span.index,
            score=sentence.score,
            claim_type=ClaimType(sentence.kind.value),
            status=ClaimStatus.CLAIM if sentence.is_claim else ClaimStatus.SENTENCE,
            mentions=sentence.mentions,
            repeat_of=repeat_of,
        )

    # A repeated sentence is stored after the sentence it repeats, pointing at its row: one claim, one
    # task, and every position it was printed at.
    claims = Claim.objects.bulk_create(row(s) for s in result.sentences if s.repeat_of is None)
    by_index = {claim.sentence_index: claim for claim in claims}
    repeats = [row(s, by_index[s.repeat_of]) for s in result.sentences if s.repeat_of is not None]
    if repeats:
        Claim.objects.bulk_create(repeats)
    article_date = task_article_date(article)
    tasks = ReviewTask.objects.bulk_create(
        ReviewTask(claim=claim, priority=task_base_priority(claim.score), article_date=article_date)
        for claim in claims
        if claim.status == ClaimStatus.CLAIM
    )
    return len(tasks)


def task_base_priority(score: float) -> int:
    """Queue priority from check-worthiness: the most check-worthy claims are offered first."""
    return round(score * 1000)


@dataclass(frozen=True, slots=True)
class PreparedArticle:
    """A decoded, identified article not stored yet: what extraction (anywhere, any process) needs."""

    text: str
    name: str
    content_hash: str
    content_type: str
    encoding: str = ""  # what the bytes were read as ("" for text received as text)
    encoding_guessed: bool = False
    source_url: str = ""  # where it was fetched from (`manage.py ingest https://...`)
    # The claim threshold policy's answer for it (`article_threshold`), read by `article_prepare`.
    threshold: ThresholdChoice | None = None


def article_prepare(
    *,
    data: bytes | str,
    name: str,
    content_type: str | None = None,
    declared_charset: str | None = None,
    source_url: str = "",
) -> PreparedArticle | Article:
    """Decode and identify a payload. Returns the stored Article when the same content is already in.
    Raises `ArticleRejected` (one line naming `name`) for empty, binary, undecodable or oversized input."""
    decoded = article_decode_text(data=data, name=name, declared=declared_charset)
    content_hash = article_content_hash(decoded.text)
    existing = Article.objects.filter(content_hash=content_hash).first()
    if existing is not None:
        return existing
    return PreparedArticle(
        text=decoded.text,
        name=name,
        content_hash=content_hash,
        content_type=_sniff_content_type(decoded.text, content_type, name),
        encoding=decoded.encoding,
        encoding_guessed=decoded.guessed,
        source_url=source_url,
        threshold=claim_threshold_for(source_url=_source_url(source_url)),
    )


def article_threshold(prepared: PreparedArticle) -> ThresholdChoice:
    """The threshold a prepared article is extracted at: the one `article_prepare` read, else the policy's
    for its source URL now (`reviews.selectors_thresholds`)."""
    if prepared.threshold is not None:
        return prepared.threshold
    return claim_threshold_for(source_url=_source_url(prepared.source_url))


def article_run_extraction(prepared: PreparedArticle) -> tuple[ExtractionResult, ThresholdChoice]:
    """The CPU-heavy part, and the threshold it used. Raises `ArticleRejected` when cleaning leaves no
    sentences."""
    return _extract_at(
        prepared.text,
        content_type=prepared.content_type,
        name=prepared.name,
        used=article_threshold(prepared),
        given_source_url=_source_url(prepared.source_url),
    )


def article_extraction_checked(
    prepared: PreparedArticle, result: ExtractionResult
) -> tuple[ExtractionResult, ThresholdChoice]:
    """An extraction made elsewhere (an `ingest --jobs` worker, at `article_threshold(prepared)`), checked
    as here, and cut again when the page names a source with a threshold (`_recut_for_named_source`)."""
    checked = article_check_extraction(result, name=prepared.name)
    return _recut_for_named_source(
        prepared.text,
        content_type=prepared.content_type,
        name=prepared.name,
        result=checked,
        used=article_threshold(prepared),
        given_source_url=_source_url(prepared.source_url),
    )


def article_store(
    *,
    prepared: PreparedArticle,
    result: ExtractionResult,
    threshold: ThresholdChoice | None = None,
    source_url: str = "",
    actor: Actor = None,
    build_scorecard: bool = True,
) -> IngestOutcome:
    """Store an extracted article with its claims and one task per claim, in one transaction.

    Idempotent under races: if another process stored the same content first, the unique constraint
    decides and that article is returned with `created=False`. `build_scorecard=False` leaves the
    scorecard to the caller (bulk ingest queues them in chunks at the end) or, failing that, to the
    sweeper, which builds every missing scorecard. `threshold` is the one `result` was cut at
    (`article_run_extraction` says which), by default `article_threshold(prepared)`.
    """
    try:
        with transaction.atomic():
            article = Article(
                origin=prepared.name[:500],
                content_type=prepared.content_type,
                raw_text=prepared.text,
                content_hash=prepared.content_hash,
                source_url=_source_url(source_url or prepared.source_url),
                source_encoding=prepared.encoding,
                source_encoding_guessed=prepared.encoding_guessed,
                created_by=actor if isinstance(actor, User) else None,
            )
            threshold = threshold or article_threshold(prepared)
            task_count = _store_extraction(article, result, threshold, action="article.extract")
            event_record(
                action=EventAction.ARTICLE_INGESTED,
                actor=actor,
                article=article,
                to_status=article.status,
                data={
                    "origin": prepared.name,
                    "sentences": len(result.sentences),
                    "claims": task_count,
                    "scorer": result.scorer_version,
                    **_threshold_data(result, threshold),
                    **_encoding_data(prepared.encoding, prepared.encoding_guessed),
                },
            )
            if build_scorecard:
                task_named(SCORECARD_BUILD).delay_on_commit(article.pk)
    except IntegrityError:
        # Lost a race with another ingest of the same content: theirs is the article.
        existing = Article.objects.filter(content_hash=prepared.content_hash).first()
        if existing is None:
            raise
        return IngestOutcome(article=existing, created=False)
    return IngestOutcome(article=article, created=True, claims_queued=task_count)


def _threshold_data(result: ExtractionResult, threshold: ThresholdChoice) -> dict[str, object]:
    """The audit record of the cut an extraction used and where it came from."""
    return {"threshold": result.threshold, "threshold_origin": threshold.origin.value}


def _encoding_data(encoding: str, guessed: bool) -> dict[str, object]:
    """The ingest event's record of how the bytes were read (nothing for text received as text)."""
    return {"encoding": encoding, "encoding_guessed": guessed} if encoding else {}


def article_ingest(
    *,
    data: bytes | str,
    name: str,
    content_type: str | None = None,
    declared_charset: str | None = None,
    source_url: str = "",
    actor: Actor = None,
) -> IngestOutcome:
    """Ingest one article synchronously: validate, extract, then store it with its claims and tasks.

    Idempotent: the same content (by `article_content_hash`) returns the stored article with
    `created=False` and changes nothing, also when two processes race (the unique constraint decides).
    Raises `ArticleRejected` with a one-line reason naming `name`; nothing is stored then.
    """
    prepared = article_prepare(
        data=data,
        name=name,
        content_type=content_type,
        declared_charset=declared_charset,
        source_url=source_url,
    )
    if isinstance(prepared, Article):
        return IngestOutcome(article=prepared, created=False)
    result, threshold = article_run_extraction(prepared)
    return article_store(
        prepared=prepared, result=result, threshold=threshold, source_url=source_url, actor=actor
    )


def article_submit(
    *,
    data: bytes | str,
    name: str = "text",
    content_type: str | None = None,
    declared_charset: str | None = None,
    source_url: str = "",
    actor: Actor = None,
    feed_id: int | None = None,
) -> IngestOutcome:
    """Accept an article for asynchronous extraction (the API path, and feed items with their `feed_id`,
    whose threshold then applies): store it as pending and enqueue `reviews.article_extract` after commit.
    The same content returns the stored article unchanged (and, if it is stuck pending, sends its
    extraction again: `articles_resend_pending`).

    The pending row is the record of the work: if the broker cannot take the message, the article is
    still accepted, and the beat sweep `articles_resend_pending` sends it once the broker is back."""
    decoded = article_decode_text(data=data, name=name, declared=declared_charset)
    text = decoded.text
    content_hash = article_content_hash(text)
    existing = Article.objects.filter(content_hash=content_hash).first()
    if existing is not None:
        if article_is_stuck(existing):
            # Submitting the same text again is what a client does when nothing happens: send it again.
            articles_resend_pending(article_ids=[existing.pk])
        return IngestOutcome(article=existing, created=False)
    try:
        with transaction.atomic():
            article = Article.objects.create(
                origin=name[:500],
                content_type=_sniff_content_type(text, content_type, name),
                raw_text=text,
                content_hash=content_hash,
                source_url=_source_url(source_url),
                source_encoding=decoded.encoding,
                source_encoding_guessed=decoded.guessed,
                status=ArticleStatus.PENDING,
                created_by=actor if isinstance(actor, User) else None,
                feed_id=feed_id,
            )
            event_record(
                action=EventAction.ARTICLE_INGESTED,
                actor=actor,
                article=article,
                to_status=ArticleStatus.PENDING,
                data={"origin": name, **_encoding_data(decoded.encoding, decoded.guessed)},
            )
            transaction.on_commit(functools.partial(article_extract_enqueue, article_id=article.pk))
    except IntegrityError:
        existing = Article.objects.filter(content_hash=content_hash).first()
        if existing is None:
            raise
        return IngestOutcome(article=existing, created=False)
    return IngestOutcome(article=article, created=True)


def article_extract(*, article_id: int) -> Article | None:
    """Extract a pending article (the Celery task's body). Safe to run twice: an article that is no
    longer pending is returned untouched, and the row lock serialises two workers on the same article.
    Returns None when the article is gone. An article without sentences is marked failed, with the reason,
    and so is one whose FACTCHECK_EXTRACT_MAX_ATTEMPTS runs all ended without a result (its worker killed
    or timed out each time: a poison message, which would otherwise be delivered again for ever).
    """
    article, proceed = article_extract_attempt_begin(article_id=article_id)
    if article is None or not proceed:
        return article
    try:
        result: ExtractionResult | None
        result, threshold = _extract_by_policy(
            article.raw_text,
            content_type=article.content_type,
            name=article.origin or f"article {article.pk}",
            source_url=article.source_url,
            feed_id=article.feed_id,
        )
        reason = ""
    except ArticleRejected as exc:
        result, reason = None, exc.message
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=article_id)
        if not allowed("article.extract", article, role=Role.SYSTEM):
            return article
        if result is None:
            article_extract_fail(article=article, reason=reason)
            return article
        from_status = article.status
        task_count = _store_extraction(article, result, threshold, action="article.extract")
        event_record(
            action=EventAction.ARTICLE_EXTRACTED,
            article=article,
            from_status=from_status,
            to_status=article.status,
            data={
                "sentences": len(result.sentences),
                "claims": task_count,
                "scorer": result.scorer_version,
                **_threshold_data(result, threshold),
            },
        )
    return article


def article_reextract(*, article_id: int, actor: Actor) -> Article:
    """Run extraction again on an article's raw text (after a scorer or threshold change, or to retry a
    failed one) and replace its sentences, claims and review tasks with the new result.

    Also extracts a pending article whose message was lost (`article_is_stuck`); one that is merely
    waiting for its worker is refused.

    Safe by refusal: only an article nobody has started reviewing is re-extracted. None of its claims may
    have a verdict or any review history (a lease, skip, assignment, promotion...), so no work and no
    audit row is thrown away; otherwise `InvalidTransition` (409) and nothing changes. An extraction that
    finds nothing raises `ArticleRejected` (400) and also changes nothing.

    The CPU-heavy extraction runs before the transaction. Locks the article's claims and their tasks
    (primary-key order, the order the verdict and claim services use), then the article.
    """
    from reviews.services.scorecards import scorecard_request

    require_editor("article.reextract", actor)

    def refuse_if_reviewed(article: Article) -> None:
        # A stuck pending article (its message lost) is re-extracted here and now; a fresh one is left to
        # its worker.
        if allowed("article.extract", article, role=Role.SYSTEM) and not article_is_stuck(article):
            raise refuse("article.reextract", "waiting", obj=article)
        check("article.reextract", article, role=Role.EDITOR)  # the conditions the article alone decides
        with_verdicts = Claim.objects.filter(article=article, verdicts__isnull=False).distinct().count()
        if with_verdicts:
            have = "has a verdict" if with_verdicts == 1 else "have verdicts"
            raise refuse("article.reextract", "has_verdicts", obj=article, count=with_verdicts, have=have)
        touched = ReviewEvent.objects.filter(claim__article=article) | ReviewEvent.objects.filter(
            task__claim__article=article
        )
        if touched.exists():
            raise refuse("article.reextract", "work_started", obj=article)

    article = Article.objects.filter(pk=article_id).first()
    if article is None:
        raise NotFound(f"Article {article_id} does not exist.")
    refuse_if_reviewed(article)  # before the expensive extraction, and again under the locks below
    # The policy as it is now: a threshold changed since the last extraction applies.
    result, threshold = _extract_by_policy(
        article.raw_text,
        content_type=article.content_type,
        name=article.origin or f"article {article.pk}",
        source_url=article.source_url,
        feed_id=article.feed_id,
    )
    with transaction.atomic():
        # NO KEY UPDATE, as services.locks.claim_lock: a reviewer who leased one of these tasks during the
        # extraction commits their submission (its foreign-key check on the claim passes) instead of
        # deadlocking with this transaction; refuse_if_reviewed below then sees their work. Deleting the
        # claims takes the full lock once every task is held.
        claim_ids = list(
            Claim.objects.select_for_update(no_key=True)
            .filter(article_id=article_id)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        list(
            ReviewTask.objects.select_for_update()
            .filter(claim_id__in=claim_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        article = Article.objects.select_for_update().get(pk=article_id)
        # Another re-extraction may have committed while this one waited for the locks: the claims it
        # stored are not among those locked above (their ids were read before it committed).
        if set(Claim.objects.filter(article_id=article_id).values_list("pk", flat=True)) != set(claim_ids):
            raise refuse("article.reextract", "reextracted_meanwhile", obj=article)
        refuse_if_reviewed(article)
        from_status = article.status
        before = Claim.objects.filter(pk__in=claim_ids, status=ClaimStatus.CLAIM).count()
        # Deleting the claims deletes their matches and conflicts (CASCADE); the articles on the other
        # side of an open conflict count it on their scorecards, so they must be rebuilt too.
        others = articles_in_open_conflict_with(claim_ids=claim_ids, besides=article.pk)
        ReviewTask.objects.filter(claim_id__in=claim_ids).delete()
        Claim.objects.filter(pk__in=claim_ids).delete()
        task_count = _store_extraction(article, result, threshold, action="article.reextract")
        event_record(
            action=EventAction.ARTICLE_REEXTRACTED,
            actor=actor,
            article=article,
            from_status=from_status,
            to_status=article.status,
            data={
                "sentences": len(result.sentences),
                "claims": task_count,
                "previous_sentences": len(claim_ids),
                "previous_claims": before,
                "scorer": result.scorer_version,
                **_threshold_data(result, threshold),
            },
        )
        scorecard_request(article=article)
        for other in others:  # primary-key order, as every multi-article lock here
            scorecard_request(article=other)
    return article


def article_extract_retry(*, article_id: int, actor: Actor) -> Article:
    """An editor's retry of a failed article's extraction: back to pending with its attempts counted
    from zero, and `reviews.article_extract` sent after commit (on a worker, as a new submission is; the
    pending-article sweep sends it again if the broker is down). Refused (409) unless the article failed.
    Locks the article."""
    require_editor("article.extract_retry", actor)
    with transaction.atomic():
        article = Article.objects.select_for_update().filter(pk=article_id).first()
        if article is None:
            raise NotFound(f"Article {article_id} does not exist.")
        check("article.extract_retry", article, role=Role.EDITOR)
        previous = article.failure_reason
        article.status = target("article.extract_retry")
        article.failure_reason = ""
        article.extract_attempts = 0
        article.save(update_fields=["status", "failure_reason", "extract_attempts", "updated_at"])
        event_record(
            action=EventAction.ARTICLE_RETRIED,
            actor=actor,
            article=article,
            from_status=ArticleStatus.FAILED,
            to_status=article.status,
            data={"previous_reason": previous},
        )
        transaction.on_commit(functools.partial(article_extract_enqueue, article_id=article.pk))
    return article
