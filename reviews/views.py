"""The reviewers' workspace: server-rendered pages around the queue services.

Every page works without JavaScript; the scripts in static/reviews/ only add a lease countdown with a
heartbeat, citation rows added and removed in place, and scrolling the claim into view.

The views parse the request, call a selector or a service, and render. A refusal from a service
(`ApplicationError`) is shown on the page it came from, with the reviewer's input kept; a lost lease also
keeps what they typed in their session, and gives it back if they take the same task again.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, user_passes_test
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reviews import roles
from reviews.exceptions import ApplicationError, LeaseNotHeld, NotFound
from reviews.forms import HistorySearchForm, TaskForms
from reviews.ids import record_id
from reviews.links import web_link
from reviews.models import RatingLabel, ReviewTask
from reviews.selectors import (
    TaskWorkspace,
    rating_labels_active,
    reviewer_queue,
    reviewer_task,
    task_workspace,
)
from reviews.selectors_history import (
    FIGURES_DAYS,
    HISTORY_PER_PAGE,
    reviewer_figures,
    verdicts_of_reviewer,
)
from reviews.selectors_search import verdicts_matching
from reviews.services.queue import (
    task_claim_next,
    task_heartbeat,
    task_release,
    task_save_draft,
    task_skip,
    task_submit,
)
from reviews.services.reuse import verdict_reuse
from reviews.workflow import Role, actions_for, in_state_after, returned_to_reviewer

NOTHING_TO_REVIEW = "Nothing to review right now."
ALREADY_HOLDING = "You already hold this task. Finish it, or release it to take another one."
DRAFT_SAVED = "Draft saved at {time} UTC."
SUBMITTED = "Verdict submitted for editor review. Thank you!"
RELEASED = "Task released back to the queue."
SKIPPED = "Task skipped. It will not be offered to you again."
LEASE_EXTENDED = "Lease extended until {time} UTC."
FIX_ERRORS = "Some fields need your attention: see the messages next to them."
UNKNOWN_ACTION = "Unknown action."
REUSED = (
    "Verdict {verdict}'s rating, summary and citations are now your draft. Check them against your claim "
    "(see what differs), change what needs changing, and submit: an editor still reviews it."
)
BAD_REUSE = "Choose a published verdict to reuse."

# Form fields that are the reviewer's work (kept when a lease is lost); the others are request plumbing.
_NOT_WORK = frozenset({"csrfmiddlewaretoken", "lease_token", "action"})


def _reviewer_or_403(user: Any) -> bool:
    if not roles.is_reviewer(user):
        raise PermissionDenied
    return True


# Who is a reviewer is reviews.roles (403 for anybody logged in who is not one, as permission_required's
# raise_exception gives).
work_queue_required = user_passes_test(_reviewer_or_403)


def _reviewer(request: HttpRequest) -> User:
    assert isinstance(request.user, User), "login_required runs first"
    return request.user


def _unsent_key(task_id: int) -> str:
    return f"reviews.unsent.{task_id}"


@login_required
@work_queue_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    user = _reviewer(request)
    verdicts = verdicts_of_reviewer(user=user)
    search = HistorySearchForm(request.GET)
    # A refused search (too long, a NUL character) shows the field's error over the whole history.
    searched = str(search.cleaned_data["q"]) if search.is_valid() else ""
    if searched:
        verdicts = verdicts_matching(verdicts, searched)
    history = Paginator(verdicts, HISTORY_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "overview": reviewer_queue(user=user),
        "history": history,
        "search": search,
        "searched": searched,
        # With a search, the page count says how many matched, not whether the reviewer has any.
        "has_history": history.paginator.count > 0
        or (bool(searched) and verdicts_of_reviewer(user=user).exists()),
        "figures": reviewer_figures(user=user),
        "figures_days": FIGURES_DAYS,
        "now": timezone.now(),
    }
    return render(request, "reviews/queue.html", context)


@login_required
@work_queue_required
@require_POST
def claim_next(request: HttpRequest) -> HttpResponse:
    outcome = task_claim_next(reviewer=_reviewer(request))
    if outcome is None:
        messages.info(request, NOTHING_TO_REVIEW)
        return redirect("reviews:queue")
    if outcome.resumed:
        messages.info(request, ALREADY_HOLDING)
    return redirect("reviews:task", pk=outcome.task.pk)


@login_required
@work_queue_required
@require_http_methods(["GET", "POST"])
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _reviewer(request)
    if request.method == "GET":
        task = reviewer_task(user=user, task_id=pk)
        if task is None:
            raise Http404("No such task among yours.")
        workspace = task_workspace(task=task, user=user)
        ratings = rating_labels_active()
        unsent = request.session.get(_unsent_key(pk)) if workspace.held else None
        if unsent:
            typed = QueryDict(mutable=True)
            for key, values in unsent.items():
                typed.setlist(key, values)
            forms = TaskForms.bound(typed, ratings=ratings)
        else:
            forms = TaskForms.blank(ratings=ratings, verdict=workspace.verdict)
        return _render(request, workspace, forms, ratings, restored=bool(unsent))

    # A post about a task the reviewer held earlier is still read: if their lease ended, they get their text
    # back with an explanation instead of a bare 404.
    task = reviewer_task(user=user, task_id=pk, include_former=True)
    if task is None:
        raise Http404("No such task among yours.")
    # "Reuse this verdict" buttons post the verdict form (their `form` attribute) with the verdict's id.
    action = "reuse" if "reuse" in request.POST else request.POST.get("action", "")
    token = request.POST.get("lease_token") or None
    ratings = rating_labels_active()
    forms = TaskForms.bound(request.POST, ratings=ratings)
    try:
        if action == "reuse":
            verdict_id = record_id(request.POST["reuse"])
            if verdict_id is None:
                forms.non_field_errors.append(BAD_REUSE)
                return _rerender(request, task, forms, ratings, status=400)
            # The rationale is the reviewer's own: what they typed is kept, the rest is the copy.
            verdict_reuse(
                task_id=pk,
                reviewer=user,
                lease_token=token,
                verdict_id=verdict_id,
                rationale=request.POST.get("rationale"),
            )
            request.session.pop(_unsent_key(pk), None)
            messages.success(request, REUSED.format(verdict=verdict_id))
            return redirect("reviews:task", pk=pk)
        if action in ("save", "submit"):
            data = forms.verdict_input()
            if data is None:
                forms.non_field_errors.append(FIX_ERRORS)
                return _rerender(request, task, forms, ratings, status=400)
            if action == "save":
                task_save_draft(task_id=pk, reviewer=user, lease_token=token, data=data)
                request.session.pop(_unsent_key(pk), None)
                messages.success(request, DRAFT_SAVED.format(time=f"{timezone.now():%H:%M}"))
                return redirect("reviews:task", pk=pk)
            task_submit(task_id=pk, reviewer=user, lease_token=token, data=data)
            request.session.pop(_unsent_key(pk), None)
            messages.success(request, SUBMITTED)
            return redirect("reviews:queue")
        if action == "release":
            task_release(task_id=pk, reviewer=user, lease_token=token)
            request.session.pop(_unsent_key(pk), None)
            messages.success(request, RELEASED)
            return redirect("reviews:queue")
        if action == "skip":
            task_skip(task_id=pk, reviewer=user, lease_token=token, reason=forms.skip_reason())
            request.session.pop(_unsent_key(pk), None)
            messages.success(request, SKIPPED)
            return redirect("reviews:queue")
        if action == "extend":
            extended = task_heartbeat(task_id=pk, reviewer=user, lease_token=token)
            assert extended.lease_expires_at is not None
            messages.success(request, LEASE_EXTENDED.format(time=f"{extended.lease_expires_at:%H:%M}"))
            return _rerender(request, task, forms, ratings)
        forms.non_field_errors.append(UNKNOWN_ACTION)
        return _rerender(request, task, forms, ratings, status=400)
    except LeaseNotHeld as exc:
        request.session[_unsent_key(pk)] = {
            key: request.POST.getlist(key) for key in request.POST if key not in _NOT_WORK
        }
        return _rerender(request, task, forms, ratings, status=exc.status_code, lease_lost=exc.message)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        forms.show_errors(exc.field_errors, message=exc.message)
        if exc.field_errors:
            forms.non_field_errors.insert(0, FIX_ERRORS)
        return _rerender(request, task, forms, ratings, status=exc.status_code)


@login_required
@work_queue_required
@require_POST
def task_lease_heartbeat(request: HttpRequest, pk: int) -> JsonResponse:
    """The countdown script's keep-alive: extend the lease and answer with the new expiry, as JSON."""
    try:
        task = task_heartbeat(
            task_id=pk, reviewer=_reviewer(request), lease_token=request.POST.get("lease_token") or None
        )
    except NotFound as exc:
        return JsonResponse({"detail": exc.message, "code": exc.code}, status=404)
    except LeaseNotHeld as exc:
        return JsonResponse({"detail": exc.message, "code": exc.code}, status=exc.status_code)
    assert task.lease_expires_at is not None
    return JsonResponse(
        {
            "lease_expires_at": task.lease_expires_at.isoformat(),
            "seconds_left": _seconds_left(task),
            "message": LEASE_EXTENDED.format(time=f"{task.lease_expires_at:%H:%M}"),
        }
    )


