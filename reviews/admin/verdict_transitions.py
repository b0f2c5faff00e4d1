"""The verdict desk's transition pages (publish, return, correct, retract) and the matching changelist
actions. Every one calls a verdict service; its refusal is shown through `DeskAdminMixin`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.forms import BaseFormSet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from reviews import roles
from reviews.admin.base import RETRACTION_NOTE_HELP, RETURN_NOTE_HELP, DeskAdminMixin, bulk_rule, desk_user
from reviews.admin.forms import CitationFormSet, CorrectionForm, NoteForm
from reviews.exceptions import ApplicationError, ValidationFailed
from reviews.ids import record_id
from reviews.models import Verdict
from reviews.selectors import verdict_action_refusal
from reviews.services.verdicts import (
    verdict_correct,
    verdict_publish,
    verdict_retract,
    verdict_return,
)

# The desk's transition pages by the workflow action each takes (reviews.workflow.ACTIONS): the verdict
# page offers those the table allows, under the table's labels.
TRANSITION_PAGES = {
    "verdict.publish": "publish",
    "verdict.return": "return",
    "verdict.correct": "correct",
    "verdict.retract": "retract",
}


class VerdictTransitionsMixin(DeskAdminMixin[Verdict]):
    """Mixed into `VerdictAdmin`: its URLs, pages and bulk actions."""

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
        if not (self.has_view_permission(request) and roles.is_editor(request.user)):
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

    def _not_offered(self, request: HttpRequest, verdict: Verdict, action: str) -> HttpResponse | None:
        """Opening the page of an action the workflow table refuses for the verdict as it stands (an old
        link, another editor's change since): the refusal as a message, and the verdict's page. A POST
        goes to the service, which refuses in the same words and also asks the database."""
        if request.method == "POST":
            return None
        problem = verdict_action_refusal(action=action, verdict=verdict)
        if problem is None:
            return None
        self.desk_refused(request, problem)
        return HttpResponseRedirect(reverse("admin:reviews_verdict_change", args=[verdict.pk]))

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
            "verdict_citations": verdict.citations_in_order(),
            "change_url": reverse("admin:reviews_verdict_change", args=[verdict.pk]),
            "media": self.media + (form.media if form is not None else forms.Media()),
        }
        return TemplateResponse(request, "admin/reviews/verdict/transition.html", context)

    def _done(self, request: HttpRequest, verdict_id: int, message: str) -> HttpResponseRedirect:
        self.message_user(request, message, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:reviews_verdict_change", args=[verdict_id]))

    def publish_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        verdict = self._transition_target(request, object_id)
        if (refused := self._not_offered(request, verdict, "verdict.publish")) is not None:
            return refused
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
        action: str,
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
        if (refused := self._not_offered(request, verdict, action)) is not None:
            return refused
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
            action="verdict.return",
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
            action="verdict.retract",
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
        if (refused := self._not_offered(request, verdict, "verdict.correct")) is not None:
            return refused
        initial_citations = [
            {name: getattr(c, name) for name in ("url", "title", "publisher", "published", "excerpt")}
            for c in verdict.citations_in_order()
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
        return roles.is_editor(request.user)

    @admin.action(description="Publish selected verdicts…", permissions=["publish_verdict"])
    def publish_selected(self, request: HttpRequest, queryset: QuerySet[Verdict]) -> TemplateResponse | None:
        if self.desk_confirmed(request):
            editor = desk_user(request)
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
            description=f"Readers will see these verdicts. {bulk_rule('verdict.publish')}",
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
            editor = desk_user(request)
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
            description="Each verdict goes back to the reviewer who wrote it, with this note. "
            + bulk_rule("verdict.return"),
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
            description="Each verdict is withdrawn from readers and kept, marked retracted, with this note. "
            + bulk_rule("verdict.retract"),
            label="Retraction note",
            help_text=RETRACTION_NOTE_HELP,
            verb="Retracted",
        )
