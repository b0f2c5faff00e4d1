from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from reviews.exceptions import InvalidTransition, LeaseNotHeld, NotFound, ValidationFailed
from reviews.models import (
    Article,
    EventAction,
    RatingLabel,
    ReviewEvent,
    ReviewTask,
    TaskSkip,
    TaskStatus,
    Verdict,
    VerdictStatus,
)
from reviews.selectors_scorecard_data import scorecard_data
from reviews.selectors_scorecards import scorecards_stale_ids
from reviews.services import queue
from reviews.services.claims import claim_demote
from reviews.services.scorecards import (
    _EnqueueBuild,
    scorecard_build,
    scorecard_shows_task_move,
    scorecards_sweep,
)
from reviews.services.verdicts import CitationInput, VerdictInput, verdict_create_by_editor, verdict_return
from tests.factories import ArticleFactory, ClaimFactory, ReviewTaskFactory, UserFactory

pytestmark = pytest.mark.django_db

GOOD = VerdictInput(
    rating="mostly-false",
    summary="The figure is from 2012, not 2016.",
    citations=(CitationInput(url="https://example.org/report", title="Report"),),
)


def make_reviewer(name: str) -> User:
    user = UserFactory.create(username=name)
    user.groups.add(Group.objects.get(name="Reviewers"))
    return user


