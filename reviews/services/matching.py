"""Matching claims across articles: link the same claim in two articles, and record where they disagree.

Guarantees:
- **Never blocks or fails an ingest.** Storing an article's claims only marks the article's matching
  pending (`matching_request`, inside the ingest's transaction) and sends `reviews.article_match` after
  commit. The embedding, the search and the links happen in that task (`article_match`). A task lost to a
  broker outage or a killed worker, or one that failed, is found by the beat sweep (`matching_sweep`)
  from the article's `matching_status`, which PostgreSQL holds.
- **Idempotent.** `article_match` recomputes from the database and upserts: running it twice, late or
  concurrently changes nothing more. Matches and conflicts are written with `INSERT ... ON CONFLICT`
  on their unique constraints (`claimmatch_one_per_pair`, `claimconflict_unique_per_values`), in a fixed
  order, so two workers matching two articles that share a claim at the same time leave one link and no
  duplicate conflict, and never deadlock on each other.
- **Both sides find each other.** A task stores its article's embeddings and commits before it searches,
  and every search first catches up on what was committed (`reviews.services.vector_index`): of two
  articles matched at the same time, the one that searches second sees the other.
- **Re-ingesting and re-extracting keep the links right.** Re-ingesting the same content is a no-op;
  re-extraction deletes the old claims (their matches and conflicts cascade) and requests matching of
  the new ones; an editor demoting or promoting a claim requests it again (the run itself is
  `reviews.services.matching_run.article_match`). A run also re-scores the
  article's existing suggested matches from the stored vectors and drops those no longer above the
  threshold. Editors' decisions (confirmed or rejected matches, resolved conflicts) are kept.
- Conflicts are computed only for matched pairs (`reviews.matching.conflicts_between`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from reviews.exceptions import NotFound
from reviews.models import Article, Claim, ClaimMatch, EventAction, MatchingStatus, MatchStatus
from reviews.selectors_matching import SWEEP_LIMIT, matching_due_ids
from reviews.services.dispatch import task_send
from reviews.services.events import Actor, event_record
from reviews.services.messages import ARTICLE_MATCH, task_named
from reviews.services.scorecards import scorecard_request
from reviews.workflow import Role, check, require_editor, target

logger = logging.getLogger(__name__)


def matching_request(*, article: Article) -> None:
    """Inside the caller's transaction: mark the article's matching pending and send
    `reviews.article_match` after commit. Never fails the caller for a broker problem: the article stays
    pending and the sweep sends it again."""
    now = timezone.now()
    Article.objects.filter(pk=article.pk).update(
        matching_status=MatchingStatus.PENDING, matching_changed_at=now, matching_error=""
    )
    article.matching_status, article.matching_changed_at, article.matching_error = (
        MatchingStatus.PENDING,
        now,
        "",
    )
    article_id = article.pk
    # robust: whatever sending raises (with eager tasks, the run itself) is logged and never reaches the
    # caller, whose change is committed; the sweep sends the article again.
    transaction.on_commit(lambda: matching_enqueue(article_ids=[article_id]), robust=True)


def matching_enqueue(*, article_ids: Sequence[int]) -> int:
    """Send `reviews.article_match` for each article now; returns how many were sent. A broker error is
    logged, not raised (`task_send`): the articles stay pending and the sweep sends them again."""
    sent = 0
    for article_id in article_ids:
        if not task_send(
            task_named(ARTICLE_MATCH),
            args=[article_id],
            what=f"Matching of article {article_id}",
            repair="the matching sweep will send it again",
            log=logger,
        ):
            break
        sent += 1
    return sent


def article_matching_failed(*, article_id: int, error: BaseException) -> None:
    """Record that matching the article failed (the sweep retries it later); never raises for a gone
    article."""
    Article.objects.filter(pk=article_id).exclude(matching_status=MatchingStatus.DONE).update(
        matching_status=MatchingStatus.FAILED,
        matching_changed_at=timezone.now(),
        matching_error=f"{type(error).__name__}: {error}"[:2000],
    )


def matching_sweep(*, limit: int = SWEEP_LIMIT) -> int:
    """The periodic repair (beat): send matching again for every article whose run was lost or failed
    (reviews.selectors_matching.matching_due_ids). Counts an attempt and restarts the article's clock,
    so each is sent once per wait."""
    due = matching_due_ids(limit=limit)
    if not due:
        return 0
    Article.objects.filter(pk__in=due).update(
        matching_attempts=F("matching_attempts") + 1, matching_changed_at=timezone.now()
    )
    sent = matching_enqueue(article_ids=due)
    logger.info("Matching sweep sent %s of %s article(s) due.", sent, len(due))
    return sent


def matching_request_stale(*, version: int) -> int:
    """Request matching again for every extracted article with a check-worthy claim whose stored
    embedding and facts were read by another version of the reading than `version` (the library's
    `FACTS_VERSION`, passed in so this module never loads the model): after the reading changes, old
    vectors would be compared with new ones. Marks them pending and sends them; a message the broker
    loses is sent again by the sweep. Returns how many articles. Idempotent: once an article's run has
    read its claims again, it is no longer found."""
    stale = (
        Claim.objects.checkworthy()
        .filter(article=OuterRef("pk"), embedding__isnull=False)
        .exclude(facts__version=version)
    )
    ids = list(Article.objects.ready().filter(Exists(stale)).order_by("pk").values_list("pk", flat=True))
    if ids:
        Article.objects.filter(pk__in=ids).update(
            matching_status=MatchingStatus.PENDING, matching_changed_at=timezone.now(), matching_error=""
        )
        matching_enqueue(article_ids=ids)
    return len(ids)


# --------------------------------------------------------------------------------------------------
# Editors' decisions on matches
# --------------------------------------------------------------------------------------------------


def _decide(*, match_id: int, editor: Actor, action: str) -> ClaimMatch:
    user = require_editor(action, editor)
    status = target(action)
    with transaction.atomic():
        match = (
            ClaimMatch.objects.select_for_update(of=("self",))
            .select_related("claim", "other_claim")
            .filter(pk=match_id)
            .first()
        )
        if match is None:
            raise NotFound(f"Match {match_id} does not exist.")
        check(action, match, role=Role.EDITOR)
        from_status = match.status
        match.status, match.decided_by, match.decided_at = status, user, timezone.now()
        match.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
        if status == MatchStatus.REJECTED:
            # They compared two different claims: no longer conflicts, resolved or not.
            match.conflicts.all().delete()
        event_record(
            action=EventAction.MATCH_CONFIRMED
            if status == MatchStatus.CONFIRMED
            else EventAction.MATCH_REJECTED,
            actor=user,
            claim=match.claim,
            from_status=from_status,
            to_status=status,
            data={"match": match.pk, "other_claim": match.other_claim_id, "similarity": match.similarity},
        )
        # Scorecards count the open conflicts of matches that are not rejected: both sides are stale.
        # Article rows are locked here, in id order.
        for article_id in sorted({match.claim.article_id, match.other_claim.article_id}):
            scorecard_request(article=article_id)
        if from_status == MatchStatus.REJECTED:
            # Rejecting deleted the pair's conflicts: matching the article again (after commit) records
            # them again and asks for both scorecards once more. Its row is locked above already.
            matching_request(article=Article(pk=match.claim.article_id))
    return match


def match_confirm(*, match_id: int, editor: Actor) -> ClaimMatch:
    """An editor confirms that two matched claims are the same claim; re-matching keeps it linked.
    Locks the match, then the two articles (scorecards) in id order, whose scorecards are rebuilt after
    commit. Confirming a rejected match also requests matching of its first claim's article, which
    records the pair's conflicts again. 409 if already confirmed."""
    return _decide(match_id=match_id, editor=editor, action="match.confirm")


def match_reject(*, match_id: int, editor: Actor) -> ClaimMatch:
    """An editor rejects a match: the claims are different claims. The pair stays recorded (so matching
    does not suggest it again) and its conflicts are deleted, so both articles' scorecards are rebuilt
    after commit. Locks as `match_confirm`; 409 if already rejected."""
    return _decide(match_id=match_id, editor=editor, action="match.reject")
