"""Claims across articles at the desk: matches (confirm or reject) and conflicting facts (filter, resolve
with a note), and the claim list's filters "has a published match" and "has a conflict".

Every decision goes through a service (`match_confirm`, `match_reject`, `conflict_resolve`), which checks
the editor's permission, locks the row and records the audit event; refusals become messages in
`DeskAdminMixin`. Lists cost a fixed number of queries whatever their length (select_related and
correlated subqueries).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString

from reviews import roles
from reviews.admin.base import ReadOnlyAdmin, admin_link, bulk_rule, desk_user, fragment, shorten
from reviews.admin.forms import NoteForm
from reviews.ids import record_id
from reviews.models import Claim, ClaimConflict, ClaimMatch
from reviews.selectors_desk import (
    BIG_ARTICLE_FIELDS,
    claim_matches_both_sides,
    claims_with_conflict,
    claims_with_published_match,
    match_conflicts,
    matches_with_open_conflict,
    matches_with_open_conflicts,
)
from reviews.selectors_reuse import claim_conflicts
from reviews.sentence_diff import sentence_diff
from reviews.services.conflicts import conflict_resolve
from reviews.services.matching import match_confirm, match_reject
from reviews.workflow import Role, action, actions_for

RESOLUTION_HELP = "Which value is right, and why (or why both are). Reviewers of both claims see this note."
# The desk's decision on a match by the workflow action it takes (reviews.workflow.ACTIONS).
DECISION_URLS = {
    "match.confirm": "admin:reviews_claimmatch_confirm",
    "match.reject": "admin:reviews_claimmatch_reject",
}


def match_decisions(match: ClaimMatch) -> list[dict[str, str]]:
    """The decisions the workflow table lets an editor take on the match, as buttons: label and URL."""
    return [
        {"label": act.label, "url": reverse(DECISION_URLS[act.name], args=[match.pk])}
        for act in actions_for(match, role=Role.EDITOR)
    ]


def _deferred(prefixes: tuple[str, ...]) -> list[str]:
    return [f"{prefix}__article__{name}" for prefix in prefixes for name in BIG_ARTICLE_FIELDS]


# --------------------------------------------------------------------------------------------------
# The claim list's filters
# --------------------------------------------------------------------------------------------------


class PublishedMatchFilter(admin.SimpleListFilter):
    """Claims matched with a claim that has a published verdict: work a reviewer can reuse."""

    title = "published match"
    parameter_name = "published_match"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Has a published match"), ("no", "No published match")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() not in ("yes", "no"):
            return queryset
        return claims_with_published_match(queryset, has=self.value() == "yes")


class ConflictFilter(admin.SimpleListFilter):
    title = "conflict"
    parameter_name = "conflict"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("open", "Has an open conflict"), ("any", "Has a conflict"), ("no", "No conflict")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        which = self.value()
        if which not in ("open", "any", "no"):
            return queryset
        return claims_with_conflict(queryset, which=which)


def claim_matching_panel(claim: Claim) -> SafeString:
    """The claim page's "matches and conflicts" panel: its live and rejected matches with links to decide
    them, and its conflicts from its side."""
    matches = claim_matches_both_sides(claim=claim)
    rows = [
        {
            "match": match,
            "other": match.other_claim if match.claim_id == claim.pk else match.claim,
            "decisions": match_decisions(match),
        }
        for match in matches
    ]
    return fragment(
        "admin/reviews/claim/matching_panel.html",
        {"claim": claim, "rows": rows, "conflicts": claim_conflicts(claim=claim) if matches else []},
    )


# --------------------------------------------------------------------------------------------------
# Matches
# --------------------------------------------------------------------------------------------------


class MatchClaimFilter(admin.SimpleListFilter):
    """One claim's matches, whichever side it is stored on (the claim page links here)."""

    title = "claim"
    parameter_name = "claim"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        claim_id = record_id(self.value())
        return [(str(claim_id), f"Claim {claim_id}")] if claim_id is not None else []

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        claim_id = record_id(self.value())
        return (
            queryset
            if claim_id is None
            else queryset.filter(Q(claim_id=claim_id) | Q(other_claim_id=claim_id))
        )


