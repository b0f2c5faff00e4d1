"""The editors' verdict workflow: publish, return, correct, retract, edit, write; every refusal, exactly."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser, Group, User
from django.db import IntegrityError, transaction

from reviews.exceptions import InvalidTransition, NotAllowed, NotFound, ValidationFailed
from reviews.models import (
    Article,
    Citation,
    ClaimStatus,
    EventAction,
    RatingLabel,
    ReviewEvent,
    ReviewTask,
    TaskStatus,
    Verdict,
    VerdictStatus,
)
from reviews.services import queue
from reviews.services.scorecards import _EnqueueBuild
from reviews.services.verdicts import (
    CitationInput,
    VerdictInput,
    verdict_correct,
    verdict_create_by_editor,
    verdict_edit,
    verdict_publish,
    verdict_retract,
    verdict_return,
)
from tests.factories import ClaimFactory, ReviewTaskFactory, UserFactory

pytestmark = pytest.mark.django_db

SUBMITTED = VerdictInput(
    rating="mostly-false",
    summary="The figure is from 2012, not 2016.",
    rationale="The report the article cites was published in 2012.",
    citations=(CitationInput(url="https://example.org/report", title="Report"),),
)
CORRECTED = VerdictInput(
    rating="false",
    summary="The figure is from 2009.",
    citations=(
        CitationInput(url="https://example.org/report-2009", title="The 2009 report"),
        CitationInput(url="https://stats.example.org/table", publisher="Statistics office"),
    ),
)


def submit_for_review(reviewer: User, **task_kwargs: Any) -> Verdict:
    """A verdict submitted through the reviewers' real path: lease the task, then submit."""
    task = ReviewTaskFactory.create(**task_kwargs)
    outcome = queue.task_claim_next(reviewer=reviewer)
    assert outcome is not None
    assert outcome.task.pk == task.pk
    return queue.task_submit(
        task_id=task.pk, reviewer=reviewer, lease_token=outcome.task.lease_token, data=SUBMITTED
    )


@pytest.fixture
def submitted(reviewer: User) -> Verdict:
    return submit_for_review(reviewer)


@pytest.fixture
def published(submitted: Verdict, editor: User, django_capture_on_commit_callbacks: Any) -> Verdict:
    # Run the publication's after-commit build now, so later calls in the test queue builds of their own
    # (one transaction queues one build per article).
    with django_capture_on_commit_callbacks(execute=True):
        return verdict_publish(verdict_id=submitted.pk, editor=editor)


def task_of(verdict: Verdict) -> ReviewTask:
    assert verdict.task_id is not None
    return ReviewTask.objects.get(pk=verdict.task_id)


def slug_of(verdict: Verdict) -> str:
    assert verdict.rating is not None
    return verdict.rating.slug


def refused(exc_type: type[Exception], call: Callable[[], object]) -> str:
    with pytest.raises(exc_type) as info:
        call()
    return str(info.value)


def builds_queued(callbacks: list[Callable[[], object]]) -> list[int]:
    return [cb.article_id for cb in callbacks if isinstance(cb, _EnqueueBuild)]


def events(verdict: Verdict, action: EventAction) -> list[ReviewEvent]:
    return list(ReviewEvent.objects.filter(verdict=verdict, action=action))


# --------------------------------------------------------------------------------------------------
# Permissions and lookups (defence in depth: interfaces check too)
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda v, u: verdict_publish(verdict_id=v, editor=u), "Only editors can publish verdicts."),
        (lambda v, u: verdict_return(verdict_id=v, editor=u, note="x"), "Only editors can return verdicts."),
        (
            lambda v, u: verdict_correct(verdict_id=v, editor=u, data=CORRECTED, note="x"),
            "Only editors can correct verdicts.",
        ),
        (
            lambda v, u: verdict_retract(verdict_id=v, editor=u, note="x"),
            "Only editors can retract verdicts.",
        ),
        (
            lambda v, u: verdict_edit(verdict_id=v, editor=u, data=CORRECTED),
            "Only editors can edit verdicts.",
        ),
    ],
)
def test_non_editors_are_refused(
    submitted: Verdict, reviewer: User, call: Callable[[int, Any], object], message: str
) -> None:
    inactive = UserFactory.create(username="gone", is_active=False, is_staff=True)
    inactive.groups.add(Group.objects.get(name="Editors"))
    staff_only = UserFactory.create(username="staff", is_staff=True)
    for user in (reviewer, AnonymousUser(), inactive, staff_only):
        assert refused(NotAllowed, partial(call, submitted.pk, user)) == message
    assert Verdict.objects.get(pk=submitted.pk).status == VerdictStatus.SUBMITTED