def make_editor() -> User:
    user = UserFactory.create(username="ed", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


def make_task(priority: int = 500, **kwargs: object) -> ReviewTask:
    return ReviewTaskFactory.create(priority=priority, **kwargs)


def next_task(user: User) -> ReviewTask:
    outcome = queue.task_claim_next(reviewer=user)
    assert outcome is not None
    return outcome.task


def test_next_leases_the_highest_priority_then_most_recent() -> None:
    old = ArticleFactory.create()
    low = make_task(100)
    high_old = make_task(
        900, claim=ClaimFactory.create(article=old), article_date=timezone.now() - dt.timedelta(days=9)
    )
    high_new = make_task(900)
    alice, bob, carol = make_reviewer("alice"), make_reviewer("bob"), make_reviewer("carol")
    assert next_task(alice).pk == high_new.pk
    assert next_task(bob).pk == high_old.pk
    assert next_task(carol).pk == low.pk
    task = ReviewTask.objects.get(pk=high_new.pk)
    assert task.status == TaskStatus.LEASED
    assert task.lease_holder == alice
    assert task.attempts == 1
    assert task.lease_expires_at is not None
    assert abs((task.lease_expires_at - timezone.now()).total_seconds() - 1200) < 5
    assert ReviewEvent.objects.filter(task=task, action=EventAction.TASK_LEASED, actor=alice).count() == 1


def test_the_queue_audit_rows_name_the_claim_and_article() -> None:
    task = make_task()
    alice = make_reviewer("alice")
    leased = next_task(alice)
    queue.task_submit(task_id=task.pk, reviewer=alice, lease_token=leased.lease_token, data=GOOD)
    rows = ReviewEvent.objects.filter(task=task).order_by("pk")
    assert list(rows.values_list("action", "claim_id", "article_id")) == [
        (EventAction.TASK_LEASED, task.claim_id, task.claim.article_id),
        (EventAction.VERDICT_SUBMITTED, task.claim_id, task.claim.article_id),
    ]


def test_nothing_claimable_returns_none() -> None:
    assert queue.task_claim_next(reviewer=make_reviewer("alice")) is None


def test_holding_a_lease_gives_the_same_task_back() -> None:
    make_task(900), make_task(800)
    alice = make_reviewer("alice")
    first = queue.task_claim_next(reviewer=alice)
    again = queue.task_claim_next(reviewer=alice)
    assert first is not None
    assert again is not None
    assert again.resumed
    assert again.task.pk == first.task.pk
    assert again.task.lease_token == first.task.lease_token
    assert ReviewTask.objects.filter(status=TaskStatus.LEASED).count() == 1


def test_more_leases_when_the_setting_allows(settings) -> None:
    settings.FACTCHECK_MAX_LEASES_PER_REVIEWER = 2
    make_task(900), make_task(800), make_task(700)
    alice = make_reviewer("alice")
    a, b, c = next_task(alice), next_task(alice), next_task(alice)
    assert a.pk != b.pk
    assert c.pk == a.pk


def test_expired_lease_is_claimable_at_once_and_old_token_refused() -> None:
    task = make_task()
    alice, bob = make_reviewer("alice"), make_reviewer("bob")
    leased = next_task(alice)
    ReviewTask.objects.filter(pk=task.pk).update(lease_expires_at=timezone.now() - dt.timedelta(seconds=1))
    taken = next_task(bob)
    assert taken.pk == task.pk
    assert taken.lease_holder == bob
    assert taken.attempts == 2
    assert ReviewEvent.objects.filter(task=task, action=EventAction.TASK_EXPIRED).count() == 1
    with pytest.raises(LeaseNotHeld) as excinfo:
        queue.task_submit(task_id=task.pk, reviewer=alice, lease_token=leased.lease_token, data=GOOD)
    assert excinfo.value.message == (
        f"You do not hold task {task.pk}: it was released, expired or taken by someone else. "
        "Nothing was changed; take the next task to continue."
    )
    assert not Verdict.objects.exists()


def test_expired_lease_refuses_heartbeat_and_submit_with_the_time() -> None:
    task = make_task()
    alice = make_reviewer("alice")
    leased = next_task(alice)
    expired_at = timezone.now() - dt.timedelta(minutes=1)
    ReviewTask.objects.filter(pk=task.pk).update(lease_expires_at=expired_at)
    expected = (
        f"Your lease on task {task.pk} expired at {expired_at:%H:%M:%S} UTC. "
        "Nothing was changed; take the next task to continue."
    )
    with pytest.raises(LeaseNotHeld) as excinfo:
        queue.task_heartbeat(task_id=task.pk, reviewer=alice, lease_token=leased.lease_token)
    assert excinfo.value.message == expected
    with pytest.raises(LeaseNotHeld):
        queue.task_submit(task_id=task.pk, reviewer=alice, lease_token=leased.lease_token, data=GOOD)
    assert ReviewTask.objects.get(pk=task.pk).status == TaskStatus.LEASED


def test_sweep_frees_expired_leases_only() -> None:
    expired, live = make_task(900), make_task(800)
    alice, bob = make_reviewer("alice"), make_reviewer("bob")
    next_task(alice), next_task(bob)
    ReviewTask.objects.filter(pk=expired.pk).update(lease_expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert queue.tasks_expire_leases() == 1
    assert ReviewTask.objects.get(pk=expired.pk).status == TaskStatus.AVAILABLE
    assert ReviewTask.objects.get(pk=expired.pk).lease_token is None
    assert ReviewTask.objects.get(pk=live.pk).status == TaskStatus.LEASED


def test_heartbeat_extends_the_lease() -> None:
    task = make_task()
    alice = make_reviewer("alice")
    leased = next_task(alice)
    ReviewTask.objects.filter(pk=task.pk).update(lease_expires_at=timezone.now() + dt.timedelta(seconds=30))
    extended = queue.task_heartbeat(task_id=task.pk, reviewer=alice, lease_token=leased.lease_token)
    assert extended.lease_expires_at is not None
    assert extended.lease_expires_at > timezone.now() + dt.timedelta(minutes=19)


def test_wrong_token_or_other_reviewer_is_refused() -> None:
    task = make_task()
    alice, bob = make_reviewer("alice"), make_reviewer("bob")
    leased = next_task(alice)
    with pytest.raises(LeaseNotHeld) as excinfo:
        queue.task_heartbeat(task_id=task.pk, reviewer=alice, lease_token=uuid.uuid4())
    assert excinfo.value.message == (
        f"The lease token does not match your current lease on task {task.pk} (it was taken again since). "
        "Nothing was changed."
    )
    with pytest.raises(LeaseNotHeld):
        queue.task_submit(task_id=task.pk, reviewer=bob, lease_token=leased.lease_token, data=GOOD)
    with pytest.raises(NotFound, match=r"Task 999999 does not exist\."):
        queue.task_release(task_id=999999, reviewer=alice, lease_token=leased.lease_token)


def test_release_returns_the_task_and_closes_the_draft() -> None:
    task = make_task()
    alice = make_reviewer("alice")
    leased = next_task(alice)
    draft = queue.task_save_draft(
        task_id=task.pk,
        reviewer=alice,
        lease_token=leased.lease_token,
        data=VerdictInput(summary="half done"),
    )
    assert draft.status == VerdictStatus.DRAFT
    saved = ReviewEvent.objects.get(task=task, action=EventAction.TASK_DRAFT_SAVED)
    assert (saved.verdict_id, saved.actor_id) == (draft.pk, alice.pk)
    released = queue.task_release(task_id=task.pk, reviewer=alice, lease_token=leased.lease_token)
    assert released.status == TaskStatus.AVAILABLE
    assert released.lease_holder is None
    assert Verdict.objects.get(pk=draft.pk).status == VerdictStatus.ABANDONED
    assert ReviewEvent.objects.filter(task=task, action=EventAction.TASK_RELEASED).exists()


def test_submit_after_a_draft_completes_that_verdict_and_refuses_an_inactive_rating() -> None:
    task = make_task()
    alice = make_reviewer("alice")
    leased = next_task(alice)
    draft = queue.task_save_draft(
        task_id=task.pk, reviewer=alice, lease_token=leased.lease_token, data=VerdictInput(summary="half")
    )
    RatingLabel.objects.filter(slug="mostly-false").update(is_active=False)
    with pytest.raises(ValidationFailed, match="Unknown rating"):
        queue.task_submit(task_id=task.pk, reviewer=alice, lease_token=leased.lease_token, data=GOOD)
    RatingLabel.objects.filter(slug="mostly-false").update(is_active=True)

    verdict = queue.task_submit(task_id=task.pk, reviewer=alice, lease_token=leased.lease_token, data=GOOD)

    assert verdict.pk == draft.pk  # the open draft, read with the task's lock, is the one submitted
    stored = Verdict.objects.get(pk=draft.pk)
    assert (stored.status, stored.rating.slug, stored.summary) == (  # type: ignore[union-attr]
        VerdictStatus.SUBMITTED,
        "mostly-false",
        GOOD.summary,
    )
    assert [c.url for c in stored.citations.all()] == [c.url for c in GOOD.citations]
    assert Verdict.objects.filter(task=task).count() == 1


def test_skip_needs_a_reason_and_is_never_offered_again() -> None:
    task = make_task()
    alice, bob = make_reviewer("alice"), make_reviewer("bob")
    leased = next_task(alice)
    with pytest.raises(ValidationFailed) as excinfo:
        queue.task_skip(task_id=task.pk, reviewer=alice, lease_token=leased.lease_token, reason="  ")
    assert excinfo.value.field_errors == {"reason": ["Say why you skip this task."]}
    queue.task_skip(
        task_id=task.pk, reviewer=alice, lease_token=leased.lease_token, reason="I wrote that story"
    )
    assert TaskSkip.objects.get().reason == "I wrote that story"
    assert queue.task_claim_next(reviewer=alice) is None
    assert next_task(bob).pk == task.pk


def test_submit_validates_after_the_lease_and_changes_nothing_on_error() -> None:
    task = make_task()
    alice = make_reviewer("alice")
    leased = next_task(alice)
    bad = VerdictInput(
        rating="false",
        summary="",
        citations=(CitationInput(url="javascript:alert(1)"), CitationInput(url="https://a.example/x")),
    )
    with pytest.raises(ValidationFailed) as excinfo:
        queue.task_submit(task_id=task.pk, reviewer=alice, lease_token=leased.lease_token, data=bad)
    assert excinfo.value.message == "summary: A summary is required. (and 1 more problem)"
    assert excinfo.value.field_errors == {
        "summary": ["A summary is required."],
        "citations[0].url": ["Citation URLs must be absolute http:// or https:// links."],
    }
    assert not Verdict.objects.exists()
    assert ReviewTask.objects.get(pk=task.pk).status == TaskStatus.LEASED


def test_submit_writes_verdict_citations_task_and_event_together() -> None:
    task = make_task()
    alice = make_reviewer("alice")
    leased = next_task(alice)
    verdict = queue.task_submit(task_id=task.pk, reviewer=alice, lease_token=leased.lease_token, data=GOOD)
    assert verdict.status == VerdictStatus.SUBMITTED
    assert verdict.rating is not None
    assert verdict.rating.slug == "mostly-false"
    assert [c.url for c in verdict.citations.all()] == ["https://example.org/report"]
    task.refresh_from_db()
    assert task.status == TaskStatus.SUBMITTED
    assert task.reviewer == alice
    assert task.lease_token is None
    assert ReviewEvent.objects.filter(verdict=verdict, action=EventAction.VERDICT_SUBMITTED).count() == 1
    with pytest.raises(LeaseNotHeld):
        queue.task_submit(task_id=task.pk, reviewer=alice, lease_token=leased.lease_token, data=GOOD)


def test_draft_then_submit_updates_the_same_verdict() -> None:
    task = make_task()
    alice = make_reviewer("alice")
    leased = next_task(alice)
    draft = queue.task_save_draft(
        task_id=task.pk,
        reviewer=alice,
        lease_token=leased.lease_token,
        data=VerdictInput(rating="true", citations=(CitationInput(url="https://a.example/1"),)),
    )
    submitted = queue.task_submit(task_id=task.pk, reviewer=alice, lease_token=leased.lease_token, data=GOOD)
    assert submitted.pk == draft.pk
    assert Verdict.objects.count() == 1


def test_returned_task_comes_back_to_its_reviewer_first() -> None:
    returned, other = make_task(100), make_task(900)
    alice = make_reviewer("alice")
    ReviewTask.objects.filter(pk=returned.pk).update(status=TaskStatus.RETURNED, reviewer=alice)
    Verdict.objects.create(
        claim=returned.claim,
        task=returned,
        reviewer=alice,
        status=VerdictStatus.RETURNED,
        rating_id=1,
        editor_note="Add a second source.",
    )
    assert next_task(alice).pk == returned.pk
    assert next_task(make_reviewer("bob")).pk == other.pk


def test_editor_assign_reserves_the_task_for_one_reviewer() -> None:
    task = make_task(100)
    make_task(900)
    editor = make_editor()
    alice, bob = make_reviewer("alice"), make_reviewer("bob")
    holder = next_task(bob)
    assert holder.pk != task.pk
    queue.task_assign(task_id=task.pk, editor=editor, reviewer=alice)
    assert next_task(alice).pk == task.pk
    carol = make_reviewer("carol")
    assert queue.task_claim_next(reviewer=carol) is None


def test_editor_assign_takes_the_task_from_its_holder() -> None:
    task = make_task()
    editor = make_editor()
    alice, bob = make_reviewer("alice"), make_reviewer("bob")
    leased = next_task(alice)
    queue.task_assign(task_id=task.pk, editor=editor, reviewer=bob)
    with pytest.raises(LeaseNotHeld):
        queue.task_submit(task_id=task.pk, reviewer=alice, lease_token=leased.lease_token, data=GOOD)
    assert next_task(bob).pk == task.pk
    with pytest.raises(ValidationFailed, match=r"ed is not a reviewer\."):
        queue.task_assign(task_id=task.pk, editor=editor, reviewer=editor)


def test_editor_release_requeue_cancel_and_raise_priority() -> None:
    task = make_task(100)
    editor = make_editor()
    alice = make_reviewer("alice")
    next_task(alice)
    released = queue.task_release_by_editor(task_id=task.pk, editor=editor)
    assert released.status == TaskStatus.AVAILABLE
    with pytest.raises(InvalidTransition) as excinfo:
        queue.task_release_by_editor(task_id=task.pk, editor=editor)
    assert excinfo.value.message == f"Task {task.pk} is available; it cannot be released."
    cancelled = queue.task_cancel(task_id=task.pk, editor=editor, reason="duplicate claim")
    assert cancelled.status == TaskStatus.CANCELLED
    assert queue.task_claim_next(reviewer=alice) is None
    requeued = queue.task_requeue(task_id=task.pk, editor=editor)
    assert requeued.status == TaskStatus.AVAILABLE
    raised = queue.task_raise_priority(task_id=task.pk, editor=editor)
    assert raised.priority == 1100
    actions = list(ReviewEvent.objects.filter(task=task).order_by("id").values_list("action", flat=True))
    assert actions == [
        EventAction.TASK_LEASED,
        EventAction.TASK_RELEASED,
        EventAction.TASK_CANCELLED,
        EventAction.TASK_REQUEUED,
        EventAction.TASK_PRIORITY_RAISED,
    ]


def test_requeue_refused_when_the_claim_has_another_open_task() -> None:
    task = make_task()
    editor = make_editor()
    queue.task_cancel(task_id=task.pk, editor=editor)
    ReviewTaskFactory.create(claim=task.claim)
    with pytest.raises(InvalidTransition) as excinfo:
        queue.task_requeue(task_id=task.pk, editor=editor)
    assert (
        excinfo.value.message
        == f"Task {task.pk} cannot be requeued: its claim already has another open task."
    )


def test_requeue_refused_when_the_claim_was_demoted() -> None:
    # It queued the task of a plain sentence, which reviewers then took.
    task = make_task()
    editor = make_editor()
    claim_demote(claim_id=task.claim_id, editor=editor)
    with pytest.raises(InvalidTransition) as excinfo:
        queue.task_requeue(task_id=task.pk, editor=editor)
    assert excinfo.value.message == (
        f"Task {task.pk} cannot be requeued: its claim {task.claim_id} was demoted to a scored sentence. "
        "Promote the sentence to queue it again."
    )
    assert ReviewTask.objects.get(pk=task.pk).status == TaskStatus.CANCELLED
    assert queue.task_claim_next(reviewer=make_reviewer("alice")) is None


def test_requeue_refused_when_an_editor_wrote_the_claims_verdict() -> None:
    # The editor's verdict has no task (the task was cancelled): a requeued task gave the claim a second
    # submitted verdict once a reviewer submitted it.
    task = make_task()
    editor = make_editor()
    queue.task_cancel(task_id=task.pk, editor=editor)
    written = verdict_create_by_editor(claim_id=task.claim_id, editor=editor, data=GOOD)
    with pytest.raises(InvalidTransition) as excinfo:
        queue.task_requeue(task_id=task.pk, editor=editor)
    assert excinfo.value.message == (
        f"Task {task.pk} cannot be requeued: claim {task.claim_id} already has verdict {written.pk} "
        "(submitted for editor review); a second review would give it two."
    )
    assert not ReviewEvent.objects.filter(task=task, action=EventAction.TASK_REQUEUED).exists()


def test_requeue_of_a_missing_task_is_not_found() -> None:
    with pytest.raises(NotFound, match=r"^Task 999999 does not exist\.$"):
        queue.task_requeue(task_id=999_999, editor=make_editor())


def returned_and_taken_again(alice: User, editor: User) -> tuple[ReviewTask, Verdict]:
    """A task whose verdict an editor returned to alice, and which alice has taken again."""
    task = make_task(900)
    leased = next_task(alice)
    verdict = queue.task_submit(task_id=task.pk, reviewer=alice, lease_token=leased.lease_token, data=GOOD)
    verdict_return(verdict_id=verdict.pk, editor=editor, note="Add a second source.")
    assert next_task(alice).pk == task.pk
    assert Verdict.objects.get(pk=verdict.pk).status == VerdictStatus.RETURNED
    return task, verdict


@pytest.mark.parametrize("taken_again", [True, False])
def test_cancel_closes_the_verdict_returned_to_the_reviewer(taken_again: bool) -> None:
    # It stayed open before: nobody could resubmit it, and editors could not write the claim's verdict.
    alice, editor = make_reviewer("alice"), make_editor()
    task, verdict = returned_and_taken_again(alice, editor)
    if not taken_again:
        queue.task_release(task_id=task.pk, reviewer=alice, lease_token=next_task(alice).lease_token)
        assert ReviewTask.objects.get(pk=task.pk).status == TaskStatus.RETURNED
    queue.task_cancel(task_id=task.pk, editor=editor, reason="Out of scope.")
    assert Verdict.objects.get(pk=verdict.pk).status == VerdictStatus.ABANDONED
    event = ReviewEvent.objects.get(task=task, action=EventAction.TASK_CANCELLED)
    assert event.data == {"abandoned_verdicts": [verdict.pk]}
    written = verdict_create_by_editor(claim_id=task.claim_id, editor=editor, data=GOOD)
    assert written.status == VerdictStatus.SUBMITTED


def test_requeue_closes_the_verdict_returned_to_the_reviewer_who_held_it() -> None:
    alice, editor = make_reviewer("alice"), make_editor()
    task, verdict = returned_and_taken_again(alice, editor)
    queue.task_requeue(task_id=task.pk, editor=editor)
    assert Verdict.objects.get(pk=verdict.pk).status == VerdictStatus.ABANDONED
    event = ReviewEvent.objects.get(task=task, action=EventAction.TASK_REQUEUED)
    assert event.data == {"abandoned_verdicts": [verdict.pk]}
    bob = make_reviewer("bob")
    taken = next_task(bob)
    assert taken.pk == task.pk
    queue.task_submit(task_id=task.pk, reviewer=bob, lease_token=taken.lease_token, data=GOOD)
    assert list(Verdict.objects.filter(task=task).order_by("pk").values_list("status", "reviewer")) == [
        (VerdictStatus.ABANDONED, alice.pk),
        (VerdictStatus.SUBMITTED, bob.pk),
    ]


def test_cancel_without_an_open_verdict_records_no_list() -> None:
    task = make_task()
    queue.task_cancel(task_id=task.pk, editor=make_editor())
    assert ReviewEvent.objects.get(task=task, action=EventAction.TASK_CANCELLED).data == {}


def builds_queued(callbacks: list[Callable[[], object]]) -> list[int]:
    return [cb.article_id for cb in callbacks if isinstance(cb, _EnqueueBuild)]


@pytest.mark.parametrize(
    ("from_status", "to_status", "shown"),
    [
        (TaskStatus.AVAILABLE, TaskStatus.LEASED, True),  # queued -> in review
        (TaskStatus.LEASED, TaskStatus.AVAILABLE, True),  # released, skipped, expired
        (TaskStatus.LEASED, TaskStatus.CANCELLED, True),
        (TaskStatus.CANCELLED, TaskStatus.AVAILABLE, True),  # requeued
        (TaskStatus.LEASED, TaskStatus.SUBMITTED, False),  # submitted: still in review
        (TaskStatus.RETURNED, TaskStatus.LEASED, False),  # a returned task taken back
        (TaskStatus.LEASED, TaskStatus.RETURNED, False),  # its lease ends: back to its reviewer
        (TaskStatus.AVAILABLE, TaskStatus.AVAILABLE, False),  # assigned
    ],
)
def test_scorecard_shows_task_move(from_status: TaskStatus, to_status: TaskStatus, shown: bool) -> None:
    assert scorecard_shows_task_move(from_status=from_status, to_status=to_status) is shown


def test_a_lease_marks_the_scorecard_changed_without_a_message_and_a_submission_leaves_it(
    django_capture_on_commit_callbacks: Any,
) -> None:
    task = make_task()
    alice = make_reviewer("alice")
    article = Article.objects.get(pk=task.claim.article_id)
    scorecard_build(article_id=article.pk)
    with django_capture_on_commit_callbacks() as on_lease:
        leased = next_task(alice)
    # Queue moves send no build message: the scorecard is stale until the sweeper rebuilds it.
    assert builds_queued(on_lease) == []
    after_lease = Article.objects.get(pk=article.pk).changed_at
    assert after_lease > article.changed_at
    assert scorecards_stale_ids() == [article.pk]
    with django_capture_on_commit_callbacks(execute=True):
        assert scorecards_sweep() == 1
    assert scorecards_stale_ids() == []
    before = scorecard_data(article=article.pk)
    assert (before["queued"], before["in_review"]) == (0, 1)
    with django_capture_on_commit_callbacks() as on_submit:
        queue.task_submit(task_id=task.pk, reviewer=alice, lease_token=leased.lease_token, data=GOOD)
    # The scorecard counts a submitted task as in review, like a leased one: nothing it shows changed.
    assert builds_queued(on_submit) == []
    assert Article.objects.get(pk=article.pk).changed_at == after_lease
    assert scorecard_data(article=article.pk) == before


def test_next_returns_the_claim_and_article_it_shows(
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    task = make_task()
    alice = make_reviewer("alice")
    # Savepoint, user lock, candidate (with what the reviewer holds), the task's lease, its event, the
    # article's mark, release.
    with django_assert_num_queries(7):
        leased = next_task(alice)
    with django_assert_num_queries(0):
        assert leased.claim.text == task.claim.text
        assert leased.claim.article_id == task.claim.article_id
        assert leased.claim.article.title == task.claim.article.title
        assert leased.claim.article.body == task.claim.article.body
        assert (leased.claim.start, leased.claim.end, leased.claim.score) == (
            task.claim.start,
            task.claim.end,
            task.claim.score,
        )
    stored = ReviewTask.objects.get(pk=task.pk)
    assert (stored.status, stored.lease_holder_id, stored.lease_token, stored.attempts) == (
        TaskStatus.LEASED,
        alice.pk,
        leased.lease_token,
        1,
    )
    assert stored.lease_expires_at == leased.lease_expires_at
    # Held: the same task back, nothing written.
    # Savepoint, user lock, candidate (none: the one task is held), what the reviewer holds, the held task
    # with claim and article, release.
    with django_assert_num_queries(6):
        again = queue.task_claim_next(reviewer=alice)
    assert again is not None
    assert again.resumed
    assert again.task.pk == task.pk


def test_submit_writes_the_verdict_the_task_move_and_its_event(
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    task = make_task()
    alice = make_reviewer("alice")
    leased = next_task(alice)
    # Savepoint, task lock (reading the id of an open verdict too), rating label, verdict, citations, the
    # task's move, its event, release.
    with django_assert_num_queries(8):
        verdict = queue.task_submit(
            task_id=task.pk, reviewer=alice, lease_token=leased.lease_token, data=GOOD
        )
    stored = ReviewTask.objects.get(pk=task.pk)
    assert (stored.status, stored.reviewer_id, stored.lease_holder_id, stored.lease_token) == (
        TaskStatus.SUBMITTED,
        alice.pk,
        None,
        None,
    )
    assert stored.updated_at > leased.updated_at
    event = ReviewEvent.objects.get(task=task, action=EventAction.VERDICT_SUBMITTED)
    assert (event.actor_id, event.verdict_id, event.from_status, event.to_status) == (
        alice.pk,
        verdict.pk,
        TaskStatus.LEASED,
        TaskStatus.SUBMITTED,
    )
    assert event.data == {"rating": GOOD.rating, "citations": len(GOOD.citations)}
    assert verdict.citations.count() == len(GOOD.citations) > 0
    assert {c.verdict_id for c in verdict.citations.all()} == {verdict.pk}
    assert verdict.citations.count() == len(GOOD.citations)


def test_an_expired_lease_is_reclaimed_by_the_next_call(django_capture_on_commit_callbacks: Any) -> None:
    task = make_task()
    alice, bob = make_reviewer("alice"), make_reviewer("bob")
    next_task(alice)
    ReviewTask.objects.filter(pk=task.pk).update(lease_expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert next_task(bob).pk == task.pk
    assert list(
        ReviewEvent.objects.filter(task=task).order_by("id").values_list("action", "data__holder")
    ) == [
        (EventAction.TASK_LEASED, None),
        (EventAction.TASK_EXPIRED, alice.pk),
        (EventAction.TASK_LEASED, None),
    ]
