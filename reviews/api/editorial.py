"""The editors' desk over the API, for newsroom tools: publish, return, correct, retract and edit verdicts.

`VerdictEditorialMixin` is mixed into the verdicts viewset (reviews.api.views.VerdictViewSet). Each action
parses its body, calls one service in `reviews.services.verdicts` and answers with the verdict as the read
API shows it. The services hold the rules and the messages; their refusals leave through the one exception
handler (reviews.api.errors): 400 invalid input (with `errors` per field, the same words as the admin),
403 not an editor, 404 no such verdict, 409 the verdict's state does not allow it (nothing changed). The
schema's 409 descriptions and example are the workflow table's refusals (reviews.workflow).
"""

from __future__ import annotations

from typing import Any, ClassVar, cast

from django.contrib.auth.models import User
from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from reviews.api.permissions import editors_only
from reviews.api.queue import CitationInputSerializer, verdict_input_from
from reviews.api.serializers import ErrorSerializer, VerdictSerializer
from reviews.exceptions import NotFound
from reviews.ids import record_id
from reviews.models import Verdict, VerdictStatus
from reviews.selectors_public import verdicts_visible
from reviews.services.verdicts import (
    CitationInput,
    VerdictInput,
    VerdictPatch,
    verdict_correct,
    verdict_edit,
    verdict_publish,
    verdict_retract,
    verdict_return,
)
from reviews.workflow import (
    FROZEN_HINT,
    Role,
    refusal,
    refusals_described,
    role_refusal_described,
    states_phrase,
)

# --- input -----------------------------------------------------------------------------------------
# Nothing here is required or length-checked: a missing or empty field reaches the service, which refuses
# it with the message every surface uses ("Choose a rating.", "note: Say why ...").


class VerdictContentSerializer(serializers.Serializer[dict[str, Any]]):
    rating = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="A rating label's slug, e.g. `mostly-false`."
    )
    summary = serializers.CharField(required=False, allow_blank=True, default="")
    rationale = serializers.CharField(required=False, allow_blank=True, default="")
    citations = CitationInputSerializer(
        many=True,
        required=False,
        default=list,
        help_text="The verdict's citations, in order; http(s) URLs, no duplicates. Needed unless the rating "
        "is of the unverifiable kind.",
    )

    def to_input(self) -> VerdictInput:
        return verdict_input_from(self.validated_data)


class VerdictEditSerializer(serializers.Serializer[dict[str, Any]]):
    """Only the fields sent change; `citations`, when sent, replaces them all. (Not a `partial=True`
    serializer: that would also make each citation's `url` optional.)"""

    rating = serializers.CharField(required=False, allow_blank=True, help_text="A rating label's slug.")
    summary = serializers.CharField(required=False, allow_blank=True)
    rationale = serializers.CharField(required=False, allow_blank=True)
    citations = CitationInputSerializer(many=True, required=False, help_text="Replaces all citations.")

    def to_patch(self) -> VerdictPatch:
        data = self.validated_data
        citations = data.get("citations")
        return VerdictPatch(
            rating=data.get("rating"),
            summary=data.get("summary"),
            rationale=data.get("rationale"),
            citations=None if citations is None else tuple(CitationInput(**c) for c in citations),
        )


class EditorNoteSerializer(serializers.Serializer[dict[str, Any]]):
    note = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Required; at most 2,000 characters."
    )


class VerdictCorrectionSerializer(VerdictContentSerializer):
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="The correction note readers see with the new version. Required.",
    )


# --- responses -------------------------------------------------------------------------------------


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


def errors(action: str) -> dict[int, OpenApiResponse]:
    """The error answers of the editors' action that takes workflow action `action`; its 409 lists the
    table's refusals."""
    return {
        400: _error(
            "Invalid input; `errors` maps each field (`note`, `rating`, `citations[0].url`, ...) to messages."
        ),
        401: _error("No token, or a wrong or inactive one."),
        403: _error(f"Not an editor: “{role_refusal_described(action)}”"),
        404: _error("No such verdict."),
        409: _error(refusals_described(action)),
    }


def _conflict_example() -> OpenApiExample:
    published = Verdict(pk=7, status=VerdictStatus.PUBLISHED)
    problem = refusal("verdict.publish", published, role=Role.EDITOR)
    assert problem is not None
    return OpenApiExample(
        "Not allowed in this state",
        value={"detail": problem.message, "code": problem.code, "errors": {}, **problem.extra},
        response_only=True,
        status_codes=["409"],
    )


CONFLICT_EXAMPLE = _conflict_example()