def test_non_editors_cannot_write_verdicts(reviewer: User) -> None:
    claim = ClaimFactory.create()
    message = refused(
        NotAllowed, lambda: verdict_create_by_editor(claim_id=claim.pk, editor=reviewer, data=SUBMITTED)
    )
    assert message == "Only editors can write verdicts."


def test_unknown_verdict_and_claim(editor: User) -> None:
    assert refused(NotFound, lambda: verdict_publish(verdict_id=987654, editor=editor)) == (
        "Verdict 987654 does not exist."
    )
    assert refused(
        NotFound, lambda: verdict_create_by_editor(claim_id=987654, editor=editor, data=SUBMITTED)
    ) == ("Claim 987654 does not exist.")


def test_superusers_may_act(submitted: Verdict) -> None:
    root = User.objects.create_superuser("root", password="x")
    assert verdict_publish(verdict_id=submitted.pk, editor=root).status == VerdictStatus.PUBLISHED


# --------------------------------------------------------------------------------------------------
# Publish
# --------------------------------------------------------------------------------------------------


def test_publish(
    submitted: Verdict, editor: User, reviewer: User, django_capture_on_commit_callbacks: Any
) -> None:
    article = Article.objects.get(claims__verdicts=submitted)
    with django_capture_on_commit_callbacks() as callbacks:
        verdict = verdict_publish(verdict_id=submitted.pk, editor=editor)
    verdict.refresh_from_db()
    assert verdict.status == VerdictStatus.PUBLISHED
    assert verdict.version == 1
    assert verdict.published_at is not None
    assert verdict.editor == editor
    assert verdict.reviewer == reviewer
    task = task_of(submitted)
    assert task.status == TaskStatus.DONE
    assert task.reviewer == reviewer
    (event,) = events(verdict, EventAction.VERDICT_PUBLISHED)
    assert (event.actor, event.task, event.claim_id, event.article) == (
        editor,
        task,
        verdict.claim_id,
        article,
    )
    assert (event.from_status, event.to_status) == ("submitted", "published")
    assert event.data == {"version": 1, "rating": "mostly-false"}
    # The scorecard is asked for inside the transaction: changed_at moved, one build queued after commit.
    assert Article.objects.get(pk=article.pk).changed_at > article.changed_at
    assert builds_queued(callbacks) == [article.pk]


def test_publish_twice_is_refused(published: Verdict, editor: User) -> None:
    message = refused(InvalidTransition, lambda: verdict_publish(verdict_id=published.pk, editor=editor))
    assert message == f"Verdict {published.pk} is published; it cannot be published. It is already published."


def test_publish_returned_or_draft_is_refused(submitted: Verdict, editor: User, reviewer: User) -> None:
    verdict_return(verdict_id=submitted.pk, editor=editor, note="Cite the 2012 report itself.")
    assert refused(InvalidTransition, lambda: verdict_publish(verdict_id=submitted.pk, editor=editor)) == (
        f"Verdict {submitted.pk} is returned to its reviewer; it cannot be published. "
        "Its reviewer must resubmit it first."
    )
    other = ReviewTaskFactory.create(priority=1)
    # The returned task comes back first; finish it, then take the other one and save a draft.
    outcome = queue.task_claim_next(reviewer=reviewer)
    assert outcome is not None
    queue.task_submit(
        task_id=outcome.task.pk, reviewer=reviewer, lease_token=outcome.task.lease_token, data=SUBMITTED
    )
    outcome = queue.task_claim_next(reviewer=reviewer)
    assert outcome is not None
    assert outcome.task.pk == other.pk
    draft = queue.task_save_draft(
        task_id=other.pk,
        reviewer=reviewer,
        lease_token=outcome.task.lease_token,
        data=VerdictInput(summary="wip"),
    )
    assert refused(InvalidTransition, lambda: verdict_publish(verdict_id=draft.pk, editor=editor)) == (
        f"Verdict {draft.pk} is a draft its reviewer has not submitted; it cannot be published. "
        "Its reviewer must submit it first."
    )


