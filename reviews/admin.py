"""The editors' desk: the Django admin as the place to run fact-checking.

Admin classes display and call services; they hold no workflow rules. Every write goes through a service
in `reviews.services` (which checks the rules, locks rows and writes the audit row), and every refusal a
service raises becomes an admin message or a form error in one place, `DeskAdminMixin`.

Who sees what: Editors (staff, in the Editors group) get the desk through their group's permissions;
Reviewers are not staff and use the reviewer pages; superusers see everything. Nobody can add, change or
delete audit rows (ReviewEvent) here, superusers included.

Changelists cost a fixed number of queries whatever the number of rows shown: everything a row displays
comes from `list_select_related` or from annotations made in `get_queryset` (pinned in
tests/reviews/test_admin.py with 100+ rows per list). Article bodies are deferred wherever articles are
joined, because a list never shows them and they can be megabytes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import (
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Cast, Coalesce
from django.forms import BaseFormSet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from reviews.admin_forms import (
    AssignForm,
    CitationAdminForm,
    CitationAdminFormSet,
    CitationFormSet,
    CorrectionForm,
    NoteForm,
    VerdictAdminForm,
    attach_errors,
)
from reviews.exceptions import ApplicationError, ValidationFailed
from reviews.ids import record_id
from reviews.models import (
    Article,
    ArticleStatus,
    Citation,
    Claim,
    ClaimStatus,
    RatingLabel,
    ReviewEvent,
    ReviewTask,
    Scorecard,
    TaskStatus,
    Verdict,
    VerdictStatus,
)
from reviews.scorecard_views import scorecard_admin_html
from reviews.selectors import claim_context
from reviews.services import queue
from reviews.services.articles import article_reextract
from reviews.services.claims import claim_demote, claim_promote
from reviews.services.ratings import rating_label_changed
from reviews.services.scorecards import scorecards_build, scorecards_mark_stale
from reviews.services.verdicts import (
    verdict_correct,
    verdict_create_by_editor,
    verdict_edit,
    verdict_publish,
    verdict_retract,
    verdict_return,
)

_M = TypeVar("_M", bound=Model)

admin.site.site_header = "factcheck · editors' desk"
admin.site.site_title = "factcheck desk"
admin.site.index_title = "Fact-checking desk"
# The desk's lists are wide (claim text, statuses, people); the app sidebar would squeeze them.
admin.site.enable_nav_sidebar = False

EDITOR_PERM = "reviews.publish_verdict"
RETURN_NOTE_HELP = "The reviewer sees this note with the verdict, first in their queue."
RETRACTION_NOTE_HELP = "Readers see this note with the retracted verdict."
QUEUE_PERM = "reviews.manage_queue"
INGEST_PERM = "reviews.ingest_article"

# Article columns a list never shows; joined articles leave them out of the SELECT.
_BIG_ARTICLE_FIELDS = ("raw_text", "body")


def _user(request: HttpRequest) -> User:
    # Every admin view runs behind admin_view(): an active staff User.
    return cast(User, request.user)


def _short(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _link(url_name: str, pk: object, label: object) -> SafeString:
    return format_html('<a href="{}">{}</a>', reverse(url_name, args=[pk]), label)


def _count(queryset: QuerySet[Any]) -> Coalesce:
    """A correlated COUNT(*) of `queryset` (filtered on OuterRef), 0 when empty: one subquery per row in
    the same SELECT, so a list's query count does not grow with its rows and no join multiplies them."""
    counted = queryset.order_by().values(_dummy=Value(1)).annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


# --------------------------------------------------------------------------------------------------
# The one place where domain errors become admin messages
# --------------------------------------------------------------------------------------------------


class _DeskChangeList(ChangeList):
    """Django's ChangeList, with a date-hierarchy link past year 9999 (`?created_at__year=9999`, or a huge
    year) treated like any other bad filter (`IncorrectLookupParameters`: the admin redirects to the list
    with `?e=1`). Django catches the `ValueError` of a bad date but not those of the range's end."""

    def get_filters(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().get_filters(request, *args, **kwargs)
        except (ValueError, OverflowError) as exc:
            raise IncorrectLookupParameters(exc) from exc


class _DeskAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete widget, ignoring a selected value that is not a key of the related model
    (`/admin/reviews/verdict/add/?claim=abc`, or a form sent back with one): Django's widget looked it
    up and raised `ValueError` while rendering. The form field still refuses it when the form is sent."""

    def optgroups(self, name: str, value: Any, attr: Any = None) -> Any:
        key = self.field.target_field
        valid = []
        for item in value:
            try:
                key.to_python(item)
            except ValidationError:
                continue
            valid.append(item)
        return super().optgroups(name, valid, attr)


class DeskAdminMixin(admin.ModelAdmin[_M]):
    """Runs services for admin views and actions, and turns their refusals (`ApplicationError`) into
    messages. Each call is the service's own transaction: in a bulk action, rows that succeed stay done
    and each refusal is reported with the service's message.

    Bad query values get the admin's usual answers instead of errors (`_DeskChangeList`,
    `_DeskAutocompleteSelect`); factcheck.middleware.AdminInputMiddleware refuses the rest (NUL
    characters, selected rows that are not ids) for every admin page."""

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return _DeskChangeList

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = _DeskAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def desk_call(self, request: HttpRequest, call: Callable[[], object], *, success: str = "") -> bool:
        try:
            call()
        except ApplicationError as exc:
            self.desk_refused(request, exc)
            return False
        if success:
            self.message_user(request, success, messages.SUCCESS)
        return True

    def desk_refused(self, request: HttpRequest, exc: ApplicationError) -> None:
        self.message_user(request, exc.message, messages.ERROR)

    def desk_bulk(
        self,
        request: HttpRequest,
        objects: Iterable[_M],
        call: Callable[[_M], object],
        done: Callable[[int], str],
    ) -> int:
        succeeded = 0
        for obj in objects:
            if self.desk_call(request, lambda obj=obj: call(obj)):  # type: ignore[misc]
                succeeded += 1
        if succeeded:
            self.message_user(request, done(succeeded), messages.SUCCESS)
        return succeeded

    def desk_form_errors(
        self, exc: ApplicationError, form: forms.BaseForm, citation_forms: Sequence[forms.BaseForm] = ()
    ) -> list[str]:
        """A refusal on an intermediate form: messages on the fields they name; returns the ones about the
        citations as a whole."""
        return attach_errors(exc, form=form, citation_forms=citation_forms)

    def desk_intermediate(
        self,
        request: HttpRequest,
        *,
        title: str,
        action: str,
        objects: Sequence[_M],
        description: str,
        submit_label: str,
        form: forms.BaseForm | None = None,
    ) -> TemplateResponse:
        """The confirmation page of a changelist action, with an optional form (a note, a reviewer)."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "action": action,
            "objects": objects,
            "description": description,
            "submit_label": submit_label,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media + (form.media if form is not None else forms.Media()),
        }
        return TemplateResponse(request, "admin/reviews/intermediate_action.html", context)

    @staticmethod
    def desk_confirmed(request: HttpRequest) -> bool:
        return request.method == "POST" and "_confirm" in request.POST


