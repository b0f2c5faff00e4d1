"""The public HTML page of a published verdict (the ClaimReview `url`)."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views import defaults
from django.views.csrf import csrf_failure

from reviews.models import VerdictStatus
from reviews.services.scorecards import scorecard_build
from reviews.services.verdicts import CitationInput, VerdictInput, verdict_correct, verdict_retract
from tests.factories import ArticleFactory, ClaimFactory, UserFactory
from tests.reviews.api.public_data import make_verdict, token_client

pytestmark = pytest.mark.django_db

LD_JSON = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def _page(verdict_id: int, client: Client | None = None):
    return (client or Client()).get(reverse("reviews:verdict-public", args=[verdict_id]))


def test_page_shows_claim_rating_summary_citations_and_article() -> None:
    article = ArticleFactory.create(
        title="Budget speech",
        publisher="Daily Planet",
        author="Jane Mayor",
        source_url="https://planet.example/budget?a=1&b=2",
        published_on=dt.date(2025, 2, 3),
    )
    verdict = make_verdict(
        claim=ClaimFactory.create(article=article, text="Roads cost $12 million."),
        rating_slug="mostly-false",
        citations=["https://gov.example/budget.pdf", "https://audit.example/report"],
        summary="The budget line says $9.5 million.",
        rationale="We read the budget.\n\nThen we called the auditor.",
    )
    response = _page(verdict.pk)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<blockquote class="claim">Roads cost $12 million.</blockquote>' in html
    assert '<span class="rating">Mostly false</span>' in html
    assert "<p>The budget line says $9.5 million.</p>" in html
    assert "<p>We read the budget.</p>\n\n<p>Then we called the auditor.</p>" in html
    assert '<a href="https://gov.example/budget.pdf" rel="nofollow noopener noreferrer">Source 0</a>' in html
    assert '<a href="https://audit.example/report" rel="nofollow noopener noreferrer">Source 1</a>' in html
    # The title leads to the article's scorecard on this site, the original article is linked beside it.
    assert f'<a href="/articles/{article.pk}/scorecard/">Budget speech</a>' in html
    link = '<a href="https://planet.example/budget?a=1&amp;b=2" rel="nofollow noopener noreferrer">'
    assert link + "original article</a>" in html
    assert Client().get(f"/articles/{article.pk}/scorecard/").status_code == 200
    assert "by Jane Mayor" in html
    assert f'<link rel="canonical" href="http://testserver/verdicts/{verdict.pk}/">' in html


def test_page_embeds_the_same_claimreview_as_the_api() -> None:
    verdict = make_verdict()
    (embedded,) = LD_JSON.findall(_page(verdict.pk).content.decode())
    api = token_client(None).get(f"/api/v1/verdicts/{verdict.pk}/claimreview").json()
    assert json.loads(embedded) == api
    assert api["url"] == f"http://testserver/verdicts/{verdict.pk}/"


def test_text_cannot_break_out_of_the_json_ld_script() -> None:
    hostile = '</script><script>alert("x")</script><!-- & \u2028'
    verdict = make_verdict(claim=ClaimFactory.create(text=hostile), summary=hostile)
    html = _page(verdict.pk).content.decode()
    (embedded,) = LD_JSON.findall(html)
    assert not {"<", ">", "&"} & set(embedded)
    assert json.loads(embedded)["claimReviewed"] == hostile
    assert "<script>alert" not in html
    assert "&lt;/script&gt;&lt;script&gt;alert(&quot;x&quot;)" in html


def test_a_page_without_citations_says_so() -> None:
    verdict = make_verdict(rating_slug="unverifiable", citations=[])
    assert "No sources are cited for this rating." in _page(verdict.pk).content.decode()


@pytest.mark.parametrize(
    ("status", "slug"),
    [
        (VerdictStatus.DRAFT, None),
        (VerdictStatus.SUBMITTED, "true"),
        (VerdictStatus.RETURNED, "true"),
        (VerdictStatus.ABANDONED, None),
    ],
)
def test_never_published_verdicts_have_no_page_even_for_editors(status, slug, editor) -> None:
    verdict = make_verdict(status=status, rating_slug=slug)
    assert _page(verdict.pk).status_code == 404
    client = Client()
    client.force_login(editor)
    assert _page(verdict.pk, client).status_code == 404


CORRECTION = VerdictInput(
    rating="mostly-false",
    summary="The figure was 1.4%, not 3%.",
    citations=(CitationInput(url="https://www.ons.gov.uk/corrected"),),
)


def test_a_corrected_verdicts_old_page_leads_to_the_current_version(editor) -> None:
    first = make_verdict()
    second = verdict_correct(verdict_id=first.pk, editor=editor, data=CORRECTION, note="Newer figures.")
    third = verdict_correct(verdict_id=second.pk, editor=editor, data=CORRECTION, note="Typo.")
    for old in (first, second):
        response = _page(old.pk)
        assert response.status_code == 302
        assert response["Location"] == reverse("reviews:verdict-public", args=[third.pk])
    assert _page(third.pk).status_code == 200


def test_a_retracted_verdicts_page_says_so_with_the_note_and_nothing_else(editor) -> None:
    verdict = make_verdict(summary="The figure was 1.2%, not 3%.", citations=["https://www.ons.gov.uk/x"])
    claim_text = verdict.claim.text
    verdict_retract(verdict_id=verdict.pk, editor=editor, note="The source we relied on was withdrawn.")
    response = _page(verdict.pk)
    assert response.status_code == 410
    text = response.content.decode()
    assert "<h1>This fact-check was retracted</h1>" in text
    assert "<p>The source we relied on was withdrawn.</p>" in text
    assert '<meta name="robots" content="noindex">' in text
    # Styled like every error page, and it says what a reader who relied on it should do.
    assert 'href="/static/reviews/site.css"' in text
    assert '<p class="muted">Error 410</p>' in text
    assert (
        "<li>If you cited or linked to this fact-check, do not rely on it any more: remove the link or say "
        "that it was retracted.</li>"
    ) in text
    assert '<li><a href="/verdicts/">Read the published fact-checks</a></li>' in text
    for withdrawn in ("1.2%", "ons.gov.uk", claim_text, "application/ld+json", "False"):
        assert withdrawn not in text
    # The API stays silent about it, as about anything unpublished.
    assert Client().get(f"/api/v1/verdicts/{verdict.pk}/").status_code == 404


def test_a_corrected_then_retracted_verdicts_old_pages_show_the_retraction(editor) -> None:
    first = make_verdict()
    second = verdict_correct(verdict_id=first.pk, editor=editor, data=CORRECTION, note="Newer figures.")
    verdict_retract(verdict_id=second.pk, editor=editor, note="Withdrawn after review.")
    for page in (_page(first.pk), _page(second.pk)):
        assert page.status_code == 410
        assert "Withdrawn after review." in page.content.decode()


def test_missing_page_and_wrong_method() -> None:
    assert _page(987654).status_code == 404
    verdict = make_verdict()
    assert Client().post(reverse("reviews:verdict-public", args=[verdict.pk])).status_code == 405


def test_bidirectional_controls_stored_before_they_were_refused_never_reach_readers() -> None:
    # Ingest now removes them and verdict validation refuses them; rows written before still hold them.
    article = ArticleFactory.create(title="Dam \u202eeslaf\u202c report", author="A \u2067B\u2069")
    verdict = make_verdict(
        claim=ClaimFactory.create(article=article, text="The dam is \u202eeslaf si siht\u202c safe."),
        summary="It is \u202eeurt\u202c.",
    )
    response = _page(verdict.pk)
    html = response.content.decode()
    assert "The dam is eslaf si siht safe." in html
    assert re.search("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]", html) is None
    (embedded,) = LD_JSON.findall(html)
    document = json.loads(embedded)
    assert document["claimReviewed"] == "The dam is eslaf si siht safe."
    assert document["reviewBody"] == "It is eurt."
    assert document["itemReviewed"]["author"]["name"] == "A B"
    api = token_client(None).get(f"/api/v1/verdicts/{verdict.pk}/claimreview").json()
    assert api == document


# --- the front door and the list of published fact-checks ----------------------------------------


def test_front_door_sends_each_kind_of_user_to_their_page(editor, reviewer) -> None:
    assert Client().get("/")["Location"] == reverse("reviews:verdict-list")
    as_reviewer = Client()
    as_reviewer.force_login(reviewer)
    assert as_reviewer.get("/")["Location"] == reverse("reviews:queue")
    as_editor = Client()
    as_editor.force_login(editor)
    assert as_editor.get("/")["Location"] == reverse("admin:index")
    # Staff who are neither editors nor reviewers (operators looking after webhooks and accounts), and
    # accounts with no group (API consumers): the published fact-checks, the page the site is for.
    for account in (
        UserFactory.create(username="operator", is_staff=True),
        UserFactory.create(username="consumer"),
    ):
        client = Client()
        client.force_login(account)
        assert client.get("/")["Location"] == reverse("reviews:verdict-list"), account.username
    # An editor who works the queue as well is sent to the desk; a reviewer made staff, to the queue.
    editor.groups.add(Group.objects.get(name="Reviewers"))
    assert as_editor.get("/")["Location"] == reverse("admin:index")
    reviewer.is_staff = True
    reviewer.save(update_fields=["is_staff"])
    assert as_reviewer.get("/")["Location"] == reverse("reviews:queue")


def test_the_admins_view_site_link_is_the_front_door(editor) -> None:
    client = Client()
    client.force_login(editor)
    html = client.get(reverse("admin:index")).content.decode()
    assert '<a href="/">View site</a>' in html


def test_list_shows_published_fact_checks_newest_first_and_nothing_else() -> None:
    now = dt.datetime(2026, 1, 10, tzinfo=dt.UTC)
    older = make_verdict(
        claim=ClaimFactory.create(text="Older claim about bridges."), published_at=now - dt.timedelta(days=2)
    )
    newer = make_verdict(
        claim=ClaimFactory.create(text="Newer claim about roads."), published_at=now, rating_slug="true"
    )
    make_verdict(claim=ClaimFactory.create(text="A draft nobody may see."), status=VerdictStatus.SUBMITTED)
    response = Client().get(reverse("reviews:verdict-list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "2 published fact-checks, newest first." in html
    assert "A draft nobody may see." not in html
    newer_link = f'<a href="/verdicts/{newer.pk}/">Newer claim about roads.</a>'
    older_link = f'<a href="/verdicts/{older.pk}/">Older claim about bridges.</a>'
    assert html.index(newer_link) < html.index(older_link)
    assert "Rating: <strong>True</strong>" in html
    article_id = newer.claim.article_id
    title = newer.claim.article.title
    assert f'from <a href="/articles/{article_id}/scorecard/">“{title}”</a>' in html


def test_an_untitled_article_still_leads_to_its_scorecard() -> None:
    verdict = make_verdict(claim=ClaimFactory.create(article=ArticleFactory.create(title="")))
    article_id = verdict.claim.article_id
    link = f'<a href="/articles/{article_id}/scorecard/">'
    assert link + "an untitled article</a>" in Client().get(reverse("reviews:verdict-list")).content.decode()
    assert link + "Untitled article</a>" in _page(verdict.pk).content.decode()


def test_list_pages_through_many_in_a_fixed_number_of_queries(django_assert_num_queries) -> None:
    from reviews.public_views import VERDICTS_PER_PAGE

    for n in range(VERDICTS_PER_PAGE + 2):
        make_verdict(claim=ClaimFactory.create(text=f"Claim number {n}."))
    with django_assert_num_queries(2):  # the count, and one page of rows with claim, article and rating
        first = Client().get(reverse("reviews:verdict-list"))
    assert "Page 1 of 2" in first.content.decode()
    assert first.content.decode().count('<li class="card">') == VERDICTS_PER_PAGE
    second = Client().get(reverse("reviews:verdict-list"), {"page": 2})
    assert second.content.decode().count('<li class="card">') == 2
    # A page that does not exist shows the last one rather than an error.
    assert Client().get(reverse("reviews:verdict-list"), {"page": "99"}).status_code == 200


def test_list_says_so_when_nothing_is_published() -> None:
    html = Client().get(reverse("reviews:verdict-list")).content.decode()
    assert "Nothing is published yet." in html


def test_favicon_is_served_from_the_static_files() -> None:
    response = Client().get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].endswith("reviews/favicon.svg")


FAVICON = re.compile(r'<link rel="icon" href="(/static/reviews/favicon\.svg|/favicon\.ico)"')


def test_every_kind_of_page_links_the_favicon(editor, reviewer) -> None:
    verdict = make_verdict()
    retracted = make_verdict()
    verdict_retract(verdict_id=retracted.pk, editor=editor, note="Withdrawn.")
    scorecard_build(article_id=verdict.claim.article_id)
    anonymous, as_reviewer, as_editor = Client(), Client(), Client()
    as_reviewer.force_login(reviewer)
    as_editor.force_login(editor)
    pages = [
        (anonymous, "/verdicts/", 200),
        (anonymous, f"/verdicts/{verdict.pk}/", 200),
        (anonymous, f"/articles/{verdict.claim.article_id}/scorecard/", 200),
        (anonymous, f"/verdicts/{retracted.pk}/", 410),
        (anonymous, "/no-such-page/", 404),
        (anonymous, "/accounts/login/", 200),
        (anonymous, "/admin/login/", 200),
        (anonymous, "/api/v1/verdicts/?format=api", 200),
        (anonymous, "/api/docs/", 200),
        (anonymous, "/api/redoc/", 200),
        (as_reviewer, "/queue/", 200),
        (as_reviewer, "/admin/login/", 403),
        (as_editor, "/admin/", 200),
        (as_editor, "/admin/reviews/verdict/", 200),
        (as_editor, "/queue/", 403),
    ]
    for client, url, status in pages:
        response = client.get(url)
        assert response.status_code == status, url
        assert FAVICON.search(response.content.decode()), url
    request = RequestFactory().get("/")
    for html in (
        defaults.server_error(request).content.decode(),
        defaults.bad_request(request, ValueError()).content.decode(),
        csrf_failure(RequestFactory().post("/"), reason="x").content.decode(),
    ):
        assert FAVICON.search(html)
