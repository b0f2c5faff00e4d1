"""The reviewer workspace pages through Django's test client: every page, who may see it, what it shows,
and how refusals from the services come back to the reviewer."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from reviews import views, workflow
from reviews.extraction.annotate import extract_mentions
from reviews.models import (
    Article,
    ClaimType,
    ReviewTask,
    TaskSkip,
    TaskStatus,
    Verdict,
    VerdictStatus,
)
from reviews.services import queue
from tests.factories import ArticleFactory, ClaimFactory, ReviewTaskFactory, UserFactory, rating

pytestmark = pytest.mark.django_db

CLAIM = "The GDP grew 3% in 2019, the ministry said."
BODY = f"Prices rose sharply last year.\n\n{CLAIM} Economists were surprised.\n\nOthers disagree."
QUEUE = reverse("reviews:queue")
NEXT = reverse("reviews:claim-next")


def make_reviewer(name: str) -> User:
    user = UserFactory.create(username=name)
    user.groups.add(Group.objects.get(name="Reviewers"))
    return user


def make_task(text: str = CLAIM, body: str = BODY, priority: int = 870, **claim_fields: Any) -> ReviewTask:
    article = ArticleFactory.create(
        title="Growth report",
        publisher="Daily Planet",
        author="Jo Writer",
        published_on=dt.date(2020, 1, 15),
        source_url="https://news.example.org/growth",
        raw_text=body,
        body=body,
    )
    start = body.index(text)
    claim = ClaimFactory.create(
        article=article,
        text=text,
        start=start,
        end=start + len(text),
        score=0.87,
        claim_type=ClaimType.STATISTIC,
        mentions=extract_mentions(text),
        **claim_fields,
    )
    return ReviewTaskFactory.create(claim=claim, priority=priority)


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def lease(user: User) -> ReviewTask:
    outcome = queue.task_claim_next(reviewer=user)
    assert outcome is not None
    return outcome.task


def form_data(
    task: ReviewTask,
    action: str,
    *,
    rating: str = "",
    summary: str = "",
    rationale: str = "",
    citations: list[dict[str, str]] | None = None,
    rows: int = 3,
    token: str | None = None,
    **extra: str,
) -> dict[str, str]:
    """What the task page's form posts: the verdict fields, the citation formset and the pressed button."""
    citations = citations or []
    total = max(rows, len(citations))
    data = {
        "action": action,
        "lease_token": str(task.lease_token) if token is None else token,
        "rating": rating,
        "summary": summary,
        "rationale": rationale,
        "reason": "",
        "citations-TOTAL_FORMS": str(total),
        "citations-INITIAL_FORMS": "0",
        "citations-MIN_NUM_FORMS": "0",
        "citations-MAX_NUM_FORMS": "50",
    }
    for index in range(total):
        row = citations[index] if index < len(citations) else {}
        for name in ("url", "title", "publisher", "published", "excerpt"):
            data[f"citations-{index}-{name}"] = row.get(name, "")
        if row.get("DELETE"):
            data[f"citations-{index}-DELETE"] = "on"
    data.update(extra)
    return data


def task_url(task: ReviewTask) -> str:
    return reverse("reviews:task", args=[task.pk])


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def field_errors(html: str, field_id: str) -> list[str]:
    """The error messages rendered next to one field (Django's `<ul id="<field id>_error">`)."""
    match = re.search(rf'<ul class="errorlist" id="{re.escape(field_id)}_error">(.*?)</ul>', html, re.S)
    return re.findall(r"<li>(.*?)</li>", match.group(1)) if match else []


def html(response: Any) -> str:
    return response.content.decode()


GOOD_CITATIONS = [
    {"url": "https://stats.example.org/gdp", "title": "GDP 2019", "publisher": "Statistics Office"},
    {"url": "https://archive.example.org/2019", "published": "2020-02-01", "excerpt": "Growth was 2.1%."},
]


# ---------------------------------------------------------------------------------------------------
# Who may see what
# ---------------------------------------------------------------------------------------------------


