"""System checks (`manage.py check`; every management command runs them first): settings this app
cannot work with are reported before anything starts, not as an error per article later."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

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
