"""Verdicts and their citations: validation shared by every surface, and the reviewer's draft/submit path.

The rules live here once, with their messages, so the reviewer pages, the admin and the API refuse the same
input with the same words. Editorial transitions (publish, return, correct, retract, edit) build on the same
`VerdictInput` and `verdict_validate`.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum

from django.contrib.auth.models import AnonymousUser, User
from django.db import connection, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone

from reviews import compiled
from reviews.compiled import Compiled, compile_once
from reviews.exceptions import NotFound, ValidationFailed
from reviews.links import web_link
from reviews.models import (
    PUBLISHED_LINEAGE,
    Citation,
    EventAction,
    RatingLabel,
    ReviewTask,
    TaskStatus,
    Verdict,
    VerdictStatus,
    WebhookEventType,
)
from reviews.payloads import bidi_control_problem
from reviews.published_cache import published_changed_on_commit
from reviews.selectors import verdict_action_refusal, verdict_live_on_claim
from reviews.services.events import event_record
from reviews.services.locks import claim_lock
from reviews.services.messages import PUBLISHED_CACHE_BUILD, task_named
from reviews.services.notifications import notifications_record_published, notifications_record_returned
from reviews.services.scorecards import BROKER_ERRORS, scorecard_request
from reviews.services.webhooks import webhooks_record_retraction, webhooks_record_verdict
from reviews.workflow import (
    VERDICT_PHRASES,
    condition_refuses,
    refuse,
    require_editor,
    states_allowing,
    target,
    task_target,
)

# Length limits, in characters. The model fields carry the same numbers.
SUMMARY_MAX = 2000
RATIONALE_MAX = 20000
NOTE_MAX = 2000
CITATION_URL_MAX = 2000
CITATION_TITLE_MAX = 500
CITATION_PUBLISHER_MAX = 300
CITATION_EXCERPT_MAX = 5000
CITATIONS_MAX = 50


class Lookup(Enum):
    """Marks a value the caller did not read beforehand: the service reads it itself."""

    PENDING = "pending"


PENDING = Lookup.PENDING


logger = logging.getLogger(__name__)
# Sending a message after commit: one quick retry, then give up (see _enqueue_render).
_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.1}


@dataclass(frozen=True, slots=True)
class CitationInput:
    url: str
    title: str = ""
    publisher: str = ""
    published: dt.date | None = None
    excerpt: str = ""


@dataclass(frozen=True, slots=True)
class VerdictInput:
    rating: str = ""  # a RatingLabel slug
    summary: str = ""
    rationale: str = ""
    citations: Sequence[CitationInput] = field(default_factory=tuple)


def _too_long(value: str, limit: int) -> str | None:
    return f"At most {limit:,} characters (got {len(value):,})." if len(value) > limit else None


def citation_url_problem(url: str) -> str | None:
    """Why `url` cannot be cited, or None. Only web links (`reviews.links.web_link`): they are shown to
    readers as links."""
    if not url.strip():
        return "A URL is required."
    if any(ch.isspace() for ch in url.strip()):
        return "Citation URLs cannot contain spaces."
    if web_link(url) is None:
        return "Citation URLs must be absolute http:// or https:// links."
    return None


def _citation_url(url: str) -> str:
    """A valid citation URL as stored and compared: stripped, its scheme in lower case."""
    return web_link(url) or url.strip()


def verdict_validate(
    data: VerdictInput, *, complete: bool, label: RatingLabel | Lookup | None = PENDING
) -> RatingLabel | None:
    """Check `data`; return its rating label. Raises `ValidationFailed` with every field error at once.

    `complete=False` (saving a draft) checks only what is there; `complete=True` (submitting, publishing)
    also requires a rating, a summary, and a citation unless the rating is of the "unverifiable" kind.
    `label`: the active label with the slug `data.rating`, when the caller read it already (None: there
    is no such label); by default it is read here.
    """
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if not data.rating:
        label = None
        if complete:
            add("rating", "Choose a rating.")
    else:
        if label is PENDING:
            label = _active_label_statement(connection.vendor).first(slug=data.rating)
        if label is None:
            slugs = ", ".join(RatingLabel.objects.filter(is_active=True).values_list("slug", flat=True))
            add("rating", f"Unknown rating “{data.rating}”. Choose one of: {slugs}.")
    if complete and not data.summary.strip():
        add("summary", "A summary is required.")
    for name, value, limit in (
        ("summary", data.summary, SUMMARY_MAX),
        ("rationale", data.rationale, RATIONALE_MAX),
    ):
        if problem := _too_long(value, limit) or bidi_control_problem(value):
            add(name, problem)
    if len(data.citations) > CITATIONS_MAX:
        add("citations", f"At most {CITATIONS_MAX} citations per verdict (got {len(data.citations)}).")
    seen: dict[str, int] = {}
    for index, citation in enumerate(data.citations):
        prefix = f"citations[{index}]"
        if problem := citation_url_problem(citation.url):
            add(f"{prefix}.url", problem)
        else:
            key = _citation_url(citation.url)
            if key in seen:
                add(f"{prefix}.url", f"This URL is already cited (citation {seen[key] + 1}).")
            seen.setdefault(key, index)
        for name, value, limit in (
            ("url", citation.url, CITATION_URL_MAX),
            ("title", citation.title, CITATION_TITLE_MAX),
            ("publisher", citation.publisher, CITATION_PUBLISHER_MAX),
            ("excerpt", citation.excerpt, CITATION_EXCERPT_MAX),
        ):
            if problem := _too_long(value, limit) or bidi_control_problem(value):
                add(f"{prefix}.{name}", problem)
    if complete and label is not None and label.requires_citation and not data.citations:
        add("citations", f"A verdict rated “{label.name}” needs at least one citation.")
    if errors:
        first = next(iter(errors.items()))
        more = len(errors) - 1
        message = f"{first[0]}: {first[1][0]}" + (
            f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        )
        raise ValidationFailed(message, field_errors=errors)
    return label


@functools.cache
def _active_label_statement(vendor: str) -> Compiled[RatingLabel]:
    """The active rating label with a slug, compiled once (reviews/compiled.py): every submission reads it
    (docs/architecture.md, "Statements compiled once")."""
    del vendor  # the key of the cache only

    def make(slug: str) -> QuerySet[RatingLabel]:
        return RatingLabel.objects.filter(slug=slug, is_active=True)[:1]

    return compile_once(make, slug=compiled.TEXT)


def citation_rows(*, verdict: Verdict, citations: Sequence[CitationInput]) -> list[Citation]:
    """`citations` as unsaved rows of `verdict`, in order."""
    return [
        Citation(
            verdict=verdict,
            url=_citation_url(c.url),
            title=c.title.strip(),
            publisher=c.publisher.strip(),
            published=c.published,
            excerpt=c.excerpt.strip(),
            position=index,
        )
        for index, c in enumerate(citations)
    ]


def citations_replace(*, verdict: Verdict, citations: Sequence[CitationInput]) -> list[Citation]:
    """Make `verdict`'s citations exactly `citations`, in order (inside the caller's transaction)."""
    verdict.citations.all().delete()
    return Citation.objects.bulk_create(citation_rows(verdict=verdict, citations=citations))


def verdict_save_for_task(
    *,
    task: ReviewTask,
    reviewer: User,
    data: VerdictInput,
    submit: bool,
    label: RatingLabel | None,
    open_verdict: Verdict | None,
) -> Verdict:
    """Create or update the task's open verdict from already validated `data`, with its citations.

    Called by the queue service inside its transaction, with the task row locked and the lease checked.
    A draft someone else left on the task (their lease was lost) is marked abandoned, not overwritten.
    `open_verdict`: the task's open verdict (draft, submitted or returned; at most one), which the caller
    read under the task's lock.
    """
    verdict = open_verdict
    if verdict is not None and verdict.reviewer_id != reviewer.pk:
        verdict.status = target("verdict.abandon_draft")
        verdict.save(update_fields=["status", "updated_at"])
        verdict = None
    if verdict is None:
        verdict = Verdict(claim_id=task.claim_id, task=task, reviewer=reviewer)
    verdict.rating = label
    verdict.summary = data.summary.strip()
    verdict.rationale = data.rationale.strip()
    if submit:
        verdict.status = target("verdict.submit")
        verdict.submitted_at = timezone.now()
    elif verdict.status != VerdictStatus.RETURNED:  # a returned verdict stays returned until resubmitted
        verdict.status = target("verdict.save_draft", to=VerdictStatus.DRAFT)
    if verdict.pk is None:
        verdict.save(force_insert=True)
        if data.citations:
            Citation.objects.bulk_create(citation_rows(verdict=verdict, citations=data.citations))
        return verdict
    verdict.save()
    citations_replace(verdict=verdict, citations=data.citations)
    return verdict


def verdict_abandon_drafts(*, task: ReviewTask, reviewer: User) -> int:
    """Close the reviewer's draft on a task they gave up (release, skip). A returned verdict stays theirs."""
    return Verdict.objects.filter(
        task=task, reviewer=reviewer, status__in=states_allowing("verdict.abandon_draft")
    ).update(status=target("verdict.abandon_draft"), updated_at=timezone.now())


