"""The editors' desk in the Django admin: who gets in, what each page and action does (always through the
services, with their messages), the read-only audit log, and changelists whose query count does not grow
with the rows shown."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reviews.models import (
    ArticleStatus,
    Citation,
    Claim,
    ClaimStatus,
    EventAction,
    RatingLabel,
    ReviewEvent,
    ReviewTask,
    Scorecard,
    TaskStatus,
    Verdict,
    VerdictStatus,
)
from reviews.services import queue
from reviews.services.verdicts import CitationInput, VerdictInput, verdict_publish
from tests.factories import ArticleFactory, ClaimFactory, ReviewTaskFactory, UserFactory, rating

pytestmark = pytest.mark.django_db

SUBMITTED = VerdictInput(
    rating="mostly-false",
    summary="The figure is from 2012, not 2016.",
    citations=(CitationInput(url="https://example.org/report", title="Report"),),
)
BODY = "Prices rose last year. The GDP grew 3% in 2019. Economists were surprised."


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def make_reviewer(name: str) -> User:
    user = UserFactory.create(username=name)
    user.groups.add(Group.objects.get(name="Reviewers"))
    return user


def submitted_verdict(reviewer: User, **task_kwargs: Any) -> Verdict:
    task = ReviewTaskFactory.create(**task_kwargs)
    outcome = queue.task_claim_next(reviewer=reviewer)
    assert outcome is not None
    return queue.task_submit(
        task_id=task.pk, reviewer=reviewer, lease_token=outcome.task.lease_token, data=SUBMITTED
    )


def slug_of(verdict: Verdict) -> str:
    assert verdict.rating is not None
    return verdict.rating.slug


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def page_text(response: Any) -> str:
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def desk(editor: User) -> Client:
    return client_for(editor)


@pytest.fixture
def superuser(db: None) -> User:
    return User.objects.create_superuser("root", email="root@example.org", password="x")


# --------------------------------------------------------------------------------------------------
# Who gets in
# --------------------------------------------------------------------------------------------------

DESK_LISTS = [
    "admin:reviews_article_changelist",
    "admin:reviews_claim_changelist",
    "admin:reviews_reviewtask_changelist",
    "admin:reviews_verdict_changelist",
    "admin:reviews_ratinglabel_changelist",
    "admin:reviews_reviewevent_changelist",
    "admin:reviews_scorecard_changelist",
]


def test_editors_get_the_desk(desk: Client) -> None:
    index = desk.get(reverse("admin:index"))
    assert index.status_code == 200
    text = page_text(index)
    for name in (
        "Articles",
        "Claims",
        "Review tasks",
        "Verdicts",
        "Rating labels",
        "Review events",
        "Scorecards",
    ):
        assert name in text
    for url_name in DESK_LISTS:
        assert desk.get(reverse(url_name)).status_code == 200, url_name


def test_reviewers_are_not_staff_and_are_sent_to_log_in(reviewer: User) -> None:
    client = client_for(reviewer)
    response = client.get(reverse("admin:reviews_verdict_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_staff_without_the_editors_group_sees_nothing(db: None) -> None:
    client = client_for(UserFactory.create(username="staffer", is_staff=True))
    for url_name in DESK_LISTS:
        assert client.get(reverse(url_name)).status_code == 403, url_name


def test_superusers_see_everything(superuser: User) -> None:
    client = client_for(superuser)
    for url_name in [*DESK_LISTS, "admin:auth_user_changelist"]:
        assert client.get(reverse(url_name)).status_code == 200, url_name


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


# --------------------------------------------------------------------------------------------------
# Verdicts: the change page, saving through the services, the transitions
# --------------------------------------------------------------------------------------------------


def inline_data(
    citations: list[dict[str, str]], *, initial: int, extra_prefix: str = "citations"
) -> dict[str, str]:
    data = {
        f"{extra_prefix}-TOTAL_FORMS": str(len(citations)),
        f"{extra_prefix}-INITIAL_FORMS": str(initial),
        f"{extra_prefix}-MIN_NUM_FORMS": "0",
        f"{extra_prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, citation in enumerate(citations):
        for key, value in citation.items():
            data[f"{extra_prefix}-{index}-{key}"] = value
    return data


def edit_form(
    verdict: Verdict, *, rating_slug: str, summary: str, citations: list[dict[str, str]]
) -> dict[str, str]:
    existing = list(verdict.citations.order_by("position", "id"))
    rows = []
    for index, row in enumerate(citations):
        row = {"url": "", "title": "", "publisher": "", "published": "", "excerpt": "", **row}
        if index < len(existing):
            row = {**row, "id": str(existing[index].pk), "verdict": str(verdict.pk)}
        else:
            row = {**row, "verdict": str(verdict.pk)}
        rows.append(row)
    return {
        "rating": str(rating(rating_slug).pk),
        "summary": summary,
        "rationale": "",
        **inline_data(rows, initial=len(existing)),
    }


def test_the_verdict_page_shows_the_claim_in_context_and_the_desk_buttons(
    reviewer: User, desk: Client
) -> None:
    article = ArticleFactory.create(body=BODY, raw_text=BODY)
    start = BODY.index("The GDP")
    claim = ClaimFactory.create(article=article, text="The GDP grew 3% in 2019.", start=start, end=start + 24)
    verdict = submitted_verdict(reviewer, claim=claim)
    response = desk.get(reverse("admin:reviews_verdict_change", args=[verdict.pk]))
    html = response.content.decode()
    assert '<mark style="font-weight:600">The GDP grew 3% in 2019.</mark>' in html
    for name in ("publish", "return"):
        assert reverse(f"admin:reviews_verdict_{name}", args=[verdict.pk]) in html
    assert reverse("admin:reviews_verdict_correct", args=[verdict.pk]) not in html
    assert 'name="_save"' in html  # a submitted verdict is edited in place


def test_an_editor_edits_a_submitted_verdict_and_its_citations_inline(
    editor: User, reviewer: User, desk: Client
) -> None:
    verdict = submitted_verdict(reviewer)
    data = edit_form(
        verdict,
        rating_slug="false",
        summary="The figure is from 2009.",
        citations=[
            {"url": "https://example.org/report", "title": "Report (2009 edition)"},
            {"url": "https://stats.example.org/table", "publisher": "Statistics office"},
        ],
    )
    response = desk.post(reverse("admin:reviews_verdict_change", args=[verdict.pk]), data)
    assert response.status_code == 302, page_text(response)[:2000]
    verdict.refresh_from_db()
    assert (slug_of(verdict), verdict.summary, verdict.status, verdict.editor) == (
        "false",
        "The figure is from 2009.",
        VerdictStatus.SUBMITTED,
        editor,
    )
    assert list(verdict.citations.values_list("url", "title", "position")) == [
        ("https://example.org/report", "Report (2009 edition)", 0),
        ("https://stats.example.org/table", "", 1),
    ]
    assert (
        ReviewEvent.objects.filter(verdict=verdict, action=EventAction.VERDICT_EDITED, actor=editor).count()
        == 1
    )


def test_removing_a_citation_inline(reviewer: User, desk: Client) -> None:
    verdict = submitted_verdict(reviewer)
    data = edit_form(
        verdict,
        rating_slug="unverifiable",
        summary="No records.",
        citations=[{"url": "https://example.org/report"}],
    )
    data["citations-0-DELETE"] = "on"
    response = desk.post(reverse("admin:reviews_verdict_change", args=[verdict.pk]), data)
    assert response.status_code == 302
    assert Citation.objects.filter(verdict=verdict).count() == 0


@pytest.mark.parametrize(
    ("citations", "rating_slug", "summary", "shown"),
    [
        (
            [{"url": "javascript:alert(1)"}],
            "false",
            "x",
            "Citation URLs must be absolute http:// or https:// links.",
        ),
        ([{"url": "/relative"}], "false", "x", "Citation URLs must be absolute http:// or https:// links."),
        (
            [{"url": "https://a.example/"}, {"url": "https://a.example/"}],
            "false",
            "x",
            "This URL is already cited (citation 1).",
        ),
        (
            [{"url": "https://a.example/", "title": "t" * 501}],
            "false",
            "x",
            "At most 500 characters (got 501).",
        ),
        ([], "false", "x", "A verdict rated “False” needs at least one citation."),
        ([{"url": "https://a.example/"}], "false", "s" * 2001, "At most 2,000 characters (got 2,001)."),
        ([{"url": "https://a.example/"}], "false", "", "A summary is required."),
    ],
)
def test_the_service_refuses_bad_input_with_its_own_words(
    reviewer: User, desk: Client, citations: list[dict[str, str]], rating_slug: str, summary: str, shown: str
) -> None:
    verdict = submitted_verdict(reviewer)
    data = edit_form(verdict, rating_slug=rating_slug, summary=summary, citations=citations)
    if not citations:  # remove the existing citation
        data = edit_form(
            verdict,
            rating_slug=rating_slug,
            summary=summary,
            citations=[{"url": "https://example.org/report"}],
        )
        data["citations-0-DELETE"] = "on"
    response = desk.post(reverse("admin:reviews_verdict_change", args=[verdict.pk]), data)
    assert response.status_code == 200
    assert shown in page_text(response)
    assert "Please correct the error" in page_text(response)
    # Nothing changed: the service refused inside the admin's transaction, which rolled back.
    verdict.refresh_from_db()
    assert verdict.summary == SUBMITTED.summary
    assert list(verdict.citations.values_list("url", flat=True)) == ["https://example.org/report"]
    assert not ReviewEvent.objects.filter(verdict=verdict, action=EventAction.VERDICT_EDITED).exists()


def test_the_refused_form_keeps_what_the_editor_typed(reviewer: User, desk: Client) -> None:
    verdict = submitted_verdict(reviewer)
    data = edit_form(
        verdict,
        rating_slug="false",
        summary="Typed summary",
        citations=[
            {"url": "https://example.org/report"},
            {"url": "data:text/html,hi", "title": "Typed title"},
        ],
    )
    response = desk.post(reverse("admin:reviews_verdict_change", args=[verdict.pk]), data)
    html = response.content.decode()
    assert "Typed summary" in html
    assert 'value="Typed title"' in html
    assert 'value="data:text/html,hi"' in html


def test_published_verdicts_are_frozen_in_the_admin(editor: User, reviewer: User, desk: Client) -> None:
    verdict = verdict_publish(verdict_id=submitted_verdict(reviewer).pk, editor=editor)
    url = reverse("admin:reviews_verdict_change", args=[verdict.pk])
    page = desk.get(url).content.decode()
    assert 'name="_save"' not in page
    assert reverse("admin:reviews_verdict_correct", args=[verdict.pk]) in page
    assert reverse("admin:reviews_verdict_retract", args=[verdict.pk]) in page
    assert reverse("admin:reviews_verdict_publish", args=[verdict.pk]) not in page
    post = desk.post(
        url, edit_form(verdict, rating_slug="true", summary="x", citations=[{"url": "https://x.example/"}])
    )
    assert post.status_code == 403
    assert slug_of(Verdict.objects.get(pk=verdict.pk)) == "mostly-false"


def test_an_editor_writes_a_verdict_from_the_add_page(editor: User, desk: Client) -> None:
    task = ReviewTaskFactory.create()
    data = {
        "claim": str(task.claim_id),
        "rating": str(rating("true").pk),
        "summary": "Confirmed by the statistics office.",
        "rationale": "",
        **inline_data([{"url": "https://stats.example.org/gdp", "title": "GDP 2019"}], initial=0),
    }
    response = desk.post(reverse("admin:reviews_verdict_add"), data)
    assert response.status_code == 302, page_text(response)[:2000]
    verdict = Verdict.objects.get(claim_id=task.claim_id)
    assert (verdict.status, verdict.reviewer, verdict.editor) == (VerdictStatus.SUBMITTED, None, editor)
    assert list(verdict.citations.values_list("url", flat=True)) == ["https://stats.example.org/gdp"]
    assert ReviewTask.objects.get(pk=task.pk).status == TaskStatus.SUBMITTED


def test_the_add_page_refuses_a_claim_under_review(reviewer: User, desk: Client) -> None:
    verdict = submitted_verdict(reviewer)
    data = {
        "claim": str(verdict.claim_id),
        "rating": str(rating("true").pk),
        "summary": "x",
        "rationale": "",
        **inline_data([{"url": "https://stats.example.org/gdp"}], initial=0),
    }
    response = desk.post(reverse("admin:reviews_verdict_add"), data, follow=True)
    assert (
        f"Claim {verdict.claim_id} already has a verdict in progress (verdict {verdict.pk}, "
        "submitted for review); edit that one instead."
    ) in messages_of(response)
    assert Verdict.objects.filter(claim_id=verdict.claim_id).count() == 1


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


# --------------------------------------------------------------------------------------------------
# Review tasks
# --------------------------------------------------------------------------------------------------


def test_assign_a_task_to_a_reviewer(editor: User, reviewer: User, desk: Client) -> None:
    task = ReviewTaskFactory.create()
    url = reverse("admin:reviews_reviewtask_changelist")
    page = desk.post(url, {"action": "assign", "_selected_action": [task.pk], "index": "0"})
    assert page.status_code == 200
    assert f'<option value="{reviewer.pk}">rev</option>' in page.content.decode()
    done = desk.post(
        url,
        {"action": "assign", "_selected_action": [task.pk], "_confirm": "1", "reviewer": reviewer.pk},
        follow=True,
    )
    assert "Assigned to rev: 1 task." in messages_of(done)
    assert ReviewTask.objects.get(pk=task.pk).assignee == reviewer


@pytest.mark.parametrize(
    ("action", "check", "message"),
    [
        (
            "release",
            lambda t: t.status == TaskStatus.AVAILABLE and t.lease_holder is None,
            "Released 1 task.",
        ),
        ("requeue", lambda t: t.status == TaskStatus.AVAILABLE, "Requeued 1 task."),
        ("cancel", lambda t: t.status == TaskStatus.CANCELLED, "Cancelled 1 task."),
        ("raise_priority", lambda t: t.priority == 1900, "Raised the priority of 1 task."),
    ],
)
def test_task_actions(
    reviewer: User, desk: Client, action: str, check: Callable[[ReviewTask], bool], message: str
) -> None:
    task = ReviewTaskFactory.create(priority=900)
    assert queue.task_claim_next(reviewer=reviewer) is not None
    response = desk.post(
        reverse("admin:reviews_reviewtask_changelist"),
        {"action": action, "_selected_action": [task.pk], "index": "0"},
        follow=True,
    )
    assert message in messages_of(response)
    assert check(ReviewTask.objects.get(pk=task.pk))


def test_task_action_refusals_come_from_the_service(editor: User, reviewer: User, desk: Client) -> None:
    verdict = verdict_publish(verdict_id=submitted_verdict(reviewer).pk, editor=editor)
    response = desk.post(
        reverse("admin:reviews_reviewtask_changelist"),
        {"action": "cancel", "_selected_action": [verdict.task_id], "index": "0"},
        follow=True,
    )
    assert messages_of(response) == [
        f"Task {verdict.task_id} is done (verdict published); it cannot be cancelled."
    ]


def test_task_filters(reviewer: User, desk: Client) -> None:
    expired = ReviewTaskFactory.create(priority=2000)
    assert queue.task_claim_next(reviewer=reviewer) is not None
    ReviewTask.objects.filter(pk=expired.pk).update(lease_expires_at=timezone.now() - dt.timedelta(minutes=1))
    ReviewTaskFactory.create(priority=300)
    url = reverse("admin:reviews_reviewtask_changelist")
    assert [t.pk for t in desk.get(url, {"lease": "expired"}).context["cl"].result_list] == [expired.pk]
    assert [t.pk for t in desk.get(url, {"priority": "raised"}).context["cl"].result_list] == [expired.pk]
    assert desk.get(url, {"priority": "low"}).context["cl"].result_count == 1
    assert desk.get(url, {"status__exact": "leased"}).context["cl"].result_count == 1


# --------------------------------------------------------------------------------------------------
# Claims and articles
# --------------------------------------------------------------------------------------------------


def test_promote_and_demote(desk: Client) -> None:
    article = ArticleFactory.create()
    sentence = ClaimFactory.create(article=article, status=ClaimStatus.SENTENCE, score=0.4)
    url = reverse("admin:reviews_claim_changelist")
    done = desk.post(url, {"action": "promote", "_selected_action": [sentence.pk], "index": "0"}, follow=True)
    assert "Promoted 1 sentence to claims and queued their review." in messages_of(done)
    assert Claim.objects.get(pk=sentence.pk).status == ClaimStatus.CLAIM
    assert ReviewTask.objects.get(claim=sentence).priority == 400
    again = desk.post(
        url, {"action": "promote", "_selected_action": [sentence.pk], "index": "0"}, follow=True
    )
    assert messages_of(again) == [f"Sentence {sentence.pk} is already a check-worthy claim."]
    demoted = desk.post(
        url, {"action": "demote", "_selected_action": [sentence.pk], "index": "0"}, follow=True
    )
    assert "Demoted 1 claim to sentences." in messages_of(demoted)
    assert ReviewTask.objects.get(claim=sentence).status == TaskStatus.CANCELLED


def test_claim_filters_and_context(editor: User, reviewer: User, desk: Client) -> None:
    article = ArticleFactory.create(body=BODY, raw_text=BODY)
    start = BODY.index("The GDP")
    claim = ClaimFactory.create(
        article=article, text="The GDP grew 3% in 2019.", start=start, end=start + 24, score=0.95
    )
    ClaimFactory.create(status=ClaimStatus.SENTENCE, score=0.2)
    verdict = submitted_verdict(reviewer, claim=claim)
    verdict_publish(verdict_id=verdict.pk, editor=editor)
    url = reverse("admin:reviews_claim_changelist")
    assert [c.pk for c in desk.get(url, {"published": "yes"}).context["cl"].result_list] == [claim.pk]
    assert [c.pk for c in desk.get(url, {"score": "high"}).context["cl"].result_list] == [claim.pk]
    assert desk.get(url, {"score": "low"}).context["cl"].result_count == 1
    assert [c.pk for c in desk.get(url, {"article": str(article.pk)}).context["cl"].result_list] == [claim.pk]
    assert desk.get(url, {"status__exact": "sentence"}).context["cl"].result_count == 1
    assert desk.get(url, {"q": "GDP grew"}).context["cl"].result_count >= 1
    page = desk.get(reverse("admin:reviews_claim_change", args=[claim.pk])).content.decode()
    assert '<mark style="font-weight:600">The GDP grew 3% in 2019.</mark>' in page
    assert "Published: Mostly false" in page_text(desk.get(url, {"published": "yes"}))


def test_article_page_and_list(editor: User, reviewer: User, desk: Client) -> None:
    article = ArticleFactory.create(
        title="Growth report", body=BODY, raw_text=BODY, published_on=dt.date(2020, 1, 15)
    )
    start = BODY.index("The GDP")
    claim = ClaimFactory.create(article=article, text="The GDP grew 3% in 2019.", start=start, end=start + 24)
    ClaimFactory.create(
        article=article, text="Prices rose last year.", start=0, end=22, status=ClaimStatus.CLAIM
    )
    verdict_publish(verdict_id=submitted_verdict(reviewer, claim=claim).pk, editor=editor)
    listing = desk.get(reverse("admin:reviews_article_changelist"))
    row = next(a for a in listing.context["cl"].result_list if a.pk == article.pk)
    assert (row.claim_count, row.published_count) == (2, 1)
    assert "50%" in page_text(listing)
    page = desk.get(reverse("admin:reviews_article_change", args=[article.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert f'<mark title="claim {claim.pk}">The GDP grew 3% in 2019.</mark>' in html
    assert reverse("admin:reviews_claim_change", args=[claim.pk]) in html
    assert "Scorecard" in html
    assert 'name="_save"' not in html
    partial = desk.get(reverse("admin:reviews_article_changelist"), {"progress": "partial"})
    assert [a.pk for a in partial.context["cl"].result_list] == [article.pk]


def test_rebuild_scorecard_action(editor: User, reviewer: User, desk: Client) -> None:
    claim = ClaimFactory.create()
    verdict_publish(verdict_id=submitted_verdict(reviewer, claim=claim).pk, editor=editor)
    response = desk.post(
        reverse("admin:reviews_article_changelist"),
        {"action": "rebuild_scorecard", "_selected_action": [claim.article_id], "index": "0"},
        follow=True,
    )
    assert "Rebuilt 1 scorecard." in messages_of(response)
    card = Scorecard.objects.get(article_id=claim.article_id)
    assert card.data["published"] == 1


def test_reextract_action(editor: User, reviewer: User, desk: Client) -> None:
    text = "The unemployment rate fell to 4.1% in March 2023, the statistics office said. It was sunny."
    article = ArticleFactory.create(raw_text=text, body="old body", status=ArticleStatus.READY)
    ClaimFactory.create(article=article, text="old", start=0, end=3)
    url = reverse("admin:reviews_article_changelist")
    done = desk.post(
        url, {"action": "reextract", "_selected_action": [article.pk], "index": "0"}, follow=True
    )
    assert "Re-extracted 1 article." in messages_of(done)
    article.refresh_from_db()
    assert article.body.startswith("The unemployment rate")
    assert not Claim.objects.filter(article=article, text="old").exists()
    assert ReviewEvent.objects.filter(
        article=article, action=EventAction.ARTICLE_REEXTRACTED, actor=editor
    ).exists()
    # Once review work exists, re-extraction is refused with the service's reason.
    claim = Claim.objects.filter(article=article, status=ClaimStatus.CLAIM).first()
    assert claim is not None
    assert queue.task_claim_next(reviewer=reviewer) is not None
    refused = desk.post(
        url, {"action": "reextract", "_selected_action": [article.pk], "index": "0"}, follow=True
    )
    assert messages_of(refused) == [
        f"Article {article.pk} cannot be re-extracted: "
        "review work has started on its claims (see its audit log)."
    ]


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


# --------------------------------------------------------------------------------------------------
# Changelists: a fixed number of queries, however many rows are shown
# --------------------------------------------------------------------------------------------------


def _verdicts(count: int, editor: User, reviewer: User) -> None:
    label = rating("false")
    for _ in range(count):
        claim = ClaimFactory.create()
        task = ReviewTaskFactory.create(claim=claim, status=TaskStatus.DONE, reviewer=reviewer)
        verdict = Verdict.objects.create(
            claim=claim,
            task=task,
            rating=label,
            summary="s",
            status=VerdictStatus.PUBLISHED,
            reviewer=reviewer,
            editor=editor,
            published_at=timezone.now(),
        )
        Citation.objects.bulk_create(
            Citation(verdict=verdict, url=f"https://e.example/{n}", position=n) for n in range(2)
        )
        Scorecard.objects.create(
            article=claim.article, data={"accuracy": {"score": 40.0}}, source_changed_at=timezone.now()
        )
        ReviewEvent.objects.create(
            action=EventAction.VERDICT_PUBLISHED,
            actor=editor,
            article=claim.article,
            claim=claim,
            task=task,
            verdict=verdict,
        )


def _tasks(count: int, reviewer: User) -> None:
    now = timezone.now()
    for _ in range(count):
        ReviewTaskFactory.create(
            status=TaskStatus.LEASED,
            lease_holder=reviewer,
            assignee=reviewer,
            lease_token=uuid.uuid4(),
            lease_expires_at=now,
        )


def _labels(count: int) -> None:
    start = RatingLabel.objects.count()
    RatingLabel.objects.bulk_create(
        RatingLabel(slug=f"extra-{n}", name=f"Extra {n}", order=100 + n, rating_value=3)
        for n in range(start, start + count)
    )


@pytest.mark.parametrize(
    ("url_name", "grow"),
    [
        ("admin:reviews_article_changelist", lambda ed, rev, n: _verdicts(n, ed, rev)),
        ("admin:reviews_claim_changelist", lambda ed, rev, n: _verdicts(n, ed, rev)),
        ("admin:reviews_reviewtask_changelist", lambda ed, rev, n: _tasks(n, rev)),
        ("admin:reviews_verdict_changelist", lambda ed, rev, n: _verdicts(n, ed, rev)),
        ("admin:reviews_ratinglabel_changelist", lambda ed, rev, n: _labels(n)),
        ("admin:reviews_reviewevent_changelist", lambda ed, rev, n: _verdicts(n, ed, rev)),
        ("admin:reviews_scorecard_changelist", lambda ed, rev, n: _verdicts(n, ed, rev)),
    ],
)
def test_changelist_queries_do_not_grow_with_rows(
    editor: User, reviewer: User, desk: Client, url_name: str, grow: Callable[[User, User, int], None]
) -> None:
    url = reverse(url_name)
    grow(editor, reviewer, 3)
    desk.get(url)  # warm caches (content types, permissions) so both measurements see the same state

    def measure() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = desk.get(url)
        assert response.status_code == 200
        return len(queries), len(response.context["cl"].result_list)

    few_queries, few_rows = measure()
    grow(editor, reviewer, 110)
    many_queries, many_rows = measure()
    assert few_rows <= 10
    assert many_rows >= 100
    assert many_queries == few_queries, (
        f"{url_name}: {few_queries} queries for {few_rows} rows, {many_queries} for {many_rows}"
    )


# --------------------------------------------------------------------------------------------------
# Password guessing (django-axes)
# --------------------------------------------------------------------------------------------------

LOCKED = "Account locked: too many failed login attempts. Try again in 15 minutes."


def _login(client: Client, password: str, path: str = "/admin/login/", username: str = "ed") -> Any:
    return client.post(path, {"username": username, "password": password, "next": "/admin/"})


def test_the_nth_wrong_password_locks_the_login_out(editor: User) -> None:
    from django.conf import settings

    assert settings.AXES_FAILURE_LIMIT == 5
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = _login(client, "guess")
        assert response.status_code == 200
        assert "Please enter the correct username and password" in page_text(response)
    locked = _login(client, "guess")
    assert locked.status_code == 429
    assert LOCKED in page_text(locked)
    assert "After 5 wrong passwords in a row, logging in as ed from this address is paused" in page_text(
        locked
    )
    # While locked, even the right password is refused, on the reviewers' login page too.
    assert _login(client, "pw-for-tests-only").status_code == 429
    reviewers_page = _login(client, "pw-for-tests-only", path="/accounts/login/")
    assert (reviewers_page.status_code, LOCKED in page_text(reviewers_page)) == (429, True)
    # The lock is on this username from this address: others are not locked out.
    assert _login(Client(REMOTE_ADDR="10.1.2.3"), "pw-for-tests-only").status_code == 302


def test_the_lock_ends_after_the_cool_off(editor: User) -> None:
    from axes.models import AccessAttempt
    from django.conf import settings

    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "guess")
    assert _login(client, "pw-for-tests-only").status_code == 429
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - dt.timedelta(seconds=1)
    )
    assert _login(client, "pw-for-tests-only").status_code == 302


def test_a_successful_login_resets_the_count(editor: User) -> None:
    from django.conf import settings

    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "guess")
    assert _login(client, "pw-for-tests-only").status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, "guess").status_code == 200


@pytest.mark.parametrize("action", ["publish", "return", "correct", "retract"])
@pytest.mark.parametrize("object_id", ["987654", "%C2%B2", "%D9%A3", "9" * 30])
def test_the_desk_pages_of_an_unknown_verdict_are_404(desk: Client, action: str, object_id: str) -> None:
    # "²" and "٣" pass str.isdigit(); int("²") raised (a 500) and int("٣") read 3.
    assert desk.get(f"/admin/reviews/verdict/{object_id}/{action}/").status_code == 404
    assert desk.post(f"/admin/reviews/verdict/{object_id}/{action}/", {"note": "x"}).status_code == 404


@pytest.mark.parametrize(("model", "parameter"), [("claim", "article"), ("reviewevent", "claim")])
@pytest.mark.parametrize("value", ["²", "٣", "abc", "9" * 30])
def test_id_filters_ignore_values_that_are_not_ids(
    desk: Client, model: str, parameter: str, value: str
) -> None:
    ClaimFactory.create()
    response = desk.get(f"/admin/reviews/{model}/", {parameter: value})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("model", "field"),
    [
        ("article", "published_on"),
        ("reviewtask", "created_at"),
        ("verdict", "created_at"),
        ("reviewevent", "created_at"),
    ],
)
@pytest.mark.parametrize(
    "query",
    [
        "{f}__year=9999",  # the range's end would be year 10000
        "{f}__year=9999&{f}__month=12",
        "{f}__year=9999&{f}__month=12&{f}__day=31",
        "{f}__year=99999999999",
        "{f}__year=2025&{f}__month=13",
        "{f}__year=abc",
    ],
)
def test_a_date_drill_down_out_of_range_is_the_admins_bad_filter_answer(
    desk: Client, model: str, field: str, query: str
) -> None:
    response = desk.get(f"/admin/reviews/{model}/?" + query.format(f=field))
    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


def test_a_date_drill_down_in_range_still_works(desk: Client) -> None:
    assert desk.get("/admin/reviews/verdict/?created_at__year=9998&created_at__month=12").status_code == 200


@pytest.mark.parametrize("claim", ["abc", "²", "1.5"])
def test_the_add_page_ignores_a_preset_claim_that_is_not_an_id(desk: Client, claim: str) -> None:
    assert desk.get("/admin/reviews/verdict/add/", {"claim": claim}).status_code == 200
    response = desk.post("/admin/reviews/verdict/add/", {"claim": claim, "rating": "", "summary": "x"})
    assert response.status_code == 200
    assert "Select a valid choice" in page_text(response)
    assert not Verdict.objects.exists()


def test_the_add_page_still_shows_a_preset_claim(desk: Client) -> None:
    claim = ClaimFactory.create(text="The GDP grew 3% in 2019.")
    page = page_text(desk.get("/admin/reviews/verdict/add/", {"claim": claim.pk}))
    assert "The GDP grew 3% in 2019." in page
