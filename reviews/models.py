"""The fact-checking domain: articles, their claims, review tasks, verdicts, scorecards and the audit log.

Workflow rules that must hold whatever code path writes a row are database constraints, named
`<model>_<rule>`, each with a comment saying why. The services in `reviews.services` are the only writers;
these classes hold data, invariants and reusable query filters, not workflow logic.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import connection, models
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

# Claim thresholds per source (reviews/services/thresholds.py); no import of this module there.
from reviews.models_thresholds import SourceThreshold as SourceThreshold
from reviews.models_thresholds import ThresholdOrigin as ThresholdOrigin


def _choices_check(field: str, choices: type[models.TextChoices]) -> Q:
    return Q(**{f"{field}__in": choices.values})


# --------------------------------------------------------------------------------------------------
# Articles and claims
# --------------------------------------------------------------------------------------------------


class ArticleStatus(models.TextChoices):
    PENDING = "pending", "Waiting for extraction"
    READY = "ready", "Extracted"
    FAILED = "failed", "Extraction failed"


class MatchingStatus(models.TextChoices):
    # Matching an article's claims against every other article's runs after the claims are stored, in a
    # Celery task; the state lives on the article so a lost or failed run is found and retried by the
    # beat sweep (`reviews.matching_sweep`) and never blocks or fails an ingest.
    PENDING = "pending", "Waiting for matching"
    DONE = "done", "Matched"
    FAILED = "failed", "Matching failed (retried by the sweep)"


class ArticleQuerySet(models.QuerySet["Article"]):
    def ready(self) -> ArticleQuerySet:
        return self.filter(status=ArticleStatus.READY)


class Article(models.Model):
    title = models.CharField(max_length=500, blank=True)
    author = models.CharField(max_length=300, blank=True)
    publisher = models.CharField(max_length=300, blank=True)
    published_on = models.DateField(null=True, blank=True)
    source_url = models.URLField(max_length=2000, blank=True)
    # Where the text came from: a file name for `manage.py ingest`, "api" for the REST API.
    origin = models.CharField(max_length=500, blank=True)
    content_type = models.CharField(max_length=50, default="text/plain")
    # The encoding the received bytes were read in ("utf-8", "windows-1252", ...; reviews/charsets.py),
    # "" when the text arrived as text (an API JSON body); guessed when it was detected, not declared.
    source_encoding = models.CharField(max_length=40, blank=True)
    source_encoding_guessed = models.BooleanField(default=False)
    raw_text = models.TextField(help_text="The text as received, before cleaning.")
    body = models.TextField(blank=True, help_text="The cleaned text; claim offsets index into it.")
    content_hash = models.CharField(
        max_length=64, help_text="SHA-256 of the raw text, whitespace-normalised."
    )
    status = models.CharField(max_length=20, choices=ArticleStatus.choices, default=ArticleStatus.PENDING)
    failure_reason = models.TextField(blank=True)
    # Extraction runs started on this article (reviews.services.articles.article_extract): a text that
    # kills or stalls its worker every time is failed after FACTCHECK_EXTRACT_MAX_ATTEMPTS, not re-sent
    # for ever. An editor's retry starts the count again.
    extract_attempts = models.PositiveIntegerField(default=0)
    extractor_version = models.CharField(max_length=100, blank=True)
    # The cut extraction used, and which setting it came from (`reviews.selectors_thresholds`); empty
    # origin for articles extracted before it was recorded, or not extracted yet.
    claim_threshold = models.FloatField(null=True, blank=True)
    claim_threshold_origin = models.CharField(max_length=20, choices=ThresholdOrigin.choices, blank=True)
    # The feed it was first submitted from (its threshold applies), if any.
    feed = models.ForeignKey(
        "reviews.Feed", null=True, blank=True, on_delete=models.SET_NULL, related_name="articles"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Latest change that affects the article's scorecard (claims promoted, verdicts published, ...);
    # a scorecard built from an older state is stale and the sweeper rebuilds it.
    changed_at = models.DateTimeField(default=timezone.now)
    # Set with every move of `changed_at`, cleared by the stale-scorecard sweep once it found the scorecard
    # current: the sweep reads only the set ones (a partial index), not every article.
    scorecard_stale = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    matching_status = models.CharField(
        max_length=20, choices=MatchingStatus.choices, default=MatchingStatus.PENDING
    )
    # When the state last changed (pending since, matched at, failed at): the sweep retries a pending
    # article whose task was lost, and a failed one, once this is old enough.
    matching_changed_at = models.DateTimeField(default=timezone.now)
    matching_attempts = models.PositiveIntegerField(default=0)
    matching_error = models.TextField(blank=True)
    # Full-text search (reviews/selectors_search.py): title (weight A), author and publisher (B), English
    # stemming. Written by a PostgreSQL trigger (migration 0017), never by Python; NULL on SQLite.
    search_vector = SearchVectorField(null=True, blank=True, editable=False)

    objects = models.Manager.from_queryset(ArticleQuerySet)()

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            # The same article ingested twice is one article: re-ingest must be a no-op, even when two
            # workers ingest the same text at once.
            models.UniqueConstraint(fields=["content_hash"], name="article_unique_content_hash"),
            models.CheckConstraint(
                condition=_choices_check("status", ArticleStatus), name="article_status_valid"
            ),
            # A failed article says why, so an editor can act on it.
            models.CheckConstraint(
                condition=~Q(status=ArticleStatus.FAILED) | ~Q(failure_reason=""),
                name="article_failure_has_reason",
            ),
            # Pages show the source URL as a link: only http(s), never javascript: or data:
            # (reviews.links.web_link decides before it is stored).
            models.CheckConstraint(
                condition=Q(source_url="")
                | Q(source_url__startswith="http://")
                | Q(source_url__startswith="https://"),
                name="article_source_url_http",
            ),
            models.CheckConstraint(
                condition=_choices_check("matching_status", MatchingStatus),
                name="article_matching_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(claim_threshold_origin="")
                | _choices_check("claim_threshold_origin", ThresholdOrigin),
                name="article_claim_threshold_origin_valid",
            ),
        ]
        indexes = [
            # The pending-article sweep (articles_resend_pending) reads only pending articles, by how long
            # they have waited, however long that is: a partial index keeps it off the extracted ones.
            models.Index("updated_at", condition=Q(status=ArticleStatus.PENDING), name="article_pending_idx"),
            # The stale-scorecard sweep reads only the flagged extracted articles, lowest id first.
            models.Index(
                "id",
                condition=Q(status=ArticleStatus.READY, scorecard_stale=True),
                name="article_scorecard_stale_idx",
            ),
            # The matching sweep reads only the articles still to match: a partial index keeps that a
            # small scan however many articles are done.
            models.Index(
                "matching_changed_at",
                condition=~Q(matching_status=MatchingStatus.DONE),
                name="article_matching_todo_idx",
            ),
            # Full-text search; created on PostgreSQL only (migration 0017), SQLite searches with LIKE.
            GinIndex(fields=["search_vector"], name="article_search_idx"),
        ]
        permissions = [("ingest_article", "Can ingest articles")]

    def __str__(self) -> str:
        return self.title or f"Article {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("admin:reviews_article_change", args=[self.pk])


class ClaimType(models.TextChoices):
    STATISTIC = "statistic", "Statistic or quantity"
    QUOTE = "quote", "Quote or attribution"
    EVENT = "event", "Event"
    CAUSAL = "causal", "Causal"
    COMPARISON = "comparison", "Comparison"
    PREDICTION = "prediction", "Prediction"
    OTHER = "other", "Other"


class ClaimStatus(models.TextChoices):
    # Every sentence of an article is kept with its score; only CLAIM rows are queued for review. An
    # editor promotes a missed sentence to a claim or demotes a wrong claim back to a sentence.
    SENTENCE = "sentence", "Scored sentence"
    CLAIM = "claim", "Check-worthy claim"


class ClaimQuerySet(models.QuerySet["Claim"]):
    def checkworthy(self) -> ClaimQuerySet:
        return self.filter(status=ClaimStatus.CLAIM)

    def with_published_verdict(self) -> ClaimQuerySet:
        """Claims with a published verdict: the stored flag on PostgreSQL (its triggers keep it, and a
        search can use the partial GIN index on it), EXISTS on SQLite, which has no triggers."""
        if connection.vendor == "postgresql":
            return self.filter(has_published_verdict=True)
        return self.filter(Exists(Verdict.objects.published().filter(claim=OuterRef("pk"))))


class Claim(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="claims")
    text = models.TextField()
    start = models.PositiveIntegerField(help_text="Offset of the first character in the article's body.")
    end = models.PositiveIntegerField(help_text="Offset just past the last character in the article's body.")
    sentence_index = models.PositiveIntegerField()
    score = models.FloatField(help_text="Check-worthiness in [0, 1].")
    claim_type = models.CharField(max_length=20, choices=ClaimType.choices, default=ClaimType.OTHER)
    status = models.CharField(max_length=20, choices=ClaimStatus.choices, default=ClaimStatus.SENTENCE)
    # Structured entities, numbers and dates ({"entities": [...], "numbers": [...], "dates": [...]}), so
    # the same fact told in different words can be matched later.
    mentions = models.JSONField(default=dict, blank=True)
    # A sentence printed again in the same article (a caption twice, a pull quote) is one claim: the
    # repeat keeps its own row, so its position is recorded, but it is never check-worthy itself and
    # points at the first occurrence, which carries the review task.
    repeat_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="repeats"
    )
    # The sentence embedding (float32 vector bytes, `reviews.matching`), computed by the matching task;
    # NULL until then. PostgreSQL is the source of truth: any vector index is rebuilt from this column.
    embedding = models.BinaryField(null=True, blank=True, editable=False)
    # When the embedding was stored: every process's in-memory index reads the rows embedded since it
    # last looked (with an overlap for transactions that committed late), whatever their ids.
    embedded_at = models.DateTimeField(null=True, blank=True, editable=False)
    # What the claim states (years and dates, amounts, percentages, counts, actors), as the matching
    # library reads them, with the sentence each was read from; compared between matched claims.
    facts = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Full-text search over the claim's text (English stemming), written by a PostgreSQL trigger on every
    # insert and text change, so bulk_create and COPY keep it too (migration 0017); NULL on SQLite.
    search_vector = SearchVectorField(null=True, blank=True, editable=False)
    # Whether one of its verdicts is published: what everyone but editors needs to see the claim. Written
    # by PostgreSQL triggers only (migration 0027), from `reviews_verdict`, on every insert, every UPDATE
    # naming it (so `save()` cannot store a stale value) and every verdict entering or leaving
    # `published`; false on SQLite. Read it through `ClaimQuerySet.with_published_verdict()`.
    has_published_verdict = models.BooleanField(default=False, db_default=False, editable=False)

    objects = models.Manager.from_queryset(ClaimQuerySet)()

    class Meta:
        ordering = ("article_id", "sentence_index")
        constraints = [
            models.UniqueConstraint(fields=["article", "sentence_index"], name="claim_unique_sentence_index"),
            # Every surface highlights the claim inside its article: the span must be a real range.
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="claim_span_nonempty"),
            models.CheckConstraint(condition=Q(score__gte=0.0, score__lte=1.0), name="claim_score_range"),
            models.CheckConstraint(
                condition=_choices_check("status", ClaimStatus), name="claim_status_valid"
            ),
            models.CheckConstraint(
                condition=_choices_check("claim_type", ClaimType), name="claim_type_valid"
            ),
            # A repeat is reviewed through the claim it repeats: it never gets a task of its own.
            models.CheckConstraint(
                condition=Q(repeat_of__isnull=True) | Q(status=ClaimStatus.SENTENCE),
                name="claim_repeat_not_checkworthy",
            ),
            models.CheckConstraint(condition=~Q(repeat_of=F("pk")), name="claim_repeat_not_self"),
        ]
        indexes = [
            models.Index(fields=["status", "-score"], name="claim_status_score_idx"),
            # Vector indexes catch up from here (reviews.services.matching_index); claims never embedded
            # (plain sentences) stay out of it.
            models.Index("embedded_at", condition=Q(embedded_at__isnull=False), name="claim_embedded_at_idx"),
            # Full-text search; created on PostgreSQL only (migration 0017), SQLite searches with LIKE.
            GinIndex(fields=["search_vector"], name="claim_search_idx"),
            # The same, over the claims everyone may see (migration 0027): a search for a reader who is
            # not an editor reads only their entries instead of probing verdicts for every match.
            GinIndex(
                fields=["search_vector"],
                condition=Q(has_published_verdict=True),
                name="claim_published_search_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.text if len(self.text) <= 80 else self.text[:77] + "..."

    def get_absolute_url(self) -> str:
        return reverse("admin:reviews_claim_change", args=[self.pk])

    #: Where reviews.selectors_public.claims_visible puts a page's published verdicts (Prefetch to_attr).
    PUBLISHED_VERDICTS_PREFETCHED = "published_verdicts"

    def latest_published_verdict(self) -> Verdict | None:
        """The claim's published verdict, with its rating, or None (at most one exists:
        verdict_one_published_per_claim): the list reviews.selectors_public.claims_visible prefetches
        for a whole page (`PUBLISHED_VERDICTS_PREFETCHED`), else one query."""
        prefetched: list[Verdict] | None = getattr(self, self.PUBLISHED_VERDICTS_PREFETCHED, None)
        if prefetched is None:
            prefetched = list(Verdict.objects.published().filter(claim=self).select_related("rating"))
        return prefetched[0] if prefetched else None


# --------------------------------------------------------------------------------------------------
# The review queue
# --------------------------------------------------------------------------------------------------


class TaskStatus(models.TextChoices):
    AVAILABLE = "available", "Available"
    LEASED = "leased", "Leased to a reviewer"
    SUBMITTED = "submitted", "Submitted for editor review"
    RETURNED = "returned", "Returned to the reviewer"
    DONE = "done", "Done (verdict published)"
    CANCELLED = "cancelled", "Cancelled"


class ReviewTaskQuerySet(models.QuerySet["ReviewTask"]):
    def queue_order(self) -> ReviewTaskQuerySet:
        # Matches the partial index reviewtask_claimable_idx, so taking the next task is an index scan.
        return self.order_by("-priority", "-article_date", "id")


class ReviewTask(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="tasks")
    status = models.CharField(max_length=20, choices=TaskStatus.choices, default=TaskStatus.AVAILABLE)
    # Higher first. Starts from the claim's check-worthiness (score x 1000); editors can raise it.
    priority = models.IntegerField(default=0)
    # The article's publication date (or ingest time), copied here so ordering by recency needs no join.
    article_date = models.DateTimeField(default=timezone.now)
    # The three user keys below are indexed by the (user, status) indexes in Meta, which serve lookups by
    # user alone too; a single-column index beside them was only extra work on every queue move (each one
    # updates an indexed column, so every index of the table takes a new entry), and the planner chose it
    # over the composite one for "work returned to this reviewer", reading every task the reviewer ever did.
    # An editor may reserve a task for one reviewer; only they can take it.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_tasks",
        db_index=False,
    )
    lease_holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leased_tasks",
        db_index=False,
    )
    lease_token = models.UUIDField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # The reviewer who did the work (kept after the lease ends: returned verdicts go back to them).
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reviewed_tasks",
        db_index=False,
    )
    attempts = models.PositiveIntegerField(default=0, help_text="How many times the task was leased.")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = models.Manager.from_queryset(ReviewTaskQuerySet)()

    class Meta:
        ordering = ("-priority", "-article_date", "id")
        constraints = [
            # One open task per claim: a claim is reviewed once at a time; cancelled tasks stay as history.
            models.UniqueConstraint(
                fields=["claim"],
                condition=~Q(status=TaskStatus.CANCELLED),
                name="reviewtask_one_open_per_claim",
            ),
            models.CheckConstraint(
                condition=_choices_check("status", TaskStatus), name="reviewtask_status_valid"
            ),
            # A lease is all or nothing: a leased task has a holder, a token and an expiry, and no other task
            # has any of them, so a stale token can never match a task that is no longer leased.
            models.CheckConstraint(
                condition=(
                    Q(
                        status=TaskStatus.LEASED,
                        lease_holder__isnull=False,
                        lease_token__isnull=False,
                        lease_expires_at__isnull=False,
                    )
                    | (
                        ~Q(status=TaskStatus.LEASED)
                        & Q(
                            lease_holder__isnull=True, lease_token__isnull=True, lease_expires_at__isnull=True
                        )
                    )
                ),
                name="reviewtask_lease_consistent",
            ),
            models.UniqueConstraint(fields=["lease_token"], name="reviewtask_unique_lease_token"),
            # Work that left the reviewer's hands (submitted, returned, done) records who did it.
            models.CheckConstraint(
                condition=~Q(status__in=[TaskStatus.SUBMITTED, TaskStatus.RETURNED, TaskStatus.DONE])
                | Q(reviewer__isnull=False),
                name="reviewtask_reviewed_has_reviewer",
            ),
        ]
        indexes = [
            # Partial index over the claimable rows only, in queue order: the next task is found without
            # touching the (much larger) history of done tasks.
            models.Index(
                F("priority").desc(),
                F("article_date").desc(),
                "id",
                condition=Q(status=TaskStatus.AVAILABLE),
                name="reviewtask_claimable_idx",
            ),
            models.Index(
                "lease_expires_at", condition=Q(status=TaskStatus.LEASED), name="reviewtask_lease_expiry_idx"
            ),
            models.Index(fields=["lease_holder", "status"], name="reviewtask_holder_idx"),
            models.Index(fields=["reviewer", "status"], name="reviewtask_reviewer_idx"),
            models.Index(
                fields=["assignee", "status"],
                condition=Q(assignee__isnull=False),
                name="reviewtask_assignee_idx",
            ),
        ]
        permissions = [
            ("work_queue", "Can take tasks from the review queue"),
            ("manage_queue", "Can assign, release, requeue and cancel review tasks"),
        ]

    def __str__(self) -> str:
        return f"Task {self.pk} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("reviews:task", args=[self.pk])


class TaskSkip(models.Model):
    """A reviewer passed on a task; it is not offered to them again."""

    task = models.ForeignKey(ReviewTask, on_delete=models.CASCADE, related_name="skips")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="task_skips"
    )
    reason = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task", "reviewer"], name="taskskip_unique_per_reviewer"),
            models.CheckConstraint(condition=~Q(reason=""), name="taskskip_reason_required"),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} skipped task {self.task_id}"


# --------------------------------------------------------------------------------------------------
# Verdicts
# --------------------------------------------------------------------------------------------------


class RatingLabel(models.Model):
    """One step of the rating scale, with its schema.org ClaimReview mapping. Editable in the admin."""

    slug = models.SlugField(max_length=50)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    order = models.PositiveIntegerField(help_text="Position in the scale as shown to people (0 first).")
    rating_value = models.IntegerField(help_text="ClaimReview ratingValue; also weights the accuracy score.")
    best_rating = models.IntegerField(default=5)
    worst_rating = models.IntegerField(default=1)
    alternate_name = models.CharField(max_length=100, blank=True, help_text="ClaimReview alternateName.")
    # "Unverifiable"-kind ratings may be published without a citation; every other rating needs one.
    requires_citation = models.BooleanField(default=True)
    # Whether published verdicts with this rating count in the article's accuracy score ("unverifiable"
    # says nothing about accuracy, so it does not).
    counts_toward_score = models.BooleanField(default=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ("order", "id")
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="ratinglabel_unique_slug"),
            models.CheckConstraint(
                condition=Q(worst_rating__lt=F("best_rating")), name="ratinglabel_scale_ordered"
            ),
            models.CheckConstraint(
                condition=Q(rating_value__gte=F("worst_rating"), rating_value__lte=F("best_rating")),
                name="ratinglabel_value_in_scale",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class VerdictStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted for editor review"
    RETURNED = "returned", "Returned to the reviewer"
    PUBLISHED = "published", "Published"
    SUPERSEDED = "superseded", "Superseded by a correction"
    RETRACTED = "retracted", "Retracted"
    # A draft whose reviewer gave up the task (released, skipped, or lost the lease to someone else): kept
    # as history, no longer open, so the next reviewer starts their own.
    ABANDONED = "abandoned", "Abandoned draft"


PUBLISHED_LINEAGE = [VerdictStatus.PUBLISHED, VerdictStatus.SUPERSEDED, VerdictStatus.RETRACTED]


class VerdictQuerySet(models.QuerySet["Verdict"]):
    def published(self) -> VerdictQuerySet:
        return self.filter(status=VerdictStatus.PUBLISHED)


class Verdict(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="verdicts")
    task = models.ForeignKey(
        ReviewTask, null=True, blank=True, on_delete=models.PROTECT, related_name="verdicts"
    )
    rating = models.ForeignKey(
        RatingLabel, null=True, blank=True, on_delete=models.PROTECT, related_name="verdicts"
    )
    summary = models.TextField(blank=True, max_length=2000)
    rationale = models.TextField(blank=True, max_length=20000)
    status = models.CharField(max_length=20, choices=VerdictStatus.choices, default=VerdictStatus.DRAFT)
    # Indexed by verdict_reviewer_status_idx (reviewer, status), which serves lookups by reviewer alone.
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="verdicts",
        db_index=False,
    )
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="edited_verdicts",
    )
    # Corrections are new versions: version 1 is the first publication, each correction adds one and
    # points at the version it replaces, which stays readable.
    version = models.PositiveIntegerField(default=1)
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="next_version"
    )
    correction_note = models.TextField(blank=True, max_length=2000)
    # The published verdict on a matched claim whose rating, summary and citations a reviewer copied into
    # this one (verdict reuse); PROTECT, so the origin of reused work cannot vanish.
    reused_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reuses"
    )
    editor_note = models.TextField(blank=True, max_length=2000, help_text="Why the editor returned it.")
    retraction_note = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    retracted_at = models.DateTimeField(null=True, blank=True)
    # Set in the transaction of a change to what readers see of it (publish, correct, retract, its label
    # edited) while the published cache is on; cleared once the cache was invalidated for it. A verdict
    # still marked had its invalidation lost: the reconcile sweep finds it however long ago that was.
    cache_stale_since = models.DateTimeField(null=True, blank=True)
    # Full-text search over what a verdict is found by: its claim's text and its summary (weight A), its
    # rationale (B) and its citations' titles, publishers and URLs (C), English stemming. Written by
    # PostgreSQL triggers on the verdict, its citations and its claim (migration 0017), so one GIN index
    # answers a verdict search without joins; NULL on SQLite.
    search_vector = SearchVectorField(null=True, blank=True, editable=False)

    objects = models.Manager.from_queryset(VerdictQuerySet)()

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            # Readers must never see two verdicts on one claim: at most one published version at a time.
            models.UniqueConstraint(
                fields=["claim"],
                condition=Q(status=VerdictStatus.PUBLISHED),
                name="verdict_one_published_per_claim",
            ),
            # Published versions of a claim's verdict are numbered 1, 2, ... without gaps or repeats; drafts
            # and submissions get their number when published.
            models.UniqueConstraint(
                fields=["claim", "version"],
                condition=Q(status__in=PUBLISHED_LINEAGE),
                name="verdict_unique_version_per_claim",
            ),
            # A task has one verdict in progress; a second draft would split the reviewer's work.
            models.UniqueConstraint(
                fields=["task"],
                condition=Q(
                    status__in=[VerdictStatus.DRAFT, VerdictStatus.SUBMITTED, VerdictStatus.RETURNED]
                ),
                name="verdict_one_open_per_task",
            ),
            models.CheckConstraint(
                condition=_choices_check("status", VerdictStatus), name="verdict_status_valid"
            ),
            # Only a draft (or one given up) may lack a rating: what editors review or readers see is rated.
            models.CheckConstraint(
                condition=Q(status__in=[VerdictStatus.DRAFT, VerdictStatus.ABANDONED])
                | Q(rating__isnull=False),
                name="verdict_rated_unless_draft",
            ),
            # Anything that was published (now or before a correction or retraction) says when.
            models.CheckConstraint(
                condition=~Q(
                    status__in=[VerdictStatus.PUBLISHED, VerdictStatus.SUPERSEDED, VerdictStatus.RETRACTED]
                )
                | Q(published_at__isnull=False),
                name="verdict_published_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status=VerdictStatus.RETRACTED) | Q(retracted_at__isnull=False),
                name="verdict_retracted_has_date",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="verdict_version_positive"),
        ]
        indexes = [
            # The reconcile sweep reads only the marked verdicts, nearly always none: a partial index keeps
            # that one small scan however many verdicts there are.
            models.Index(
                fields=["cache_stale_since"],
                condition=Q(cache_stale_since__isnull=False),
                name="verdict_cache_stale_idx",
            ),
            models.Index(fields=["status", "-published_at"], name="verdict_status_published_idx"),
            models.Index(fields=["reviewer", "status"], name="verdict_reviewer_status_idx"),
            # The published cache's reconcile sweep reads the verdicts changed in the last minutes.
            models.Index(fields=["updated_at"], name="verdict_updated_idx"),
            # Full-text search; created on PostgreSQL only (migration 0017), SQLite searches with LIKE.
            GinIndex(fields=["search_vector"], name="verdict_search_idx"),
        ]
        permissions = [("publish_verdict", "Can publish, return, correct and retract verdicts")]

    def __str__(self) -> str:
        return f"Verdict {self.pk} v{self.version} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("admin:reviews_verdict_change", args=[self.pk])

    #: Where reviews.selectors_public puts a page's citations, in order (Prefetch to_attr).
    CITATIONS_PREFETCHED = "citation_list"

    def citations_in_order(self) -> list[Citation]:
        """The verdict's citations in order: the list reviews.selectors_public prefetches for a whole page
        (`CITATIONS_PREFETCHED`), else one query."""
        prefetched: list[Citation] | None = getattr(self, self.CITATIONS_PREFETCHED, None)
        return list(self.citations.order_by("position", "id")) if prefetched is None else prefetched


class Citation(models.Model):
    verdict = models.ForeignKey(Verdict, on_delete=models.CASCADE, related_name="citations")
    url = models.URLField(max_length=2000)
    title = models.CharField(max_length=500, blank=True)
    publisher = models.CharField(max_length=300, blank=True)
    published = models.DateField(null=True, blank=True)
    excerpt = models.TextField(blank=True, max_length=5000)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("verdict_id", "position", "id")
        constraints = [
            models.UniqueConstraint(fields=["verdict", "url"], name="citation_unique_url_per_verdict"),
            # Citations are rendered as links on public pages: only http(s), never javascript: or data:.
            models.CheckConstraint(
                condition=Q(url__startswith="http://") | Q(url__startswith="https://"),
                name="citation_url_http",
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.url


# --------------------------------------------------------------------------------------------------
# Scorecards and the audit log
# --------------------------------------------------------------------------------------------------


class Scorecard(models.Model):
    """A per-article summary, rebuilt by Celery from the database whenever the article changes."""

    article = models.OneToOneField(Article, on_delete=models.CASCADE, related_name="scorecard")
    version = models.PositiveIntegerField(default=1)
    data = models.JSONField(default=dict)
    # The article's `changed_at` this build saw; older than the article's means stale.
    source_changed_at = models.DateTimeField()
    built_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(version__gte=1), name="scorecard_version_positive")]

    def __str__(self) -> str:
        return f"Scorecard for article {self.article_id} v{self.version}"


class EventAction(models.TextChoices):
    ARTICLE_INGESTED = "article.ingested", "Article ingested"
    ARTICLE_EXTRACTED = "article.extracted", "Article extracted"
    ARTICLE_FAILED = "article.failed", "Article extraction failed"
    ARTICLE_REEXTRACTED = "article.reextracted", "Article re-extracted"
    ARTICLE_RETRIED = "article.retried", "Article extraction retried"
    CLAIM_PROMOTED = "claim.promoted", "Sentence promoted to claim"
    CLAIM_DEMOTED = "claim.demoted", "Claim demoted to sentence"
    TASK_LEASED = "task.leased", "Task leased"
    TASK_RELEASED = "task.released", "Task released"
    TASK_SKIPPED = "task.skipped", "Task skipped"
    TASK_EXPIRED = "task.expired", "Lease expired"
    TASK_ASSIGNED = "task.assigned", "Task assigned"
    TASK_REQUEUED = "task.requeued", "Task requeued"
    TASK_CANCELLED = "task.cancelled", "Task cancelled"
    TASK_PRIORITY_RAISED = "task.priority_raised", "Task priority raised"
    TASK_DRAFT_SAVED = "task.draft_saved", "Draft saved"
    VERDICT_SUBMITTED = "verdict.submitted", "Verdict submitted"
    VERDICT_EDITED = "verdict.edited", "Verdict edited by editor"
    VERDICT_RETURNED = "verdict.returned", "Verdict returned"
    VERDICT_PUBLISHED = "verdict.published", "Verdict published"
    VERDICT_CORRECTED = "verdict.corrected", "Verdict corrected"
    VERDICT_RETRACTED = "verdict.retracted", "Verdict retracted"
    VERDICT_REUSED = "verdict.reused", "Matched claim's verdict reused"
    MATCH_CONFIRMED = "match.confirmed", "Claim match confirmed"
    MATCH_REJECTED = "match.rejected", "Claim match rejected"
    CONFLICT_RESOLVED = "conflict.resolved", "Conflict resolved"
    RATING_LABEL_CREATED = "rating_label.created", "Rating label created"
    RATING_LABEL_CHANGED = "rating_label.changed", "Rating label changed"
    WEBHOOK_REGISTERED = "webhook.registered", "Webhook endpoint registered"
    WEBHOOK_CHANGED = "webhook.changed", "Webhook endpoint changed"
    WEBHOOK_DISABLED = "webhook.disabled", "Webhook endpoint disabled after failures"
    WEBHOOK_REDELIVERED = "webhook.redelivered", "Webhook delivery sent again"
    FEED_REGISTERED = "feed.registered", "Feed registered"
    FEED_CHANGED = "feed.changed", "Feed changed"
    SOURCE_THRESHOLD_SET = "source_threshold.set", "Source threshold set"
    SOURCE_THRESHOLD_REMOVED = "source_threshold.removed", "Source threshold removed"


class ReviewEvent(models.Model):
    """Append-only audit row, written by the service in the same transaction as the change it records.

    The foreign keys PROTECT: audited work cannot be deleted out from under its history.
    """

    action = models.CharField(max_length=40, choices=EventAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="review_events",
    )
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    claim = models.ForeignKey(Claim, null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    task = models.ForeignKey(
        ReviewTask, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    verdict = models.ForeignKey(
        Verdict, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.CheckConstraint(
                condition=_choices_check("action", EventAction), name="reviewevent_action_valid"
            )
        ]
        indexes = [models.Index(fields=["action", "-created_at"], name="reviewevent_action_idx")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} at {self.created_at:%Y-%m-%d %H:%M:%S}"

    def save(self, *args: object, **kwargs: object) -> None:
        # Append-only: an audit row is never rewritten once stored.
        if self.pk is not None and not self._state.adding:
            raise ValueError("ReviewEvent rows are append-only.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise ValueError("ReviewEvent rows are append-only.")


# RSS/Atom feeds and the items seen in them (reviews/services/feeds.py).
# Exports of published verdicts (reviews/services/exports.py).
from reviews.models_exports import Export as Export  # noqa: E402
from reviews.models_exports import ExportFormat as ExportFormat  # noqa: E402
from reviews.models_exports import ExportState as ExportState  # noqa: E402
from reviews.models_feeds import Feed as Feed  # noqa: E402
from reviews.models_feeds import FeedItem as FeedItem  # noqa: E402
from reviews.models_feeds import FeedItemStatus as FeedItemStatus  # noqa: E402

# Matches and conflicts between claims of different articles live in their own module (imported here so
# the app registry and `from reviews.models import ...` see them).
from reviews.models_matching import ClaimConflict as ClaimConflict  # noqa: E402
from reviews.models_matching import ClaimMatch as ClaimMatch  # noqa: E402
from reviews.models_matching import ConflictKind as ConflictKind  # noqa: E402
from reviews.models_matching import MatchStatus as MatchStatus  # noqa: E402

# What the Celery workers count for /metrics (reviews/metrics.py).
from reviews.models_metrics import WorkerStat as WorkerStat  # noqa: E402

# Email notifications and their opt-outs (reviews/services/notifications.py).
from reviews.models_notifications import Notification as Notification  # noqa: E402
from reviews.models_notifications import NotificationKind as NotificationKind  # noqa: E402
from reviews.models_notifications import NotificationPreference as NotificationPreference  # noqa: E402
from reviews.models_notifications import NotificationStatus as NotificationStatus  # noqa: E402

# Webhook endpoints, deliveries and attempts (reviews/services/webhooks.py).
from reviews.models_webhooks import DeliveryStatus as DeliveryStatus  # noqa: E402
from reviews.models_webhooks import WebhookAttempt as WebhookAttempt  # noqa: E402
from reviews.models_webhooks import WebhookDelivery as WebhookDelivery  # noqa: E402
from reviews.models_webhooks import WebhookEndpoint as WebhookEndpoint  # noqa: E402
from reviews.models_webhooks import WebhookEventType as WebhookEventType  # noqa: E402