class HasConflictFilter(admin.SimpleListFilter):
    title = "conflict"
    parameter_name = "conflict"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("open", "Has an open conflict"), ("no", "No open conflict")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() not in ("open", "no"):
            return queryset
        return matches_with_open_conflict(queryset, has=self.value() == "open")


@admin.register(ClaimMatch)
class ClaimMatchAdmin(ReadOnlyAdmin[ClaimMatch]):
    list_display = ("pair", "similarity_shown", "status", "open_conflicts", "articles")
    list_filter = ("status", HasConflictFilter, MatchClaimFilter)
    search_fields = ("claim__text", "other_claim__text")
    list_select_related = ("claim__article", "other_claim__article")
    ordering = ("-similarity", "pk")
    list_per_page = 100
    actions = ["confirm", "reject"]
    view_on_site = False
    fields = ("comparison", "similarity_shown", "status", "decided_by", "decided_at", "conflict_list")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[ClaimMatch]:
        return matches_with_open_conflicts(
            super()
            .get_queryset(request)
            .defer(*_deferred(("claim", "other_claim")), "claim__embedding", "other_claim__embedding")
        )

    @admin.display(description="claims")
    def pair(self, match: ClaimMatch) -> str:
        return f"{shorten(match.claim.text, 70)}  ~  {shorten(match.other_claim.text, 70)}"

    @admin.display(description="similarity", ordering="similarity")
    def similarity_shown(self, match: ClaimMatch) -> str:
        return f"{match.similarity:.2f}"

    @admin.display(description="open conflicts")
    def open_conflicts(self, match: ClaimMatch) -> int:
        return int(getattr(match, "open_conflict_count", 0))

    @admin.display(description="articles")
    def articles(self, match: ClaimMatch) -> SafeString:
        return fragment(
            "admin/reviews/claimmatch/articles_cell.html",
            {
                "match": match,
                "title": shorten(str(match.claim.article), 40),
                "other_title": shorten(str(match.other_claim.article), 40),
            },
        )

    @admin.display(description="the two claims")
    def comparison(self, match: ClaimMatch) -> SafeString:
        return fragment(
            "admin/reviews/claimmatch/comparison.html",
            {
                "match": match,
                "diff": sentence_diff(match.claim.text, match.other_claim.text),
                "decisions": match_decisions(match),
            },
        )

    @admin.display(description="conflicts")
    def conflict_list(self, match: ClaimMatch) -> SafeString:
        return fragment(
            "admin/reviews/claimmatch/conflicts.html", {"conflicts": match_conflicts(match=match)}
        )

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path("<path:object_id>/confirm/", wrap(self.confirm_view), name="reviews_claimmatch_confirm"),
            path("<path:object_id>/reject/", wrap(self.reject_view), name="reviews_claimmatch_reject"),
            *super().get_urls(),
        ]

    def _decide_view(
        self, request: HttpRequest, object_id: str, service: Callable[..., ClaimMatch], done: str
    ) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        match_id = record_id(object_id)
        if match_id is None or not self.has_view_permission(request):
            raise Http404(f"Match {object_id} does not exist.")
        editor = desk_user(request)
        self.desk_call(
            request, lambda: service(match_id=match_id, editor=editor), success=done.format(match_id)
        )
        back = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=False):
            back = ""
        return HttpResponseRedirect(back or reverse("admin:reviews_claimmatch_change", args=[match_id]))

    def confirm_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._decide_view(request, object_id, match_confirm, "Confirmed match {}: the same claim.")

    def reject_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._decide_view(
            request, object_id, match_reject, "Rejected match {}: different claims; its conflicts are gone."
        )

    def has_decide_match_permission(self, request: HttpRequest) -> bool:
        return roles.is_editor(request.user)

    @admin.action(description=action("match.confirm").label, permissions=["decide_match"])
    def confirm(self, request: HttpRequest, queryset: QuerySet[ClaimMatch]) -> None:
        editor = desk_user(request)
        self.desk_bulk(
            request,
            queryset.order_by("pk"),
            lambda match: match_confirm(match_id=match.pk, editor=editor),
            lambda n: f"Confirmed {n} match{'es' if n != 1 else ''}.",
        )

    @admin.action(
        description=f"{action('match.reject').label} (drops their conflicts)", permissions=["decide_match"]
    )
    def reject(self, request: HttpRequest, queryset: QuerySet[ClaimMatch]) -> None:
        editor = desk_user(request)
        self.desk_bulk(
            request,
            queryset.order_by("pk"),
            lambda match: match_reject(match_id=match.pk, editor=editor),
            lambda n: f"Rejected {n} match{'es' if n != 1 else ''}; their conflicts are gone.",
        )