def test_publish_revalidates_a_retired_rating(submitted: Verdict, editor: User) -> None:
    RatingLabel.objects.filter(slug="mostly-false").update(is_active=False)
    with pytest.raises(ValidationFailed) as info:
        verdict_publish(verdict_id=submitted.pk, editor=editor)
    assert info.value.message == (
        "rating: Unknown rating “mostly-false”. "
        "Choose one of: true, mostly-true, half-true, false, misleading, unverifiable."
    )
    assert Verdict.objects.get(pk=submitted.pk).status == VerdictStatus.SUBMITTED


def test_publish_refuses_a_second_published_verdict_on_the_claim(
    published: Verdict, editor: User, reviewer: User
) -> None:
    # Not reachable through the services (the task is done); built by hand to pin the guard.
    task = task_of(published)
    task.status = TaskStatus.CANCELLED
    task.save()
    second = submit_for_review(reviewer, claim=published.claim)
    message = refused(InvalidTransition, lambda: verdict_publish(verdict_id=second.pk, editor=editor))
    assert message == (
        f"Claim {published.claim_id} already has a published verdict (verdict {published.pk}); "
        "correct that one instead."
    )


def test_the_database_refuses_two_published_verdicts_per_claim(published: Verdict) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Verdict.objects.create(
            claim=published.claim,
            rating=published.rating,
            status=VerdictStatus.PUBLISHED,
            version=2,
            published_at=published.published_at,
        )


# --------------------------------------------------------------------------------------------------
# Return
# --------------------------------------------------------------------------------------------------


def test_return_goes_back_to_the_same_reviewer(
    submitted: Verdict, editor: User, reviewer: User, django_capture_on_commit_callbacks: Any
) -> None:
    ReviewTaskFactory.create(priority=10_000)  # outranks everything in the shared queue
    with django_capture_on_commit_callbacks() as callbacks:
        verdict = verdict_return(
            verdict_id=submitted.pk, editor=editor, note="  Cite the 2012 report itself.  "
        )
    verdict.refresh_from_db()
    assert verdict.status == VerdictStatus.RETURNED
    assert verdict.editor_note == "Cite the 2012 report itself."
    assert verdict.editor == editor
    task = task_of(submitted)
    assert (task.status, task.reviewer) == (TaskStatus.RETURNED, reviewer)
    (event,) = events(verdict, EventAction.VERDICT_RETURNED)
    assert (event.actor, event.note, event.from_status, event.to_status) == (
        editor,
        "Cite the 2012 report itself.",
        "submitted",
        "returned",
    )
    assert builds_queued(callbacks) == []  # still "in review" on the scorecard
    # Back in the same reviewer's queue, ahead of everything else; nobody else gets it.
    outsider = UserFactory.create(username="other")
    outsider.groups.add(Group.objects.get(name="Reviewers"))
    outcome = queue.task_claim_next(reviewer=reviewer)
    assert outcome is not None
    assert outcome.task.pk == task.pk
    resubmitted = queue.task_submit(
        task_id=task.pk, reviewer=reviewer, lease_token=outcome.task.lease_token, data=CORRECTED
    )
    assert resubmitted.pk == submitted.pk
    assert verdict_publish(verdict_id=resubmitted.pk, editor=editor).status == VerdictStatus.PUBLISHED


