"""Editors' claim-level actions against reviewers' work on the same claim, with real threads on PostgreSQL.

Editors lock the claim, then its task (services.locks). A reviewer's transaction locks the task, and every
row it inserts that points to the claim makes PostgreSQL check that foreign key at commit with FOR KEY
SHARE on the claim. The claim lock must let that check through (FOR NO KEY UPDATE), or the two wait for
each other and PostgreSQL kills one: a reviewer's submission was lost to "deadlock detected" in 30-90% of
such races.

Also here: two re-extractions of one article at once, and the reclaim of expired leases inside
`task_claim_next` (two lock orders of article rows met there).
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import uuid
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection, transaction
from django.utils import timezone

from reviews.exceptions import ApplicationError
from reviews.models import Article, Claim, ClaimStatus, ReviewTask, TaskStatus, Verdict, VerdictStatus
from reviews.services import articles, queue
from reviews.services.claims import claim_demote, claim_promote
from reviews.services.locks import claim_lock
from reviews.services.verdicts import CitationInput, VerdictInput, verdict_create_by_editor

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

VERDICT = VerdictInput(
    rating="false", summary="Wrong year.", citations=(CitationInput(url="https://example.org/source"),)
)
EDITORS_VERDICT = VerdictInput(
    rating="true", summary="Right after all.", citations=(CitationInput(url="https://example.org/other"),)
)
ROUNDS = 20
_numbers = itertools.count()


def _user(group: str) -> User:
    user = User.objects.create_user(f"{group.lower()}{next(_numbers)}", is_staff=group == "Editors")
    user.groups.add(Group.objects.get(name=group))
    return User.objects.get(pk=user.pk)


def _claim_with_task() -> tuple[Claim, ReviewTask]:
    n = next(_numbers)
    article = Article.objects.create(
        raw_text=f"x{n}", body="x" * 100, content_hash=f"{n:064x}", status="ready"
    )
    claim = Claim.objects.create(
        article=article,
        text=f"claim {n}",
        start=0,
        end=5,
        sentence_index=0,
        score=0.9,
        status=ClaimStatus.CLAIM,
    )
    return claim, ReviewTask.objects.create(claim=claim, priority=1)


def _lease(task: ReviewTask, reviewer: User, *, expired: bool = False) -> str:
    token = str(uuid.uuid4())
    expires = timezone.now() + dt.timedelta(minutes=-5 if expired else 20)
    ReviewTask.objects.filter(pk=task.pk).update(
        status=TaskStatus.LEASED,
        lease_holder=reviewer,
        lease_token=token,
        lease_expires_at=expires,
        attempts=1,
    )
    return token


def _in_thread(work: Callable[[], object]) -> tuple[threading.Thread, list[BaseException], threading.Event]:
    errors: list[BaseException] = []
    done = threading.Event()

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # reported by the test
            errors.append(exc)
        finally:
            connection.close()
            done.set()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors, done


def _race(*calls: Callable[[], object]) -> list[BaseException]:
    """Run the calls at once, each in its own thread and connection; the exceptions they raised."""
    barrier = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def run(call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            call()
        except BaseException as exc:  # collected for the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads), "a call hung"
    return errors


def _unexpected(errors: list[BaseException]) -> list[str]:
    """Errors other than the services' own refusals (a 409 or 400 for the caller)."""
    return [f"{type(e).__name__}: {e}" for e in errors if not isinstance(e, ApplicationError)]


# --- the mechanism, without timing -------------------------------------------------------------------


def _commits_while_an_editor_holds_the_claim(claim: Claim, work: Callable[[], object]) -> list[BaseException]:
    """Run `work` in its own transaction while another holds the claim as the editors' services do; assert
    that it commits without waiting for that lock, and return what either side raised."""
    holding, release = threading.Event(), threading.Event()

    def editor_holds_the_claim() -> None:
        with transaction.atomic():
            claim_lock(claim.pk)
            holding.set()
            release.wait(30)

    editor, editor_errors, _ = _in_thread(editor_holds_the_claim)
    assert holding.wait(10)
    _, work_errors, work_done = _in_thread(work)
    # Under FOR UPDATE the commit waited here for the editor (and deadlocked once the editor went on to
    # lock the task).
    committed = work_done.wait(10)
    release.set()
    editor.join(30)
    assert committed, "the commit waited for the editor's claim lock"
    return editor_errors + work_errors