# --------------------------------------------------------------------------------------------------
# Conflicts
# --------------------------------------------------------------------------------------------------


class ConflictArticleFilter(admin.SimpleListFilter):
    """Conflicts with a claim of one article, on either side (the article page and lists link here)."""

    title = "article"
    parameter_name = "article"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        article_id = record_id(self.value())
        return [(str(article_id), f"Article {article_id}")] if article_id is not None else []

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        article_id = record_id(self.value())
        if article_id is None:
            return queryset
        return queryset.filter(
            Q(match__claim__article_id=article_id) | Q(match__other_claim__article_id=article_id)
        )


@admin.register(ClaimConflict)
class ClaimConflictAdmin(ReadOnlyAdmin[ClaimConflict]):
    list_display = ("kind", "value", "other_value", "claims", "resolved", "resolved_by", "created_at")
    list_filter = ("resolved", "kind", ConflictArticleFilter)
    search_fields = ("value", "other_value", "match__claim__text", "match__other_claim__text")
    list_select_related = ("match__claim__article", "match__other_claim__article", "resolved_by")
    ordering = ("resolved", "-created_at", "-pk")
    list_per_page = 100
    actions = ["resolve"]
    view_on_site = False
    fields = (
        "kind",
        "value",
        "sentence",
        "other_value",
        "other_sentence",
        "match_link",
        "resolved",
        "resolution_note",
        "resolved_by",
        "resolved_at",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[ClaimConflict]:
        prefixes = ("match__claim", "match__other_claim")
        return (
            super()
            .get_queryset(request)
            .defer(*_deferred(prefixes), *(f"{prefix}__embedding" for prefix in prefixes))
        )

    @admin.display(description="claims")
    def claims(self, conflict: ClaimConflict) -> str:
        match = conflict.match
        return f"{shorten(match.claim.text, 60)}  ~  {shorten(match.other_claim.text, 60)}"

    @admin.display(description="match")
    def match_link(self, conflict: ClaimConflict) -> SafeString:
        return admin_link("admin:reviews_claimmatch_change", conflict.match_id, str(conflict.match))

    def has_resolve_conflict_permission(self, request: HttpRequest) -> bool:
        return roles.is_editor(request.user)

    @admin.action(description="Resolve selected conflicts with a note…", permissions=["resolve_conflict"])
    def resolve(self, request: HttpRequest, queryset: QuerySet[ClaimConflict]) -> TemplateResponse | None:
        confirmed = self.desk_confirmed(request)
        form = NoteForm(
            request.POST if confirmed else None, label="Resolution note", help_text=RESOLUTION_HELP
        )
        if confirmed and form.is_valid():
            note = form.cleaned_data["note"]
            editor = desk_user(request)
            self.desk_bulk(
                request,
                queryset.order_by("pk"),
                lambda conflict: conflict_resolve(conflict_id=conflict.pk, editor=editor, note=note),
                lambda n: f"Resolved {n} conflict{'s' if n != 1 else ''}.",
            )
            return None
        return self.desk_intermediate(
            request,
            title="Resolve conflicts",
            action="resolve",
            objects=list(queryset.select_related("match__claim")),
            description=f"Each conflict is marked resolved with this note. {bulk_rule('conflict.resolve')}",
            submit_label="Resolve",
            form=form,
        )
