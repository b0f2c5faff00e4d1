"""Publish, return, correct and retract: the verdict's pages and the bulk actions."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from reviews.models import Verdict, VerdictStatus
from reviews.services.verdicts import verdict_correct, verdict_create_by_editor, verdict_publish
from tests.factories import ClaimFactory, UserFactory, rating
from tests.reviews.admin.desk import (
    SUBMITTED,
    client_for,
    inline_data,
    make_reviewer,
    messages_of,
    page_text,
    submitted_verdict,
)

pytestmark = pytest.mark.django_db


def test_publish_from_the_verdict_page(editor: User, reviewer: User, desk: Client) -> None:
    verdict = submitted_verdict(reviewer)
    url = reverse("admin:reviews_verdict_publish", args=[verdict.pk])
    confirm = desk.get(url)
    assert confirm.status_code == 200
    assert "Yes, publish" in confirm.content.decode()
    assert Verdict.objects.get(pk=verdict.pk).status == VerdictStatus.SUBMITTED  # a GET changes nothing
    response = desk.post(url, follow=True)
    assert f"Published verdict {verdict.pk} as version 1." in messages_of(response)
    assert Verdict.objects.get(pk=verdict.pk).status == VerdictStatus.PUBLISHED
    again = desk.post(url, follow=True)
    assert (
        f"Verdict {verdict.pk} is published; it cannot be published. It is already published."
        in messages_of(again)
    )


def test_return_with_a_note(reviewer: User, desk: Client) -> None:
    verdict = submitted_verdict(reviewer)
    url = reverse("admin:reviews_verdict_return", args=[verdict.pk])
    empty = desk.post(url, {"note": "  "})
    assert empty.status_code == 200
    assert "Say what the reviewer should change." in page_text(empty)
    assert Verdict.objects.get(pk=verdict.pk).status == VerdictStatus.SUBMITTED
    done = desk.post(url, {"note": "Cite the 2012 report itself."}, follow=True)
    assert f"Returned verdict {verdict.pk} to its reviewer." in messages_of(done)
    verdict.refresh_from_db()
    assert (verdict.status, verdict.editor_note) == (VerdictStatus.RETURNED, "Cite the 2012 report itself.")


def test_correct_from_the_verdict_page(editor: User, reviewer: User, desk: Client) -> None:
    verdict = verdict_publish(verdict_id=submitted_verdict(reviewer).pk, editor=editor)
    url = reverse("admin:reviews_verdict_correct", args=[verdict.pk])
    form = desk.get(url)
    assert 'value="https://example.org/report"' in form.content.decode()  # prefilled with the citations
    data = {
        "rating": str(rating("false").pk),
        "summary": "The figure is from 2009.",
        "rationale": "",
        "note": "The report is from 2009.",
        **inline_data(
            [
                {"url": "https://example.org/report", "title": "Report"},
                {"url": "https://example.org/2009", "title": "2009 edition"},
                {"url": "", "title": ""},
            ],
            initial=1,
        ),
    }
    bad = desk.post(url, {**data, "citations-1-url": "javascript:alert(1)", "note": ""})
    assert bad.status_code == 200
    text = page_text(bad)
    assert "Say what the correction changes; readers see this note." in text
    assert Verdict.objects.filter(claim_id=verdict.claim_id).count() == 1
    bad_url = desk.post(url, {**data, "citations-1-url": "javascript:alert(1)"})
    assert "Citation URLs must be absolute http:// or https:// links." in page_text(bad_url)
    done = desk.post(url, data, follow=True)
    new = Verdict.objects.get(previous=verdict)
    assert f"Published the correction as version 2 (verdict {new.pk})." in messages_of(done)
    assert list(new.citations.values_list("url", flat=True)) == [
        "https://example.org/report",
        "https://example.org/2009",
    ]
    # The new version's page shows both versions.
    history = page_text(done)
    assert "Version 2" in history
    assert "Version 1" in history
    assert "Superseded by a correction" in history


def test_retract_from_the_verdict_page(editor: User, reviewer: User, desk: Client) -> None:
    verdict = verdict_publish(verdict_id=submitted_verdict(reviewer).pk, editor=editor)
    url = reverse("admin:reviews_verdict_retract", args=[verdict.pk])
    assert "Say why the verdict is retracted; readers who follow a link to it see this note." in page_text(
        desk.post(url, {"note": ""})
    )
    done = desk.post(url, {"note": "The source was fabricated."}, follow=True)
    assert f"Retracted verdict {verdict.pk}." in messages_of(done)
    assert Verdict.objects.get(pk=verdict.pk).status == VerdictStatus.RETRACTED


def test_transition_pages_need_the_publish_permission(reviewer: User) -> None:
    verdict = submitted_verdict(reviewer)
    viewer = UserFactory.create(username="viewer", is_staff=True)
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(Permission.objects.get(codename="view_verdict"))
    client = client_for(viewer)
    for name in ("publish", "return", "correct", "retract"):
        assert client.post(reverse(f"admin:reviews_verdict_{name}", args=[verdict.pk])).status_code == 403
    assert Verdict.objects.get(pk=verdict.pk).status == VerdictStatus.SUBMITTED


def test_bulk_publish_reports_each_refusal(editor: User, reviewer: User, desk: Client) -> None:
    first = submitted_verdict(reviewer)
    second = submitted_verdict(make_reviewer("rev2"))
    verdict_publish(verdict_id=second.pk, editor=editor)
    url = reverse("admin:reviews_verdict_changelist")
    selected = {"action": "publish_selected", "_selected_action": [first.pk, second.pk]}
    confirm = desk.post(url, {**selected, "index": "0"})
    assert confirm.status_code == 200
    assert "Yes, publish" in confirm.content.decode()
    assert Verdict.objects.get(pk=first.pk).status == VerdictStatus.SUBMITTED
    done = desk.post(url, {**selected, "_confirm": "1"}, follow=True)
    assert messages_of(done) == [
        f"Verdict {second.pk} is published; it cannot be published. It is already published.",
        "Published 1 verdict.",
    ]
    assert Verdict.objects.get(pk=first.pk).status == VerdictStatus.PUBLISHED


def test_bulk_return_needs_a_note(reviewer: User, desk: Client) -> None:
    verdict = submitted_verdict(reviewer)
    url = reverse("admin:reviews_verdict_changelist")
    selected = {"action": "return_selected", "_selected_action": [verdict.pk], "_confirm": "1"}
    empty = desk.post(url, {**selected, "note": ""}, follow=True)
    assert "note: Say what the reviewer should change." in messages_of(empty)
    done = desk.post(url, {**selected, "note": "Add the source."}, follow=True)
    assert "Returned 1 verdict." in messages_of(done)


@pytest.mark.parametrize("action", ["publish", "return", "correct", "retract"])
@pytest.mark.parametrize("object_id", ["987654", "%C2%B2", "%D9%A3", "9" * 30])
def test_the_desk_pages_of_an_unknown_verdict_are_404(desk: Client, action: str, object_id: str) -> None:
    # "²" and "٣" pass str.isdigit(); int("²") raised (a 500) and int("٣") read 3.
    assert desk.get(f"/admin/reviews/verdict/{object_id}/{action}/").status_code == 404
    assert desk.post(f"/admin/reviews/verdict/{object_id}/{action}/", {"note": "x"}).status_code == 404


def _buttons(desk: Client, verdict: Verdict) -> list[str]:
    """The desk buttons on the verdict's page, by the page each opens."""
    html = desk.get(reverse("admin:reviews_verdict_change", args=[verdict.pk])).content.decode()
    names = ("publish", "return", "correct", "retract")
    return [name for name in names if reverse(f"admin:reviews_verdict_{name}", args=[verdict.pk]) in html]


