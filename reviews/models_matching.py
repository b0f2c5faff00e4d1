"""Claims across articles: matches (the same claim in two articles) and conflicts (matched claims that
disagree on a fact).

Kept beside `reviews.models` (which imports these classes, so `from reviews.models import ClaimMatch`
works) to keep each module small. The matching services in `reviews.services.matching` are the only
writers; the rules that must hold whatever writes a row are the named constraints below.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class MatchStatus(models.TextChoices):
    # Matching suggests; an editor may confirm or reject. A rejected pair stays (so re-matching does not
    # suggest it again) and its conflicts go, since they compared two different claims.
    SUGGESTED = "suggested", "Suggested by matching"
    CONFIRMED = "confirmed", "Confirmed by an editor"
    REJECTED = "rejected", "Rejected by an editor"


class ClaimMatchQuerySet(models.QuerySet["ClaimMatch"]):
    def live(self) -> ClaimMatchQuerySet:
        """Matches that stand (suggested or confirmed): what reviewers, the API and scorecards show."""
        return self.exclude(status=MatchStatus.REJECTED)

    def of_claim(self, claim_id: int) -> ClaimMatchQuerySet:
        return self.filter(Q(claim_id=claim_id) | Q(other_claim_id=claim_id))


class ClaimMatch(models.Model):
    """Two claims of different articles that state the same thing, stored once per pair as
    (lower id, higher id)."""

    claim = models.ForeignKey("reviews.Claim", on_delete=models.CASCADE, related_name="matches_as_first")
    other_claim = models.ForeignKey(
        "reviews.Claim", on_delete=models.CASCADE, related_name="matches_as_second"
    )
    similarity = models.FloatField(help_text="How alike the two claims are, in [0, 1].")
    status = models.CharField(max_length=20, choices=MatchStatus.choices, default=MatchStatus.SUGGESTED)
    # The editor who confirmed or rejected the match, and when.
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decided_matches",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = models.Manager.from_queryset(ClaimMatchQuerySet)()

    class Meta:
        verbose_name_plural = "claim matches"  # Django's default is "claim matchs"
        ordering = ("-similarity", "id")
        constraints = [
            # One link per pair: two workers matching two articles that share a claim at the same time
            # both upsert this row, and the constraint makes the second an update, not a duplicate.
            models.UniqueConstraint(fields=["claim", "other_claim"], name="claimmatch_one_per_pair"),
            # The pair is stored in one order only (lower claim id first), which also rules out a claim
            # matched with itself: (a, b) and (b, a) would otherwise be two links for one pair.
            models.CheckConstraint(condition=Q(claim__lt=F("other_claim")), name="claimmatch_ordered_pair"),
            models.CheckConstraint(
                condition=Q(similarity__gte=0.0, similarity__lte=1.0), name="claimmatch_similarity_range"
            ),
            models.CheckConstraint(
                condition=Q(status__in=MatchStatus.values), name="claimmatch_status_valid"
            ),
            # An editor's decision records who made it and when; a suggestion has neither.
            models.CheckConstraint(
                condition=(
                    Q(status=MatchStatus.SUGGESTED, decided_by__isnull=True, decided_at__isnull=True)
                    | (
                        ~Q(status=MatchStatus.SUGGESTED)
                        & Q(decided_by__isnull=False, decided_at__isnull=False)
                    )
                ),
                name="claimmatch_decision_recorded",
            ),
        ]
        indexes = [
            # Matches of a claim are looked up from either side; the unique constraint's index serves
            # the first column, this one the second.
            models.Index(fields=["other_claim", "claim"], name="claimmatch_other_claim_idx"),
        ]

    def __str__(self) -> str:
        return f"Claim {self.claim_id} ~ claim {self.other_claim_id} ({self.similarity:.2f})"

    def other_side(self, claim_id: int) -> int:
        """The id of the claim this match links `claim_id` to."""
        return self.other_claim_id if claim_id == self.claim_id else self.claim_id


class ConflictKind(models.TextChoices):
    YEAR = "year", "Year"
    DATE = "date", "Date"
    AMOUNT = "amount", "Amount"
    PERCENT = "percent", "Percentage"
    COUNT = "count", "Count"
    ACTOR = "actor", "Who did it"


class ClaimConflictQuerySet(models.QuerySet["ClaimConflict"]):
    def open(self) -> ClaimConflictQuerySet:
        return self.filter(resolved=False)


class ClaimConflict(models.Model):
    """Two matched claims that disagree on one fact. `value` and `sentence` belong to the match's `claim`,
    `other_value` and `other_sentence` to its `other_claim` (a fact may be read from the sentence before
    the claim, so the sentence is stored with it)."""

    match = models.ForeignKey(ClaimMatch, on_delete=models.CASCADE, related_name="conflicts")
    kind = models.CharField(max_length=20, choices=ConflictKind.choices)
    value = models.CharField(max_length=200)
    other_value = models.CharField(max_length=200)
    sentence = models.TextField(help_text="The sentence the claim's value was read from.")
    other_sentence = models.TextField(help_text="The sentence the other claim's value was read from.")
    resolved = models.BooleanField(default=False)
    resolution_note = models.TextField(blank=True, max_length=2000)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resolved_conflicts",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = models.Manager.from_queryset(ClaimConflictQuerySet)()

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            # One conflict per disagreement: re-matching, or two workers matching the pair at once,
            # upsert the same row, and an editor's resolution of it is kept.
            models.UniqueConstraint(
                fields=["match", "kind", "value", "other_value"], name="claimconflict_unique_per_values"
            ),
            # Equal values are no disagreement.
            models.CheckConstraint(condition=~Q(value=F("other_value")), name="claimconflict_values_differ"),
            models.CheckConstraint(
                condition=Q(kind__in=ConflictKind.values), name="claimconflict_kind_valid"
            ),
            # A resolution records who resolved it and when; an open conflict has neither.
            models.CheckConstraint(
                condition=(
                    Q(resolved=False, resolved_by__isnull=True, resolved_at__isnull=True)
                    | Q(resolved=True, resolved_by__isnull=False, resolved_at__isnull=False)
                ),
                name="claimconflict_resolution_recorded",
            ),
            # Editors resolve a conflict with a note saying which side is right, or why both are.
            models.CheckConstraint(
                condition=Q(resolved=False) | ~Q(resolution_note=""), name="claimconflict_resolution_has_note"
            ),
        ]
        indexes = [
            # The scorecards and the conflicts list count and filter open conflicts.
            models.Index(fields=["resolved", "kind"], name="claimconflict_resolved_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value} vs {self.other_value}"
