"""Verdicts: the list, and the change page whose saves go through the verdict services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.safestring import SafeString

from reviews import roles, workflow
from reviews.admin.base import ServiceRefused, admin_link, fragment, shorten
from reviews.admin.forms import CitationAdminForm, CitationAdminFormSet, VerdictAdminForm
from reviews.admin.search import FullTextSearchMixin
from reviews.admin.verdict_transitions import TRANSITION_PAGES, VerdictTransitionsMixin
from reviews.exceptions import ApplicationError
from reviews.models import PUBLISHED_LINEAGE, Citation, Verdict
from reviews.selectors import claim_context
from reviews.selectors_desk import (
    BIG_ARTICLE_FIELDS,
    verdict_history,
    verdict_published_on_claim,
    verdicts_with_citation_count,
)
from reviews.selectors_search import verdicts_matching
from reviews.services.verdicts import verdict_create_by_editor, verdict_edit
from reviews.workflow import Role


def _editable_in_place(verdict: Verdict) -> bool:
    """Whether the workflow table lets an editor edit the verdict in place (under review, not frozen)."""
    return workflow.allowed("verdict.edit", verdict, role=Role.EDITOR)


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
        return roles.is_editor(request.user) and (obj is None or _editable_in_place(obj))

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(request, obj)


@admin.register(Verdict)
class VerdictAdmin(FullTextSearchMixin[Verdict], VerdictTransitionsMixin):
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
    search_by_id = True
    list_select_related = ("claim", "claim__article", "rating", "reviewer", "editor")
    ordering = ("-created_at", "-id")
    date_hierarchy = "created_at"
    list_per_page = 100
    autocomplete_fields = ("claim",)
    actions = ["publish_selected", "return_selected", "retract_selected"]

    # ---- list ----------------------------------------------------------------------------------

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # The list's "Export published verdicts" link (its template), for editors.
        context = {**(extra_context or {}), "can_export": roles.is_editor(request.user)}
        return super().changelist_view(request, context)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Verdict]:
        return verdicts_with_citation_count(
            super().get_queryset(request).defer(*(f"claim__article__{name}" for name in BIG_ARTICLE_FIELDS))
        )

    def search_matching(
        self, queryset: QuerySet[Verdict], term: str, *, or_id: int | None
    ) -> QuerySet[Verdict]:
        return verdicts_matching(queryset, term, or_id=or_id)

    @admin.display(description="claim (article)", ordering="claim__text")
    def claim_text(self, verdict: Verdict) -> SafeString:
        return fragment(
            "admin/reviews/claim_cell.html",
            {"text": shorten(verdict.claim.text, 90), "article": shorten(str(verdict.claim.article), 60)},
        )

    def view_on_site(self, verdict: Verdict) -> str | None:
        # Readers' page of a published verdict; nothing else has one.
        if not workflow.in_state_after("verdict.publish", verdict):
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
                        *(["reused_from_link"] if obj.reused_from_id else []),
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
            "reused_from_link",
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

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and roles.is_editor(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Verdict | None = None) -> bool:
        allowed = super().has_change_permission(request, obj) and roles.is_editor(request.user)
        # Only a verdict under review is edited in place; anything published is frozen (corrections are
        # new versions), so its page is read-only with the desk's buttons.
        return allowed and (obj is None or _editable_in_place(obj))

    def has_delete_permission(self, request: HttpRequest, obj: Verdict | None = None) -> bool:
        return False

    @admin.display(description="claim")
    def claim_link(self, verdict: Verdict) -> SafeString:
        return admin_link("admin:reviews_claim_change", verdict.claim_id, verdict.claim.text)

    @admin.display(description="in its article")
    def claim_in_context(self, verdict: Verdict) -> SafeString:
        return fragment(
            "admin/reviews/claim_in_context.html",
            {"parts": claim_context(claim=verdict.claim), "article": verdict.claim.article},
        )

    @admin.display(description="review task")
    def task_link(self, verdict: Verdict) -> SafeString | str:
        if verdict.task_id is None:
            return "-"
        return admin_link("admin:reviews_reviewtask_change", verdict.task_id, f"Task {verdict.task_id}")

    @admin.display(description="reused from")
    def reused_from_link(self, verdict: Verdict) -> SafeString | str:
        """The published verdict on a matched claim that the reviewer copied into this one, flagged when it
        has been retracted since."""
        if verdict.reused_from is None:
            return "-"
        return fragment(
            "admin/reviews/verdict/reused_from.html",
            {
                "verdict_id": verdict.reused_from_id,
                "retracted": workflow.in_state_after("verdict.retract", verdict.reused_from),
            },
        )

    def _history(self, verdict: Verdict) -> dict[str, Any]:
        """The version history and audit trail of the verdict's claim, shown under the citations."""
        history = verdict_history(verdict=verdict)
        return {
            "claim_id": verdict.claim_id,
            "versions": [
                {
                    "verdict": v,
                    "current": v.pk == verdict.pk,
                    # Versions readers saw are named by their number; drafts and reviews by their id.
                    "label": f"Version {v.version}" if v.status in PUBLISHED_LINEAGE else f"Verdict {v.pk}",
                }
                for v in history.versions
            ],
            "events": history.events,
        }

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
            context["desk_history"] = self._history(verdict)
        return super().change_view(request, object_id, form_url, extra_context=context)

    def _buttons(self, request: HttpRequest, verdict: Verdict) -> list[dict[str, str]]:
        if not roles.is_editor(request.user):
            return []
        # What the workflow table lets an editor do with the verdict as it stands, in the table's order.
        buttons = [
            {
                "label": act.label,
                "url": reverse(f"admin:reviews_verdict_{TRANSITION_PAGES[act.name]}", args=[verdict.pk]),
            }
            for act in workflow.actions_for(verdict, role=Role.EDITOR)
            if act.name in TRANSITION_PAGES
        ]
        if workflow.in_state_after("verdict.correct", verdict):
            latest = verdict_published_on_claim(claim_id=verdict.claim_id)
            if latest is not None:
                buttons.append(
                    {
                        "label": "Latest version",
                        "url": reverse("admin:reviews_verdict_change", args=[latest.pk]),
                    }
                )
        return buttons

    # ---- saving through the services -----------------------------------------------------------

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
            raise ServiceRefused(exc) from exc
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