@pytest.mark.parametrize("write", ["submit", "save_draft"])
def test_a_reviewers_first_write_commits_while_an_editor_holds_the_claim(write: str) -> None:
    claim, task = _claim_with_task()
    reviewer = _user("Reviewers")
    token = _lease(task, reviewer)
    service = queue.task_submit if write == "submit" else queue.task_save_draft
    errors = _commits_while_an_editor_holds_the_claim(
        claim, lambda: service(task_id=task.pk, reviewer=reviewer, lease_token=token, data=VERDICT)
    )
    assert errors == []
    assert Verdict.objects.filter(task=task).count() == 1


def test_the_expiry_sweep_commits_while_an_editor_holds_the_claim() -> None:
    # Its audit event points to the claim.
    claim, task = _claim_with_task()
    _lease(task, _user("Reviewers"), expired=True)
    assert _commits_while_an_editor_holds_the_claim(claim, queue.tasks_expire_leases) == []
    assert ReviewTask.objects.get(pk=task.pk).status == TaskStatus.AVAILABLE


# --- the races the services run into -------------------------------------------------------------------


def _verdict_against_first_write(editor: User, service: Callable[..., object]) -> None:
    claim, task = _claim_with_task()
    reviewer = _user("Reviewers")
    token = _lease(task, reviewer)
    errors = _race(
        lambda: verdict_create_by_editor(claim_id=claim.pk, editor=editor, data=EDITORS_VERDICT),
        lambda: service(task_id=task.pk, reviewer=reviewer, lease_token=token, data=VERDICT),
    )
    assert _unexpected(errors) == []
    # The task was leased: the editor is refused, the reviewer's write stands.
    assert list(Verdict.objects.filter(claim=claim).values_list("task_id", flat=True)) == [task.pk]


@pytest.mark.parametrize("write", ["submit", "save_draft"])
def test_an_editors_verdict_against_the_reviewers_first_write(write: str) -> None:
    editor = _user("Editors")
    for _ in range(ROUNDS):
        _verdict_against_first_write(
            editor, queue.task_submit if write == "submit" else queue.task_save_draft
        )


def _demote_against_first_draft(editor: User) -> None:
    claim, task = _claim_with_task()
    reviewer = _user("Reviewers")
    token = _lease(task, reviewer)
    errors = _race(
        lambda: claim_demote(claim_id=claim.pk, editor=editor),
        lambda: queue.task_save_draft(task_id=task.pk, reviewer=reviewer, lease_token=token, data=VERDICT),
    )
    assert _unexpected(errors) == []
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.CLAIM  # a leased claim is not demoted
    assert Verdict.objects.filter(task=task, status=VerdictStatus.DRAFT).count() == 1


def test_demoting_a_claim_against_the_reviewers_first_draft() -> None:
    editor = _user("Editors")
    for _ in range(ROUNDS):
        _demote_against_first_draft(editor)


def _verdict_against_sweep(editor: User) -> None:
    claim, task = _claim_with_task()
    _lease(task, _user("Reviewers"), expired=True)
    errors = _race(
        lambda: verdict_create_by_editor(claim_id=claim.pk, editor=editor, data=EDITORS_VERDICT),
        queue.tasks_expire_leases,
    )
    assert _unexpected(errors) == []


def test_an_editors_verdict_against_the_expiry_sweep() -> None:
    editor = _user("Editors")
    for _ in range(ROUNDS):
        _verdict_against_sweep(editor)


def _promote_against_requeue(editor: User) -> None:
    claim, task = _claim_with_task()
    claim_demote(claim_id=claim.pk, editor=editor)
    errors = _race(
        lambda: claim_promote(claim_id=claim.pk, editor=editor),
        lambda: queue.task_requeue(task_id=task.pk, editor=editor),
    )
    assert _unexpected(errors) == []
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.CLAIM
    assert ReviewTask.objects.filter(claim=claim).exclude(status=TaskStatus.CANCELLED).count() == 1


def test_promoting_a_sentence_against_requeueing_its_cancelled_task() -> None:
    # Requeue locked only the task: the two reopened a task each and promote's insert failed on the
    # one-open-task constraint (an IntegrityError, a 500), or a demoted sentence went back to the queue.
    editor = _user("Editors")
    for _ in range(ROUNDS):
        _promote_against_requeue(editor)


REEXTRACTED = "The GDP grew 3% in 2019. Exports rose 5% in 2020 according to the ministry."


