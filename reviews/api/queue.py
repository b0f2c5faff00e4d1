"""The reviewers' queue over the API: take the next task, keep or give back its lease, submit a verdict.

The schema's 409 descriptions are the workflow table's refusals (reviews.workflow)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from reviews.api.permissions import CanWorkQueue
from reviews.api.serializers import ErrorSerializer
from reviews.models import (
    Claim,
    ClaimType,
    ReviewTask,
    TaskStatus,
    Verdict,
    VerdictStatus,
)
from reviews.selectors import claim_context, task_with_claim, tasks_of_reviewer, verdict_with_citations
from reviews.services import queue
from reviews.services.reuse import verdict_reuse
from reviews.services.verdicts import CitationInput, VerdictInput
from reviews.workflow import refusals_described


class QueueClaimSerializer(serializers.Serializer[Claim]):
    id = serializers.IntegerField(read_only=True)
    text = serializers.CharField(read_only=True)
    article = serializers.IntegerField(source="article_id", read_only=True)
    article_title = serializers.CharField(source="article.title", read_only=True)
    start = serializers.IntegerField(read_only=True, help_text=Claim._meta.get_field("start").help_text)
    end = serializers.IntegerField(read_only=True, help_text=Claim._meta.get_field("end").help_text)
    score = serializers.FloatField(read_only=True, help_text=Claim._meta.get_field("score").help_text)
    claim_type = serializers.ChoiceField(choices=ClaimType.choices, read_only=True)
    context = serializers.SerializerMethodField()  # type: ignore[assignment]

    def get_context(self, claim: Claim) -> dict[str, str]:
        return claim_context(claim=claim)


class TaskSerializer(serializers.Serializer[ReviewTask]):
    id = serializers.IntegerField(read_only=True)
    status = serializers.ChoiceField(choices=TaskStatus.choices, read_only=True, default=TaskStatus.AVAILABLE)
    priority = serializers.IntegerField(read_only=True)
    lease_token = serializers.SerializerMethodField()
    lease_expires_at = serializers.DateTimeField(read_only=True, allow_null=True)
    attempts = serializers.IntegerField(
        read_only=True, help_text=ReviewTask._meta.get_field("attempts").help_text
    )
    claim = QueueClaimSerializer(read_only=True)

    def get_lease_token(self, task: ReviewTask) -> str | None:
        # Only the holder ever sees a lease token.
        request = self.context.get("request")
        if task.lease_token and request is not None and task.lease_holder_id == request.user.pk:
            return str(task.lease_token)
        return None


class LeaseSerializer(serializers.Serializer[dict[str, Any]]):
    lease_token = serializers.UUIDField()


class SkipSerializer(LeaseSerializer):
    reason = serializers.CharField(max_length=queue.SKIP_REASON_MAX)


class CitationInputSerializer(serializers.Serializer[dict[str, Any]]):
    url = serializers.CharField(allow_blank=True, trim_whitespace=True)
    title = serializers.CharField(required=False, allow_blank=True, default="")
    publisher = serializers.CharField(required=False, allow_blank=True, default="")
    published = serializers.DateField(required=False, allow_null=True, default=None)
    excerpt = serializers.CharField(required=False, allow_blank=True, default="")


def verdict_input_from(data: Mapping[str, Any]) -> VerdictInput:
    """A verdict's validated content fields (rating, summary, rationale, citations) as the services take
    them."""
    return VerdictInput(
        rating=data["rating"],
        summary=data["summary"],
        rationale=data["rationale"],
        citations=tuple(CitationInput(**c) for c in data["citations"]),
    )


class SubmitSerializer(LeaseSerializer):
    rating = serializers.CharField(help_text="A rating label's slug, e.g. `mostly-false`.")
    summary = serializers.CharField(allow_blank=True)
    rationale = serializers.CharField(required=False, allow_blank=True, default="")
    citations = CitationInputSerializer(many=True, required=False, default=list)

    def to_input(self) -> VerdictInput:
        return verdict_input_from(self.validated_data)


class SubmittedSerializer(serializers.Serializer[Verdict]):
    id = serializers.IntegerField(read_only=True)
    claim = serializers.IntegerField(source="claim_id", read_only=True)
    task = serializers.IntegerField(source="task_id", read_only=True, allow_null=True)
    status = serializers.ChoiceField(
        choices=VerdictStatus.choices, read_only=True, default=VerdictStatus.DRAFT
    )
    rating = serializers.SerializerMethodField()
    summary = serializers.CharField(read_only=True)
    submitted_at = serializers.DateTimeField(read_only=True, allow_null=True)

    @extend_schema_field(OpenApiTypes.STR)
    def get_rating(self, verdict: Verdict) -> str | None:
        return verdict.rating.slug if verdict.rating is not None else None


class ReuseSerializer(serializers.Serializer[dict[str, Any]]):
    lease_token = serializers.UUIDField()
    verdict = serializers.IntegerField(
        min_value=1,
        max_value=2**63 - 1,
        help_text=(
            "The published verdict to reuse: one on a claim matched with this task's claim "
            "(`GET /api/v1/claims/{id}/matches/` lists them with their verdicts)."
        ),
    )


class ReusedSerializer(serializers.Serializer[Verdict]):
    id = serializers.IntegerField(read_only=True)
    claim = serializers.IntegerField(source="claim_id", read_only=True)
    task = serializers.IntegerField(source="task_id", read_only=True, allow_null=True)
    status = serializers.ChoiceField(choices=VerdictStatus.choices, read_only=True)
    rating = serializers.SerializerMethodField()
    summary = serializers.CharField(read_only=True)
    rationale = serializers.CharField(read_only=True)
    citations = serializers.SerializerMethodField()
    reused_from = serializers.IntegerField(
        source="reused_from_id",
        read_only=True,
        help_text="The published verdict this draft was copied from.",
    )

    @extend_schema_field(OpenApiTypes.STR)
    def get_rating(self, verdict: Verdict) -> str | None:
        return verdict.rating.slug if verdict.rating is not None else None

    @extend_schema_field(serializers.ListField(child=serializers.URLField()))
    def get_citations(self, verdict: Verdict) -> list[str]:
        return [citation.url for citation in verdict.citations.all()]


ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input; `errors` maps fields to messages."),
    401: OpenApiResponse(ErrorSerializer, description="No or bad token."),
    403: OpenApiResponse(ErrorSerializer, description=f"Not a reviewer: “{CanWorkQueue.message}”"),
    404: OpenApiResponse(ErrorSerializer, description="No such task."),
}


def errors(*actions: str) -> dict[int, OpenApiResponse]:
    """The error answers of a call on a held task that takes workflow actions `actions`; its 409 lists
    the table's refusals."""
    return {**ERRORS, 409: OpenApiResponse(ErrorSerializer, description=refusals_described(*actions))}