class ReadOnlyAdmin(DeskAdminMixin[_M]):
    """Rows are written by services only: the admin shows them and offers actions, never a save form."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --------------------------------------------------------------------------------------------------
# Articles
# --------------------------------------------------------------------------------------------------


class ReviewProgressFilter(admin.SimpleListFilter):
    title = "review progress"
    parameter_name = "progress"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("none", "No verdict published"),
            ("partial", "Partly reviewed"),
            ("complete", "Every claim reviewed"),
            ("no-claims", "No check-worthy claims"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        match self.value():
            case "none":
                return queryset.filter(claim_count__gt=0, published_count=0)
            case "partial":
                return queryset.filter(published_count__gt=0, published_count__lt=F("claim_count"))
            case "complete":
                return queryset.filter(claim_count__gt=0, published_count=F("claim_count"))
            case "no-claims":
                return queryset.filter(claim_count=0)
        return queryset


class ArticleClaimInline(admin.TabularInline[Claim, Article]):
    """The article's check-worthy claims, read-only, each linked to its page."""

    model = Claim
    # A plain read-only table: the stock tabular template repeats each claim's text above its row.
    template = "admin/reviews/readonly_inline.html"
    verbose_name = "check-worthy claim"
    verbose_name_plural = "check-worthy claims"
    fields = ("sentence", "text", "checkworthiness", "claim_type", "review_state")
    readonly_fields = fields
    extra = 0
    can_delete = False
    view_on_site = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Claim]:
        return _annotate_claims(super().get_queryset(request).filter(status=ClaimStatus.CLAIM))

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="#")
    def sentence(self, claim: Claim) -> SafeString:
        return _link("admin:reviews_claim_change", claim.pk, f"Sentence {claim.sentence_index + 1}")

    @admin.display(description="review")
    def review_state(self, claim: Claim) -> str:
        return _review_state(claim)

    @admin.display(description="score")
    def checkworthiness(self, claim: Claim) -> str:
        return f"{claim.score:.2f}"


