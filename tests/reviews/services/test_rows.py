"""reviews/services/rows.py: lean single-row writes store exactly what the ORM stores."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import Model
from django.db.models.signals import post_save, pre_save
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from pytest_django import DjangoAssertNumQueries

from reviews.models import (
    Citation,
    EventAction,
    RatingLabel,
    ReviewEvent,
    ReviewTask,
    TaskStatus,
    Verdict,
)
from reviews.services.rows import (
    cursor,
    insert_write,
    row_from_db,
    row_get,
    row_insert,
    row_update,
    rows_insert,
    rows_write,
    update_write,
)
from tests.factories import ReviewTaskFactory, UserFactory, rating

pytestmark = pytest.mark.django_db


def stored(instance: Model) -> dict[str, object]:
    """Every concrete field as read back from the database."""
    fresh = type(instance).objects.get(pk=instance.pk)  # type: ignore[attr-defined]
    return {field.attname: getattr(fresh, field.attname) for field in fresh._meta.concrete_fields}


@pytest.mark.parametrize("model", [ReviewEvent, Citation, Verdict, ReviewTask])
def test_the_models_written_this_way_have_no_save_signal_receivers(model: type[Model]) -> None:
    # The helpers skip pre_save / post_save: a receiver added later would silently miss these writes.
    assert not pre_save.has_listeners(model)
    assert not post_save.has_listeners(model)


def test_row_insert_stores_what_create_stores() -> None:
    task = ReviewTaskFactory.create()
    actor = UserFactory.create()
    values = {
        "action": EventAction.TASK_LEASED,
        "actor": actor,
        "task": task,
        "from_status": "available",
        "to_status": "leased",
        "note": "a note with 'quotes' and ünïcode",
        "data": {"expires": "2026-11-21T10:00:00+00:00", "nested": [1, None, "x"]},
        "created_at": dt.datetime(2026, 11, 21, 9, 30, 15, 123456, tzinfo=dt.UTC),
    }
    by_orm = ReviewEvent.objects.create(**values)
    lean = row_insert(ReviewEvent(**values))

    assert lean.pk is not None
    assert lean.pk != by_orm.pk
    assert not lean._state.adding
    expected, got = stored(by_orm), stored(lean)
    expected.pop("id"), got.pop("id")
    assert got == expected


def test_row_insert_applies_field_defaults() -> None:
    event = row_insert(ReviewEvent(action=EventAction.TASK_LEASED))
    fresh = ReviewEvent.objects.get(pk=event.pk)
    assert fresh.data == {}
    assert fresh.created_at == event.created_at


def test_rows_insert_writes_several_rows_in_order_and_sets_their_keys() -> None:
    task = ReviewTaskFactory.create()
    verdict = row_insert(
        Verdict(claim_id=task.claim_id, task=task, reviewer=UserFactory.create(), rating=rating("false"))
    )
    citations = rows_insert(
        [
            Citation(verdict=verdict, url=f"https://example.org/{n}", title=f"T{n}", position=n)
            for n in range(3)
        ]
    )
    assert [c.pk for c in citations] == sorted(c.pk for c in citations)
    assert list(verdict.citations.order_by("position").values_list("pk", "url")) == [
        (c.pk, c.url) for c in citations
    ]
    assert Verdict.objects.get(pk=verdict.pk).rating.slug == "false"  # type: ignore[union-attr]


def test_rows_insert_refuses_stored_or_mixed_rows() -> None:
    event = row_insert(ReviewEvent(action=EventAction.TASK_LEASED))
    with pytest.raises(ValueError, match="new, unsaved rows of one model"):
        rows_insert([event])
    with pytest.raises(ValueError, match="new, unsaved rows of one model"):
        rows_insert([ReviewEvent(action=EventAction.TASK_LEASED), Citation(url="https://example.org")])
    assert rows_insert([]) == []


def test_row_update_writes_only_the_listed_fields_and_refreshes_auto_now() -> None:
    task = ReviewTaskFactory.create()
    holder = UserFactory.create()
    before = ReviewTask.objects.get(pk=task.pk)
    ReviewTask.objects.filter(pk=task.pk).update(priority=777)  # changed behind the instance's back

    task.status = TaskStatus.LEASED
    task.lease_holder = holder
    task.lease_token = uuid.uuid4()
    task.lease_expires_at = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    task.priority = 1  # not listed: must not be written
    row_update(task, ["status", "lease_holder", "lease_token", "lease_expires_at", "updated_at"])

    fresh = ReviewTask.objects.get(pk=task.pk)
    assert (fresh.status, fresh.lease_holder_id, fresh.lease_token, fresh.lease_expires_at) == (
        TaskStatus.LEASED,
        holder.pk,
        task.lease_token,
        task.lease_expires_at,
    )
    assert fresh.priority == 777
    assert fresh.updated_at == task.updated_at
    assert fresh.updated_at > before.updated_at
    assert model_to_dict(fresh, fields=["claim", "attempts"]) == model_to_dict(
        before, fields=["claim", "attempts"]
    )


def test_row_update_of_a_missing_row_raises_like_save() -> None:
    task = ReviewTaskFactory.create()
    ReviewTask.objects.filter(pk=task.pk).delete()
    with pytest.raises(DatabaseError, match="was not updated"):
        row_update(task, ["status"])


def test_row_from_db_converts_like_the_orm() -> None:
    task = ReviewTaskFactory.create(
        status=TaskStatus.LEASED,
        lease_holder=UserFactory.create(),
        lease_token=uuid.uuid4(),
        lease_expires_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
    )

    # A subset of the columns, in the model's field order (as `Model.from_db` takes them).
    wanted = {"id", "lease_token", "created_at", "status", "lease_expires_at"}
    names = [f.attname for f in ReviewTask._meta.concrete_fields if f.attname in wanted]
    columns = ", ".join(f'"{ReviewTask._meta.get_field(n).column}"' for n in names)  # type: ignore[union-attr]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM reviews_reviewtask WHERE id = %s", [task.pk])  # noqa: S608
        row = cursor.fetchone()
    built = row_from_db(ReviewTask, names, row)
    orm = ReviewTask.objects.get(pk=task.pk)
    assert [getattr(built, n) for n in names] == [getattr(orm, n) for n in names]


# --- several writes in one statement -------------------------------------------------------------------


def test_rows_write_runs_updates_and_inserts_together_in_one_statement(
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    task = ReviewTaskFactory.create()
    verdict = row_insert(Verdict(claim_id=task.claim_id, task=task, reviewer=UserFactory.create()))
    task.priority = 42
    event = ReviewEvent(action=EventAction.TASK_LEASED, task=task, data={"n": 1})
    citations = [Citation(verdict=verdict, url=f"https://example.org/{n}", position=n) for n in range(3)]
    one_statement = connection.vendor == "postgresql"
    with django_assert_num_queries(1 if one_statement else 3):
        rows_write([update_write(task, ["priority"]), insert_write([event]), insert_write(citations)])

    assert ReviewTask.objects.get(pk=task.pk).priority == 42
    assert event.pk is not None
    assert not event._state.adding
    assert ReviewEvent.objects.get(pk=event.pk).data == {"n": 1}
    assert [c.pk for c in citations] == list(
        Citation.objects.filter(verdict=verdict).order_by("position").values_list("pk", flat=True)
    )


def test_rows_write_links_new_rows_to_a_row_inserted_earlier_in_the_same_statement(
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    task = ReviewTaskFactory.create()
    reviewer = UserFactory.create()
    verdict = Verdict(claim_id=task.claim_id, task=task, reviewer=reviewer, summary="New.")
    citations = [Citation(verdict=verdict, url=f"https://example.org/{n}", position=n) for n in range(2)]
    event = ReviewEvent(action=EventAction.VERDICT_SUBMITTED, task=task, verdict=verdict)
    task.priority = 7
    with django_assert_num_queries(1 if connection.vendor == "postgresql" else 4):
        rows_write(
            [
                insert_write([verdict]),
                insert_write(citations),
                update_write(task, ["priority"]),
                insert_write([event]),
            ]
        )

    assert verdict.pk is not None
    # The instances carry the new key, as after save(); the rows point to the new verdict.
    assert [c.verdict_id for c in citations] == [verdict.pk, verdict.pk]
    assert event.verdict_id == verdict.pk
    assert list(
        Citation.objects.filter(verdict=verdict).order_by("position").values_list("pk", flat=True)
    ) == [c.pk for c in citations]
    assert ReviewEvent.objects.get(pk=event.pk).verdict_id == verdict.pk
    assert stored(verdict) == stored(Verdict.objects.get(pk=verdict.pk))
    assert ReviewTask.objects.get(pk=task.pk).priority == 7


def test_a_row_pointing_to_an_unsaved_row_outside_the_statement_is_refused() -> None:
    task = ReviewTaskFactory.create()
    unsaved = Verdict(claim_id=task.claim_id, task=task, reviewer=UserFactory.create())
    event = ReviewEvent(action=EventAction.VERDICT_SUBMITTED, task=task, verdict=unsaved)
    task.priority = 3
    with pytest.raises(ValueError, match="not stored yet"), transaction.atomic():
        rows_write([update_write(task, ["priority"]), insert_write([event])])
    with pytest.raises(ValueError, match="not stored yet"):
        row_insert(ReviewEvent(action=EventAction.VERDICT_SUBMITTED, task=task, verdict=unsaved))
    assert not ReviewEvent.objects.filter(task=task).exists()
    assert ReviewTask.objects.get(pk=task.pk).priority != 3


def test_a_row_pointing_to_a_row_stored_since_gets_its_key() -> None:
    task = ReviewTaskFactory.create()
    verdict = Verdict(claim_id=task.claim_id, task=task, reviewer=UserFactory.create())
    event = ReviewEvent(action=EventAction.VERDICT_SUBMITTED, task=task, verdict=verdict)
    row_insert(verdict)  # after the event was built: its verdict_id is still None
    row_insert(event)
    assert ReviewEvent.objects.get(pk=event.pk).verdict_id == verdict.pk


def test_the_shared_cursor_is_reused_and_renewed_with_its_connection() -> None:
    first = cursor()
    assert cursor() is first
    first.execute("SELECT 1")
    assert first.fetchone() == (1,)
    with CaptureQueriesContext(connection) as captured:  # query logging on: a logging cursor
        logging_cursor = cursor()
        logging_cursor.execute("SELECT 2")
    assert logging_cursor is not first
    assert [q["sql"] for q in captured.captured_queries] == ["SELECT 2"]
    quiet = cursor()  # logging off again: a plain cursor, kept
    assert quiet is not logging_cursor
    assert cursor() is quiet


@pytest.mark.postgres  # Django never closes SQLite's in-memory test database
@pytest.mark.django_db(transaction=True)
def test_the_shared_cursor_follows_a_reconnection() -> None:
    before = cursor()
    connection.close()
    after = cursor()
    assert after is not before
    after.execute("SELECT 3")
    assert after.fetchone() == (3,)


def test_rows_write_refuses_an_update_of_a_missing_row_and_the_transaction_rolls_back() -> None:
    task = ReviewTaskFactory.create()
    gone = ReviewTaskFactory.create()
    ReviewTask.objects.filter(pk=gone.pk).delete()
    event = ReviewEvent(action=EventAction.TASK_LEASED, task=task)
    with pytest.raises(DatabaseError, match="was not updated"), transaction.atomic():
        rows_write([insert_write([event]), update_write(gone, ["priority"])])
    assert not ReviewEvent.objects.filter(task=task).exists()


def test_row_get_loads_every_field_like_the_orm_or_returns_none() -> None:
    label = rating("mostly-false")
    got = row_get(RatingLabel, "slug = %s AND is_active = %s", ["mostly-false", True])
    assert got is not None
    assert model_to_dict(got) == model_to_dict(RatingLabel.objects.get(pk=label.pk))
    assert not got._state.adding
    assert row_get(RatingLabel, "slug = %s", ["no-such-rating"]) is None
