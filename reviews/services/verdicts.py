"""Verdicts and their citations: validation shared by every surface, and the reviewer's draft/submit path.

The rules live here once, with their messages, so the reviewer pages, the admin and the API refuse the same
input with the same words. Editorial transitions (publish, return, correct, retract, edit) build on the same
`VerdictInput` and `verdict_validate`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.contrib.auth.models import User
from django.utils import timezone

from reviews.exceptions import ValidationFailed
from reviews.models import Citation, RatingLabel, ReviewTask, Verdict, VerdictStatus

# Length limits, in characters. The model fields carry the same numbers.
SUMMARY_MAX = 2000
RATIONALE_MAX = 20000
NOTE_MAX = 2000
CITATION_URL_MAX = 2000
CITATION_TITLE_MAX = 500
CITATION_PUBLISHER_MAX = 300
CITATION_EXCERPT_MAX = 5000
CITATIONS_MAX = 50

OPEN_STATUSES = [VerdictStatus.DRAFT, VerdictStatus.SUBMITTED, VerdictStatus.RETURNED]


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
    """Why `url` cannot be cited, or None. Only absolute http(s) links: they are shown to readers as links."""
    if not url.strip():
        return "A URL is required."
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return "Citation URLs must be absolute http:// or https:// links."
    if any(ch.isspace() for ch in url.strip()):
        return "Citation URLs cannot contain spaces."
    return None


def verdict_validate(data: VerdictInput, *, complete: bool) -> RatingLabel | None:
    """Check `data`; return its rating label. Raises `ValidationFailed` with every field error at once.

    `complete=False` (saving a draft) checks only what is there; `complete=True` (submitting, publishing)
    also requires a rating, a summary, and a citation unless the rating is of the "unverifiable" kind.
    """
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    label: RatingLabel | None = None
    if data.rating:
        label = RatingLabel.objects.filter(slug=data.rating, is_active=True).first()
        if label is None:
            slugs = ", ".join(RatingLabel.objects.filter(is_active=True).values_list("slug", flat=True))
            add("rating", f"Unknown rating “{data.rating}”. Choose one of: {slugs}.")
    elif complete:
        add("rating", "Choose a rating.")
    if complete and not data.summary.strip():
        add("summary", "A summary is required.")
    for name, value, limit in (
        ("summary", data.summary, SUMMARY_MAX),
        ("rationale", data.rationale, RATIONALE_MAX),
    ):
        if problem := _too_long(value, limit):
            add(name, problem)
    if len(data.citations) > CITATIONS_MAX:
        add("citations", f"At most {CITATIONS_MAX} citations per verdict (got {len(data.citations)}).")
    seen: dict[str, int] = {}
    for index, citation in enumerate(data.citations):
        prefix = f"citations[{index}]"
        if problem := citation_url_problem(citation.url):
            add(f"{prefix}.url", problem)
        else:
            key = citation.url.strip()
            if key in seen:
                add(f"{prefix}.url", f"This URL is already cited (citation {seen[key] + 1}).")
            seen.setdefault(key, index)
        for name, value, limit in (
            ("url", citation.url, CITATION_URL_MAX),
            ("title", citation.title, CITATION_TITLE_MAX),
            ("publisher", citation.publisher, CITATION_PUBLISHER_MAX),
            ("excerpt", citation.excerpt, CITATION_EXCERPT_MAX),
        ):
            if problem := _too_long(value, limit):
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


def citations_replace(*, verdict: Verdict, citations: Sequence[CitationInput]) -> list[Citation]:
    """Make `verdict`'s citations exactly `citations`, in order (inside the caller's transaction)."""
    verdict.citations.all().delete()
    return Citation.objects.bulk_create(
        Citation(
            verdict=verdict,
            url=c.url.strip(),
            title=c.title.strip(),
            publisher=c.publisher.strip(),
            published=c.published,
            excerpt=c.excerpt.strip(),
            position=index,
        )
        for index, c in enumerate(citations)
    )


def verdict_open_for_task(*, task: ReviewTask) -> Verdict | None:
    return Verdict.objects.filter(task=task, status__in=OPEN_STATUSES).select_related("rating").first()


def verdict_write_for_task(
    *, task: ReviewTask, reviewer: User, data: VerdictInput, submit: bool, label: RatingLabel | None
) -> Verdict:
    """Create or update the task's open verdict from already validated `data`.

    Called by the queue service inside its transaction, with the task row locked and the lease checked.
    A draft someone else left on the task (their lease was lost) is marked abandoned, not overwritten.
    """
    verdict = verdict_open_for_task(task=task)
    if verdict is not None and verdict.reviewer_id != reviewer.pk:
        verdict.status = VerdictStatus.ABANDONED
        verdict.save(update_fields=["status", "updated_at"])
        verdict = None
    if verdict is None:
        verdict = Verdict(claim_id=task.claim_id, task=task, reviewer=reviewer)
    verdict.rating = label
    verdict.summary = data.summary.strip()
    verdict.rationale = data.rationale.strip()
    if submit:
        verdict.status = VerdictStatus.SUBMITTED
        verdict.submitted_at = timezone.now()
    elif verdict.status != VerdictStatus.RETURNED:
        verdict.status = VerdictStatus.DRAFT
    verdict.save()
    citations_replace(verdict=verdict, citations=data.citations)
    return verdict


def verdict_abandon_drafts(*, task: ReviewTask, reviewer: User) -> int:
    """Close the reviewer's draft on a task they gave up (release, skip). A returned verdict stays theirs."""
    return Verdict.objects.filter(task=task, reviewer=reviewer, status=VerdictStatus.DRAFT).update(
        status=VerdictStatus.ABANDONED, updated_at=timezone.now()
    )