@admin.register(Article)
class ArticleAdmin(ReadOnlyAdmin[Article]):
    list_display = (
        "title_or_id",
        "publisher",
        "published_on",
        "status",
        "claims",
        "reviewed",
        "score",
    )
    list_filter = ("status", ReviewProgressFilter, "publisher")
    search_fields = ("title", "author", "publisher", "origin", "source_url")
    date_hierarchy = "published_on"
    ordering = ("-created_at", "-id")
    list_per_page = 100
    actions = ["reextract", "rebuild_scorecard"]
    inlines = [ArticleClaimInline]

    def view_on_site(self, article: Article) -> str:
        return reverse("reviews:scorecard", args=[article.pk])

    fieldsets = (
        (
            None,
            {"fields": ("title", "author", "publisher", "published_on", "source_url", "status", "sentences")},
        ),
        (None, {"fields": ("scorecard_panel",)}),
        ("Cleaned text (check-worthy claims highlighted)", {"fields": ("cleaned_text",)}),
        (
            "Extraction",
            {
                "classes": ("collapse",),
                "fields": (
                    "origin",
                    "content_type",
                    "failure_reason",
                    "extractor_version",
                    "claim_threshold",
                    "content_hash",
                    "created_at",
                    "changed_at",
                    "raw_text",
                ),
            },
        ),
    )
    readonly_fields = (
        "title",
        "author",
        "publisher",
        "published_on",
        "source_url",
        "status",
        "sentences",
        "scorecard_panel",
        "cleaned_text",
        "origin",
        "content_type",
        "failure_reason",
        "extractor_version",
        "claim_threshold",
        "content_hash",
        "created_at",
        "changed_at",
        "raw_text",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Article]:
        claims = Claim.objects.filter(article=OuterRef("pk"), status=ClaimStatus.CLAIM)
        published = claims.filter(verdicts__status=VerdictStatus.PUBLISHED)
        return (
            super()
            .get_queryset(request)
            .defer(*_BIG_ARTICLE_FIELDS)
            .annotate(
                claim_count=_count(claims),
                published_count=_count(published),
                # The scorecard's stored accuracy score; NULL until built or until a counted verdict exists.
                score=Cast(
                    KeyTextTransform("score", KeyTransform("accuracy", "scorecard__data")), FloatField()
                ),
            )
        )

    @admin.display(description="article", ordering="title")
    def title_or_id(self, article: Article) -> str:
        return str(article)

    @admin.display(description="claims", ordering="claim_count")
    def claims(self, article: Any) -> int:
        return int(article.claim_count)

    @admin.display(description="reviewed", ordering="published_count")
    def reviewed(self, article: Any) -> str:
        if not article.claim_count:
            return "-"
        return f"{100 * article.published_count / article.claim_count:.0f}%"

    @admin.display(description="score", ordering="score")
    def score(self, article: Any) -> str:
        return "-" if article.score is None else f"{article.score:.0f}"

    @admin.display(description="sentences")
    def sentences(self, article: Article) -> SafeString:
        counts = article.claims.aggregate(
            total=Count("id"), claims=Count("id", filter=Q(status=ClaimStatus.CLAIM))
        )
        return format_html(
            '<a href="{}?article={}">{} sentences, {} check-worthy</a> (promote or demote them there)',
            reverse("admin:reviews_claim_changelist"),
            article.pk,
            counts["total"],
            counts["claims"],
        )

    @admin.display(description="scorecard")
    def scorecard_panel(self, article: Article) -> SafeString:
        return scorecard_admin_html(article)

    @admin.display(description="text")
    def cleaned_text(self, article: Article) -> SafeString:
        body = article.body
        claims = list(
            Claim.objects.filter(article=article, status=ClaimStatus.CLAIM)
            .order_by("start")
            .values_list("pk", "start", "end")
        )
        pieces: list[SafeString] = []
        cursor = 0
        for pk, start, end in claims:
            if start < cursor or end > len(body):
                continue  # overlapping or out-of-range span: leave it unmarked rather than garble the text
            pieces.append(format_html("{}", body[cursor:start]))
            pieces.append(
                format_html(
                    '<a href="{}" style="color:inherit;text-decoration:none">'
                    '<mark title="claim {}">{}</mark></a>',
                    reverse("admin:reviews_claim_change", args=[pk]),
                    pk,
                    body[start:end],
                )
            )
            cursor = end
        pieces.append(format_html("{}", body[cursor:]))
        return format_html(
            '<div style="white-space:pre-wrap;max-width:60rem;max-height:32rem;overflow:auto;'
            'line-height:1.5">{}</div>',
            mark_safe("".join(pieces)),  # noqa: S308 - every piece was escaped by format_html above
        )

    def has_reextract_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(INGEST_PERM)

    def has_rebuild_scorecard_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(INGEST_PERM) or request.user.has_perm(EDITOR_PERM)

    @admin.action(description="Re-extract claims from the article text", permissions=["reextract"])
    def reextract(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        user = _user(request)
        self.desk_bulk(
            request,
            queryset.order_by("pk"),
            lambda article: article_reextract(article_id=article.pk, actor=user),
            lambda n: f"Re-extracted {n} article{'s' if n != 1 else ''}.",
        )

    @admin.action(description="Rebuild the scorecard now", permissions=["rebuild_scorecard"])
    def rebuild_scorecard(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        ids = list(queryset.filter(status=ArticleStatus.READY).order_by("pk").values_list("pk", flat=True))
        if not ids:
            self.message_user(request, "Only extracted articles have scorecards.", messages.WARNING)
            return
        # Marked stale first, so a rebuild is forced even when the scorecard looks current; built here and
        # now (a fixed number of queries per 100 articles), so the editor sees the result on the next page.
        scorecards_mark_stale(article_ids=ids)
        outcome = scorecards_build(article_ids=ids)
        self.message_user(
            request,
            f"Rebuilt {outcome.built} scorecard{'s' if outcome.built != 1 else ''}.",
            messages.SUCCESS,
        )


# --------------------------------------------------------------------------------------------------
# Claims
# --------------------------------------------------------------------------------------------------


def _annotate_claims(queryset: QuerySet[Claim]) -> QuerySet[Claim]:
    """Each claim with its open task's status and its published verdict's id and rating (subqueries)."""
    open_task = ReviewTask.objects.filter(claim=OuterRef("pk")).exclude(status=TaskStatus.CANCELLED)
    published = Verdict.objects.published().filter(claim=OuterRef("pk"))
    return queryset.annotate(
        task_status=Subquery(open_task.values("status")[:1]),
        published_verdict_id=Subquery(published.values("pk")[:1]),
        published_rating=Subquery(published.values("rating__name")[:1]),
    )


def _review_state(claim: Any) -> str:
    if getattr(claim, "published_verdict_id", None):
        return f"Published: {claim.published_rating}"
    if claim.status != ClaimStatus.CLAIM:
        return "-"
    status = getattr(claim, "task_status", None)
    return TaskStatus(status).label if status else "No open task"


class ScoreRangeFilter(admin.SimpleListFilter):
    title = "check-worthiness"
    parameter_name = "score"
    RANGES = {"high": (0.8, 1.01), "medium": (0.5, 0.8), "low": (0.0, 0.5)}

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("high", "High (0.8 to 1.0)"), ("medium", "Medium (0.5 to 0.8)"), ("low", "Low (below 0.5)")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        bounds = self.RANGES.get(self.value() or "")
        if bounds is None:
            return queryset
        return queryset.filter(score__gte=bounds[0], score__lt=bounds[1])


class ArticleFilter(admin.SimpleListFilter):
    """By article: the ten newest are offered, plus the one chosen (the claim list's article links and the
    article page's "all sentences" link set it), so the sidebar stays short however many articles exist."""

    title = "article"
    parameter_name = "article"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        recent = list(Article.objects.order_by("-created_at", "-id").values_list("pk", "title")[:10])
        article_id = record_id(self.value())
        if article_id is not None and article_id not in {pk for pk, _ in recent}:
            chosen = Article.objects.filter(pk=article_id).values_list("pk", "title").first()
            if chosen is not None:
                recent.insert(0, chosen)
        return [(str(pk), _short(title or f"Article {pk}", 60)) for pk, title in recent]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        article_id = record_id(self.value())
        return queryset if article_id is None else queryset.filter(article_id=article_id)


class PublishedVerdictFilter(admin.SimpleListFilter):
    title = "published verdict"
    parameter_name = "published"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Has a published verdict"), ("no", "No published verdict")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        published = Exists(Verdict.objects.published().filter(claim=OuterRef("pk")))
        if self.value() == "yes":
            return queryset.filter(published)
        if self.value() == "no":
            return queryset.filter(~published)
        return queryset


@admin.register(Claim)
class ClaimAdmin(ReadOnlyAdmin[Claim]):
    list_display = (
        "claim_text",
        "article_link",
        "sentence_number",
        "checkworthiness",
        "claim_type",
        "status",
        "review",
    )
    list_filter = ("status", "claim_type", ScoreRangeFilter, PublishedVerdictFilter, ArticleFilter)
    search_fields = ("text", "article__title")
    list_select_related = ("article",)
    ordering = ("-article__created_at", "article_id", "sentence_index")
    list_per_page = 100
    actions = ["promote", "demote"]
    view_on_site = False
    fields = (
        "article_link",
        "in_context",
        "sentence_number",
        "score",
        "claim_type",
        "status",
        "review",
        "review_work",
        "mentions",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Claim]:
        return _annotate_claims(
            super().get_queryset(request).defer(*(f"article__{name}" for name in _BIG_ARTICLE_FIELDS))
        )

    @admin.display(description="claim", ordering="text")
    def claim_text(self, claim: Claim) -> str:
        return _short(claim.text, 120)

    @admin.display(description="article", ordering="article__title")
    def article_link(self, claim: Claim) -> SafeString:
        return format_html(
            '<a href="{}">{}</a> <a href="?article={}" title="Only this article\'s sentences">⌕</a>',
            reverse("admin:reviews_article_change", args=[claim.article_id]),
            _short(str(claim.article), 50),
            claim.article_id,
        )

    @admin.display(description="sentence", ordering="sentence_index")
    def sentence_number(self, claim: Claim) -> int:
        return claim.sentence_index + 1

    @admin.display(description="score", ordering="score")
    def checkworthiness(self, claim: Claim) -> str:
        return f"{claim.score:.2f}"

    @admin.display(description="review")
    def review(self, claim: Claim) -> str:
        return _review_state(claim)

    @admin.display(description="in context")
    def in_context(self, claim: Claim) -> SafeString:
        parts = claim_context(claim=claim)
        return format_html(
            '<div style="max-width:60rem;line-height:1.5">'
            '…{}<mark style="font-weight:600">{}</mark>{}…</div>',
            parts["before"],
            parts["text"],
            parts["after"],
        )

    @admin.display(description="tasks and verdicts")
    def review_work(self, claim: Claim) -> SafeString:
        tasks = format_html_join(
            "",
            '<li><a href="{}">Task {}</a>: {}</li>',
            (
                (reverse("admin:reviews_reviewtask_change", args=[t.pk]), t.pk, t.get_status_display())
                for t in claim.tasks.order_by("-created_at")
            ),
        )
        verdicts = format_html_join(
            "",
            '<li><a href="{}">Verdict {} (v{})</a>: {}</li>',
            (
                (
                    reverse("admin:reviews_verdict_change", args=[v.pk]),
                    v.pk,
                    v.version,
                    v.get_status_display(),
                )
                for v in claim.verdicts.order_by("-created_at")
            ),
        )
        write = ""
        if claim.status == ClaimStatus.CLAIM:
            write = format_html(
                '<p><a class="button" href="{}?claim={}">Write a verdict yourself</a></p>',
                reverse("admin:reviews_verdict_add"),
                claim.pk,
            )
        return format_html("<ul>{}{}</ul>{}", tasks, verdicts, write)

    def has_promote_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(QUEUE_PERM)

    has_demote_permission = has_promote_permission

    @admin.action(
        description="Promote sentences to check-worthy claims (queues a review)", permissions=["promote"]
    )
    def promote(self, request: HttpRequest, queryset: QuerySet[Claim]) -> None:
        user = _user(request)
        self.desk_bulk(
            request,
            queryset.order_by("pk"),
            lambda claim: claim_promote(claim_id=claim.pk, editor=user),
            lambda n: f"Promoted {n} sentence{'s' if n != 1 else ''} to claims and queued their review.",
        )

    @admin.action(
        description="Demote claims to plain sentences (cancels their review)", permissions=["demote"]
    )
    def demote(self, request: HttpRequest, queryset: QuerySet[Claim]) -> None:
        user = _user(request)
        self.desk_bulk(
            request,
            queryset.order_by("pk"),
            lambda claim: claim_demote(claim_id=claim.pk, editor=user),
            lambda n: f"Demoted {n} claim{'s' if n != 1 else ''} to sentences.",
        )


# --------------------------------------------------------------------------------------------------
# Review tasks
# --------------------------------------------------------------------------------------------------


class LeaseExpiredFilter(admin.SimpleListFilter):
    title = "lease"
    parameter_name = "lease"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("expired", "Expired (claimable again)"), ("active", "Active")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        now = timezone.now()
        if self.value() == "expired":
            return queryset.filter(status=TaskStatus.LEASED, lease_expires_at__lte=now)
        if self.value() == "active":
            return queryset.filter(status=TaskStatus.LEASED, lease_expires_at__gt=now)
        return queryset


class PriorityFilter(admin.SimpleListFilter):
    title = "priority"
    parameter_name = "priority"
    # Priority is check-worthiness x 1000; editors raise it by 1000 at a time.
    RANGES = {"raised": (1000, None), "high": (800, 1000), "medium": (500, 800), "low": (None, 500)}

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("raised", "Raised by an editor (1000+)"),
            ("high", "High (800 to 999)"),
            ("medium", "Medium (500 to 799)"),
            ("low", "Low (below 500)"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        bounds = self.RANGES.get(self.value() or "")
        if bounds is None:
            return queryset
        low, high = bounds
        if low is not None:
            queryset = queryset.filter(priority__gte=low)
        if high is not None:
            queryset = queryset.filter(priority__lt=high)
        return queryset


@admin.register(ReviewTask)
class ReviewTaskAdmin(ReadOnlyAdmin[ReviewTask]):
    list_display = (
        "id",
        "claim_text",
        "status",
        "priority",
        "assignee",
        "lease",
        "reviewer",
        "attempts",
    )
    list_filter = (
        "status",
        ("reviewer", admin.RelatedOnlyFieldListFilter),
        ("assignee", admin.RelatedOnlyFieldListFilter),
        LeaseExpiredFilter,
        PriorityFilter,
    )
    search_fields = ("=id", "claim__text", "claim__article__title")
    list_select_related = ("claim", "claim__article", "assignee", "lease_holder", "reviewer")
    ordering = ("-priority", "-article_date", "id")
    list_per_page = 100
    date_hierarchy = "created_at"
    actions = ["assign", "release", "requeue", "cancel", "raise_priority"]
    view_on_site = False  # the task page belongs to the reviewer holding it
    fields = (
        "claim_link",
        "status",
        "priority",
        "assignee",
        "lease_holder",
        "lease_expires_at",
        "reviewer",
        "attempts",
        "skips",
        "verdicts",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReviewTask]:
        return (
            super().get_queryset(request).defer(*(f"claim__article__{name}" for name in _BIG_ARTICLE_FIELDS))
        )

    @admin.display(description="claim (article)", ordering="claim__text")
    def claim_text(self, task: ReviewTask) -> SafeString:
        return format_html(
            '{}<br><span style="color:var(--body-quiet-color)">{}</span>',
            _short(task.claim.text, 100),
            _short(str(task.claim.article), 60),
        )

    @admin.display(description="lease", ordering="lease_expires_at")
    def lease(self, task: ReviewTask) -> str:
        if task.status != TaskStatus.LEASED or task.lease_expires_at is None:
            return "-"
        state = "expired" if task.lease_expires_at <= timezone.now() else "until"
        return f"{task.lease_holder}, {state} {task.lease_expires_at:%Y-%m-%d %H:%M} UTC"

    @admin.display(description="claim")
    def claim_link(self, task: ReviewTask) -> SafeString:
        return _link("admin:reviews_claim_change", task.claim_id, task.claim.text)

    @admin.display(description="skipped by")
    def skips(self, task: ReviewTask) -> SafeString | str:
        rows = task.skips.select_related("reviewer").order_by("created_at")
        return format_html_join("", "<p>{}: {}</p>", ((s.reviewer, s.reason) for s in rows)) or "-"

    @admin.display(description="verdicts")
    def verdicts(self, task: ReviewTask) -> SafeString:
        rows = task.verdicts.order_by("-created_at")
        return format_html_join(
            "",
            '<p><a href="{}">Verdict {}</a>: {}</p>',
            (
                (reverse("admin:reviews_verdict_change", args=[v.pk]), v.pk, v.get_status_display())
                for v in rows
            ),
        ) or SafeString("-")

    def has_manage_queue_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(QUEUE_PERM)

    def _each(
        self,
        request: HttpRequest,
        queryset: QuerySet[ReviewTask],
        call: Callable[[ReviewTask], object],
        verb: str,
    ) -> None:
        self.desk_bulk(
            request,
            queryset.order_by("pk"),
            call,
            lambda n: f"{verb} {n} task{'s' if n != 1 else ''}.",
        )

    @admin.action(description="Assign to a reviewer…", permissions=["manage_queue"])
    def assign(self, request: HttpRequest, queryset: QuerySet[ReviewTask]) -> TemplateResponse | None:
        form = AssignForm(request.POST if self.desk_confirmed(request) else None)
        if self.desk_confirmed(request) and form.is_valid():
            reviewer = form.cleaned_data["reviewer"]
            editor = _user(request)
            self._each(
                request,
                queryset,
                lambda task: queue.task_assign(task_id=task.pk, editor=editor, reviewer=reviewer),
                f"Assigned to {reviewer.get_username()}:",
            )
            return None
        return self.desk_intermediate(
            request,
            title="Assign review tasks",
            action="assign",
            objects=list(queryset.select_related("claim")),
            description="Reserve these tasks for one reviewer: only they can take them. A lease someone else "
            "holds ends now.",
            submit_label="Assign",
            form=form,
        )

    @admin.action(description="Release the lease (back to the queue)", permissions=["manage_queue"])
    def release(self, request: HttpRequest, queryset: QuerySet[ReviewTask]) -> None:
        editor = _user(request)
        self._each(
            request, queryset, lambda t: queue.task_release_by_editor(task_id=t.pk, editor=editor), "Released"
        )

    @admin.action(description="Requeue (unassigned, back to the shared queue)", permissions=["manage_queue"])
    def requeue(self, request: HttpRequest, queryset: QuerySet[ReviewTask]) -> None:
        editor = _user(request)
        self._each(request, queryset, lambda t: queue.task_requeue(task_id=t.pk, editor=editor), "Requeued")

    @admin.action(description="Cancel", permissions=["manage_queue"])
    def cancel(self, request: HttpRequest, queryset: QuerySet[ReviewTask]) -> None:
        editor = _user(request)
        self._each(request, queryset, lambda t: queue.task_cancel(task_id=t.pk, editor=editor), "Cancelled")

    @admin.action(
        description="Raise priority (+1000: ahead of every unraised task)", permissions=["manage_queue"]
    )
    def raise_priority(self, request: HttpRequest, queryset: QuerySet[ReviewTask]) -> None:
        editor = _user(request)
        self._each(
            request,
            queryset,
            lambda t: queue.task_raise_priority(task_id=t.pk, editor=editor),
            "Raised the priority of",
        )


# --------------------------------------------------------------------------------------------------
# Verdicts
# --------------------------------------------------------------------------------------------------

EDITABLE = (VerdictStatus.SUBMITTED, VerdictStatus.RETURNED)


class _ServiceRefused(Exception):
    """Carries a service's refusal out of `save_related`, so the admin's transaction rolls back."""

    def __init__(self, error: ApplicationError) -> None:
        super().__init__(error.message)
        self.error = error


class CitationInline(admin.TabularInline[Citation, Verdict]):
    """Citations are edited with the verdict and saved by the verdict service (`verdict_edit`), never
    on their own, so they meet the same rules with the same messages."""

    model = Citation
    form = CitationAdminForm
    formset = CitationAdminFormSet
    fields = ("url", "title", "publisher", "published", "excerpt")
    extra = 1
    ordering = ("position", "id")

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        refusal = getattr(request, "_desk_refusal", None)
        return type(formset.__name__, (formset,), {"refusal": refusal}) if refusal else formset

    def _editable(self, request: HttpRequest, obj: Any) -> bool:
        return request.user.has_perm(EDITOR_PERM) and (obj is None or obj.status in EDITABLE)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(request, obj)


@admin.register(Verdict)
class VerdictAdmin(DeskAdminMixin[Verdict]):
    form = VerdictAdminForm
    inlines = [CitationInline]
    change_form_template = "admin/reviews/verdict/change_form.html"
    list_display = (
        "id",
        "claim_text",
        "rating",
        "status",
        "version",
        "citations",
        "reviewer",
        "published_at",
    )
    list_filter = (
        "status",
        "rating",
        ("reviewer", admin.RelatedOnlyFieldListFilter),
        ("editor", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("=id", "claim__text", "summary", "claim__article__title")
    list_select_related = ("claim", "claim__article", "rating", "reviewer", "editor")
    ordering = ("-created_at", "-id")
    date_hierarchy = "created_at"
    list_per_page = 100
    autocomplete_fields = ("claim",)
    actions = ["publish_selected", "return_selected", "retract_selected"]

    # ---- list ----------------------------------------------------------------------------------

    def get_queryset(self, request: HttpRequest) -> QuerySet[Verdict]:
        return (
            super()
            .get_queryset(request)
            .defer(*(f"claim__article__{name}" for name in _BIG_ARTICLE_FIELDS))
            .annotate(citation_count=_count(Citation.objects.filter(verdict=OuterRef("pk"))))
        )

    @admin.display(description="claim (article)", ordering="claim__text")
    def claim_text(self, verdict: Verdict) -> SafeString:
        return format_html(
            '{}<br><span style="color:var(--body-quiet-color)">{}</span>',
            _short(verdict.claim.text, 90),
            _short(str(verdict.claim.article), 60),
        )

    def view_on_site(self, verdict: Verdict) -> str | None:
        # Readers' page of a published verdict; nothing else has one.
        if verdict.status != VerdictStatus.PUBLISHED:
            return None
        return reverse("reviews:verdict-public", args=[verdict.pk])

    @admin.display(description="citations", ordering="citation_count")
    def citations(self, verdict: Any) -> int:
        return int(verdict.citation_count)

    # ---- the change page -----------------------------------------------------------------------

    def get_fieldsets(self, request: HttpRequest, obj: Verdict | None = None) -> Any:
        if obj is None:
            return ((None, {"fields": ("claim", "rating", "summary", "rationale")}),)
        notes = [name for name in ("editor_note", "correction_note", "retraction_note") if getattr(obj, name)]
        return (
            (
                None,
                {
                    "fields": (
                        "claim_link",
                        "claim_in_context",
                        "status",
                        "version",
                        "rating",
                        "summary",
                        "rationale",
                        *notes,
                    )
                },
            ),
            (
                "People and dates",
                {
                    "classes": ("collapse",),
                    "fields": (
                        "reviewer",
                        "editor",
                        "task_link",
                        "created_at",
                        "submitted_at",
                        "published_at",
                        "retracted_at",
                    ),
                },
            ),
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Verdict | None = None) -> Any:
        if obj is None:
            return ()
        return (
            "claim_link",
            "claim_in_context",
            "status",
            "version",
            "editor_note",
            "correction_note",
            "retraction_note",
            "reviewer",
            "editor",
            "task_link",
            "created_at",
            "submitted_at",
            "published_at",
            "retracted_at",
        )

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        refusal = getattr(request, "_desk_refusal", None)
        return type(form.__name__, (form,), {"refusal": refusal}) if refusal else form

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and request.user.has_perm(EDITOR_PERM)

    def has_change_permission(self, request: HttpRequest, obj: Verdict | None = None) -> bool:
        allowed = super().has_change_permission(request, obj) and request.user.has_perm(EDITOR_PERM)
        # Only a verdict under review is edited in place; anything published is frozen (corrections are
        # new versions), so its page is read-only with the desk's buttons.
        return allowed and (obj is None or obj.status in EDITABLE)

    def has_delete_permission(self, request: HttpRequest, obj: Verdict | None = None) -> bool:
        return False

    @admin.display(description="claim")
    def claim_link(self, verdict: Verdict) -> SafeString:
        return _link("admin:reviews_claim_change", verdict.claim_id, verdict.claim.text)

    @admin.display(description="in its article")
    def claim_in_context(self, verdict: Verdict) -> SafeString:
        parts = claim_context(claim=verdict.claim)
        return format_html(
            '<div style="max-width:60rem;line-height:1.5">'
            '{} · …{}<mark style="font-weight:600">{}</mark>{}…</div>',
            _link("admin:reviews_article_change", verdict.claim.article_id, verdict.claim.article),
            parts["before"],
            parts["text"],
            parts["after"],
        )

    @admin.display(description="review task")
    def task_link(self, verdict: Verdict) -> SafeString | str:
        if verdict.task_id is None:
            return "-"
        return _link("admin:reviews_reviewtask_change", verdict.task_id, f"Task {verdict.task_id}")

    @admin.display(description="versions of this claim's verdict")
    def version_history(self, verdict: Verdict) -> SafeString:
        rows = (
            Verdict.objects.filter(claim_id=verdict.claim_id)
            .exclude(status=VerdictStatus.ABANDONED)
            .select_related("rating", "editor")
            .order_by("-version", "-created_at")
        )
        body = format_html_join(
            "",
            "<tr{}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    mark_safe(' style="font-weight:600"') if v.pk == verdict.pk else "",
                    _link("admin:reviews_verdict_change", v.pk, f"Version {v.version}")
                    if v.status
                    in (VerdictStatus.PUBLISHED, VerdictStatus.SUPERSEDED, VerdictStatus.RETRACTED)
                    else _link("admin:reviews_verdict_change", v.pk, f"Verdict {v.pk}"),
                    v.get_status_display(),
                    v.rating.name if v.rating else "-",
                    _short(v.summary, 80),
                    v.published_at.strftime("%Y-%m-%d %H:%M") if v.published_at else "-",
                    v.editor or "-",
                    v.correction_note or v.retraction_note or v.editor_note or "",
                )
                for v in rows
            ),
        )
        return format_html(
            '<table class="desk-versions"><thead><tr><th>Version</th><th>Status</th><th>Rating</th>'
            "<th>Summary</th><th>Published</th><th>Editor</th><th>Note</th></tr></thead><tbody>{}</tbody></table>",
            body,
        )

    @admin.display(description="audit rows")
    def audit_trail(self, verdict: Verdict) -> SafeString:
        rows = (
            ReviewEvent.objects.filter(
                Q(verdict__claim_id=verdict.claim_id)
                | Q(claim_id=verdict.claim_id)
                | Q(task__claim_id=verdict.claim_id)
            )
            .select_related("actor")
            .order_by("-created_at", "-id")[:50]
        )
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    e.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                    e.get_action_display(),
                    e.actor or "system",
                    f"Verdict {e.verdict_id}" if e.verdict_id else "",
                    e.note,
                )
                for e in rows
            ),
        )
        log_url = reverse("admin:reviews_reviewevent_changelist")
        return format_html(
            '<table class="desk-audit"><thead><tr><th>When</th><th>What</th><th>Who</th><th>Verdict</th>'
            '<th>Note</th></tr></thead><tbody>{}</tbody></table><p><a href="{}?claim={}">'
            "Open in the audit log</a></p>",
            body,
            log_url,
            verdict.claim_id,
        )

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        verdict = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if verdict is not None:
            context["desk_buttons"] = self._buttons(request, verdict)
            # Shown under the citations (after the form's inlines), not inside the form.
            context["desk_panels"] = [
                {"title": "Version history", "html": self.version_history(verdict)},
                {"title": "Audit trail", "html": self.audit_trail(verdict)},
            ]
        return super().change_view(request, object_id, form_url, extra_context=context)

    def _buttons(self, request: HttpRequest, verdict: Verdict) -> list[dict[str, str]]:
        if not request.user.has_perm(EDITOR_PERM):
            return []
        buttons = []
        for name, label, statuses in (
            ("publish", "Publish", (VerdictStatus.SUBMITTED,)),
            ("return", "Return to reviewer", (VerdictStatus.SUBMITTED,)),
            ("correct", "Correct", (VerdictStatus.PUBLISHED,)),
            ("retract", "Retract", (VerdictStatus.PUBLISHED,)),
        ):
            if verdict.status in statuses and not (name == "return" and verdict.reviewer_id is None):
                buttons.append(
                    {"label": label, "url": reverse(f"admin:reviews_verdict_{name}", args=[verdict.pk])}
                )
        if verdict.status == VerdictStatus.SUPERSEDED:
            latest = Verdict.objects.filter(claim_id=verdict.claim_id, status=VerdictStatus.PUBLISHED).first()
            if latest is not None:
                buttons.append(
                    {
                        "label": "Latest version",
                        "url": reverse("admin:reviews_verdict_change", args=[latest.pk]),
                    }
                )
        return buttons

    # ---- saving through the services -----------------------------------------------------------

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _ServiceRefused as refused:
            # The service refused the save and the admin's transaction rolled back. Invalid input: show the
            # same form again with the service's messages on the fields they name. Anything else (the
            # verdict was published meanwhile, ...): say so and show the verdict as it now is.
            if not isinstance(refused.error, ValidationFailed):
                self.desk_refused(request, refused.error)
                if object_id is None:
                    return HttpResponseRedirect(reverse("admin:reviews_verdict_changelist"))
                return HttpResponseRedirect(reverse("admin:reviews_verdict_change", args=[object_id]))
            request._desk_refusal = refused.error  # type: ignore[attr-defined]
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request: HttpRequest, obj: Verdict, form: Any, change: bool) -> None:
        """Nothing is saved here: `save_related` hands the verdict and its citations to the service at once,
        so they are validated together, with the service's messages."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        citation_forms = [f for formset in formsets if formset.model is Citation for f in formset.forms]
        data = form.verdict_input(citation_forms)
        obj = form.instance
        try:
            if change:
                saved = verdict_edit(verdict_id=obj.pk, editor=request.user, data=data)
            else:
                saved = verdict_create_by_editor(
                    claim_id=form.cleaned_data["claim"].pk, editor=request.user, data=data
                )
        except ApplicationError as exc:
            raise _ServiceRefused(exc) from exc
        # The admin goes on with `obj` (messages, history, redirect): make it the saved row.
        for model_field in Verdict._meta.concrete_fields:
            setattr(obj, model_field.attname, getattr(saved, model_field.attname))
        obj._state.adding = False
        obj._state.db = saved._state.db

    def construct_change_message(
        self, request: HttpRequest, form: Any, formsets: Any, add: bool = False
    ) -> list[dict[str, Any]]:
        # The formsets were never saved (the service wrote the citations), so report the form's changes.
        if add:
            return [{"added": {}}]
        changed = list(form.changed_data)
        if any(f.has_changed() for formset in formsets for f in formset.forms):
            changed.append("citations")
        return [{"changed": {"fields": changed}}] if changed else []

    # ---- publish, return, correct, retract -----------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path("<path:object_id>/publish/", wrap(self.publish_view), name="reviews_verdict_publish"),
            path("<path:object_id>/return/", wrap(self.return_view), name="reviews_verdict_return"),
            path("<path:object_id>/correct/", wrap(self.correct_view), name="reviews_verdict_correct"),
            path("<path:object_id>/retract/", wrap(self.retract_view), name="reviews_verdict_retract"),
            *super().get_urls(),
        ]

    def _transition_target(self, request: HttpRequest, object_id: str) -> Verdict:
        if not (self.has_view_permission(request) and request.user.has_perm(EDITOR_PERM)):
            raise PermissionDenied
        verdict_id = record_id(object_id)
        verdict = (
            None
            if verdict_id is None
            else self.get_queryset(request).select_related("claim__article").filter(pk=verdict_id).first()
        )
        if verdict is None:
            raise Http404(f"Verdict {object_id} does not exist.")
        return verdict

    def _render_transition(
        self,
        request: HttpRequest,
        verdict: Verdict,
        *,
        title: str,
        intro: str,
        submit_label: str,
        form: forms.BaseForm | None = None,
        citations: BaseFormSet[Any] | None = None,
        citation_errors: Sequence[str] = (),
        danger: bool = False,
    ) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": verdict,
            "title": title,
            "intro": intro,
            "submit_label": submit_label,
            "form": form,
            "citations": citations,
            "citation_errors": citation_errors,
            "danger": danger,
            "verdict_citations": list(verdict.citations.order_by("position", "id")),
            "change_url": reverse("admin:reviews_verdict_change", args=[verdict.pk]),
            "media": self.media + (form.media if form is not None else forms.Media()),
        }
        return TemplateResponse(request, "admin/reviews/verdict/transition.html", context)

    def _done(self, request: HttpRequest, verdict_id: int, message: str) -> HttpResponseRedirect:
        self.message_user(request, message, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:reviews_verdict_change", args=[verdict_id]))

    def publish_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        verdict = self._transition_target(request, object_id)
        if request.method == "POST":
            try:
                published = verdict_publish(verdict_id=verdict.pk, editor=request.user)
            except ApplicationError as exc:
                self.desk_refused(request, exc)
                return HttpResponseRedirect(reverse("admin:reviews_verdict_change", args=[verdict.pk]))
            return self._done(
                request, published.pk, f"Published verdict {published.pk} as version {published.version}."
            )
        return self._render_transition(
            request,
            verdict,
            title=f"Publish verdict {verdict.pk}",
            intro="Readers will see this verdict, its rating and its citations. Once published it is frozen: "
            "later changes are corrections, shown as new versions with a note.",
            submit_label="Yes, publish",
        )

    def _note_view(
        self,
        request: HttpRequest,
        object_id: str,
        *,
        service: Callable[..., Verdict],
        title: str,
        intro: str,
        label: str,
        help_text: str,
        submit_label: str,
        done: str,
        danger: bool = False,
    ) -> HttpResponse:
        verdict = self._transition_target(request, object_id)
        form = NoteForm(request.POST or None, label=label, help_text=help_text)
        if request.method == "POST" and form.is_valid():
            try:
                result = service(verdict_id=verdict.pk, editor=request.user, note=form.cleaned_data["note"])
            except ValidationFailed as exc:
                self.desk_form_errors(exc, form)
            except ApplicationError as exc:
                self.desk_refused(request, exc)
                return HttpResponseRedirect(reverse("admin:reviews_verdict_change", args=[verdict.pk]))
            else:
                return self._done(request, result.pk, done.format(pk=result.pk))
        return self._render_transition(
            request, verdict, title=title, intro=intro, submit_label=submit_label, form=form, danger=danger
        )

    def return_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._note_view(
            request,
            object_id,
            service=verdict_return,
            title="Return verdict to its reviewer",
            intro="The verdict goes back to the reviewer who wrote it, first in their queue, with your note.",
            label="Note to the reviewer",
            help_text=RETURN_NOTE_HELP,
            submit_label="Return to reviewer",
            done="Returned verdict {pk} to its reviewer.",
        )

    def retract_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._note_view(
            request,
            object_id,
            service=verdict_retract,
            title="Retract verdict",
            intro="The verdict is withdrawn from readers and kept, marked retracted, with your note.",
            label="Retraction note",
            help_text=RETRACTION_NOTE_HELP,
            submit_label="Retract",
            done="Retracted verdict {pk}.",
            danger=True,
        )

    def correct_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        verdict = self._transition_target(request, object_id)
        initial_citations = [
            {name: getattr(c, name) for name in ("url", "title", "publisher", "published", "excerpt")}
            for c in verdict.citations.order_by("position", "id")
        ]
        if request.method == "POST":
            form = CorrectionForm(request.POST, current=verdict.rating)
            citations = CitationFormSet(request.POST, initial=initial_citations, prefix="citations")
            citation_errors: list[str] = []
            if form.is_valid() and citations.is_valid():
                try:
                    new = verdict_correct(
                        verdict_id=verdict.pk,
                        editor=request.user,
                        data=form.verdict_input(citations.forms),
                        note=form.cleaned_data["note"],
                    )
                except ValidationFailed as exc:
                    citation_errors = self.desk_form_errors(exc, form, citations.forms)
                except ApplicationError as exc:
                    self.desk_refused(request, exc)
                    return HttpResponseRedirect(reverse("admin:reviews_verdict_change", args=[verdict.pk]))
                else:
                    return self._done(
                        request,
                        new.pk,
                        f"Published the correction as version {new.version} (verdict {new.pk}).",
                    )
        else:
            form = CorrectionForm(
                initial={
                    "rating": verdict.rating_id,
                    "summary": verdict.summary,
                    "rationale": verdict.rationale,
                },
                current=verdict.rating,
            )
            citations = CitationFormSet(initial=initial_citations, prefix="citations")
            citation_errors = []
        return self._render_transition(
            request,
            verdict,
            title=f"Correct verdict {verdict.pk} (version {verdict.version})",
            intro="A correction is published at once as a new version; this version stays readable, marked "
            "superseded. Readers see your correction note.",
            submit_label="Publish correction",
            form=form,
            citations=citations,
            citation_errors=citation_errors,
        )

    # ---- changelist actions --------------------------------------------------------------------

    def has_publish_verdict_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(EDITOR_PERM)

    @admin.action(description="Publish selected verdicts…", permissions=["publish_verdict"])
    def publish_selected(self, request: HttpRequest, queryset: QuerySet[Verdict]) -> TemplateResponse | None:
        if self.desk_confirmed(request):
            editor = _user(request)
            self.desk_bulk(
                request,
                queryset.order_by("pk"),
                lambda v: verdict_publish(verdict_id=v.pk, editor=editor),
                lambda n: f"Published {n} verdict{'s' if n != 1 else ''}.",
            )
            return None
        return self.desk_intermediate(
            request,
            title="Publish verdicts",
            action="publish_selected",
            objects=list(queryset),
            description="Readers will see these verdicts. Only submitted ones can be published; the others "
            "are reported and left as they are.",
            submit_label="Yes, publish",
        )

    def _bulk_note(
        self,
        request: HttpRequest,
        queryset: QuerySet[Verdict],
        *,
        action: str,
        service: Callable[..., Verdict],
        title: str,
        description: str,
        label: str,
        help_text: str,
        verb: str,
    ) -> TemplateResponse | None:
        confirmed = self.desk_confirmed(request)
        form = NoteForm(request.POST if confirmed else None, label=label, help_text=help_text)
        if confirmed and form.is_valid():
            note = form.cleaned_data["note"]
            editor = _user(request)
            self.desk_bulk(
                request,
                queryset.order_by("pk"),
                lambda v: service(verdict_id=v.pk, editor=editor, note=note),
                lambda n: f"{verb} {n} verdict{'s' if n != 1 else ''}.",
            )
            return None
        return self.desk_intermediate(
            request,
            title=title,
            action=action,
            objects=list(queryset),
            description=description,
            submit_label=title,
            form=form,
        )

    @admin.action(description="Return selected verdicts to their reviewers…", permissions=["publish_verdict"])
    def return_selected(self, request: HttpRequest, queryset: QuerySet[Verdict]) -> TemplateResponse | None:
        return self._bulk_note(
            request,
            queryset,
            action="return_selected",
            service=verdict_return,
            title="Return to reviewers",
            description="Each verdict goes back to the reviewer who wrote it, with this note.",
            label="Note to the reviewers",
            help_text=RETURN_NOTE_HELP,
            verb="Returned",
        )

    @admin.action(description="Retract selected verdicts…", permissions=["publish_verdict"])
    def retract_selected(self, request: HttpRequest, queryset: QuerySet[Verdict]) -> TemplateResponse | None:
        return self._bulk_note(
            request,
            queryset,
            action="retract_selected",
            service=verdict_retract,
            title="Retract verdicts",
            description="Each verdict is withdrawn from readers and kept, marked retracted, with this note.",
            label="Retraction note",
            help_text=RETRACTION_NOTE_HELP,
            verb="Retracted",
        )


# --------------------------------------------------------------------------------------------------
# Ratings, scorecards, the audit log
# --------------------------------------------------------------------------------------------------


@admin.register(RatingLabel)
class RatingLabelAdmin(DeskAdminMixin[RatingLabel]):
    """The rating scale. Configuration, edited in place; a change to how a rating scores marks the
    scorecards that use it stale, so the sweeper rebuilds them."""

    list_display = (
        "name",
        "slug",
        "order",
        "claimreview_rating",
        "alternate_name",
        "requires_citation",
        "counts_toward_score",
        "is_active",
    )
    list_filter = ("is_active", "requires_citation", "counts_toward_score")
    search_fields = ("name", "slug", "alternate_name")
    ordering = ("order", "id")
    prepopulated_fields = {"slug": ("name",)}
    fieldsets = (
        (None, {"fields": ("name", "slug", "description", "order", "is_active")}),
        (
            "schema.org ClaimReview mapping",
            {
                "fields": ("rating_value", "best_rating", "worst_rating", "alternate_name"),
                "description": "ratingValue, bestRating, worstRating and alternateName in the published "
                "ClaimReview; the value also weights the article accuracy score.",
            },
        ),
        ("Rules", {"fields": ("requires_citation", "counts_toward_score")}),
    )

    @admin.display(description="ClaimReview rating", ordering="rating_value")
    def claimreview_rating(self, label: RatingLabel) -> str:
        return f"{label.rating_value} (scale {label.worst_rating} to {label.best_rating})"

    def save_model(self, request: HttpRequest, obj: RatingLabel, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change:
            rating_label_changed(label=obj, changed_fields=form.changed_data)


@admin.register(Scorecard)
class ScorecardAdmin(ReadOnlyAdmin[Scorecard]):
    list_display = ("article", "version", "built_at", "source_changed_at", "up_to_date")
    list_select_related = ("article",)
    search_fields = ("article__title",)
    ordering = ("-built_at",)
    list_per_page = 100
    fields = ("article", "version", "built_at", "source_changed_at", "data")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Scorecard]:
        return super().get_queryset(request).defer(*(f"article__{name}" for name in _BIG_ARTICLE_FIELDS))

    @admin.display(description="up to date", boolean=True)
    def up_to_date(self, card: Scorecard) -> bool:
        return card.source_changed_at >= card.article.changed_at


class EventClaimFilter(admin.SimpleListFilter):
    """Everything that happened to one claim (its tasks and verdicts included). Offered when a claim is
    chosen (the verdict page's "Open in the audit log" link), so the sidebar does not list every claim."""

    title = "claim"
    parameter_name = "claim"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        claim_id = record_id(self.value())
        if claim_id is None:
            return []
        claim = Claim.objects.filter(pk=claim_id).values_list("pk", "text").first()
        return [(str(claim[0]), _short(claim[1], 60))] if claim else []

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        claim_id = record_id(self.value())
        if claim_id is None:
            return queryset
        return queryset.filter(
            Q(claim_id=claim_id) | Q(task__claim_id=claim_id) | Q(verdict__claim_id=claim_id)
        )


@admin.register(ReviewEvent)
class ReviewEventAdmin(ReadOnlyAdmin[ReviewEvent]):
    """The audit log: read-only for everyone, superusers included (append-only in the model too)."""

    list_display = ("created_at", "action", "actor", "subject", "transition", "short_note")
    list_filter = ("action", ("actor", admin.RelatedOnlyFieldListFilter), "created_at", EventClaimFilter)
    search_fields = ("note", "=verdict__id", "=task__id", "=claim__id", "article__title")
    list_select_related = ("actor", "article", "claim", "task", "verdict")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    list_per_page = 100
    # The log only grows: counting all of it on every page view would get slower every day.
    show_full_result_count = False
    actions = None
    fields = (
        "created_at",
        "action",
        "actor",
        "article",
        "claim",
        "task",
        "verdict",
        "from_status",
        "to_status",
        "note",
        "data",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReviewEvent]:
        return super().get_queryset(request).defer(*(f"article__{name}" for name in _BIG_ARTICLE_FIELDS))

    @admin.display(description="about")
    def subject(self, event: ReviewEvent) -> SafeString | str:
        if event.verdict_id:
            return _link("admin:reviews_verdict_change", event.verdict_id, f"Verdict {event.verdict_id}")
        if event.task_id:
            return _link("admin:reviews_reviewtask_change", event.task_id, f"Task {event.task_id}")
        if event.claim_id:
            return _link("admin:reviews_claim_change", event.claim_id, f"Claim {event.claim_id}")
        if event.article_id:
            return _link("admin:reviews_article_change", event.article_id, _short(str(event.article), 50))
        return "-"

    @admin.display(description="change")
    def transition(self, event: ReviewEvent) -> str:
        if event.from_status or event.to_status:
            return f"{event.from_status or '-'} → {event.to_status or '-'}"
        return ""

    @admin.display(description="note")
    def short_note(self, event: ReviewEvent) -> str:
        return _short(event.note, 80)
