"""The verdict page: the claim in context, editing and adding through the services, their refusals."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reviews.models import Citation, EventAction, ReviewEvent, ReviewTask, TaskStatus, Verdict, VerdictStatus
from reviews.services.verdicts import verdict_publish
from tests.factories import ArticleFactory, ClaimFactory, ReviewTaskFactory, rating
from tests.reviews.admin.desk import (
    BODY,
    SUBMITTED,
    edit_form,
    inline_data,
    make_reviewer,
    messages_of,
    page_text,
    slug_of,
    submitted_verdict,
)

pytestmark = pytest.mark.django_db


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


def test_only_a_published_verdict_links_to_its_readers_page(
    editor: User, reviewer: User, desk: Client
) -> None:
    verdict = submitted_verdict(reviewer)
    url = reverse("admin:reviews_verdict_change", args=[verdict.pk])
    assert "View on site" not in desk.get(url).content.decode()
    verdict_publish(verdict_id=verdict.pk, editor=editor)
    assert "View on site" in desk.get(url).content.decode()


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


def test_the_verdict_page_shows_the_claims_versions_and_audit_trail(
    editor: User, reviewer: User, desk: Client
) -> None:
    verdict = verdict_publish(verdict_id=submitted_verdict(reviewer).pk, editor=editor)
    url = reverse("admin:reviews_verdict_change", args=[verdict.pk])
    html = desk.get(url).content.decode()
    versions = re.sub(r"\s+", " ", html[html.index('<table class="desk-versions">') :])
    assert (
        f'<tr style="font-weight:600"> <td><a href="{url}">'
        "Version 1</a></td> <td>Published</td> <td>Mostly false</td> "
        "<td>The figure is from 2012, not 2016.</td>"
    ) in versions
    audit = page_text(desk.get(url))
    audit = audit[audit.index("Audit trail") :]
    assert re.search(r"Verdict published ed Verdict \d+ .*Verdict submitted rev .*Task leased rev", audit)


def test_the_verdict_page_costs_the_same_queries_however_long_the_claims_history(
    editor: User, reviewer: User, desk: Client
) -> None:
    verdict = verdict_publish(verdict_id=submitted_verdict(reviewer).pk, editor=editor)
    url = reverse("admin:reviews_verdict_change", args=[verdict.pk])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert desk.get(url).status_code == 200
        return len(captured.captured_queries)

    short = queries()
    ReviewEvent.objects.bulk_create(
        ReviewEvent(action=EventAction.VERDICT_PUBLISHED, actor=make_reviewer(f"r{n}"), verdict=verdict)
        for n in range(12)
    )
    assert queries() == short
