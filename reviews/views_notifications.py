"""Notification preferences: each signed-in user's page to choose which mails they get, and the
one-click unsubscribe link in every mail's footer (reviews.selectors_notifications reads,
reviews.services.notifications writes)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from reviews.exceptions import NotFound
from reviews.models import NotificationKind
from reviews.models_notifications import preference_field
from reviews.selectors_notifications import (
    notification_kinds_for,
    notification_preferences_of,
    unsubscribe_target,
)
from reviews.services.notifications import notification_preferences_update, notification_unsubscribe

PREFERENCES_SAVED = "Your notification preferences are saved."
NO_EMAIL = "Your account has no email address, so no notifications can reach you. Ask an editor to add one."
UNSUBSCRIBED = "You will no longer get mails of this kind: “{kind}”. Change this on your preferences page."


class PreferencesForm(forms.Form):
    def __init__(self, data: Any, *, kinds: list[NotificationKind], initial_flags: dict[str, bool]) -> None:
        super().__init__(data, label_suffix="")
        for kind in kinds:
            self.fields[kind.value] = forms.BooleanField(
                label=f"Email me: {kind.label.lower()}", required=False, initial=initial_flags[kind.value]
            )


@login_required
@require_http_methods(["GET", "POST"])
def notification_preferences(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User), "login_required runs first"
    kinds = notification_kinds_for(user=user)
    preference = notification_preferences_of(user=user)
    flags = {kind.value: getattr(preference, preference_field(kind)) for kind in kinds}
    # Unticking every box posts no field at all: the form is bound to the POST even when it is empty.
    data = request.POST if request.method == "POST" else None
    form = PreferencesForm(data, kinds=kinds, initial_flags=flags)
    if request.method == "POST" and form.is_valid():
        notification_preferences_update(user=user, wanted=form.cleaned_data)
        messages.success(request, PREFERENCES_SAVED)
        return redirect("reviews:notification-preferences")
    context = {"form": form, "no_email": not user.email, "no_email_message": NO_EMAIL}
    return render(request, "reviews/notification_preferences.html", context)


@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks, POST switches the kind off: mail scanners follow links, and must not unsubscribe anyone.
    The signed token is the authority, so no sign-in is needed."""
    try:
        if request.method == "POST":
            _user, kind = notification_unsubscribe(token=token)
            done = UNSUBSCRIBED.format(kind=NotificationKind(kind).label)
            return render(request, "reviews/unsubscribe.html", {"done": done})
        _user, kind = unsubscribe_target(token=token)
    except NotFound as exc:
        return render(request, "reviews/unsubscribe.html", {"invalid": exc.message}, status=404)
    return render(request, "reviews/unsubscribe.html", {"kind_label": NotificationKind(kind).label})
