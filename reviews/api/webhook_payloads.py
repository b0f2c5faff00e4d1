"""The `data` of webhook bodies: the public API's own representation of what changed, rendered without a
request (URLs from FACTCHECK_SITE_URL), so a receiver gets what an anonymous API reader would get.

Only published work is rendered: a verdict is looked up among the published ones (`verdicts_published`),
a scorecard among those readers may see (`scorecards_visible` for an anonymous user). A retraction says
which verdict was withdrawn, when and why, and nothing of its content.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.models import AnonymousUser
from rest_framework.renderers import JSONRenderer

from reviews.api.claimreview import SiteUrls
from reviews.api.scorecards import ScorecardSerializer
from reviews.api.serializers import ClaimReviewSerializer, VerdictSerializer
from reviews.models import Verdict
from reviews.selectors_public import verdicts_published
from reviews.selectors_scorecards import scorecards_visible

_renderer = JSONRenderer()


def _plain(data: Any) -> dict[str, Any]:
    """`data` as the API renders it (dates, decimals and all), back as plain JSON values to store."""
    plain: dict[str, Any] = json.loads(_renderer.render(data))
    return plain


def verdict_payload(*, verdict_id: int) -> dict[str, Any] | None:
    """The published verdict as GET /api/v1/verdicts/<id>/ shows it, with its ClaimReview; None when it
    is not published (then nothing may be sent)."""
    verdict = verdicts_published().filter(pk=verdict_id).first()
    if verdict is None:
        return None
    context = {"site_urls": SiteUrls.configured()}
    return {
        "verdict": _plain(VerdictSerializer(verdict, context=context).data),
        "claimreview": _plain(ClaimReviewSerializer(verdict, context=context).data),
    }


def retraction_payload(*, verdict: Verdict) -> dict[str, Any]:
    """What readers may know of a retracted verdict: which one, when, and the editor's note."""
    return {
        "verdict": {
            "id": verdict.pk,
            "claim": verdict.claim_id,
            "version": verdict.version,
            "status": verdict.status,
            "retracted_at": verdict.retracted_at.isoformat() if verdict.retracted_at else None,
            "retraction_note": verdict.retraction_note,
        }
    }


def scorecard_payloads(*, article_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The scorecards of `article_ids` that readers may see (the article has a published verdict), as
    GET /api/v1/scorecards/<article>/ shows them, by article id."""
    cards = scorecards_visible(user=AnonymousUser()).filter(article_id__in=article_ids)
    return {card.article_id: {"scorecard": _plain(ScorecardSerializer(card).data)} for card in cards}
