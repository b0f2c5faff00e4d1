from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils.html import escape
from django.utils.safestring import SafeString

from reviews.models import Article, RatingLabel, Scorecard
from reviews.scorecard_terms import ACCURACY_DEFINITION
from reviews.scorecard_views import scorecard_admin_html
from reviews.services.scorecards import scorecard_build, scorecard_request
from reviews.templatetags.scorecard_svg import percent, rating_colour, verdict_mix_svg
from tests.reviews.scorecard_fixtures import article_with_claims, checkworthy, publish_verdict

pytestmark = pytest.mark.django_db


def _published_article() -> Article:
    article = article_with_claims(4)
    claims = checkworthy(article)
    publish_verdict(
        claims[0], "false", citations=[("https://www.ons.gov.uk/a", "Office for National Statistics")]
    )
    publish_verdict(claims[1], "true")
    publish_verdict(claims[2], "unverifiable")
    scorecard_build(article_id=article.pk)
    return article


def _url(article: Article) -> str:
    return f"/articles/{article.pk}/scorecard/"


def _svg(html: str) -> str:
    match = re.search(r"<svg.*?</svg>", html, re.S)
    assert match, "the page draws the chart as inline SVG"
    return match.group(0)


def test_public_page_shows_the_scorecard_with_the_score_definition_next_to_it(client: Client) -> None:
    article = _published_article()

    response = client.get(_url(article))

    assert response.status_code == 200
    html = response.content.decode()
    assert f"<h1>{article.title}</h1>" in html
    assert "<dt>Claims found</dt><dd>4</dd>" in html
    assert "<dt>Coverage</dt><dd>75%</dd>" in html
    # 50.0 = mean of False (0) and True (100); Unverifiable does not count.
    score = re.search(r'<div class="number"[^>]*>\s*50.0<span class="meta"> / 100</span>\s*</div>', html)
    assert score, "the score is shown"
    definition = html.index(escape(ACCURACY_DEFINITION))
    assert 0 < definition - score.end() < 200, "the definition sits right next to the number"
    assert "Based on 2 verdicts; 1 not counted." in html
    assert "<td>ons.gov.uk</td><td>1</td>" in html
    assert "Version 1 · built" in html
    assert "<script" not in html, "nothing needs JavaScript"


def test_public_worst_rated_claims_link_to_their_fact_checks(client: Client) -> None:
    article = _published_article()
    false = checkworthy(article)[0]
    verdict = false.verdicts.get()
    html = client.get(_url(article)).content.decode()
    link = f'<li><strong>False</strong>: <a href="/verdicts/{verdict.pk}/">{escape(false.text)}</a></li>'
    assert link in html
    assert "/admin/" not in html
    assert client.get(f"/verdicts/{verdict.pk}/").status_code == 200


def test_a_published_article_nothing_counts_for_says_no_score(client: Client) -> None:
    article = article_with_claims(1)
    publish_verdict(checkworthy(article)[0], "unverifiable")
    scorecard_build(article_id=article.pk)
    html = client.get(_url(article)).content.decode()
    assert re.search(r'<div class="number"[^>]*>\s*No score\s*</div>', html), html
    assert "Based on 0 verdicts; 1 not counted." in html


def test_the_median_time_to_publication_keeps_its_minutes(client: Client) -> None:
    article = _published_article()
    card = Scorecard.objects.get(article=article)
    card.data["median_seconds_to_publication"] = 7530.4
    card.save(update_fields=["data"])
    html = client.get(_url(article)).content.decode()
    assert "<dt>Median time to publication</dt><dd>2 h 05 min</dd>" in html


