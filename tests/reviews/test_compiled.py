"""Statements compiled once (reviews/compiled.py): the same rows and instances as the queryset itself, the
request's values in their slots, and a refusal for a statement whose SQL depends on those values."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Count, QuerySet
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from reviews import compiled
from reviews.compiled import compile_once
from reviews.models import Claim, RatingLabel, ReviewTask
from reviews.services import queue
from reviews.services.verdicts import CitationInput, VerdictInput
from tests.factories import ArticleFactory, ClaimFactory, ReviewTaskFactory, UserFactory

pytestmark = pytest.mark.django_db

GOOD = VerdictInput(
    rating="mostly-false",
    summary="The figure is from 2012, not 2016.",
    citations=(CitationInput(url="https://example.org/report", title="Report"),),
)


def claims_of(article_id: int, text: str, since: dt.datetime) -> QuerySet[Claim]:
    return (
        Claim.objects.select_related("article")
        .only("text", "start", "article__title")
        .filter(article_id=article_id, text=text, created_at__gte=since)
        .annotate(task_count=Count("tasks"))
        .order_by("pk")
    )


def test_it_returns_what_the_queryset_returns_for_each_call_s_values() -> None:
    since = timezone.now() - dt.timedelta(minutes=1)
    first, second = ArticleFactory.create(title="First"), ArticleFactory.create(title="Second")
    for article, texts in ((first, ["Iraq bought", "Iraq bought", "Oil rose"]), (second, ["Iraq bought"])):
        for text in texts:
            ReviewTaskFactory.create(claim=ClaimFactory.create(article=article, text=text))
    statement = compile_once(claims_of, article_id=compiled.ID, text=compiled.TEXT, since=compiled.TIME)

    for article_id, text, at in (
        (first.pk, "Iraq bought", since),
        (first.pk, "Oil rose", since),
        (second.pk, "Iraq bought", since),
        (first.pk, "Iraq bought", timezone.now() + dt.timedelta(minutes=1)),
    ):
        values = {"article_id": article_id, "text": text, "since": at}
        expected = list(claims_of(article_id, text, at))
        got = statement.all(**values)
        assert [c.pk for c in got] == [c.pk for c in expected], values
        for mine, theirs in zip(got, expected, strict=True):
            # The loaded fields, the deferred ones, the select_related article and the annotation.
            assert (mine.text, mine.start) == (theirs.text, theirs.start)
            assert mine.task_count == theirs.task_count == 1  # type: ignore[attr-defined]
            assert mine.get_deferred_fields() == theirs.get_deferred_fields()
            assert mine.article.title == theirs.article.title
            assert mine._state.db == theirs._state.db
            assert not mine._state.adding
    assert len(statement.all(article_id=first.pk, text="Iraq bought", since=since)) == 2
    assert statement.first(article_id=second.pk, text="Nothing", since=since) is None


def test_it_runs_without_compiling_again() -> None:
    article = ArticleFactory.create()
    statement = compile_once(claims_of, article_id=compiled.ID, text=compiled.TEXT, since=compiled.TIME)
    with mock.patch("django.db.models.sql.compiler.SQLCompiler.as_sql", side_effect=AssertionError):
        assert statement.all(article_id=article.pk, text="", since=timezone.now()) == []


def test_a_statement_whose_sql_depends_on_a_value_is_refused() -> None:
    # The ORM writes a slice's bounds into the SQL text: no slot can carry them.
    with pytest.raises(ValueError, match="depends on the slots' values"):
        compile_once(lambda limit: Claim.objects.order_by("pk")[:limit], limit=compiled.ID)


def test_a_value_the_orm_rewrites_is_refused() -> None:
    # A LIKE pattern is the value with a wildcard added: the stand-in is not among the parameters.
    with pytest.raises(ValueError, match=r"slots \['text'\] are not parameters"):
        compile_once(lambda text: Claim.objects.filter(text__startswith=text), text=compiled.TEXT)


def test_a_slot_the_statement_does_not_use_is_refused() -> None:
    with pytest.raises(ValueError, match=r"slots \['unused'\] are not parameters"):
        compile_once(lambda unused: Claim.objects.filter(pk=1), unused=compiled.ID)


@pytest.mark.django_db(transaction=True)
def test_a_locking_statement_needs_a_transaction_as_the_orm_s_does() -> None:
    with transaction.atomic():  # the ORM compiles a locking statement only inside one
        locked = ReviewTask.objects.select_for_update()
        statement = compile_once(lambda pk: locked.filter(pk=pk), pk=compiled.ID)
        assert statement.all(pk=1) == []
    with pytest.raises(TransactionManagementError):
        statement.all(pk=1)


def test_the_queue_s_next_and_submit_compile_their_reads_once() -> None:
    reviewer = UserFactory.create()
    reviewer.groups.add(Group.objects.get(name="Reviewers"))
    ReviewTaskFactory.create(), ReviewTaskFactory.create()

    def work() -> None:
        taken = queue.task_claim_next(reviewer=reviewer)
        assert taken is not None
        assert not taken.resumed
        token = taken.task.lease_token
        queue.task_submit(task_id=taken.task.pk, reviewer=reviewer, lease_token=token, data=GOOD)

    work()  # compiles what this process has not compiled yet
    with (
        mock.patch.object(queue, "_candidate", side_effect=AssertionError("compiled again")),
        mock.patch.object(queue, "_locked_tasks_with_open_verdict", side_effect=AssertionError("again")),
        mock.patch.object(RatingLabel.objects, "filter", side_effect=AssertionError("again")),
    ):
        work()
