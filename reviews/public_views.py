"""Public pages: the list of published fact-checks, one page per published verdict (the page a
ClaimReview's `url` points at), and the site's front door, which sends each kind of user to their page.

Open to everybody, like a newspaper's fact-check page. Links to it live on after a verdict changes:
- a superseded version (a correction replaced it) redirects to the claim's current published version;
- a retracted verdict answers 410 Gone with a notice: when it was retracted and the editor's note, and
  nothing of the withdrawn verdict itself (no rating, summary, claim or sources; not indexed);
- anything never published, or missing, is a 404.
The API answers 404 for all of these (reviews.selectors_public).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_safe

from reviews.api.claimreview import claimreview_document, public_page_url, publisher_for
from reviews.payloads import page_without_bidi_controls
from reviews.roles import is_editor, is_reviewer
from reviews.selectors_public import (
    verdict_published_get,
    verdict_withdrawn_current,
    verdicts_published_page,
)
from reviews.workflow import in_state_after

VERDICTS_PER_PAGE = 25

# What json_script escapes, so the document cannot close its <script> element or open a comment.
_SCRIPT_ESCAPES = {
    ord("<"): "\\u003C",
    ord(">"): "\\u003E",
    ord("&"): "\\u0026",
    ord("\u2028"): "\\u2028",
    ord("\u2029"): "\\u2029",
}


def json_ld(document: dict[str, Any]) -> SafeString:
    """`document` as JSON safe to place inside <script type="application/ld+json">."""
    text = json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    return mark_safe(text.translate(_SCRIPT_ESCAPES))  # noqa: S308 - every character that could end the script is escaped above


@require_safe
def site_home(request: HttpRequest) -> HttpResponse:
    """The site's front door (and the admin's "View site"): editors land on their desk, reviewers on
    their queue, everybody else on the published fact-checks."""
    user = request.user
    if is_editor(user) and user.is_staff:
        return redirect("admin:index")
    if is_reviewer(user):
        return redirect("reviews:queue")
    return redirect("reviews:verdict-list")


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, for clients that ask for it without reading the pages' <link rel="icon">."""
    return redirect(static("reviews/favicon.svg"))


@require_safe
def verdict_list(request: HttpRequest) -> HttpResponse:
    """Published fact-checks, newest first, a page at a time."""
    paginator = Paginator(verdicts_published_page(), VERDICTS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    context = {"page": page, "verdicts": page.object_list, "paginator": paginator}
    return page_without_bidi_controls(render(request, "reviews/verdict_list.html", context))


@require_safe
def verdict_public(request: HttpRequest, pk: int) -> HttpResponse:
    verdict = verdict_published_get(pk=pk)
    if verdict is None:
        current = verdict_withdrawn_current(pk=pk)
        if current is None:
            raise Http404("No published verdict with this id.")
        if in_state_after("verdict.publish", current):
            return redirect("reviews:verdict-public", pk=current.pk)
        notice = render(request, "reviews/verdict_retracted.html", {"verdict": current})
        notice.status_code = 410
        return page_without_bidi_controls(notice)
    page_url = public_page_url(request, verdict.pk)
    document = claimreview_document(verdict, page_url=page_url, publisher=publisher_for(request))
    context = {
        "verdict": verdict,
        "page_url": page_url,
        "claim": verdict.claim,
        "article": verdict.claim.article,
        "rating": verdict.rating,
        "citations": verdict.citations_in_order(),
        "claimreview_json": json_ld(document),
    }
    return page_without_bidi_controls(render(request, "reviews/verdict_public.html", context))