class VerdictEditorialMixin(viewsets.GenericViewSet[Verdict]):
    """Editors' actions on one verdict. Put it first among the viewset's bases."""

    # Each editors' operation and the workflow table's action it takes.
    workflow_actions: ClassVar[dict[str, str]] = {
        "partial_update": "verdict.edit",
        "publish": "verdict.publish",
        "return_verdict": "verdict.return",
        "correct": "verdict.correct",
        "retract": "verdict.retract",
    }

    def get_permissions(self) -> list[BasePermission]:
        # Closed to everybody but editors whatever the viewset's own defaults are; the services check again.
        # The 403 is the table's refusal for the action ("Only editors can publish verdicts.").
        name = self.workflow_actions.get(getattr(self, "action", None) or "")
        if name is not None:
            return [editors_only(role_refusal_described(name))]
        return cast(list[BasePermission], list(super().get_permissions()))

    def _verdict_id(self) -> int:
        raw = str(self.kwargs.get(self.lookup_url_kwarg or self.lookup_field, ""))
        verdict_id = record_id(raw)
        if verdict_id is None:
            raise NotFound(f"Verdict {raw} does not exist.")
        return verdict_id

    def _editor(self, request: Request) -> User:
        user = request.user
        assert isinstance(user, User)  # editors_only let only an authenticated editor through
        return user

    def _answer(self, request: Request, verdict: Verdict, code: int = status.HTTP_200_OK) -> Response:
        fresh = verdicts_visible(user=request.user).get(pk=verdict.pk)
        body = VerdictSerializer(fresh, context=self.get_serializer_context()).data
        headers = {}
        if code == status.HTTP_201_CREATED:
            # The router accepts both spellings; the canonical URL ends with a slash, as in the schema.
            path = reverse("verdict-detail", args=[verdict.pk]).rstrip("/") + "/"
            headers["Location"] = request.build_absolute_uri(path)
        return Response(body, status=code, headers=headers)

    @extend_schema(
        summary="Edit a verdict under review",
        description=(
            f"An editor's edit of a {states_phrase('verdict.edit')} verdict. Only the fields sent change; "
            "`citations`, when sent, replaces them all. The result must be publishable (rating, summary, "
            f"citations). {FROZEN_HINT} (409)"
        ),
        request=VerdictEditSerializer,
        responses={200: VerdictSerializer, **errors("verdict.edit")},
        examples=[CONFLICT_EXAMPLE],
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = VerdictEditSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        verdict = verdict_edit(
            verdict_id=self._verdict_id(), editor=self._editor(request), data=payload.to_patch()
        )
        return self._answer(request, verdict)

    @extend_schema(
        summary=f"Publish a {states_phrase('verdict.publish')} verdict",
        description=(
            "Readers see it at once; it gets the claim's next version number and its review task is done."
        ),
        request=None,
        responses={200: VerdictSerializer, **errors("verdict.publish")},
        examples=[CONFLICT_EXAMPLE],
    )
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._answer(
            request, verdict_publish(verdict_id=self._verdict_id(), editor=self._editor(request))
        )

    @extend_schema(
        summary=f"Return a {states_phrase('verdict.return')} verdict to its reviewer",
        description="Back to the reviewer who wrote it, first in their queue, with the editor's `note`.",
        request=EditorNoteSerializer,
        responses={200: VerdictSerializer, **errors("verdict.return")},
        examples=[CONFLICT_EXAMPLE],
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_verdict(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = EditorNoteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        verdict = verdict_return(
            verdict_id=self._verdict_id(), editor=self._editor(request), note=payload.validated_data["note"]
        )
        return self._answer(request, verdict)

    @extend_schema(
        summary=f"Correct a {states_phrase('verdict.correct')} verdict",
        description=(
            "Publishes a new version (version + 1, `previous` = this one) with the new rating, summary, "
            "citations and the correction `note`; this version stays readable, superseded. Answers 201 with "
            "the new version."
        ),
        request=VerdictCorrectionSerializer,
        responses={201: VerdictSerializer, **errors("verdict.correct")},
        examples=[CONFLICT_EXAMPLE],
    )
    @action(detail=True, methods=["post"])
    def correct(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = VerdictCorrectionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        new = verdict_correct(
            verdict_id=self._verdict_id(),
            editor=self._editor(request),
            data=payload.to_input(),
            note=payload.validated_data["note"],
        )
        return self._answer(request, new, status.HTTP_201_CREATED)

    @extend_schema(
        summary=f"Retract a {states_phrase('verdict.retract')} verdict",
        description=(
            "Withdrawn from readers: the API and feeds answer 404 for it, and its public page answers "
            "410 with the editor's `note` alone. Editors still read it as retracted."
        ),
        request=EditorNoteSerializer,
        responses={200: VerdictSerializer, **errors("verdict.retract")},
        examples=[CONFLICT_EXAMPLE],
    )
    @action(detail=True, methods=["post"])
    def retract(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = EditorNoteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        verdict = verdict_retract(
            verdict_id=self._verdict_id(), editor=self._editor(request), note=payload.validated_data["note"]
        )
        return self._answer(request, verdict)
