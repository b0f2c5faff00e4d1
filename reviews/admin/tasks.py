"""Review tasks: the queue as editors see it, and the actions that steer it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.safestring import SafeString

from reviews import roles
from reviews.admin.base import ReadOnlyAdmin, admin_link, desk_user, fragment, shorten
from reviews.admin.forms import AssignForm
from reviews.admin.search import FullTextSearchMixin
from reviews.durations import duration_text
from reviews.models import ReviewTask
from reviews.selectors_desk import BIG_ARTICLE_FIELDS, task_review_work
from reviews.selectors_search import tasks_matching
from reviews.selectors_triage import PRIORITY_BANDS
from reviews.services import queue
from reviews.workflow import action, in_state_after, states_allowing


class LeaseExpiredFilter(admin.SimpleListFilter):
    title = "lease"
    parameter_name = "lease"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("expired", "Expired (claimable again)"), ("active", "Active")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        now = timezone.now()
        if self.value() == "expired":
            return queryset.filter(status__in=states_allowing("task.expire"), lease_expires_at__lte=now)
        if self.value() == "active":
            return queryset.filter(status__in=states_allowing("task.heartbeat"), lease_expires_at__gt=now)
        return queryset


class PriorityFilter(admin.SimpleListFilter):
    """The priority bands of the triage page (reviews.selectors_triage.PRIORITY_BANDS), which links here."""

    title = "priority"
    parameter_name = "priority"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(band.slug, band.label) for band in PRIORITY_BANDS]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        band = next((band for band in PRIORITY_BANDS if band.slug == self.value()), None)
        return queryset if band is None else queryset.filter(band.q())


@admin.register(ReviewTask)
class ReviewTaskAdmin(FullTextSearchMixin[ReviewTask], ReadOnlyAdmin[ReviewTask]):
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
    search_by_id = True
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
            super().get_queryset(request).defer(*(f"claim__article__{name}" for name in BIG_ARTICLE_FIELDS))
        )

    def search_matching(
        self, queryset: QuerySet[ReviewTask], term: str, *, or_id: int | None
    ) -> QuerySet[ReviewTask]:
        return tasks_matching(queryset, term, or_id=or_id)

    @admin.display(description="claim (article)", ordering="claim__text")
    def claim_text(self, task: ReviewTask) -> SafeString:
        return fragment(
            "admin/reviews/claim_cell.html",
            {"text": shorten(task.claim.text, 100), "article": shorten(str(task.claim.article), 60)},
        )

    @admin.display(description="lease", ordering="lease_expires_at")
    def lease(self, task: ReviewTask) -> str:
        if not in_state_after("task.lease", task) or task.lease_expires_at is None:
            return "-"
        left = task.lease_expires_at - timezone.now()
        when = f"{task.lease_expires_at:%Y-%m-%d %H:%M} UTC"
        if left <= dt.timedelta(0):
            return f"{task.lease_holder}, expired {when} ({duration_text(-left)} ago)"
        return f"{task.lease_holder}, until {when} ({duration_text(left)} left)"

    @admin.display(description="claim")
    def claim_link(self, task: ReviewTask) -> SafeString:
        return admin_link("admin:reviews_claim_change", task.claim_id, task.claim.text)

    @admin.display(description="skipped by")
    def skips(self, task: ReviewTask) -> SafeString:
        return fragment("admin/reviews/reviewtask/skips.html", {"skips": task_review_work(task=task).skips})

    @admin.display(description="verdicts")
    def verdicts(self, task: ReviewTask) -> SafeString:
        verdicts = task_review_work(task=task).verdicts
        return fragment("admin/reviews/reviewtask/verdicts.html", {"verdicts": verdicts})

    def has_manage_queue_permission(self, request: HttpRequest) -> bool:
        return roles.is_editor(request.user)

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

    @admin.action(description=action("task.assign").label, permissions=["manage_queue"])
    def assign(self, request: HttpRequest, queryset: QuerySet[ReviewTask]) -> TemplateResponse | None:
        form = AssignForm(request.POST if self.desk_confirmed(request) else None)
        if self.desk_confirmed(request) and form.is_valid():
            reviewer = form.cleaned_data["reviewer"]
            editor = desk_user(request)
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

    @admin.action(description=action("task.release_by_editor").label, permissions=["manage_queue"])
    def release(self, request: HttpRequest, queryset: QuerySet[ReviewTask]) -> None:
        editor = desk_user(request)
        self._each(
            request, queryset, lambda t: queue.task_release_by_editor(task_id=t.pk, editor=editor), "Released"
        )

    @admin.action(description=action("task.requeue").label, permissions=["manage_queue"])
    def requeue(self, request: HttpRequest, queryset: QuerySet[ReviewTask]) -> None:
        editor = desk_user(request)
        self._each(request, queryset, lambda t: queue.task_requeue(task_id=t.pk, editor=editor), "Requeued")

    @admin.action(description=action("task.cancel").label, permissions=["manage_queue"])
    def cancel(self, request: HttpRequest, queryset: QuerySet[ReviewTask]) -> None:
        editor = desk_user(request)
        self._each(request, queryset, lambda t: queue.task_cancel(task_id=t.pk, editor=editor), "Cancelled")

    @admin.action(description=action("task.raise_priority").label, permissions=["manage_queue"])
    def raise_priority(self, request: HttpRequest, queryset: QuerySet[ReviewTask]) -> None:
        editor = desk_user(request)
        self._each(
            request,
            queryset,
            lambda t: queue.task_raise_priority(task_id=t.pk, editor=editor),
            "Raised the priority of",
        )
