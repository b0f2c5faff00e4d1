"""The audit log, read-only for everyone."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.safestring import SafeString

from reviews.admin.base import ReadOnlyAdmin, admin_link, shorten
from reviews.ids import record_id
from reviews.models import EventAction, ReviewEvent
from reviews.selectors_desk import BIG_ARTICLE_FIELDS, claim_text_of


class EventClaimFilter(admin.SimpleListFilter):
    """Everything that happened to one claim (its tasks and verdicts included). Offered when a claim is
    chosen (the verdict page's "Open in the audit log" link), so the sidebar does not list every claim."""

    title = "claim"
    parameter_name = "claim"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        claim_id = record_id(self.value())
        if claim_id is None:
            return []
        claim = claim_text_of(claim_id=claim_id)
        return [(str(claim[0]), shorten(claim[1], 60))] if claim else []

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        claim_id = record_id(self.value())
        if claim_id is None:
            return queryset
        return queryset.filter(
            Q(claim_id=claim_id) | Q(task__claim_id=claim_id) | Q(verdict__claim_id=claim_id)
        )


_RATING_LABEL_EVENTS = frozenset({EventAction.RATING_LABEL_CREATED, EventAction.RATING_LABEL_CHANGED})


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
        return super().get_queryset(request).defer(*(f"article__{name}" for name in BIG_ARTICLE_FIELDS))

    @admin.display(description="about")
    def subject(self, event: ReviewEvent) -> SafeString | str:
        if event.verdict_id:
            return admin_link("admin:reviews_verdict_change", event.verdict_id, f"Verdict {event.verdict_id}")
        if event.task_id:
            return admin_link("admin:reviews_reviewtask_change", event.task_id, f"Task {event.task_id}")
        if event.claim_id:
            return admin_link("admin:reviews_claim_change", event.claim_id, f"Claim {event.claim_id}")
        if event.article_id:
            return admin_link(
                "admin:reviews_article_change", event.article_id, shorten(str(event.article), 50)
            )
        label_id = record_id(event.data.get("rating_label", ""))
        if event.action in _RATING_LABEL_EVENTS and label_id is not None:
            return admin_link(
                "admin:reviews_ratinglabel_change", label_id, f"Rating {event.data.get('slug')}"
            )
        return "-"

    @admin.display(description="change")
    def transition(self, event: ReviewEvent) -> str:
        if event.from_status or event.to_status:
            return f"{event.from_status or '-'} → {event.to_status or '-'}"
        return ""

    @admin.display(description="note")
    def short_note(self, event: ReviewEvent) -> str:
        return shorten(event.note, 80)
