"""System checks (`manage.py check`; every management command runs them first): settings this app
cannot work with are reported before anything starts, not as an error per article later."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register

SCORERS = ("model", "heuristic")


@register()
def check_scorer(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    kind = settings.FACTCHECK_SCORER
    if kind in SCORERS:
        return []
    return [
        Error(
            f"FACTCHECK_SCORER must be 'model' or 'heuristic', not {kind!r}.",
            hint="Set the FACTCHECK_SCORER environment variable to one of them (the default is 'model').",
            id="reviews.E001",
        )
    ]


@register()
def check_published_cache(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    backend = str(settings.CACHES["default"]["BACKEND"])
    if not settings.FACTCHECK_PUBLISHED_CACHE or "LocMemCache" not in backend:
        return []
    return [
        Warning(
            "FACTCHECK_PUBLISHED_CACHE is on with a per-process cache (LocMemCache): a change invalidates "
            "only the process that made it, so other processes serve stale published verdicts, and "
            "`manage.py published_cache_build` fills a cache that ends with it.",
            hint="Set CACHE_URL to a shared cache (Redis), or leave FACTCHECK_PUBLISHED_CACHE unset.",
            id="reviews.W001",
        )
    ]