def _user(request: Request) -> User:
    assert isinstance(request.user, User)
    return request.user


def _lease(request: Request, serializer_class: type[LeaseSerializer] = LeaseSerializer) -> dict[str, Any]:
    payload = serializer_class(data=request.data)
    payload.is_valid(raise_exception=True)
    return dict(payload.validated_data)


class QueueViewSet(viewsets.GenericViewSet[ReviewTask]):
    permission_classes = [CanWorkQueue]
    serializer_class = TaskSerializer

    @extend_schema(
        request=None,
        responses={
            200: OpenApiResponse(
                TaskSerializer, description="The task now leased to you (or the one you hold)."
            ),
            204: OpenApiResponse(description="Nothing is claimable for you right now."),
            401: ERRORS[401],
            403: ERRORS[403],
        },
    )
    @action(detail=False, methods=["post"])
    def next(self, request: Request) -> Response:
        """Lease the next claim to review (or get back the one you hold)."""
        outcome = queue.task_claim_next(reviewer=_user(request))
        if outcome is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(TaskSerializer(outcome.task, context={"request": request}).data)


class TaskViewSet(viewsets.GenericViewSet[ReviewTask]):
    permission_classes = [CanWorkQueue]
    serializer_class = TaskSerializer
    lookup_value_regex = r"\d+"

    queryset = ReviewTask.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self) -> QuerySet[ReviewTask]:
        return tasks_of_reviewer(user=_user(self.request))

    def _task(self, request: Request, task: ReviewTask) -> Response:
        task = task_with_claim(task_id=task.pk)
        return Response(TaskSerializer(task, context={"request": request}).data)

    @extend_schema(responses={200: TaskSerializer(many=True), 401: ERRORS[401], 403: ERRORS[403]})
    @action(detail=False, methods=["get"])
    def mine(self, request: Request) -> Response:
        """Your tasks: held, submitted, returned to you, and done."""
        page = self.paginate_queryset(self.get_queryset())
        serializer = TaskSerializer(page, many=True, context={"request": request})  # type: ignore[arg-type]
        return self.get_paginated_response(serializer.data)

    @extend_schema(request=LeaseSerializer, responses={200: TaskSerializer, **errors("task.heartbeat")})
    @action(detail=True, methods=["post"])
    def heartbeat(self, request: Request, pk: str) -> Response:
        """Extend your lease by the full lease length."""
        data = _lease(request)
        return self._task(request, queue.task_heartbeat(task_id=int(pk), reviewer=_user(request), **data))

    @extend_schema(request=LeaseSerializer, responses={200: TaskSerializer, **errors("task.release")})
    @action(detail=True, methods=["post"])
    def release(self, request: Request, pk: str) -> Response:
        """Give the task back to the queue."""
        data = _lease(request)
        return self._task(request, queue.task_release(task_id=int(pk), reviewer=_user(request), **data))

    @extend_schema(request=SkipSerializer, responses={200: TaskSerializer, **errors("task.skip")})
    @action(detail=True, methods=["post"])
    def skip(self, request: Request, pk: str) -> Response:
        """Pass on the task with a reason; it is not offered to you again."""
        data = _lease(request, SkipSerializer)
        return self._task(request, queue.task_skip(task_id=int(pk), reviewer=_user(request), **data))

    @extend_schema(
        request=ReuseSerializer,
        responses={
            200: OpenApiResponse(ReusedSerializer, description="Your draft, now a copy of the verdict."),
            **errors("task.save_draft", "verdict.reuse"),
            404: OpenApiResponse(ErrorSerializer, description="No such task, or no such verdict."),
        },
    )
    @action(detail=True, methods=["post"])
    def reuse(self, request: Request, pk: str) -> Response:
        """Copy a matched claim's published verdict (rating, summary, citations) into your draft on this
        task, marked as reused from it. Submit it as usual: an editor still reviews it."""
        payload = ReuseSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        draft = verdict_reuse(
            task_id=int(pk),
            reviewer=_user(request),
            lease_token=payload.validated_data["lease_token"],
            verdict_id=payload.validated_data["verdict"],
        )
        draft = verdict_with_citations(verdict_id=draft.pk)
        return Response(ReusedSerializer(draft).data)

    @extend_schema(request=SubmitSerializer, responses={201: SubmittedSerializer, **errors("task.submit")})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        """Submit your verdict with its citations for editor review (requires your current lease token)."""
        payload = SubmitSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        verdict = queue.task_submit(
            task_id=int(pk),
            reviewer=_user(request),
            lease_token=payload.validated_data["lease_token"],
            data=payload.to_input(),
        )
        return Response(SubmittedSerializer(verdict).data, status=status.HTTP_201_CREATED)
