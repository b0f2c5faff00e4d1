"""`manage.py demo_verdict`: make the demo show verdict reuse and a conflict on the seed articles.

Demo data, for `./run demo` only (refused with DEBUG off). It matches the articles whose matching has not
run yet, here and now, instead of waiting for the worker (the worker's own run later finds the same links:
matching is idempotent), then picks the best-matched pair of claims that disagree on a fact (or, when no
matched pair does, the best-matched pair, and says so), publishes a clearly labelled demo verdict on one
of them as the demo editor, and reserves the other one's task for the demo reviewer, so their first "Next
claim" opens a task page with a published verdict to reuse (and the conflict). Running it again changes
nothing.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Exists, OuterRef

from reviews.exceptions import ApplicationError
from reviews.models import (
    Article,
    ArticleStatus,
    ClaimConflict,
    ClaimMatch,
    MatchingStatus,
    ReviewTask,
    TaskStatus,
    Verdict,
    VerdictStatus,
)
from reviews.services.queue import task_assign
from reviews.services.verdicts import CitationInput, VerdictInput, verdict_create_by_editor, verdict_publish

DEMO_MARK = "DEMO DATA"
DEMO_VERDICT = VerdictInput(
    rating="unverifiable",
    summary=(
        f"{DEMO_MARK}: written by `manage.py demo_verdict` to show verdict reuse in the demo. "
        "Not a fact-check: nobody checked this claim."
    ),
    rationale="Demo data. Reuse it from the matching claim's task page to see the copy and the word diff.",
    citations=(
        CitationInput(
            url="https://example.org/factcheck-demo/not-a-source",
            title="Demo citation (not a real source)",
            publisher="factcheck demo",
        ),
    ),
)


class Command(BaseCommand):
    help = (
        "Demo only: match the seed articles now, publish one labelled demo verdict on a matched claim (one "
        "with a conflict if any), and reserve the matching claim's task for the demo reviewer."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("The demo verdict is demo data: refusing to publish it with DEBUG off.")
        users = {user.username: user for user in User.objects.filter(username__in=["editor", "reviewer"])}
        if len(users) != 2:
            raise CommandError("The demo accounts are missing: run `manage.py create_demo_users` first.")
        existing = Verdict.objects.filter(
            status=VerdictStatus.PUBLISHED, summary__startswith=DEMO_MARK
        ).first()
        if existing is not None:
            self.stdout.write(f"  The demo verdict is already published (verdict {existing.pk}).")
            return
        self._match_now()
        match, conflicting = self._pair()
        if match is None:
            self.stdout.write("  No matched claims were found: no demo verdict published.")
            return
        try:
            with transaction.atomic():
                published = self._publish(match, users["editor"])
                task = self._reserve(match, users)
        except ApplicationError as exc:
            raise CommandError(f"The demo verdict could not be published: {exc.message}") from exc
        relation = "disagrees with it on a fact" if conflicting else "matches it (no conflict between them)"
        self.stdout.write(
            f"  Demo verdict {published.pk} published on claim {match.claim_id}; claim "
            f"{match.other_claim_id} (similarity {match.similarity:.2f}) {relation}, and its task "
            f"{task.pk} is reserved for `reviewer`: press “Next claim” to reuse the verdict."
        )
        if not conflicting:
            self.stdout.write("  No matched claims disagree on a fact, so the demo shows no conflict.")

    def _match_now(self) -> None:
        todo = Article.objects.filter(status=ArticleStatus.READY).exclude(matching_status=MatchingStatus.DONE)
        ids = list(todo.order_by("pk").values_list("pk", flat=True))
        if not ids:
            return
        # Imported here: it loads the embedding model, which only this step needs.
        from reviews.services.matching_run import article_match

        for article_id in ids:
            article_match(article_id=article_id)

    def _pair(self) -> tuple[ClaimMatch | None, bool]:
        """The best-matched pair whose claims both wait in the queue, untouched: one with an open conflict
        if there is one (and True), else the best match (and False)."""
        waiting = ReviewTask.objects.filter(status=TaskStatus.AVAILABLE, assignee__isnull=True)
        open_conflict = Exists(ClaimConflict.objects.filter(match=OuterRef("pk"), resolved=False))
        pairs = (
            ClaimMatch.objects.live()
            .filter(Exists(waiting.filter(claim=OuterRef("claim"))))
            .filter(Exists(waiting.filter(claim=OuterRef("other_claim"))))
            .order_by("-similarity", "pk")
        )
        with_conflict = pairs.filter(open_conflict).first()
        return (with_conflict, True) if with_conflict is not None else (pairs.first(), False)

    def _publish(self, match: ClaimMatch, editor: User) -> Verdict:
        submitted = verdict_create_by_editor(claim_id=match.claim_id, editor=editor, data=DEMO_VERDICT)
        return verdict_publish(verdict_id=submitted.pk, editor=editor)

    def _reserve(self, match: ClaimMatch, users: dict[str, User]) -> ReviewTask:
        task = ReviewTask.objects.get(claim_id=match.other_claim_id, status=TaskStatus.AVAILABLE)
        return task_assign(task_id=task.pk, editor=users["editor"], reviewer=users["reviewer"])