def test_chart_is_accessible_svg_with_a_title_a_description_and_text_labels(client: Client) -> None:
    article = _published_article()
    svg = _svg(client.get(_url(article)).content.decode())

    chart_id = f"scorecard-{article.pk}-mix"
    assert 'role="img"' in svg
    assert f'aria-labelledby="{chart_id}-title {chart_id}-desc"' in svg
    assert f'<title id="{chart_id}-title">Published verdicts by rating</title>' in svg
    assert (
        f'<desc id="{chart_id}-desc">True: 1; Mostly true: 0; Half true: 0; Mostly false: 0; False: 1; '
        "Misleading: 0; Unverifiable: 1. 3 published verdicts in all.</desc>"
    ) in svg
    assert '<text x="122" y="20" text-anchor="end">True</text>' in svg
    assert svg.count("<rect ") == 7
    assert "<title>False: 1</title>" in svg


def test_a_page_without_verdicts_is_404_for_the_public_and_visible_to_editors(client: Client, editor) -> None:
    article = article_with_claims(2)
    scorecard_build(article_id=article.pk)
    assert client.get(_url(article)).status_code == 404
    assert client.get("/articles/999999/scorecard/").status_code == 404

    client.force_login(editor)
    response = client.get(_url(article))
    assert response.status_code == 200
    assert re.search(r'<div class="number"[^>]*>\s*No score\s*</div>', response.content.decode())
    assert "No published verdicts yet." in _svg(response.content.decode())


def test_reviewers_see_only_public_scorecards(client: Client, reviewer) -> None:
    article = article_with_claims(1)
    scorecard_build(article_id=article.pk)
    client.force_login(reviewer)
    assert client.get(_url(article)).status_code == 404


def test_before_the_first_build_and_while_stale_the_page_says_so(client: Client) -> None:
    article = article_with_claims(2)
    publish_verdict(checkworthy(article)[0], "true")  # no build has run: the callback waits for commit
    html = client.get(_url(article)).content.decode()
    assert "This article's scorecard has not been built yet; it appears here within a minute." in html

    scorecard_build(article_id=article.pk)
    scorecard_request(article=article)
    html = client.get(_url(article)).content.decode()
    assert "Recent changes are being added to this scorecard; it updates within a minute." in html


def test_page_query_count(client: Client, django_assert_num_queries) -> None:
    article = _published_article()
    with django_assert_num_queries(1):  # the article with its scorecard, visibility as an EXISTS
        assert client.get(_url(article)).status_code == 200


def test_rating_names_are_escaped_in_the_chart() -> None:
    RatingLabel.objects.filter(slug="false").update(name='<script>alert("x")</script>')
    article = article_with_claims(1)
    publish_verdict(checkworthy(article)[0], "false")
    card = scorecard_build(article_id=article.pk)
    assert card is not None
    svg = verdict_mix_svg(card.data["verdict_mix"], chart_id="c", title="<b>")
    assert "<script>" not in svg
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;: 1" in svg
    assert '<title id="c-title">&lt;b&gt;</title>' in svg


def test_admin_panel_is_safe_html_with_editor_links(django_assert_num_queries) -> None:
    article = _published_article()
    verdict = checkworthy(article)[0].verdicts.get()
    with django_assert_num_queries(1):
        html = scorecard_admin_html(article)
    assert isinstance(html, SafeString)
    assert f'href="/admin/reviews/verdict/{verdict.pk}/change/"' in html
    assert f'href="/articles/{article.pk}/scorecard/">public page</a>' in html
    assert escape(ACCURACY_DEFINITION) in html
    assert "<svg" in html


def test_admin_panel_before_the_first_build() -> None:
    article = article_with_claims(1)
    assert "has not been built yet" in scorecard_admin_html(article)


@pytest.mark.parametrize(("share", "text"), [(None, "\u2014"), (0.0, "0%"), (0.1667, "16.7%"), (1.0, "100%")])
def test_percent(share: float | None, text: str) -> None:
    assert percent(share) == text


def test_colours_run_from_red_to_green_and_grey_for_unscored() -> None:
    row = {"rating_value": 1, "worst_rating": 1, "best_rating": 5, "counts_toward_score": True}
    assert rating_colour(row) == "hsl(0, 60%, 36%)"
    assert rating_colour({**row, "rating_value": 5}) == "hsl(120, 60%, 36%)"
    assert rating_colour({**row, "counts_toward_score": False}) == "#7a808c"
