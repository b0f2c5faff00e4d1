"""A URLconf for tests only: the site's URLs plus one that raises, to see the 500 page in a browser.

Used through `@pytest.mark.urls("tests.browser.crash_urls")`; production's URLconf (factcheck/urls.py)
never has a URL that crashes on purpose.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from factcheck.urls import urlpatterns as site_urlpatterns

CRASH_PATH = "test-only/crash/"


def crash(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("A crash on purpose, to render the 500 page.")


urlpatterns = [path(CRASH_PATH, crash), *site_urlpatterns]
