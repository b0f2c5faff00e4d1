"""The scorecard page (public once an article has a published verdict) and the panel the admin shows.

Both render `reviews/_scorecard_panel.html` from the same context, so the article's admin page and its
public page cannot disagree; the API serialises the same stored data.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString
from django.views.decorators.http import require_safe

from reviews.models import Article
from reviews.payloads import page_without_bidi_controls
from reviews.scorecard_terms import ACCURACY_DEFINITION
from reviews.selectors_scorecards import ScorecardView, scorecard_for_article, scorecard_view_for_desk


def scorecard_context(view: ScorecardView) -> dict[str, Any]:
    """What the panel template needs: the article, its scorecard's stored data (None before the first
    build), whether an update is on its way, and the links to the page and the JSON."""
    article = view.article
    return {
        "article": article,
        "scorecard": view.scorecard,
        "data": view.scorecard.data if view.scorecard is not None else None,
        "is_stale": view.is_stale,
        "accuracy_definition": ACCURACY_DEFINITION,
        "chart_id": f"scorecard-{article.pk}-mix",
        "page_url": reverse("reviews:scorecard", args=[article.pk]),
        "api_url": reverse("scorecard-detail", kwargs={"article_id": article.pk}),
    }


@require_safe
def scorecard(request: HttpRequest, pk: int) -> HttpResponse:
    view = scorecard_for_article(user=request.user, article_id=pk)
    if view is None:
        # Unpublished work and missing articles look the same from outside.
        raise Http404("No public scorecard for this article.")
    return page_without_bidi_controls(render(request, "reviews/scorecard.html", scorecard_context(view)))


def scorecard_admin_html(article: Article) -> SafeString:
    """The scorecard panel for the article's admin page (one query). The admin decides who sees it."""
    context = scorecard_context(scorecard_view_for_desk(article=article))
    return SafeString(render_to_string("reviews/_scorecard_panel.html", {**context, "in_admin": True}))