@pytest.mark.parametrize(
    ("note", "message"),
    [
        ("", "note: Say what the reviewer should change."),
        ("   ", "note: Say what the reviewer should change."),
        ("x" * 2001, "note: At most 2,000 characters (got 2,001)."),
    ],
)
def test_return_needs_a_note(submitted: Verdict, editor: User, note: str, message: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        verdict_return(verdict_id=submitted.pk, editor=editor, note=note)
    assert info.value.message == message
    assert info.value.field_errors == {"note": [message.removeprefix("note: ")]}
    assert Verdict.objects.get(pk=submitted.pk).status == VerdictStatus.SUBMITTED


def test_return_refusals(published: Verdict, editor: User) -> None:
    assert refused(
        InvalidTransition, lambda: verdict_return(verdict_id=published.pk, editor=editor, note="x")
    ) == (
        f"Verdict {published.pk} is published; it cannot be returned. "
        "A published verdict is frozen: correct or retract it instead."
    )
    written = verdict_create_by_editor(claim_id=ClaimFactory.create().pk, editor=editor, data=SUBMITTED)
    assert refused(
        InvalidTransition, lambda: verdict_return(verdict_id=written.pk, editor=editor, note="x")
    ) == (
        f"Verdict {written.pk} was written by an editor, not a reviewer; there is nobody to return it to. "
        "Edit it instead."
    )


def test_return_twice_is_refused(submitted: Verdict, editor: User) -> None:
    verdict_return(verdict_id=submitted.pk, editor=editor, note="Fix the date.")
    assert refused(
        InvalidTransition, lambda: verdict_return(verdict_id=submitted.pk, editor=editor, note="x")
    ) == (
        f"Verdict {submitted.pk} is returned to its reviewer; it cannot be returned. It was already returned."
    )


# --------------------------------------------------------------------------------------------------
# Correct
# --------------------------------------------------------------------------------------------------


def test_correct_creates_a_new_published_version(
    published: Verdict, editor: User, reviewer: User, django_capture_on_commit_callbacks: Any
) -> None:
    old_citations = list(published.citations.values_list("url", flat=True))
    with django_capture_on_commit_callbacks() as callbacks:
        new = verdict_correct(
            verdict_id=published.pk, editor=editor, data=CORRECTED, note="  The report is from 2009.  "
        )
    old = Verdict.objects.get(pk=published.pk)
    new.refresh_from_db()
    assert (old.status, old.version) == (VerdictStatus.SUPERSEDED, 1)
    assert (new.status, new.version, new.previous) == (VerdictStatus.PUBLISHED, 2, old)
    assert new.correction_note == "The report is from 2009."
    assert (slug_of(new), new.summary) == ("false", "The figure is from 2009.")
    assert (new.reviewer, new.editor, new.task_id, new.claim_id) == (
        reviewer,
        editor,
        old.task_id,
        old.claim_id,
    )
    assert new.published_at is not None
    assert old.published_at is not None
    assert new.published_at >= old.published_at
    # The old version stays readable, untouched; the claim shows the latest.
    assert list(old.citations.values_list("url", flat=True)) == old_citations
    assert old.summary == SUBMITTED.summary
    assert list(new.citations.values_list("url", "position")) == [
        ("https://example.org/report-2009", 0),
        ("https://stats.example.org/table", 1),
    ]
    assert Verdict.objects.published().get(claim_id=old.claim_id) == new
    (event,) = events(new, EventAction.VERDICT_CORRECTED)
    assert event.note == "The report is from 2009."
    assert event.data == {
        "previous_verdict": old.pk,
        "previous_version": 1,
        "version": 2,
        "rating": "false",
        "previous_rating": "mostly-false",
    }
    assert builds_queued(callbacks) == [old.claim.article_id]


def test_correct_again_numbers_versions_and_refuses_the_superseded_one(
    published: Verdict, editor: User
) -> None:
    second = verdict_correct(verdict_id=published.pk, editor=editor, data=CORRECTED, note="2009, not 2012.")
    third = verdict_correct(
        verdict_id=second.pk, editor=editor, data=SUBMITTED, note="Back to 2012 after all."
    )
    assert [v.version for v in Verdict.objects.filter(claim_id=published.claim_id).order_by("version")] == [
        1,
        2,
        3,
    ]
    assert third.previous_id == second.pk
    message = refused(
        InvalidTransition,
        lambda: verdict_correct(verdict_id=published.pk, editor=editor, data=CORRECTED, note="again"),
    )
    assert message == (
        f"Verdict {published.pk} is superseded by a correction; it cannot be corrected. "
        f"Act on the latest version (verdict {third.pk}) instead."
    )


def test_correct_refuses_a_verdict_under_review(submitted: Verdict, editor: User) -> None:
    message = refused(
        InvalidTransition,
        lambda: verdict_correct(verdict_id=submitted.pk, editor=editor, data=CORRECTED, note="x"),
    )
    assert message == (
        f"Verdict {submitted.pk} is submitted for review; it cannot be corrected. "
        "Edit it or publish it; only published verdicts are corrected."
    )


@pytest.mark.parametrize(
    ("data", "note", "message", "field_errors"),
    [
        (CORRECTED, "", "note: Say what the correction changes; readers see this note.", None),
        (
            VerdictInput(rating="false", summary="No source."),
            "Wrong.",
            "citations: A verdict rated “False” needs at least one citation.",
            {"citations": ["A verdict rated “False” needs at least one citation."]},
        ),
        (
            VerdictInput(rating="false", summary="x", citations=(CitationInput(url="javascript:alert(1)"),)),
            "Wrong.",
            "citations[0].url: Citation URLs must be absolute http:// or https:// links.",
            None,
        ),
        (
            VerdictInput(
                rating="false",
                summary="x",
                citations=(CitationInput(url="https://a.example/"), CitationInput(url="https://a.example/")),
            ),
            "Wrong.",
            "citations[1].url: This URL is already cited (citation 1).",
            None,
        ),
        (
            VerdictInput(rating="", summary=""),
            "Wrong.",
            "rating: Choose a rating. (and 1 more problem)",
            {"rating": ["Choose a rating."], "summary": ["A summary is required."]},
        ),
    ],
)
def test_correct_validates_and_changes_nothing_when_refused(
    published: Verdict,
    editor: User,
    data: VerdictInput,
    note: str,
    message: str,
    field_errors: dict[str, list[str]] | None,
) -> None:
    with pytest.raises(ValidationFailed) as info:
        verdict_correct(verdict_id=published.pk, editor=editor, data=data, note=note)
    assert info.value.message == message
    if field_errors is not None:
        assert info.value.field_errors == field_errors
    assert Verdict.objects.get(pk=published.pk).status == VerdictStatus.PUBLISHED
    assert Verdict.objects.filter(claim_id=published.claim_id).count() == 1


def test_unverifiable_needs_no_citation(published: Verdict, editor: User) -> None:
    new = verdict_correct(
        verdict_id=published.pk,
        editor=editor,
        data=VerdictInput(rating="unverifiable", summary="No record either way."),
        note="The report cannot be found.",
    )
    assert new.citations.count() == 0


# --------------------------------------------------------------------------------------------------
# Retract
# --------------------------------------------------------------------------------------------------


def test_retract(published: Verdict, editor: User, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        verdict = verdict_retract(verdict_id=published.pk, editor=editor, note="The source was fabricated.")
    verdict.refresh_from_db()
    assert verdict.status == VerdictStatus.RETRACTED
    assert verdict.retraction_note == "The source was fabricated."
    assert verdict.retracted_at is not None
    assert verdict.version == 1
    assert not Verdict.objects.published().filter(claim_id=verdict.claim_id).exists()
    (event,) = events(verdict, EventAction.VERDICT_RETRACTED)
    assert (event.actor, event.from_status, event.to_status, event.note) == (
        editor,
        "published",
        "retracted",
        "The source was fabricated.",
    )
    assert builds_queued(callbacks) == [verdict.claim.article_id]


def test_retract_refusals(published: Verdict, submitted: Verdict, editor: User) -> None:
    assert refused(
        ValidationFailed, lambda: verdict_retract(verdict_id=published.pk, editor=editor, note=" ")
    ) == ("note: Say why the verdict is retracted; readers who follow a link to it see this note.")
    verdict_retract(verdict_id=published.pk, editor=editor, note="Fabricated source.")
    assert refused(
        InvalidTransition, lambda: verdict_retract(verdict_id=published.pk, editor=editor, note="x")
    ) == (f"Verdict {published.pk} is retracted; it cannot be retracted.")
    assert refused(
        InvalidTransition,
        lambda: verdict_correct(verdict_id=published.pk, editor=editor, data=CORRECTED, note="x"),
    ) == (f"Verdict {published.pk} is retracted; it cannot be corrected.")


def test_retract_a_submitted_verdict_is_refused(submitted: Verdict, editor: User) -> None:
    assert refused(
        InvalidTransition, lambda: verdict_retract(verdict_id=submitted.pk, editor=editor, note="x")
    ) == (
        f"Verdict {submitted.pk} is submitted for review; it cannot be retracted. "
        "Only published verdicts are retracted; return it instead."
    )


def test_after_retraction_an_editor_writes_the_next_version(published: Verdict, editor: User) -> None:
    verdict_retract(verdict_id=published.pk, editor=editor, note="Fabricated source.")
    fresh = verdict_create_by_editor(claim_id=published.claim_id, editor=editor, data=CORRECTED)
    assert fresh.task_id == published.task_id  # the done task is kept, not reopened
    assert task_of(published).status == TaskStatus.DONE
    again = verdict_publish(verdict_id=fresh.pk, editor=editor)
    assert again.version == 2
    assert again.previous is None


# --------------------------------------------------------------------------------------------------
# Edit
# --------------------------------------------------------------------------------------------------


def test_edit_a_submitted_verdict(
    submitted: Verdict, editor: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        verdict = verdict_edit(verdict_id=submitted.pk, editor=editor, data=CORRECTED)
    verdict.refresh_from_db()
    assert verdict.status == VerdictStatus.SUBMITTED
    assert (slug_of(verdict), verdict.summary, verdict.rationale) == (
        "false",
        "The figure is from 2009.",
        "",
    )
    assert verdict.editor == editor
    assert list(verdict.citations.values_list("url", flat=True)) == [
        "https://example.org/report-2009",
        "https://stats.example.org/table",
    ]
    (event,) = events(verdict, EventAction.VERDICT_EDITED)
    assert event.data == {
        "rating": ["mostly-false", "false"],
        "summary_changed": True,
        "rationale_changed": True,
        "citations": [1, 2],
    }
    assert (event.from_status, event.to_status) == ("submitted", "submitted")
    assert builds_queued(callbacks) == []


def test_edit_with_the_same_content_records_nothing(submitted: Verdict, editor: User) -> None:
    verdict_edit(verdict_id=submitted.pk, editor=editor, data=SUBMITTED)
    assert events(submitted, EventAction.VERDICT_EDITED) == []


def test_edit_a_returned_verdict(submitted: Verdict, editor: User) -> None:
    verdict_return(verdict_id=submitted.pk, editor=editor, note="Fix the year.")
    verdict = verdict_edit(verdict_id=submitted.pk, editor=editor, data=CORRECTED)
    assert verdict.status == VerdictStatus.RETURNED


def test_edit_refusals(published: Verdict, editor: User, reviewer: User) -> None:
    assert refused(
        InvalidTransition, lambda: verdict_edit(verdict_id=published.pk, editor=editor, data=CORRECTED)
    ) == (
        f"Verdict {published.pk} is published; it cannot be edited. "
        "A published verdict is frozen: correct or retract it instead."
    )
    task = ReviewTaskFactory.create()
    outcome = queue.task_claim_next(reviewer=reviewer)
    assert outcome is not None
    draft = queue.task_save_draft(
        task_id=task.pk,
        reviewer=reviewer,
        lease_token=outcome.task.lease_token,
        data=VerdictInput(summary="wip"),
    )
    assert refused(
        InvalidTransition, lambda: verdict_edit(verdict_id=draft.pk, editor=editor, data=CORRECTED)
    ) == (f"Verdict {draft.pk} is a draft its reviewer has not submitted; it cannot be edited.")


def test_edit_validates_like_publication(submitted: Verdict, editor: User) -> None:
    long_summary = VerdictInput(rating="false", summary="x" * 2001, citations=CORRECTED.citations)
    with pytest.raises(ValidationFailed) as info:
        verdict_edit(verdict_id=submitted.pk, editor=editor, data=long_summary)
    assert info.value.message == "summary: At most 2,000 characters (got 2,001)."
    relative = VerdictInput(rating="false", summary="x", citations=(CitationInput(url="/relative/link"),))
    with pytest.raises(ValidationFailed) as info:
        verdict_edit(verdict_id=submitted.pk, editor=editor, data=relative)
    assert info.value.field_errors == {
        "citations[0].url": ["Citation URLs must be absolute http:// or https:// links."]
    }
    unknown = VerdictInput(rating="pants-on-fire", summary="x", citations=CORRECTED.citations)
    with pytest.raises(ValidationFailed) as info:
        verdict_edit(verdict_id=submitted.pk, editor=editor, data=unknown)
    assert info.value.message == (
        "rating: Unknown rating “pants-on-fire”. Choose one of: true, mostly-true, half-true, mostly-false, "
        "false, misleading, unverifiable."
    )
    verdict = Verdict.objects.get(pk=submitted.pk)
    assert verdict.summary == SUBMITTED.summary
    assert Citation.objects.filter(verdict=verdict).count() == 1


# --------------------------------------------------------------------------------------------------
# An editor writes a verdict
# --------------------------------------------------------------------------------------------------


def test_editor_writes_a_verdict_taking_over_the_waiting_task(
    editor: User, django_capture_on_commit_callbacks: Any
) -> None:
    task = ReviewTaskFactory.create()
    with django_capture_on_commit_callbacks() as callbacks:
        verdict = verdict_create_by_editor(claim_id=task.claim_id, editor=editor, data=SUBMITTED)
    verdict.refresh_from_db()
    assert (verdict.status, verdict.reviewer, verdict.editor, verdict.task_id) == (
        VerdictStatus.SUBMITTED,
        None,
        editor,
        task.pk,
    )
    assert verdict.submitted_at is not None
    task.refresh_from_db()
    assert (task.status, task.reviewer) == (TaskStatus.SUBMITTED, editor)
    (event,) = events(verdict, EventAction.VERDICT_SUBMITTED)
    assert event.actor == editor
    assert event.data == {"by_editor": True, "rating": "mostly-false", "citations": 1}
    assert builds_queued(callbacks) == [task.claim.article_id]  # the claim left the queue
    published = verdict_publish(verdict_id=verdict.pk, editor=editor)
    assert published.version == 1
    assert ReviewTask.objects.get(pk=task.pk).status == TaskStatus.DONE


def test_editor_writes_an_unverifiable_verdict_on_a_claim_without_task(editor: User) -> None:
    claim = ClaimFactory.create()
    verdict = verdict_create_by_editor(
        claim_id=claim.pk, editor=editor, data=VerdictInput(rating="unverifiable", summary="No records.")
    )
    assert verdict.task is None
    assert verdict_publish(verdict_id=verdict.pk, editor=editor).status == VerdictStatus.PUBLISHED


def test_editor_write_refusals(editor: User, reviewer: User) -> None:
    sentence = ClaimFactory.create(status=ClaimStatus.SENTENCE)
    assert refused(
        InvalidTransition,
        lambda: verdict_create_by_editor(claim_id=sentence.pk, editor=editor, data=SUBMITTED),
    ) == (f"Claim {sentence.pk} is a scored sentence, not a check-worthy claim; promote it first.")

    leased = ReviewTaskFactory.create(priority=5000)
    assert queue.task_claim_next(reviewer=reviewer) is not None
    assert refused(
        InvalidTransition,
        lambda: verdict_create_by_editor(claim_id=leased.claim_id, editor=editor, data=SUBMITTED),
    ) == (
        f"Task {leased.pk} on claim {leased.claim_id} is leased to rev; "
        "release it before writing the verdict yourself."
    )

    second = UserFactory.create(username="rev2")
    second.groups.add(Group.objects.get(name="Reviewers"))
    under_review = submit_for_review(second)
    assert refused(
        InvalidTransition,
        lambda: verdict_create_by_editor(claim_id=under_review.claim_id, editor=editor, data=SUBMITTED),
    ) == (
        f"Claim {under_review.claim_id} already has a verdict in progress (verdict {under_review.pk}, "
        "submitted for review); edit that one instead."
    )

    published = verdict_publish(verdict_id=under_review.pk, editor=editor)
    assert refused(
        InvalidTransition,
        lambda: verdict_create_by_editor(claim_id=published.claim_id, editor=editor, data=SUBMITTED),
    ) == (
        f"Claim {published.claim_id} already has a published verdict (verdict {published.pk}); "
        "correct that one instead."
    )


def test_editor_write_validates(editor: User) -> None:
    claim = ClaimFactory.create()
    with pytest.raises(ValidationFailed) as info:
        verdict_create_by_editor(
            claim_id=claim.pk, editor=editor, data=VerdictInput(rating="true", summary="Yes.")
        )
    assert info.value.message == "citations: A verdict rated “True” needs at least one citation."
    assert not Verdict.objects.filter(claim=claim).exists()


def test_published_versions_keep_their_dates(published: Verdict, editor: User) -> None:
    first_published = published.published_at
    assert first_published is not None
    new = verdict_correct(verdict_id=published.pk, editor=editor, data=CORRECTED, note="Year.")
    assert Verdict.objects.get(pk=published.pk).published_at == first_published
    assert new.published_at is not None
    assert new.published_at - first_published < dt.timedelta(minutes=1)


# --------------------------------------------------------------------------------------------------
# Concurrency: real threads, real row locks
# --------------------------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_editors_acting_at_once_get_one_outcome() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    rev = UserFactory.create(username="rev")
    rev.groups.add(Group.objects.get(name="Reviewers"))
    editors = []
    for name in ("ed1", "ed2", "ed3", "ed4"):
        user = UserFactory.create(username=name, is_staff=True)
        user.groups.add(Group.objects.get(name="Editors"))
        editors.append(user)
    verdict = submit_for_review(rev)

    def attempt(call: Callable[[], Verdict]) -> str:
        try:
            return f"ok {call().pk}"
        except InvalidTransition as exc:
            return exc.message
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(
            pool.map(attempt, [lambda u=u: verdict_publish(verdict_id=verdict.pk, editor=u) for u in editors])
        )
    assert outcomes.count(f"ok {verdict.pk}") == 1
    assert (
        outcomes.count(f"Verdict {verdict.pk} is published; it cannot be published. It is already published.")
        == 3
    )

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(
            pool.map(
                attempt,
                [
                    lambda u=u: verdict_correct(
                        verdict_id=verdict.pk, editor=u, data=CORRECTED, note=u.username
                    )
                    for u in editors
                ],
            )
        )
    winners = [o for o in outcomes if o.startswith("ok ")]
    assert len(winners) == 1
    latest = Verdict.objects.published().get(claim_id=verdict.claim_id)
    assert winners == [f"ok {latest.pk}"]
    assert latest.version == 2
    assert (
        sorted(o for o in outcomes if not o.startswith("ok "))
        == [
            f"Verdict {verdict.pk} is superseded by a correction; it cannot be corrected. "
            f"Act on the latest version (verdict {latest.pk}) instead."
        ]
        * 3
    )
    assert ReviewEvent.objects.filter(action=EventAction.VERDICT_CORRECTED).count() == 1


@pytest.mark.parametrize(
    "url", ["https://[::1", "http://[abc]/", "http://a\uff0fb.example/", "https://a.example:99999/"]
)
def test_a_malformed_citation_url_is_refused_not_a_crash(published: Verdict, editor: User, url: str) -> None:
    data = VerdictInput(rating="false", summary="x", citations=(CitationInput(url=url),))
    with pytest.raises(ValidationFailed) as info:
        verdict_correct(verdict_id=published.pk, editor=editor, data=data, note="Wrong.")
    assert info.value.field_errors == {
        "citations[0].url": ["Citation URLs must be absolute http:// or https:// links."]
    }
    assert Verdict.objects.filter(claim_id=published.claim_id).count() == 1


def test_a_citation_url_is_stored_with_its_scheme_in_lower_case(published: Verdict, editor: User) -> None:
    data = VerdictInput(
        rating="false",
        summary="x",
        citations=(CitationInput(url=" HTTPS://Example.org/Report "), CitationInput(url="Http://b.example/")),
    )
    corrected = verdict_correct(verdict_id=published.pk, editor=editor, data=data, note="Wrong.")
    assert list(corrected.citations.values_list("url", flat=True)) == [
        "https://Example.org/Report",
        "http://b.example/",
    ]


def test_the_same_url_with_its_scheme_in_another_case_is_already_cited(
    published: Verdict, editor: User
) -> None:
    data = VerdictInput(
        rating="false",
        summary="x",
        citations=(CitationInput(url="https://a.example/"), CitationInput(url="HTTPS://a.example/")),
    )
    with pytest.raises(ValidationFailed) as info:
        verdict_correct(verdict_id=published.pk, editor=editor, data=data, note="Wrong.")
    assert info.value.field_errors == {"citations[1].url": ["This URL is already cited (citation 1)."]}


BIDI_REFUSAL = (
    "contains the invisible bidirectional control character U+202E, which can make the text display as "
    "something other than what it says; remove it"
)


def test_text_with_a_bidirectional_control_is_refused(submitted: Verdict, editor: User) -> None:
    # A right-to-left override made "this is false" display as something else on every page showing it.
    tricked = VerdictInput(
        rating="false",
        summary="The claim is \u202eeurt\u202c.",
        citations=(CitationInput(url="https://example.org/a", title="Report \u202eeurt"),),
    )
    with pytest.raises(ValidationFailed) as info:
        verdict_edit(verdict_id=submitted.pk, editor=editor, data=tricked)
    assert info.value.field_errors == {"summary": [BIDI_REFUSAL], "citations[0].title": [BIDI_REFUSAL]}
    assert info.value.message == f"summary: {BIDI_REFUSAL} (and 1 more problem)"
    with pytest.raises(ValidationFailed) as info:
        verdict_return(verdict_id=submitted.pk, editor=editor, note="Fix \u202eeht\u202c rating.")
    assert info.value.message == f"note: {BIDI_REFUSAL}"
    assert Verdict.objects.get(pk=submitted.pk).status == VerdictStatus.SUBMITTED
