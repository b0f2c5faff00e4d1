"""Review tasks: assigning, the queue actions, their refusals, the filters."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from reviews.models import ReviewTask, TaskStatus
from reviews.services import queue
from reviews.services.verdicts import verdict_publish
from tests.factories import ReviewTaskFactory, UserFactory
from tests.reviews.admin.desk import SUBMITTED, make_reviewer, messages_of, submitted_verdict

pytestmark = pytest.mark.django_db


def test_assign_a_task_to_a_reviewer(editor: User, reviewer: User, desk: Client) -> None:
    task = ReviewTaskFactory.create()
    url = reverse("admin:reviews_reviewtask_changelist")
    page = desk.post(url, {"action": "assign", "_selected_action": [task.pk], "index": "0"})
    assert page.status_code == 200
    assert f'<option value="{reviewer.pk}">rev</option>' in page.content.decode()
    done = desk.post(
        url,
        {"action": "assign", "_selected_action": [task.pk], "_confirm": "1", "reviewer": reviewer.pk},
        follow=True,
    )
    assert "Assigned to rev: 1 task." in messages_of(done)
    assert ReviewTask.objects.get(pk=task.pk).assignee == reviewer


def test_the_assign_form_lists_whoever_may_work_the_queue(reviewer: User, desk: Client) -> None:
    # reviews.roles.reviewers: the work_queue permission, however granted; inactive users are left out.
    direct = UserFactory.create(username="direct")
    direct.user_permissions.add(Permission.objects.get(codename="work_queue"))
    UserFactory.create(username="gone", is_active=False).groups.add(Group.objects.get(name="Reviewers"))
    task = ReviewTaskFactory.create()
    page = desk.post(
        reverse("admin:reviews_reviewtask_changelist"),
        {"action": "assign", "_selected_action": [task.pk], "index": "0"},
    ).content.decode()
    options = re.findall(r'<option value="\d+">(\w+)</option>', page)
    assert options == ["direct", "rev"]


@pytest.mark.parametrize(
    ("action", "check", "message"),
    [
        (
            "release",
            lambda t: t.status == TaskStatus.AVAILABLE and t.lease_holder is None,
            "Released 1 task.",
        ),
        ("requeue", lambda t: t.status == TaskStatus.AVAILABLE, "Requeued 1 task."),
        ("cancel", lambda t: t.status == TaskStatus.CANCELLED, "Cancelled 1 task."),
        ("raise_priority", lambda t: t.priority == 1900, "Raised the priority of 1 task."),
    ],
)
def test_task_actions(
    reviewer: User, desk: Client, action: str, check: Callable[[ReviewTask], bool], message: str
) -> None:
    task = ReviewTaskFactory.create(priority=900)
    assert queue.task_claim_next(reviewer=reviewer) is not None
    response = desk.post(
        reverse("admin:reviews_reviewtask_changelist"),
        {"action": action, "_selected_action": [task.pk], "index": "0"},
        follow=True,
    )
    assert message in messages_of(response)
    assert check(ReviewTask.objects.get(pk=task.pk))


def test_task_action_refusals_come_from_the_service(editor: User, reviewer: User, desk: Client) -> None:
    verdict = verdict_publish(verdict_id=submitted_verdict(reviewer).pk, editor=editor)
    response = desk.post(
        reverse("admin:reviews_reviewtask_changelist"),
        {"action": "cancel", "_selected_action": [verdict.task_id], "index": "0"},
        follow=True,
    )
    assert messages_of(response) == [
        f"Task {verdict.task_id} is done (verdict published); it cannot be cancelled."
    ]


def test_the_lease_column_says_how_long_is_left_or_since_when(reviewer: User, desk: Client) -> None:
    now = timezone.now()
    for expires_in in (dt.timedelta(minutes=12, seconds=30), -dt.timedelta(hours=2, minutes=5)):
        ReviewTaskFactory.create(
            status=TaskStatus.LEASED,
            lease_holder=reviewer,
            lease_token=uuid.uuid4(),
            lease_expires_at=now + expires_in,
        )
    page = desk.get(reverse("admin:reviews_reviewtask_changelist"), {"status__exact": "leased"})
    html = page.content.decode()
    assert re.search(r"rev, until \S+ \S+ UTC \(12 min (2\d|30) s left\)", html), html
    assert re.search(r"rev, expired \S+ \S+ UTC \(2 h 05 min ago\)", html), html


def test_task_filters(reviewer: User, desk: Client) -> None:
    expired = ReviewTaskFactory.create(priority=2000)
    assert queue.task_claim_next(reviewer=reviewer) is not None
    ReviewTask.objects.filter(pk=expired.pk).update(lease_expires_at=timezone.now() - dt.timedelta(minutes=1))
    ReviewTaskFactory.create(priority=300)
    url = reverse("admin:reviews_reviewtask_changelist")
    assert [t.pk for t in desk.get(url, {"lease": "expired"}).context["cl"].result_list] == [expired.pk]
    assert [t.pk for t in desk.get(url, {"priority": "raised"}).context["cl"].result_list] == [expired.pk]
    assert desk.get(url, {"priority": "low"}).context["cl"].result_count == 1
    assert desk.get(url, {"status__exact": "leased"}).context["cl"].result_count == 1


def test_the_task_page_lists_who_skipped_it_and_its_verdicts(reviewer: User, desk: Client) -> None:
    task = ReviewTaskFactory.create()
    other = make_reviewer("rev2")
    skipped = queue.task_claim_next(reviewer=other)
    assert skipped is not None
    queue.task_skip(
        task_id=task.pk, reviewer=other, lease_token=skipped.task.lease_token, reason="Outside my <beat>"
    )
    outcome = queue.task_claim_next(reviewer=reviewer)
    assert outcome is not None
    verdict = queue.task_submit(
        task_id=task.pk, reviewer=reviewer, lease_token=outcome.task.lease_token, data=SUBMITTED
    )
    html = desk.get(reverse("admin:reviews_reviewtask_change", args=[task.pk])).content.decode()
    assert "<p>rev2: Outside my &lt;beat&gt;</p>" in html
    verdict_url = reverse("admin:reviews_verdict_change", args=[verdict.pk])
    assert f'<p><a href="{verdict_url}">Verdict {verdict.pk}</a>: Submitted for editor review</p>' in html
    listing = desk.get(reverse("admin:reviews_reviewtask_changelist")).content.decode()
    claim_cell = (
        f'{task.claim.text}<br><span style="color:var(--body-quiet-color)">{task.claim.article}</span>'
    )
    assert claim_cell in listing
