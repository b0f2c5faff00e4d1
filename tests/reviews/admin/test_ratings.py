"""The rating scale, edited in place."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from reviews.admin import ratings as admin_ratings
from reviews.exceptions import Conflict
from reviews.models import EventAction, RatingLabel, ReviewEvent
from tests.factories import rating
from tests.reviews.admin.desk import messages_of

pytestmark = pytest.mark.django_db


def form_as_shown(desk: Client, url: str) -> dict[str, Any]:
    """What the change form would send back untouched (unchecked boxes are left out, as browsers do)."""
    form = desk.get(url).context["adminform"].form
    shown = {name: form.initial.get(name) for name in form.fields}
    return {
        name: "on" if value is True else value for name, value in shown.items() if value not in (None, False)
    }


def test_rating_labels_are_editable(desk: Client) -> None:
    label = rating("misleading")
    url = reverse("admin:reviews_ratinglabel_change", args=[label.pk])
    assert desk.get(url).status_code == 200
    response = desk.post(
        url,
        {
            "name": "Misleading",
            "slug": "misleading",
            "description": "Accurate facts, false impression.",
            "order": "5",
            "is_active": "on",
            "rating_value": "2",
            "best_rating": "5",
            "worst_rating": "1",
            "alternate_name": "Misleading (out of context)",
            "requires_citation": "on",
            "counts_toward_score": "on",
        },
    )
    assert response.status_code == 302
    label.refresh_from_db()
    assert label.alternate_name == "Misleading (out of context)"
    assert RatingLabel.objects.filter(slug="misleading").count() == 1


def test_an_edit_goes_through_the_service_and_shows_in_the_audit_log(editor: User, desk: Client) -> None:
    label = rating("misleading")
    url = reverse("admin:reviews_ratinglabel_change", args=[label.pk])
    data = form_as_shown(desk, url)
    response = desk.post(url, {**data, "alternate_name": "Out of context"}, follow=True)
    assert "was changed successfully" in " ".join(messages_of(response))
    event = ReviewEvent.objects.get(action=EventAction.RATING_LABEL_CHANGED)
    assert (event.actor, event.data["changes"]) == (
        editor,
        {"alternate_name": [label.alternate_name, "Out of context"]},
    )
    log = desk.get(reverse("admin:reviews_reviewevent_changelist")).content.decode()
    assert f'<a href="{url}">Rating misleading</a>' in log


def test_a_new_label_goes_through_the_service_and_shows_in_the_audit_log(editor: User, desk: Client) -> None:
    response = desk.post(
        reverse("admin:reviews_ratinglabel_add"),
        {
            "name": "Satire",
            "slug": "satire",
            "description": "",
            "order": "9",
            "is_active": "on",
            "rating_value": "3",
            "best_rating": "5",
            "worst_rating": "1",
            "alternate_name": "",
        },
        follow=True,
    )
    assert "was added successfully" in " ".join(messages_of(response))
    label = RatingLabel.objects.get(slug="satire")
    assert (label.requires_citation, label.counts_toward_score) == (False, False)
    event = ReviewEvent.objects.get(action=EventAction.RATING_LABEL_CREATED)
    assert (event.actor, event.data["rating_label"]) == (editor, label.pk)
    url = reverse("admin:reviews_ratinglabel_change", args=[label.pk])
    log = desk.get(reverse("admin:reviews_reviewevent_changelist")).content.decode()
    assert f'<a href="{url}">Rating satire</a>' in log


def test_a_refused_edit_is_a_message_and_changes_nothing(
    desk: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(**kwargs: Any) -> RatingLabel:
        raise Conflict("Rating label 5 was changed meanwhile; reload it.")

    monkeypatch.setattr(admin_ratings, "rating_label_update", refuse)
    label = rating("misleading")
    url = reverse("admin:reviews_ratinglabel_change", args=[label.pk])
    data = form_as_shown(desk, url)
    response = desk.post(url, {**data, "name": "Renamed"})
    assert (response.status_code, response["Location"]) == (302, url)
    assert messages_of(desk.get(url)) == ["Rating label 5 was changed meanwhile; reload it."]
    assert RatingLabel.objects.get(pk=label.pk).name == label.name


def test_a_new_label_refused_as_invalid_is_shown_again_with_what_was_typed(desk: Client) -> None:
    """The service refuses a name with an invisible bidirectional control: the add form comes back with
    the editor's input and the reason next to the name, and nothing is created."""
    typed = {
        "name": "Sat\u202eire",
        "slug": "satire",
        "description": "Humour read as news.",
        "order": "9",
        "is_active": "on",
        "rating_value": "3",
        "best_rating": "5",
        "worst_rating": "1",
        "alternate_name": "Satire",
    }
    response = desk.post(reverse("admin:reviews_ratinglabel_add"), typed)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["name"]
    assert "bidirectional" in " ".join(form.errors["name"])
    assert (form.data["description"], form.data["alternate_name"]) == ("Humour read as news.", "Satire")
    assert "Humour read as news." in response.content.decode()
    assert not RatingLabel.objects.filter(slug="satire").exists()
    assert not ReviewEvent.objects.filter(action=EventAction.RATING_LABEL_CREATED).exists()


def test_an_edit_refused_as_invalid_is_shown_again_and_changes_nothing(desk: Client) -> None:
    label = rating("misleading")
    url = reverse("admin:reviews_ratinglabel_change", args=[label.pk])
    data = form_as_shown(desk, url)
    response = desk.post(url, {**data, "alternate_name": "Out of\u202e context"})
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "bidirectional" in " ".join(form.errors["alternate_name"])
    assert form.data["alternate_name"] == "Out of\u202e context"
    assert RatingLabel.objects.get(pk=label.pk).alternate_name == label.alternate_name