def test_pages_require_login(client: Client) -> None:
    task = make_task()
    for url in (QUEUE, task_url(task)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert client.post(NEXT).status_code == 302


def test_editors_without_work_queue_are_forbidden(editor: User) -> None:
    task = make_task()
    client = login(editor)
    assert client.get(QUEUE).status_code == 403
    assert client.post(NEXT).status_code == 403
    assert client.get(task_url(task)).status_code == 403
    assert client.post(task_url(task), {"action": "save"}).status_code == 403
    assert ReviewTask.objects.get(pk=task.pk).status == TaskStatus.AVAILABLE


def test_task_page_is_404_unless_the_task_is_held_by_or_returned_to_me(reviewer: User) -> None:
    other = make_reviewer("other")
    make_task()
    theirs = lease(other)
    available = make_task(text="Prices rose sharply last year.")
    client = login(reviewer)
    assert client.get(task_url(theirs)).status_code == 404
    assert client.get(task_url(available)).status_code == 404
    assert client.get(reverse("reviews:task", args=[999999])).status_code == 404
    # Never held it: posting to it is a 404 too, and changes nothing.
    response = client.post(task_url(theirs), form_data(theirs, "release"))
    assert response.status_code == 404
    assert ReviewTask.objects.get(pk=theirs.pk).lease_holder == other


def test_a_submitted_task_is_no_longer_on_the_workspace(reviewer: User) -> None:
    make_task()
    task = lease(reviewer)
    client = login(reviewer)
    client.post(
        task_url(task),
        form_data(task, "submit", rating="false", summary="Growth was 2.1%.", citations=GOOD_CITATIONS[:1]),
    )
    assert client.get(task_url(task)).status_code == 404


def test_next_claim_needs_post(reviewer: User) -> None:
    assert login(reviewer).get(NEXT).status_code == 405


# ---------------------------------------------------------------------------------------------------
# My queue
# ---------------------------------------------------------------------------------------------------


def test_queue_empty_states(reviewer: User) -> None:
    response = login(reviewer).get(QUEUE)
    assert response.status_code == 200
    page = html(response)
    assert '<span class="count" id="waiting-count">0</span>' in page
    assert "No claims are waiting for you right now." in page
    assert "You hold no task. Press “Next claim” to take one." in page
    assert "Nothing came back from the editors." in page
    assert "You have not submitted anything yet." in page
    assert '<button type="submit" class="big">Next claim</button>' in page


def test_queue_shows_waiting_held_returned_and_submitted(
    reviewer: User, django_assert_max_num_queries: Any
) -> None:
    other = make_reviewer("other")
    for n in range(3):
        make_task(text="Prices rose sharply last year.", body=f"Prices rose sharply last year. ({n})")
    skipped = make_task(text="Others disagree.", priority=10)
    TaskSkip.objects.create(task=skipped, reviewer=reviewer, reason="conflict of interest")
    reserved = make_task(text="Others disagree.", priority=10)
    ReviewTask.objects.filter(pk=reserved.pk).update(assignee=other)

    held = lease(reviewer)
    submitted_task = make_task(text="Economists were surprised.", priority=1)
    ReviewTask.objects.filter(pk=submitted_task.pk).update(status=TaskStatus.SUBMITTED, reviewer=reviewer)
    Verdict.objects.create(
        claim=submitted_task.claim,
        task=submitted_task,
        reviewer=reviewer,
        rating=rating("mostly-true"),
        summary="Close enough.",
        status=VerdictStatus.SUBMITTED,
        submitted_at=timezone.now(),
    )
    returned_task = make_task(text="Others disagree.", priority=1)
    ReviewTask.objects.filter(pk=returned_task.pk).update(status=TaskStatus.RETURNED, reviewer=reviewer)
    Verdict.objects.create(
        claim=returned_task.claim,
        task=returned_task,
        reviewer=reviewer,
        rating=rating("false"),
        summary="Wrong.",
        status=VerdictStatus.RETURNED,
        editor_note="Cite the 2019 annual report, not a blog.",
    )

    client = login(reviewer)
    client.get(QUEUE)  # warm the session
    # With the history (reviews.selectors_history): its count, its page and the figures' two.
    with django_assert_max_num_queries(12):
        response = client.get(QUEUE)
    page = html(response)
    overview = response.context["overview"]
    # Three tasks in the shared queue minus the held one; the skipped and the reserved ones are not mine.
    assert overview.waiting == 2
    assert '<span class="count" id="waiting-count">2</span>' in page
    assert [t.pk for t in overview.held] == [held.pk]
    assert f'href="{task_url(held)}"' in page
    assert held.lease_expires_at is not None
    assert f'lease until <time datetime="{held.lease_expires_at.isoformat()}">' in page
    assert "Cite the 2019 annual report, not a blog." in page
    assert f'href="{task_url(returned_task)}"' in page
    assert "Economists were surprised." in page
    assert "Mostly true" in page


def test_a_lease_that_ran_out_counts_as_waiting(reviewer: User) -> None:
    task = make_task(body=BODY)
    ReviewTask.objects.filter(pk=task.pk).update(
        status=TaskStatus.LEASED,
        lease_holder=make_reviewer("other"),
        lease_token=uuid.uuid4(),
        lease_expires_at=timezone.now() - dt.timedelta(minutes=1),
    )
    assert '<span class="count" id="waiting-count">1</span>' in html(login(reviewer).get(QUEUE))
    ReviewTask.objects.filter(pk=task.pk).update(lease_expires_at=timezone.now() + dt.timedelta(minutes=5))
    assert '<span class="count" id="waiting-count">0</span>' in html(login(reviewer).get(QUEUE))


def test_queue_count_stops_at_the_cap(reviewer: User, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("reviews.selectors.WAITING_COUNT_CAP", 2)
    for n in range(4):
        make_task(body=f"{BODY} ({n})")
    page = html(login(reviewer).get(QUEUE))
    assert '<span class="count" id="waiting-count">2+</span>' in page
    assert "(more than 2)" in page


def test_next_claim_leases_and_redirects_to_the_task(reviewer: User) -> None:
    task = make_task()
    response = login(reviewer).post(NEXT)
    assert response.status_code == 302
    assert response["Location"] == task_url(task)
    task.refresh_from_db()
    assert task.status == TaskStatus.LEASED
    assert task.lease_holder == reviewer


def test_next_claim_with_nothing_to_review(reviewer: User) -> None:
    response = login(reviewer).post(NEXT, follow=True)
    assert response.redirect_chain == [(QUEUE, 302)]
    assert messages_of(response) == ["Nothing to review right now."]


def test_next_claim_while_holding_gives_the_same_task_back(reviewer: User) -> None:
    make_task(), make_task(body=f"{BODY} again")
    task = lease(reviewer)
    response = login(reviewer).post(NEXT, follow=True)
    assert response.redirect_chain == [(task_url(task), 302)]
    assert messages_of(response) == [
        "You already hold this task. Finish it, or release it to take another one."
    ]


# ---------------------------------------------------------------------------------------------------
# The task page
# ---------------------------------------------------------------------------------------------------


def test_task_page_shows_the_claim_in_its_article(reviewer: User, django_assert_max_num_queries: Any) -> None:
    make_task()
    task = lease(reviewer)
    client = login(reviewer)
    client.get(QUEUE)
    with django_assert_max_num_queries(10):
        response = client.get(task_url(task))
    assert response.status_code == 200
    page = html(response)
    assert f'<p><mark id="claim">{CLAIM}</mark> Economists were surprised.</p>' in page
    assert "<p>Prices rose sharply last year.</p>" in page
    assert "<p>Others disagree.</p>" in page
    assert '<h2 id="article-heading">Growth report</h2>' in page
    assert "<li>Daily Planet</li>" in page
    assert '<time datetime="2020-01-15">15 January 2020</time>' in page
    assert '<a href="https://news.example.org/growth" rel="noopener noreferrer">Original article</a>' in page
    assert "<dd>0.87" in page
    assert "<dd>Statistic or quantity</dd>" in page
    assert f'<input type="hidden" name="lease_token" value="{task.lease_token}">' in page
    assert '<option value="mostly-false">Mostly false</option>' in page
    assert "No earlier verdicts on this claim or on similar ones." in page
    # Spare citation rows for browsers without JavaScript, each with a remove checkbox.
    assert page.count("data-citation-row>") == 3 + 1  # three rows and the template for new ones
    assert 'name="citations-0-DELETE"' in page
    assert "This task is yours until" in page
    assert 'data-seconds-left="' in page


def test_task_page_offers_the_buttons_the_workflow_table_allows(reviewer: User) -> None:
    make_task()
    task = lease(reviewer)
    page = html(login(reviewer).get(task_url(task)))
    offered = workflow.actions_for(task, role=workflow.Role.REVIEWER)
    for name, value in (
        ("task.submit", "submit"),
        ("task.save_draft", "save"),
        ("task.skip", "skip"),
        ("task.release", "release"),
        ("task.heartbeat", "extend"),
    ):
        assert workflow.action(name) in offered
        assert re.search(
            rf'name="action" value="{value}"[^>]*>{re.escape(workflow.action(name).label)}<', page
        )


@pytest.mark.parametrize("source_url", ["https://[::1", "https://exa mple.org/"])
def test_task_page_does_not_link_a_source_url_that_is_not_a_web_link(reviewer: User, source_url: str) -> None:
    # Stored before source URLs were checked (the database now refuses any but http(s) ones): such a URL
    # broke the page (urlsplit raised) and the reviewer could not even release the task.
    task = make_task()
    Article.objects.filter(pk=task.claim.article_id).update(source_url=source_url)
    task = lease(reviewer)
    response = login(reviewer).get(task_url(task))
    assert response.status_code == 200
    page = html(response)
    assert "Original article" not in page
    assert "Release" in page


def test_earlier_verdicts_on_the_same_and_similar_claims(reviewer: User) -> None:
    make_task()
    task = lease(reviewer)
    now = timezone.now()
    Verdict.objects.create(
        claim=task.claim,
        rating=rating("mostly-true"),
        summary="An earlier check of this very claim.",
        status=VerdictStatus.SUPERSEDED,
        version=1,
        published_at=now - dt.timedelta(days=30),
    )
    numbers = make_task(
        text="Output grew 3% in 2019 in the north.", body="Output grew 3% in 2019 in the north."
    )
    Verdict.objects.create(
        claim=numbers.claim,
        rating=rating("false"),
        summary="It grew 1%.",
        status=VerdictStatus.PUBLISHED,
        published_at=now,
    )
    unrelated = make_task(text="Cats sleep all day long.", body="Cats sleep all day long.")
    Verdict.objects.create(
        claim=unrelated.claim,
        rating=rating("true"),
        summary="They do.",
        status=VerdictStatus.PUBLISHED,
        published_at=now,
    )
    page = html(login(reviewer).get(task_url(task)))
    assert "An earlier check of this very claim." in page
    assert "(superseded by a correction)" in page
    assert "Similar claim: “Output grew 3% in 2019 in the north.”" in page
    assert "(shares 3%, 2019)" in page
    assert "Cats sleep" not in page


def test_save_draft_keeps_the_work_and_fills_the_form_again(reviewer: User) -> None:
    make_task()
    task = lease(reviewer)
    client = login(reviewer)
    response = client.post(
        task_url(task),
        form_data(
            task,
            "save",
            rating="mostly-false",
            summary="Growth was 2.1%, not 3%.",
            rationale="Checked the statistics office.",
            citations=[{}, GOOD_CITATIONS[0]],  # a blank row first: blank rows are not sent
        ),
        follow=True,
    )
    assert response.redirect_chain == [(task_url(task), 302)]
    assert re.fullmatch(r"Draft saved at \d\d:\d\d UTC\.", messages_of(response)[0])
    verdict = Verdict.objects.get(task=task)
    assert verdict.status == VerdictStatus.DRAFT
    assert verdict.rating == rating("mostly-false")
    assert [c.url for c in verdict.citations.all()] == ["https://stats.example.org/gdp"]
    page = html(response)
    assert '<option value="mostly-false" selected>Mostly false</option>' in page
    assert "Growth was 2.1%, not 3%.</textarea>" in page
    assert 'value="https://stats.example.org/gdp"' in page


def test_submit_goes_to_the_queue_with_next_claim_at_hand(reviewer: User) -> None:
    make_task()
    task = lease(reviewer)
    response = login(reviewer).post(
        task_url(task),
        form_data(
            task,
            "submit",
            rating="mostly-false",
            summary="Growth was 2.1%, not 3%.",
            citations=GOOD_CITATIONS,
        ),
        follow=True,
    )
    assert response.redirect_chain == [(QUEUE, 302)]
    assert messages_of(response) == ["Verdict submitted for editor review. Thank you!"]
    task.refresh_from_db()
    assert task.status == TaskStatus.SUBMITTED
    verdict = Verdict.objects.get(task=task)
    assert verdict.status == VerdictStatus.SUBMITTED
    citations = list(verdict.citations.all())
    assert [c.url for c in citations] == [c["url"] for c in GOOD_CITATIONS]
    assert citations[1].published == dt.date(2020, 2, 1)
    assert citations[1].excerpt == "Growth was 2.1%."
    page = html(response)
    assert "Submitted, waiting for an editor" in page
    assert '<button type="submit" class="big">Next claim</button>' in page


def test_removed_citation_rows_are_not_sent(reviewer: User) -> None:
    make_task()
    task = lease(reviewer)
    rows = [GOOD_CITATIONS[0] | {"DELETE": "on"}, GOOD_CITATIONS[1]]
    login(reviewer).post(
        task_url(task), form_data(task, "submit", rating="false", summary="Wrong.", citations=rows)
    )
    assert [c.url for c in Verdict.objects.get(task=task).citations.all()] == [GOOD_CITATIONS[1]["url"]]


def test_validation_errors_are_shown_next_to_their_fields(reviewer: User) -> None:
    make_task()
    task = lease(reviewer)
    rows = [
        {},  # blank: ignored
        {"url": "ftp://files.example.org/gdp.csv", "title": "Raw data"},
        {"url": "https://stats.example.org/gdp"},
        {"url": "https://stats.example.org/gdp", "title": "The same again"},
    ]
    response = login(reviewer).post(
        task_url(task), form_data(task, "submit", summary="  ", citations=rows, rows=4)
    )
    assert response.status_code == 400
    page = html(response)
    assert views.FIX_ERRORS == "Some fields need your attention: see the messages next to them."
    assert views.FIX_ERRORS in page
    assert field_errors(page, "id_rating") == ["Choose a rating."]
    assert field_errors(page, "id_summary") == ["A summary is required."]
    # Service errors index the citations sent; the page maps them back to the rows the reviewer sees.
    assert field_errors(page, "id_citations-1-url") == [
        "Citation URLs must be absolute http:// or https:// links."
    ]
    assert field_errors(page, "id_citations-2-url") == []
    assert field_errors(page, "id_citations-3-url") == ["This URL is already cited (citation 2)."]
    assert 'value="ftp://files.example.org/gdp.csv"' in page
    assert 'aria-invalid="true"' in page
    assert not Verdict.objects.filter(task=task).exists()


def test_a_rating_that_needs_a_citation_says_so_above_the_rows(reviewer: User) -> None:
    make_task()
    task = lease(reviewer)
    response = login(reviewer).post(
        task_url(task), form_data(task, "submit", rating="false", summary="Wrong.")
    )
    assert response.status_code == 400
    expected = "<li>A verdict rated “False” needs at least one citation.</li>"
    assert f'<ul class="errorlist" id="citations-errors">{expected}</ul>' in html(response)


def test_a_malformed_date_is_refused_by_the_form(reviewer: User) -> None:
    make_task()
    task = lease(reviewer)
    rows = [{"url": "https://stats.example.org/gdp", "published": "last spring"}]
    response = login(reviewer).post(task_url(task), form_data(task, "save", summary="Draft", citations=rows))
    assert response.status_code == 400
    page = html(response)
    assert field_errors(page, "id_citations-0-published") == ["Enter a valid date."]
    assert views.FIX_ERRORS in page
    assert not Verdict.objects.filter(task=task).exists()


def test_a_lost_lease_is_explained_and_the_draft_kept(reviewer: User) -> None:
    make_task()
    task = lease(reviewer)
    ReviewTask.objects.filter(pk=task.pk).update(lease_expires_at=timezone.now() - dt.timedelta(minutes=1))
    client = login(reviewer)
    typed = form_data(
        task,
        "submit",
        rating="mostly-false",
        summary="Growth was 2.1%, not 3%.",
        rationale="Two hours of reading.",
        citations=GOOD_CITATIONS,
    )
    response = client.post(task_url(task), typed)
    assert response.status_code == 409
    page = html(response)
    assert "<h2>Your lease on this task has ended</h2>" in page
    assert re.search(
        rf"<p>Your lease on task {task.pk} expired at \d\d:\d\d:\d\d UTC. "
        r"Nothing was changed; take the next task to continue.</p>",
        page,
    )
    assert (
        "<p><strong>Your text is not lost.</strong> It is still in the form below, so you can copy it. "
        "If you take this task again, it will be filled in for you.</p>"
    ) in page
    assert "Two hours of reading.</textarea>" in page
    assert 'value="https://archive.example.org/2019"' in page
    assert "Submit for editor review" not in page
    assert not Verdict.objects.filter(task=task).exists()

    # Taking the task again brings the text back into the form.
    response = client.post(NEXT, follow=True)
    assert response.redirect_chain == [(task_url(task), 302)]
    page = html(response)
    assert "We filled in the text you typed before your lease ended. Press “Save draft” to keep it." in page
    assert "Two hours of reading.</textarea>" in page
    assert '<option value="mostly-false" selected>Mostly false</option>' in page
    # Once saved, the kept copy is gone.
    fresh = ReviewTask.objects.get(pk=task.pk)
    client.post(task_url(fresh), form_data(fresh, "save", summary="Saved now."))
    assert "We filled in" not in html(client.get(task_url(fresh)))


def test_a_lease_taken_by_someone_else_is_explained(reviewer: User) -> None:
    make_task()
    task = lease(reviewer)
    other = make_reviewer("other")
    # The lease ran out and someone else took the task.
    ReviewTask.objects.filter(pk=task.pk).update(lease_expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert lease(other).pk == task.pk
    response = login(reviewer).post(task_url(task), form_data(task, "save", summary="Mine."))
    assert response.status_code == 409
    page = html(response)
    assert (
        f"You do not hold task {task.pk}: it was released, expired or taken by someone else. "
        "Nothing was changed; take the next task to continue."
    ) in page
    assert "Mine.</textarea>" in page
    taken = ReviewTask.objects.get(pk=task.pk)
    assert taken.lease_holder == other
    assert str(taken.lease_token) not in page


def test_release_gives_the_task_back(reviewer: User) -> None:
    make_task()
    task = lease(reviewer)
    response = login(reviewer).post(
        task_url(task), form_data(task, "release", summary="Never mind"), follow=True
    )
    assert response.redirect_chain == [(QUEUE, 302)]
    assert messages_of(response) == ["Task released back to the queue."]
    assert ReviewTask.objects.get(pk=task.pk).status == TaskStatus.AVAILABLE


def test_skip_needs_a_reason(reviewer: User) -> None:
    make_task()
    task = lease(reviewer)
    client = login(reviewer)
    response = client.post(task_url(task), form_data(task, "skip", summary="Typed text stays."))
    assert response.status_code == 400
    page = html(response)
    assert field_errors(page, "id_reason") == ["Say why you skip this task."]
    assert "Typed text stays.</textarea>" in page
    assert ReviewTask.objects.get(pk=task.pk).status == TaskStatus.LEASED

    response = client.post(
        task_url(task), form_data(task, "skip", reason="Conflict of interest"), follow=True
    )
    assert response.redirect_chain == [(QUEUE, 302)]
    assert messages_of(response) == ["Task skipped. It will not be offered to you again."]
    assert TaskSkip.objects.get(task=task).reason == "Conflict of interest"


def test_extend_lease_without_javascript_keeps_what_was_typed(reviewer: User) -> None:
    make_task()
    task = lease(reviewer)
    ReviewTask.objects.filter(pk=task.pk).update(lease_expires_at=timezone.now() + dt.timedelta(minutes=1))
    response = login(reviewer).post(task_url(task), form_data(task, "extend", summary="Half-way there"))
    assert response.status_code == 200
    task.refresh_from_db()
    assert task.lease_expires_at is not None
    assert messages_of(response) == [f"Lease extended until {task.lease_expires_at:%H:%M} UTC."]
    assert "Half-way there</textarea>" in html(response)
    assert not Verdict.objects.filter(task=task).exists()


def test_the_task_page_says_how_long_the_lease_has_left(reviewer: User) -> None:
    make_task()
    task = lease(reviewer)
    expires = timezone.now() + dt.timedelta(minutes=12, seconds=30)
    ReviewTask.objects.filter(pk=task.pk).update(lease_expires_at=expires)
    page = html(login(reviewer).get(task_url(task)))
    assert re.search(r"\(in 12 min (2\d|30) s\)</span>", page), page


def test_unknown_action(reviewer: User) -> None:
    make_task()
    task = lease(reviewer)
    response = login(reviewer).post(task_url(task), form_data(task, "publish"))
    assert response.status_code == 400
    assert "Unknown action." in html(response)


def test_heartbeat_for_the_countdown_script(reviewer: User) -> None:
    make_task()
    task = lease(reviewer)
    url = reverse("reviews:task-heartbeat", args=[task.pk])
    client = login(reviewer)
    response = client.post(url, {"lease_token": str(task.lease_token)})
    assert response.status_code == 200
    body = response.json()
    assert 1190 <= body["seconds_left"] <= 1200
    task.refresh_from_db()
    assert task.lease_expires_at is not None
    assert body["lease_expires_at"] == task.lease_expires_at.isoformat()
    assert body["message"] == f"Lease extended until {task.lease_expires_at:%H:%M} UTC."

    response = client.post(url, {"lease_token": "a-stale-token"})
    assert response.status_code == 409
    assert response.json()["code"] == "lease_not_held"
    assert client.post(reverse("reviews:task-heartbeat", args=[999999])).status_code == 404
    assert client.get(url).status_code == 405


# ---------------------------------------------------------------------------------------------------
# Work returned by an editor
# ---------------------------------------------------------------------------------------------------


def make_returned(reviewer: User) -> ReviewTask:
    task = make_task()
    ReviewTask.objects.filter(pk=task.pk).update(status=TaskStatus.RETURNED, reviewer=reviewer)
    verdict = Verdict.objects.create(
        claim=task.claim,
        task=task,
        reviewer=reviewer,
        rating=rating("false"),
        summary="Growth was lower.",
        status=VerdictStatus.RETURNED,
        editor_note="Cite the 2019 annual report.",
    )
    verdict.citations.create(url="https://blog.example.org/gdp", title="A blog")
    return ReviewTask.objects.get(pk=task.pk)


def test_returned_task_page_shows_the_note_and_how_to_take_it_back(reviewer: User) -> None:
    task = make_returned(reviewer)
    response = login(reviewer).get(task_url(task))
    assert response.status_code == 200
    page = html(response)
    assert "Cite the 2019 annual report." in page
    assert "<h2>Returned to you</h2>" in page
    assert "Growth was lower." in page
    assert "https://blog.example.org/gdp" in page
    assert "Submit for editor review" not in page
    assert login(make_reviewer("other")).get(task_url(task)).status_code == 404


def test_taking_returned_work_again_fills_the_form_with_it(reviewer: User) -> None:
    task = make_returned(reviewer)
    client = login(reviewer)
    response = client.post(NEXT, follow=True)
    assert response.redirect_chain == [(task_url(task), 302)]
    page = html(response)
    assert "Cite the 2019 annual report." in page
    assert '<option value="false" selected>False</option>' in page
    assert "Growth was lower.</textarea>" in page
    assert 'value="https://blog.example.org/gdp"' in page

    # Returned work cannot be skipped, only released: the refusal is shown on top of the form.
    fresh = ReviewTask.objects.get(pk=task.pk)
    response = client.post(task_url(fresh), form_data(fresh, "skip", reason="Too hard"))
    assert response.status_code == 409
    refusal = f"Task {task.pk} was returned to you by an editor; release it instead of skipping it."
    assert refusal in html(response)
