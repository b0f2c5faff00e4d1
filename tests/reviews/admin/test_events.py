"""The audit log: read-only for everyone, filtered by actor, action, date and claim."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from reviews.models import EventAction, ReviewEvent
from reviews.services.verdicts import verdict_publish
from tests.reviews.admin.desk import client_for, page_text, submitted_verdict

pytestmark = pytest.mark.django_db


def test_the_audit_log_is_read_only_for_everyone(editor: User, superuser: User, reviewer: User) -> None:
    verdict = submitted_verdict(reviewer)
    event = ReviewEvent.objects.filter(verdict=verdict).first()
    assert event is not None
    for user in (editor, superuser):
        client = client_for(user)
        assert client.get(reverse("admin:reviews_reviewevent_add")).status_code == 403
        assert client.get(reverse("admin:reviews_reviewevent_delete", args=[event.pk])).status_code == 403
        assert (
            client.post(
                reverse("admin:reviews_reviewevent_delete", args=[event.pk]), {"post": "yes"}
            ).status_code
            == 403
        )
        change = client.post(
            reverse("admin:reviews_reviewevent_change", args=[event.pk]), {"note": "rewritten"}
        )
        assert change.status_code == 403
        view = client.get(reverse("admin:reviews_reviewevent_change", args=[event.pk]))
        assert view.status_code == 200
        assert 'name="_save"' not in view.content.decode()
        listing = client.get(reverse("admin:reviews_reviewevent_changelist"))
        assert "delete_selected" not in listing.content.decode()
        assert "Add review event" not in page_text(listing)
    assert ReviewEvent.objects.get(pk=event.pk).note == event.note


def test_the_audit_log_filters_by_actor_action_and_date(editor: User, reviewer: User, desk: Client) -> None:
    verdict = submitted_verdict(reviewer)
    verdict_publish(verdict_id=verdict.pk, editor=editor)
    url = reverse("admin:reviews_reviewevent_changelist")
    by_action = desk.get(url, {"action__exact": EventAction.VERDICT_PUBLISHED})
    assert list(by_action.context["cl"].result_list.values_list("action", flat=True)) == ["verdict.published"]
    by_actor = desk.get(url, {"actor__id__exact": reviewer.pk})
    assert {e.actor_id for e in by_actor.context["cl"].result_list} == {reviewer.pk}
    today = timezone.now().date()
    by_date = desk.get(
        url, {"created_at__year": today.year, "created_at__month": today.month, "created_at__day": today.day}
    )
    assert by_date.context["cl"].result_count == ReviewEvent.objects.count()
    long_ago = desk.get(url, {"created_at__year": 2001})
    assert long_ago.context["cl"].result_count == 0
    # The verdict page's "Open in the audit log": everything about the claim, its task and verdicts.
    ReviewEvent.objects.create(action=EventAction.TASK_CANCELLED, actor=editor)  # about something else
    by_claim = desk.get(url, {"claim": str(verdict.claim_id)})
    assert by_claim.status_code == 200
    assert {e.action for e in by_claim.context["cl"].result_list} == {
        "task.leased",
        "verdict.submitted",
        "verdict.published",
    }
    page = desk.get(reverse("admin:reviews_verdict_change", args=[verdict.pk])).content.decode()
    assert f'href="{url}?claim={verdict.claim_id}"' in page
