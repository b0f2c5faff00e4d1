"""Statements compiled once (reviews/compiled.py): the same rows and instances as the queryset itself, the
request's values in their slots, and a refusal for a statement whose SQL depends on those values."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.db.models import Count, QuerySet
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
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


@pytest.mark.parametrize(
    "make",
    [
        lambda pk: Claim.objects.filter(pk=pk).prefetch_related("tasks"),
        lambda pk: Claim.objects.filter(pk=pk).values("text"),
        lambda pk: ArticleFactory.create().claims.filter(pk=pk),  # carries its article as known
    ],
    ids=["prefetch_related", "values", "related manager"],
)
def test_what_it_cannot_build_as_the_queryset_would_is_refused(make: Any) -> None:
    with pytest.raises(ValueError, match="compiled statement"):
        compile_once(make, pk=compiled.ID)


def test_an_id_no_column_can_hold_finds_nothing_without_a_query_as_the_orm_does() -> None:
    statement = compile_once(lambda pk: Claim.objects.filter(pk=pk), pk=compiled.ID)
    assert list(Claim.objects.filter(pk=2**63 + 5)) == []
    with CaptureQueriesContext(connection) as queries:
        assert statement.all(pk=2**63 + 5) == []
        assert statement.all(pk=-(2**63) - 1) == []
    assert len(queries) == 0


def test_a_values_list_statement_gives_its_rows() -> None:
    task = ReviewTaskFactory.create()

    def make(pk: int) -> QuerySet[Any]:
        return ReviewTask.objects.filter(pk=pk).values_list("pk", "status")

    statement = compile_once(make, pk=compiled.ID)
    assert list(statement.rows(pk=task.pk)) == [(task.pk, task.status)]


def test_a_slot_the_statement_does_not_use_is_refused() -> None:
    with pytest.raises(ValueError, match=r"slots \['unused'\] are not parameters"):
        compile_once(lambda unused: Claim.objects.filter(pk=1), unused=compiled.ID)


@pytest.mark.django_db(transaction=True)
def test_a_locking_statement_outside_a_transaction_does_what_the_orm_does() -> None:
    locked = ReviewTask.objects.select_for_update()
    with transaction.atomic():  # the ORM compiles a locking statement only inside one
        statement = compile_once(lambda pk: locked.filter(pk=pk), pk=compiled.ID)
        assert statement.all(pk=1) == []
    # PostgreSQL refuses it outside a transaction; SQLite, which has no FOR UPDATE, runs it.
    if connection.features.has_select_for_update:
        with pytest.raises(TransactionManagementError):
            list(locked.filter(pk=1))
        with pytest.raises(TransactionManagementError):
            statement.all(pk=1)
    else:
        assert list(locked.filter(pk=1)) == statement.all(pk=1) == []


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
