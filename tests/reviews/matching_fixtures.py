"""Building blocks for the verdict-reuse tests: two articles telling the same claim, matched, one of them
with a published verdict written and published through the editors' real services, and the other's task
leased to a reviewer through the real queue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import User

from reviews.models import (
    Claim,
    ClaimConflict,
    ClaimMatch,
    ClaimType,
    ConflictKind,
    MatchStatus,
    ReviewTask,
    Verdict,
)
from reviews.services import queue
from reviews.services.verdicts import CitationInput, VerdictInput, verdict_create_by_editor, verdict_publish
from tests.factories import ArticleFactory, ClaimFactory, ReviewTaskFactory

PUBLISHED_CLAIM = "In 2012, Iraq signed a $4.2 billion arms deal with Russia."
REVIEWED_CLAIM = "In 2013, former Prime Minister Nouri al-Maliki signed a $4.2 billion arms deal with Russia."
PUBLISHED = VerdictInput(
    rating="mostly-true",
    summary="The deal was announced in October 2012 and was worth about $4.2 billion.",
    rationale="Editors' notes on the sources (not copied on reuse).",
    citations=(
        CitationInput(
            url="https://news.example.org/2012/10/iraq-russia-arms",
            title="Iraq signs arms deal with Russia",
            publisher="Example News",
            published=dt.date(2012, 10, 9),
            excerpt="Iraq has signed contracts worth $4.2 billion.",
        ),
        CitationInput(url="https://archive.example.org/deal", title="Arms transfers register"),
    ),
)


def claim_in_article(text: str, *, title: str, priority: int = 900) -> ReviewTask:
    """A check-worthy claim in an article of its own, with its waiting review task."""
    body = f"The story so far.\n\n{text} More followed.\n\nThe end."
    article = ArticleFactory.create(title=title, raw_text=body, body=body, published_on=dt.date(2020, 2, 2))
    start = body.index(text)
    claim = ClaimFactory.create(
        article=article,
        text=text,
        start=start,
        end=start + len(text),
        score=priority / 1000,
        claim_type=ClaimType.EVENT,
    )
    return ReviewTaskFactory.create(claim=claim, priority=priority)


def link(a: Claim, b: Claim, *, similarity: float = 0.91, status: str = MatchStatus.SUGGESTED) -> ClaimMatch:
    low, high = sorted((a, b), key=lambda claim: claim.pk)
    return ClaimMatch.objects.create(claim=low, other_claim=high, similarity=similarity, status=status)


def publish_on(claim: Claim, editor: User, data: VerdictInput = PUBLISHED) -> Verdict:
    """A published verdict on `claim`, written and published by `editor` through the services."""
    submitted = verdict_create_by_editor(claim_id=claim.pk, editor=editor, data=data)
    return verdict_publish(verdict_id=submitted.pk, editor=editor)


@dataclass(frozen=True, slots=True)
class Pair:
    source: Verdict | None  # published, on the matched claim (None when not asked for)
    task: ReviewTask  # on the matched claim, leased to the reviewer
    match: ClaimMatch


def matched_pair(*, editor: User, reviewer: User, published: bool = True, conflict: bool = False) -> Pair:
    """Claim A (published verdict, when `published`) matched with claim B, whose task `reviewer` holds.
    With `conflict`, the pair disagrees on the year, as the seeds' two tellings of the arms deal do."""
    source_task = claim_in_article(PUBLISHED_CLAIM, title="Who will protect Iraq?", priority=100)
    task = claim_in_article(REVIEWED_CLAIM, title="Why Iraq wants Russian help", priority=950)
    match = link(source_task.claim, task.claim)
    if conflict:
        mine_first = match.claim_id == task.claim_id
        ClaimConflict.objects.create(
            match=match,
            kind=ConflictKind.YEAR,
            value="2013" if mine_first else "2012",
            other_value="2012" if mine_first else "2013",
            sentence=REVIEWED_CLAIM if mine_first else PUBLISHED_CLAIM,
            other_sentence=PUBLISHED_CLAIM if mine_first else REVIEWED_CLAIM,
        )
    source = publish_on(source_task.claim, editor) if published else None
    outcome = queue.task_claim_next(reviewer=reviewer)
    assert outcome is not None
    assert outcome.task.pk == task.pk
    return Pair(source=source, task=outcome.task, match=match)