def verdict_abandon_open(*, task: ReviewTask) -> list[int]:
    """Close the task's unsubmitted verdicts (drafts, and one returned to its reviewer) when an editor ends
    the reviewer's part in it (cancel, requeue to the shared queue): nobody could resubmit them, and an
    open verdict would keep editors from writing the claim's verdict themselves. Returns their ids, for
    the task's event. The caller holds the task's lock."""
    open_ids = list(
        Verdict.objects.filter(task=task, status__in=states_allowing("verdict.abandon_open"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if open_ids:
        Verdict.objects.filter(pk__in=open_ids).update(
            status=target("verdict.abandon_open"), updated_at=timezone.now()
        )
    return open_ids


# --------------------------------------------------------------------------------------------------
# Editors: publish, return, correct, retract, edit, write
# --------------------------------------------------------------------------------------------------
#
# Guarantees:
# - Every call locks its rows in one fixed order: the claim, then its review task, then the verdict, and
#   last the article (inside `scorecard_request`). The claim services and the queue (task, then verdict)
#   take the same order, and the claim lock (FOR NO KEY UPDATE) lets the queue's commits check their
#   foreign keys to the claim, so no two of them deadlock (services.locks; tests/reviews/services/
#   test_lock_order.py). The claim lock also serialises everything that
#   numbers a claim's published versions, so "version = highest published version + 1" cannot race.
# - A refused call changes nothing: state is checked first (InvalidTransition, HTTP 409), then input
#   (ValidationFailed, 400), then everything is written with its ReviewEvent in one transaction.
# - Who may take which action from which state, and the refusal's words, are reviews.workflow's table;
#   interfaces check that the user is an editor (reviews.roles), and the services check again (403).

Editor = User | AnonymousUser

RETURN_NOTE_MISSING = "Say what the reviewer should change."
CORRECTION_NOTE_MISSING = "Say what the correction changes; readers see this note."
RETRACTION_NOTE_MISSING = "Say why the verdict is retracted; readers who follow a link to it see this note."


_lock_claim = claim_lock


def _lock_verdict(verdict_id: int) -> tuple[Verdict, ReviewTask | None]:
    """Lock the verdict's claim, task and the verdict itself, in that order, and return them fresh."""
    ref = Verdict.objects.filter(pk=verdict_id).values_list("claim_id", "task_id").first()
    if ref is None:
        raise NotFound(f"Verdict {verdict_id} does not exist.")
    claim_id, task_id = ref  # neither ever changes on a verdict, so reading them unlocked is safe
    claim = _lock_claim(claim_id)
    task = ReviewTask.objects.select_for_update().filter(pk=task_id).first() if task_id is not None else None
    verdict = Verdict.objects.select_for_update(of=("self",)).select_related("rating").get(pk=verdict_id)
    verdict.claim = claim
    return verdict, task


def _check(action: str, verdict: Verdict) -> None:
    """Raise the workflow's refusal of `action` on `verdict` (409), if any."""
    problem = verdict_action_refusal(action=action, verdict=verdict)
    if problem is not None:
        raise problem


def _note(note: str, *, missing: str, name: str = "note") -> str:
    text = note.strip()
    problem = (_too_long(text, NOTE_MAX) or bidi_control_problem(text)) if text else missing
    if problem:
        raise ValidationFailed(f"{name}: {problem}", field_errors={name: [problem]})
    return text


def _next_version(claim_id: int) -> int:
    """The number the next publication on this claim gets. Call with the claim row locked."""
    latest = Verdict.objects.filter(claim_id=claim_id, status__in=PUBLISHED_LINEAGE).aggregate(
        v=Max("version")
    )
    return (latest["v"] or 0) + 1


def verdict_input_of(verdict: Verdict) -> VerdictInput:
    """The stored verdict as input: what publishing re-validates and partial edits start from."""
    return VerdictInput(
        rating=verdict.rating.slug if verdict.rating else "",
        summary=verdict.summary,
        rationale=verdict.rationale,
        citations=tuple(
            CitationInput(
                url=c.url, title=c.title, publisher=c.publisher, published=c.published, excerpt=c.excerpt
            )
            for c in verdict.citations.order_by("position", "id")
        ),
    )


@dataclass(frozen=True, slots=True)
class VerdictPatch:
    """Part of a verdict to change (an API PATCH): None keeps the stored value. Merged with the stored
    verdict under its row lock, so two partial edits at once cannot undo each other."""

    rating: str | None = None
    summary: str | None = None
    rationale: str | None = None
    citations: Sequence[CitationInput] | None = None

    def apply(self, base: VerdictInput) -> VerdictInput:
        return VerdictInput(
            rating=base.rating if self.rating is None else self.rating,
            summary=base.summary if self.summary is None else self.summary,
            rationale=base.rationale if self.rationale is None else self.rationale,
            citations=base.citations if self.citations is None else tuple(self.citations),
        )


def _normalised(data: VerdictInput) -> tuple[object, ...]:
    return (
        data.rating,
        data.summary.strip(),
        data.rationale.strip(),
        tuple(
            (_citation_url(c.url), c.title.strip(), c.publisher.strip(), c.published, c.excerpt.strip())
            for c in data.citations
        ),
    )


def _write_content(verdict: Verdict, data: VerdictInput, label: RatingLabel | None) -> None:
    verdict.rating = label
    verdict.summary = data.summary.strip()
    verdict.rationale = data.rationale.strip()


def _published_content_changed(*, verdict_ids: Sequence[int], published_id: int | None = None) -> None:
    """After commit: readers of the published cache never see `verdict_ids` as they were, and the newly
    published verdict (if any) is rendered into it by a worker, ready for its first reader."""
    published_changed_on_commit(verdict_ids=verdict_ids)
    if published_id is not None:
        transaction.on_commit(lambda: _enqueue_render(published_id))


def _enqueue_render(verdict_id: int) -> None:
    # Never fails the caller (the publication is committed): without the message, the verdict's first
    # reader renders it.
    try:
        task_named(PUBLISHED_CACHE_BUILD).apply_async(
            args=([verdict_id],), retry=True, retry_policy=_RETRY_POLICY
        )
    except BROKER_ERRORS as exc:
        logger.warning("Verdict %s was not queued for the published cache (%s).", verdict_id, exc)


def verdict_publish(*, verdict_id: int, editor: Editor) -> Verdict:
    """Approve a submitted verdict: it is published with the next version number of its claim, and its
    review task is done. Re-validates the stored verdict (a rating may have been retired since).

    Locks claim, task, verdict, then the article (scorecard). Not idempotent: publishing twice is a 409.
    """
    user = require_editor("verdict.publish", editor)
    with transaction.atomic():
        verdict, task = _lock_verdict(verdict_id)
        _check("verdict.publish", verdict)
        current = Verdict.objects.published().filter(claim_id=verdict.claim_id).exclude(pk=verdict.pk).first()
        if current is not None:
            raise refuse(
                "verdict.publish",
                "claim_has_published",
                obj=verdict,
                claim=verdict.claim_id,
                current=current.pk,
            )
        label = verdict_validate(verdict_input_of(verdict), complete=True)
        now = timezone.now()
        verdict.status = target("verdict.publish")
        verdict.version = _next_version(verdict.claim_id)
        verdict.published_at = now
        verdict.editor = user
        verdict.save()
        done = task_target("verdict.publish")
        if task is not None and task.status != done:
            task.status = done
            task.save(update_fields=["status", "updated_at"])
        event_record(
            action=EventAction.VERDICT_PUBLISHED,
            actor=user,
            article=verdict.claim.article,
            claim=verdict.claim,
            task=task,
            verdict=verdict,
            from_status=VerdictStatus.SUBMITTED,
            to_status=verdict.status,
            data={"version": verdict.version, "rating": label.slug if label else None},
        )
        scorecard_request(article=verdict.claim.article)
        webhooks_record_verdict(event_type=WebhookEventType.VERDICT_PUBLISHED, verdict_id=verdict.pk)
        notifications_record_published(verdict=verdict, actor=user)
        _published_content_changed(verdict_ids=[verdict.pk], published_id=verdict.pk)
    return verdict


def verdict_return(*, verdict_id: int, editor: Editor, note: str) -> Verdict:
    """Send a submitted verdict back to the reviewer who wrote it, with the editor's note. Its task goes
    to RETURNED with the reviewer kept, so it comes first in that reviewer's queue.

    Locks claim, task, verdict. The scorecard is untouched (the claim stays "in review").
    """
    user = require_editor("verdict.return", editor)
    with transaction.atomic():
        verdict, task = _lock_verdict(verdict_id)
        _check("verdict.return", verdict)  # a verdict an editor wrote has nobody to return it to
        assert task is not None  # the workflow refuses a verdict without a task
        text = _note(note, missing=RETURN_NOTE_MISSING)
        verdict.status = target("verdict.return")
        verdict.editor_note = text
        verdict.editor = user
        verdict.save(update_fields=["status", "editor_note", "editor", "updated_at"])
        from_task = task.status
        task.status = task_target("verdict.return")
        task.reviewer_id = verdict.reviewer_id
        task.save(update_fields=["status", "reviewer", "updated_at"])
        event = event_record(
            action=EventAction.VERDICT_RETURNED,
            actor=user,
            article=verdict.claim.article,
            claim=verdict.claim,
            task=task,
            verdict=verdict,
            from_status=VerdictStatus.SUBMITTED,
            to_status=verdict.status,
            note=text,
            data={"reviewer": verdict.reviewer_id, "task_from": from_task},
        )
        notifications_record_returned(verdict=verdict, event=event, actor=user)
    return verdict


def verdict_correct(*, verdict_id: int, editor: Editor, data: VerdictInput, note: str) -> Verdict:
    """Correct a published verdict. It stays frozen: the correction is a new version (version + 1,
    `previous` = the old one) published at once with `note` as its correction note, and the old version
    becomes superseded: still readable by editors (admin, editors' tokens), while readers get the new
    version with its note (the old version's public page redirects there). Returns the new version.

    Locks claim, task, verdict, then the article (scorecard).
    """
    user = require_editor("verdict.correct", editor)
    with transaction.atomic():
        old, task = _lock_verdict(verdict_id)
        _check("verdict.correct", old)
        text = _note(note, missing=CORRECTION_NOTE_MISSING)
        label = verdict_validate(data, complete=True)
        now = timezone.now()
        version = _next_version(old.claim_id)
        # The old version leaves PUBLISHED first: verdict_one_published_per_claim allows one at a time.
        old.status = target("verdict.correct")
        old.save(update_fields=["status", "updated_at"])
        new = Verdict(
            claim=old.claim,
            task=task,
            reviewer_id=old.reviewer_id,
            editor=user,
            status=target("verdict.publish"),  # published at once, as publishing leaves a verdict
            version=version,
            previous=old,
            correction_note=text,
            published_at=now,
        )
        _write_content(new, data, label)
        new.save()
        citations_replace(verdict=new, citations=data.citations)
        event_record(
            action=EventAction.VERDICT_CORRECTED,
            actor=user,
            article=old.claim.article,
            claim=old.claim,
            task=task,
            verdict=new,
            from_status=VerdictStatus.PUBLISHED,
            to_status=new.status,
            note=text,
            data={
                "previous_verdict": old.pk,
                "previous_version": old.version,
                "version": new.version,
                "rating": label.slug if label else None,
                "previous_rating": old.rating.slug if old.rating else None,
            },
        )
        scorecard_request(article=old.claim.article)
        webhooks_record_verdict(event_type=WebhookEventType.VERDICT_CORRECTED, verdict_id=new.pk)
        _published_content_changed(verdict_ids=[old.pk, new.pk], published_id=new.pk)
    return new


def verdict_retract(*, verdict_id: int, editor: Editor, note: str) -> Verdict:
    """Withdraw a published verdict from readers, with a note: the API, feeds and caches drop it (404),
    and its public page answers 410 with the note alone (reviews.public_views); editors still read it as
    retracted. The claim then has no published verdict (an editor may write a new one, which gets the
    next version number).

    Locks claim, task, verdict, then the article (scorecard).
    """
    user = require_editor("verdict.retract", editor)
    with transaction.atomic():
        verdict, task = _lock_verdict(verdict_id)
        _check("verdict.retract", verdict)
        text = _note(note, missing=RETRACTION_NOTE_MISSING)
        verdict.status = target("verdict.retract")
        verdict.retracted_at = timezone.now()
        verdict.retraction_note = text
        verdict.save(update_fields=["status", "retracted_at", "retraction_note", "updated_at"])
        event_record(
            action=EventAction.VERDICT_RETRACTED,
            actor=user,
            article=verdict.claim.article,
            claim=verdict.claim,
            task=task,
            verdict=verdict,
            from_status=VerdictStatus.PUBLISHED,
            to_status=verdict.status,
            note=text,
            data={"version": verdict.version},
        )
        scorecard_request(article=verdict.claim.article)
        webhooks_record_retraction(verdict=verdict)
        _published_content_changed(verdict_ids=[verdict.pk])
    return verdict


def verdict_edit(*, verdict_id: int, editor: Editor, data: VerdictInput | VerdictPatch) -> Verdict:
    """An editor rewrites a verdict under review (submitted, or returned to its reviewer): rating,
    summary, rationale and citations become exactly `data` (or the stored verdict with `data`'s changes,
    for a `VerdictPatch`), validated as for publication. The status does not change. Idempotent: the same
    content again writes and records nothing.

    Locks claim, task, verdict. The scorecard is untouched (only published verdicts count).
    """
    user = require_editor("verdict.edit", editor)
    with transaction.atomic():
        verdict, task = _lock_verdict(verdict_id)
        _check("verdict.edit", verdict)
        before = verdict_input_of(verdict)
        if isinstance(data, VerdictPatch):
            data = data.apply(before)
        label = verdict_validate(data, complete=True)
        if _normalised(before) == _normalised(data):
            return verdict
        _write_content(verdict, data, label)
        verdict.editor = user
        verdict.save()
        citations_replace(verdict=verdict, citations=data.citations)
        event_record(
            action=EventAction.VERDICT_EDITED,
            actor=user,
            article=verdict.claim.article,
            claim=verdict.claim,
            task=task,
            verdict=verdict,
            from_status=verdict.status,
            to_status=verdict.status,
            data={
                "rating": [before.rating, data.rating],
                "summary_changed": before.summary.strip() != data.summary.strip(),
                "rationale_changed": before.rationale.strip() != data.rationale.strip(),
                "citations": [len(before.citations), len(data.citations)],
            },
        )
    return verdict


def verdict_create_by_editor(*, claim_id: int, editor: Editor, data: VerdictInput) -> Verdict:
    """An editor writes a claim's verdict directly. It is validated as for publication and stored as
    submitted (ready for `verdict_publish`), with no reviewer; the claim's waiting task, if any, is
    taken over (submitted, with the editor as its reviewer) so nobody else picks it from the queue.

    Refused while the claim is only a sentence, has a published verdict or one in progress, or its task
    is leased to a reviewer. Locks claim, task, then the article (scorecard, when a task left the queue).
    """
    user = require_editor("verdict.write", editor)
    with transaction.atomic():
        claim = _lock_claim(claim_id)
        if condition_refuses("verdict.write", "claim_is_sentence", claim):
            raise refuse("verdict.write", "claim_is_sentence", claim=claim.pk)
        task = (
            ReviewTask.objects.select_for_update(of=("self",))
            .filter(claim=claim)
            .exclude(status=TaskStatus.CANCELLED)
            .select_related("lease_holder")
            .first()
        )
        existing = verdict_live_on_claim(claim_id=claim.pk)
        if existing is not None and existing.status == VerdictStatus.PUBLISHED:
            raise refuse("verdict.write", "claim_has_published", claim=claim.pk, verdict=existing.pk)
        if existing is not None:
            raise refuse(
                "verdict.write",
                "claim_has_open",
                claim=claim.pk,
                verdict=existing.pk,
                phrase=VERDICT_PHRASES[existing.status],
            )
        if task is not None and task.status == TaskStatus.LEASED:
            holder = task.lease_holder.get_username() if task.lease_holder else "a reviewer"
            raise refuse("verdict.write", "task_leased", task=task.pk, claim=claim.pk, holder=holder)
        label = verdict_validate(data, complete=True)
        took_task = task is not None and task.status != TaskStatus.DONE
        if task is not None and took_task:
            task.status = task_target("verdict.write")
            task.reviewer = user
            task.save(update_fields=["status", "reviewer", "updated_at"])
        verdict = Verdict(
            claim=claim,
            task=task,
            editor=user,
            status=target("verdict.write"),
            submitted_at=timezone.now(),
        )
        _write_content(verdict, data, label)
        verdict.save()
        citations_replace(verdict=verdict, citations=data.citations)
        event_record(
            action=EventAction.VERDICT_SUBMITTED,
            actor=user,
            article=claim.article,
            claim=claim,
            task=task,
            verdict=verdict,
            to_status=verdict.status,
            data={
                "by_editor": True,
                "rating": label.slug if label else None,
                "citations": len(data.citations),
            },
        )
        if took_task:
            scorecard_request(article=claim.article)
    return verdict