def test_the_verdict_page_offers_what_the_workflow_table_allows(
    editor: User, reviewer: User, desk: Client
) -> None:
    submitted = submitted_verdict(reviewer)
    assert _buttons(desk, submitted) == ["publish", "return"]
    written = verdict_create_by_editor(claim_id=ClaimFactory.create().pk, editor=editor, data=SUBMITTED)
    assert _buttons(desk, written) == ["publish"]  # nobody to return it to
    published = verdict_publish(verdict_id=submitted.pk, editor=editor)
    assert _buttons(desk, published) == ["correct", "retract"]
    correction = verdict_correct(verdict_id=published.pk, editor=editor, data=SUBMITTED, note="Fixed.")
    assert _buttons(desk, Verdict.objects.get(pk=published.pk)) == []
    page = desk.get(reverse("admin:reviews_verdict_change", args=[published.pk])).content.decode()
    assert f'href="{reverse("admin:reviews_verdict_change", args=[correction.pk])}"' in page
    assert "Latest version" in page


def test_a_transition_page_the_workflow_refuses_says_why(editor: User, reviewer: User, desk: Client) -> None:
    published = verdict_publish(verdict_id=submitted_verdict(reviewer).pk, editor=editor)
    written = verdict_create_by_editor(claim_id=ClaimFactory.create().pk, editor=editor, data=SUBMITTED)
    for action, verdict, message in (
        (
            "publish",
            published,
            f"Verdict {published.pk} is published; it cannot be published. It is already published.",
        ),
        (
            "return",
            written,
            f"Verdict {written.pk} was written by an editor, not a reviewer; there is nobody to return it "
            "to. Edit it instead.",
        ),
        (
            "correct",
            written,
            f"Verdict {written.pk} is submitted for review; it cannot be corrected. Edit it or publish it; "
            "only published verdicts are corrected.",
        ),
    ):
        page = reverse(f"admin:reviews_verdict_{action}", args=[verdict.pk])
        response = desk.get(page)
        change = reverse("admin:reviews_verdict_change", args=[verdict.pk])
        assert (response.status_code, response["Location"]) == (302, change), action
        assert messages_of(desk.get(change)) == [message]
    correction = verdict_correct(verdict_id=published.pk, editor=editor, data=SUBMITTED, note="Fixed.")
    retract = desk.get(reverse("admin:reviews_verdict_retract", args=[published.pk]), follow=True)
    assert messages_of(retract) == [
        f"Verdict {published.pk} is superseded by a correction; it cannot be retracted. "
        f"Act on the latest version (verdict {correction.pk}) instead."
    ]
    assert Verdict.objects.get(pk=published.pk).status == VerdictStatus.SUPERSEDED
