"""System checks (`manage.py check`; every management command runs them first): settings this app
cannot work with are reported before anything starts, not as an error per article later."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks


@checks.register()
def check_scorer(app_configs: Any = None, **kwargs: Any) -> list[checks.Error]:
    # Imported when the check runs, not as the app loads (reviews.apps imports this module).
    from reviews.extraction.pipeline import SCORER_KINDS, scorer_kind_problem

    kind = settings.FACTCHECK_SCORER
    if kind in SCORER_KINDS:
        return []
    return [
        checks.Error(
            f"{scorer_kind_problem(kind)}.",
            hint="Set the FACTCHECK_SCORER environment variable to one of them (the default is 'model').",
            id="reviews.E001",
        )
    ]


@checks.register()
def check_published_cache(app_configs: Any = None, **kwargs: Any) -> list[checks.Warning]:
    backend = str(settings.CACHES["default"]["BACKEND"])
    if not settings.FACTCHECK_PUBLISHED_CACHE or "LocMemCache" not in backend:
        return []
    return [
        checks.Warning(
            "FACTCHECK_PUBLISHED_CACHE is on with a per-process cache (LocMemCache): a change invalidates "
            "only the process that made it, so other processes serve stale published verdicts, and "
            "`manage.py published_cache_build` fills a cache that ends with it.",
            hint="Set CACHE_URL to a shared cache (Redis), or leave FACTCHECK_PUBLISHED_CACHE unset.",
            id="reviews.W001",
        )
    ]
