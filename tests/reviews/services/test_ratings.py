"""rating_label_create, rating_label_update and rating_label_changed: an editor's new or edited rating label,
its audit row, and what an edit means for published verdicts carrying the label."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache

from reviews import published_cache
from reviews.api.published_render import fragments_build
from reviews.exceptions import NotAllowed, NotFound, ValidationFailed
from reviews.models import Article, EventAction, RatingLabel, ReviewEvent
from reviews.services.ratings import rating_label_changed, rating_label_create, rating_label_update
from tests.reviews.api.public_data import make_verdict

pytestmark = pytest.mark.django_db


def _changed_at(article_id: int) -> Any:
    return Article.objects.values_list("changed_at", flat=True).get(pk=article_id)


def test_a_scoring_field_outdates_cache_and_scorecards(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.FACTCHECK_PUBLISHED_CACHE = True
    cache.clear()
    verdict = make_verdict(rating_slug="false")
    fragments_build([verdict.pk])
    before = _changed_at(verdict.claim.article_id)
    label = RatingLabel.objects.get(slug="false")
    with django_capture_on_commit_callbacks(execute=True):
        rating_label_changed(label=label, changed_fields=["rating_value"])
    assert published_cache.fragments_get([verdict.pk]) == {}
    assert _changed_at(verdict.claim.article_id) > before
    cache.clear()


def test_a_display_field_leaves_scorecards_alone_and_no_change_does_nothing(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.FACTCHECK_PUBLISHED_CACHE = True
    cache.clear()
    verdict = make_verdict(rating_slug="false")
    before = _changed_at(verdict.claim.article_id)
    label = RatingLabel.objects.get(slug="false")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        rating_label_changed(label=label, changed_fields=[])
    assert callbacks == []
    fragments_build([verdict.pk])
    with django_capture_on_commit_callbacks(execute=True):
        rating_label_changed(label=label, changed_fields=["alternate_name"])
    assert published_cache.fragments_get([verdict.pk]) == {}
    assert _changed_at(verdict.claim.article_id) == before
    cache.clear()


def test_an_edit_is_stored_with_its_audit_row_and_outdates_what_shows_the_label(
    editor: User, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.FACTCHECK_PUBLISHED_CACHE = True
    cache.clear()
    verdict = make_verdict(rating_slug="false")
    fragments_build([verdict.pk])
    before = _changed_at(verdict.claim.article_id)
    label = RatingLabel.objects.get(slug="false")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        saved = rating_label_update(
            label_id=label.pk, editor=editor, changes={"name": "Wrong", "rating_value": label.rating_value}
        )
        # The cache is emptied only once the change commits.
        assert published_cache.fragments_get([verdict.pk]) != {}
    assert callbacks
    for callback in callbacks:
        callback()
    assert saved.name == "Wrong"
    assert RatingLabel.objects.get(pk=label.pk).name == "Wrong"
    event = ReviewEvent.objects.get(action=EventAction.RATING_LABEL_CHANGED)
    assert event.actor == editor
    assert event.note == "Rating label 'false': changed name."
    assert event.data == {"rating_label": label.pk, "slug": "false", "changes": {"name": ["False", "Wrong"]}}
    assert published_cache.fragments_get([verdict.pk]) == {}
    assert _changed_at(verdict.claim.article_id) > before  # "name" shows on scorecards: marked stale
    cache.clear()


def test_an_edit_that_changes_nothing_records_nothing(
    editor: User, django_capture_on_commit_callbacks: Any
) -> None:
    label = RatingLabel.objects.get(slug="false")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        rating_label_update(label_id=label.pk, editor=editor, changes={"name": label.name})
    assert callbacks == []
    assert not ReviewEvent.objects.filter(action=EventAction.RATING_LABEL_CHANGED).exists()


@pytest.mark.parametrize(
    ("changes", "message", "field_errors"),
    [
        (
            {"rating_value": 9},
            "__all__: Constraint “ratinglabel_value_in_scale” is violated.",
            {"__all__": ["Constraint “ratinglabel_value_in_scale” is violated."]},
        ),
        (
            {"slug": "true"},
            "slug: Rating label with this Slug already exists.",
            {"slug": ["Rating label with this Slug already exists."]},
        ),
        (
            {"id": 99},
            "Rating labels have no editable field id.",
            {"id": ["Not an editable field of a rating label."]},
        ),
    ],
)
def test_an_invalid_edit_is_refused_and_stores_nothing(
    editor: User, changes: dict[str, Any], message: str, field_errors: dict[str, list[str]]
) -> None:
    label = RatingLabel.objects.get(slug="false")
    with pytest.raises(ValidationFailed) as refused:
        rating_label_update(label_id=label.pk, editor=editor, changes=changes)
    assert refused.value.message == message
    assert refused.value.field_errors == field_errors
    stored = RatingLabel.objects.get(pk=label.pk)
    assert (stored.slug, stored.rating_value) == ("false", label.rating_value)
    assert not ReviewEvent.objects.filter(action=EventAction.RATING_LABEL_CHANGED).exists()


def test_only_editors_edit_labels_and_only_labels_that_exist(editor: User, reviewer: User) -> None:
    label = RatingLabel.objects.get(slug="false")
    with pytest.raises(NotAllowed) as refused:
        rating_label_update(label_id=label.pk, editor=reviewer, changes={"name": "Wrong"})
    assert refused.value.message == "Only editors can edit rating labels."
    with pytest.raises(NotFound) as missing:
        rating_label_update(label_id=987654, editor=editor, changes={"name": "Wrong"})
    assert missing.value.message == "Rating label 987654 does not exist."
    assert RatingLabel.objects.get(pk=label.pk).name == "False"


def test_a_label_text_with_a_bidirectional_control_is_refused(editor: User) -> None:
    label = RatingLabel.objects.get(slug="false")
    with pytest.raises(ValidationFailed) as refused:
        rating_label_update(
            label_id=label.pk, editor=editor, changes={"name": "Fal\u202ese", "alternate_name": "Not\u2067"}
        )
    problem = (
        "contains the invisible bidirectional control character U+{}, which can make the text display as "
        "something other than what it says; remove it."
    )
    assert refused.value.field_errors == {
        "alternate_name": [f"This alternate name {problem.format('2067')}"],
        "name": [f"This name {problem.format('202E')}"],
    }
    assert refused.value.message == (
        f"alternate_name: This alternate name {problem.format('2067')}; "
        f"name: This name {problem.format('202E')}"
    )
    assert RatingLabel.objects.get(pk=label.pk).name == label.name


def test_a_new_label_is_stored_with_its_audit_row(editor: User, reviewer: User) -> None:
    values = {"name": "Satire", "slug": "satire", "order": 9, "rating_value": 3}
    label = rating_label_create(editor=editor, values=values)
    assert (label.name, label.best_rating, label.is_active) == ("Satire", 5, True)
    event = ReviewEvent.objects.get(action=EventAction.RATING_LABEL_CREATED)
    assert (event.actor, event.note) == (editor, "Rating label 'satire' created.")
    assert event.data == {"rating_label": label.pk, "slug": "satire", "values": dict(sorted(values.items()))}
    with pytest.raises(NotAllowed) as refused:
        rating_label_create(editor=reviewer, values={**values, "slug": "satire-2"})
    assert refused.value.message == "Only editors can create rating labels."
    with pytest.raises(ValidationFailed) as invalid:
        rating_label_create(editor=editor, values={**values, "slug": "satire-3", "name": "Sat\u202eire"})
    assert list(invalid.value.field_errors) == ["name"]
    assert RatingLabel.objects.filter(slug__startswith="satire").count() == 1
    assert ReviewEvent.objects.filter(action=EventAction.RATING_LABEL_CREATED).count() == 1


def test_a_slug_taken_between_the_check_and_the_write_is_refused(
    editor: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    values = {"name": "Satire", "slug": "satire", "order": 9, "rating_value": 3}
    rating_label_create(editor=editor, values=values)
    # As if another editor's label with the same slug committed after this one's validation looked.
    monkeypatch.setattr("reviews.services.ratings._full_clean", lambda label: None)
    with pytest.raises(ValidationFailed) as taken:
        rating_label_create(editor=editor, values={**values, "name": "Satire again", "order": 10})
    assert taken.value.field_errors == {"slug": ["A rating label with slug 'satire' already exists."]}
    assert RatingLabel.objects.filter(slug="satire").count() == 1
    assert ReviewEvent.objects.filter(action=EventAction.RATING_LABEL_CREATED).count() == 1