def _reextract_against_lease(editor: User) -> None:
    ReviewTask.objects.filter(status=TaskStatus.AVAILABLE).update(status=TaskStatus.CANCELLED)
    n = next(_numbers)
    article = Article.objects.create(
        raw_text=REEXTRACTED, body=REEXTRACTED, content_hash=f"{n:064x}", status="ready"
    )
    claim = Claim.objects.create(
        article=article,
        text=REEXTRACTED[:24],
        start=0,
        end=24,
        sentence_index=0,
        score=0.9,
        status=ClaimStatus.CLAIM,
    )
    task = ReviewTask.objects.create(claim=claim, priority=10_000)
    reviewer = _user("Reviewers")
    started, leased = threading.Event(), threading.Event()
    extract = articles._extract

    def slow_extract(*args: Any, **kwargs: Any) -> object:
        started.set()
        result = extract(*args, **kwargs)
        leased.wait(10)  # a slow extraction: the reviewer's lease commits meanwhile
        return result

    def review() -> None:
        assert started.wait(30)
        try:
            taken = queue.task_claim_next(reviewer=reviewer)
        finally:
            leased.set()
        assert taken is not None
        queue.task_submit(
            task_id=taken.task.pk, reviewer=reviewer, lease_token=taken.task.lease_token, data=VERDICT
        )

    with mock.patch.object(articles, "_extract", slow_extract):
        errors = _race(lambda: articles.article_reextract(article_id=article.pk, actor=editor), review)
    assert _unexpected(errors) == []
    assert Verdict.objects.filter(task=task, status=VerdictStatus.SUBMITTED).count() == 1


def test_reextracting_against_a_lease_taken_during_the_extraction() -> None:
    # The reviewer leases one of the article's tasks while its extraction runs, then submits as
    # re-extraction locks the claims: their submission stands and re-extraction is refused (409).
    editor = _user("Editors")
    for _ in range(ROUNDS // 2):
        _reextract_against_lease(editor)


def _reextract_against_reextract(editor: User) -> None:
    n = next(_numbers)
    article = Article.objects.create(
        raw_text=REEXTRACTED, body=REEXTRACTED, content_hash=f"{n:064x}", status="ready"
    )
    errors = _race(
        lambda: articles.article_reextract(article_id=article.pk, actor=editor),
        lambda: articles.article_reextract(article_id=article.pk, actor=_user("Editors")),
    )
    # The second read the claims before the first committed, then stored its own on top: an IntegrityError
    # on claim_unique_sentence_index (a 500 in the admin). Now it is refused; one set of claims stays.
    assert _unexpected(errors) == []
    assert [str(e) for e in errors] in (
        [],
        [f"Article {article.pk} was re-extracted by someone else meanwhile; nothing was changed."],
    )
    assert Claim.objects.filter(article=article).count() == 2


def test_two_editors_reextracting_one_article_at_once() -> None:
    editor = _user("Editors")
    for _ in range(ROUNDS // 2):
        _reextract_against_reextract(editor)


def test_expired_leases_are_reclaimed_in_a_transaction_of_their_own(monkeypatch: pytest.MonkeyPatch) -> None:
    # Reclaiming locks the freed tasks' articles in id order; the lease then locks its own task's article,
    # which in the same transaction could come out of order: two reviewers doing that deadlocked. So the
    # reclaim must be committed before the lease transaction picks its task. (The first look at the queue
    # finds that leases expired; its transaction ends without leasing, and the pick after the reclaim
    # leases.)
    reviewer = _user("Reviewers")
    _, best = _claim_with_task()
    ReviewTask.objects.filter(pk=best.pk).update(priority=10_000)
    _, expired = _claim_with_task()
    _lease(expired, _user("Reviewers"), expired=True)
    seen_elsewhere: list[str] = []
    pick = queue._queue_candidate

    def status_seen_by_another_connection() -> None:
        seen_elsewhere.append(ReviewTask.objects.get(pk=expired.pk).status)

    def spy(**kwargs: Any) -> Any:
        thread, errors, _ = _in_thread(status_seen_by_another_connection)
        thread.join(10)
        assert errors == []
        return pick(**kwargs)

    monkeypatch.setattr(queue, "_queue_candidate", spy)
    taken = queue.task_claim_next(reviewer=reviewer)
    assert taken is not None
    assert taken.task.pk == best.pk
    assert seen_elsewhere == [TaskStatus.LEASED, TaskStatus.AVAILABLE]
