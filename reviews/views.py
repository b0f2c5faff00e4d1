"""The reviewers' workspace: server-rendered pages around the queue services."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from reviews.models import ReviewTask
from reviews.selectors import queue_overview


@login_required
@permission_required("reviews.work_queue", raise_exception=True)
def queue(request: HttpRequest) -> HttpResponse:
    overview = queue_overview(user=request.user)  # type: ignore[arg-type]
    return render(request, "reviews/queue.html", {"overview": overview})


@login_required
@permission_required("reviews.work_queue", raise_exception=True)
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(
        ReviewTask.objects.select_related("claim", "claim__article"), pk=pk, lease_holder=request.user
    )
    return render(request, "reviews/task.html", {"task": task})