def _seconds_left(task: ReviewTask) -> int:
    if task.lease_expires_at is None:
        return 0
    return max(0, int((task.lease_expires_at - timezone.now()).total_seconds()))


def _rerender(
    request: HttpRequest,
    task: ReviewTask,
    forms: TaskForms,
    ratings: list[RatingLabel],
    *,
    status: int = 200,
    lease_lost: str = "",
) -> HttpResponse:
    # Read the task again: the service may have changed it (a new expiry), or someone else now holds it.
    fresh = reviewer_task(user=_reviewer(request), task_id=task.pk, include_former=True) or task
    workspace = task_workspace(task=fresh, user=_reviewer(request))
    return _render(request, workspace, forms, ratings, status=status, lease_lost=lease_lost)


def _render(
    request: HttpRequest,
    workspace: TaskWorkspace,
    forms: TaskForms,
    ratings: list[RatingLabel],
    *,
    status: int = 200,
    lease_lost: str = "",
    restored: bool = False,
) -> HttpResponse:
    task = workspace.task
    verdict = workspace.verdict
    # Only web links become links: the services store only those, but the database constraint checks just
    # the scheme, so a row written around them could hold a malformed one.
    source_url = web_link(task.claim.article.source_url) or ""
    can_work = workspace.held and not lease_lost
    # The buttons on a task the reviewer holds are the actions the workflow lets a reviewer take from its
    # state (reviews.workflow), by short name ("submit", "save_draft", ...), labels included.
    offer = (
        {a.name.removeprefix("task."): a for a in actions_for(task, role=Role.REVIEWER)} if can_work else {}
    )
    context: dict[str, Any] = {
        "task": task,
        "claim": task.claim,
        "article": task.claim.article,
        "source_url": source_url,
        "workspace": workspace,
        "forms": forms,
        "ratings": ratings,
        # What the page offers: the form with its buttons (held), the form without them and an explanation
        # (lease lost), or the returned verdict to read and a way to take it back (returned, not held).
        "can_work": can_work,
        "offer": offer,
        "lease_lost": lease_lost,
        "returned_only": not workspace.held and not lease_lost and returned_to_reviewer(task),
        "returned_verdict": verdict if verdict and in_state_after("verdict.return", verdict) else None,
        "restored": restored,
        "seconds_left": _seconds_left(task) if workspace.held else 0,
        "lease_seconds": settings.FACTCHECK_LEASE_SECONDS,
    }
    return render(request, "reviews/task.html", context, status=status)
