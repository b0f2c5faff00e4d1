from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect


def test_login_page_renders(live_app: Any, page: Page) -> None:
    page.goto(f"{live_app.url}/accounts/login/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


def _offline(page: Page, origin: str) -> list[str]:
    """Refuse every request to another site, as on a server without internet; returns those refused."""
    refused: list[str] = []

    def route(route: Any) -> None:
        if route.request.url.startswith(origin):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    page.route("**/*", route)
    return refused


# Rendering the whole schema takes Redoc and Swagger UI several seconds on a loaded 2-core machine (the
# schema grew with the claim-matching endpoints and a documented 503 on every operation); Playwright's
# default 5 s made the first check flaky there.
RENDER_TIMEOUT_MS = 30_000


def test_swagger_ui_renders_the_schema_offline(live_app: Any, page: Page) -> None:
    refused = _offline(page, live_app.url)
    page.goto(f"{live_app.url}/api/docs/")
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/queue/next").first).to_be_visible(
        timeout=RENDER_TIMEOUT_MS
    )
    assert refused == []


def test_redoc_renders_the_schema_offline(live_app: Any, page: Page) -> None:
    refused = _offline(page, live_app.url)
    page.goto(f"{live_app.url}/api/redoc/")
    expect(page.get_by_role("heading", name="factcheck API", exact=False).first).to_be_visible(
        timeout=RENDER_TIMEOUT_MS
    )
    # The sidebar's attribution asks cdn.redoc.ly for a logo once it renders; the page's image policy
    # stops that request, and Redoc then drops the image (it does the same when the request is refused).
    expect(page.get_by_text("API docs by Redocly")).to_be_visible()
    expect(page.locator('img[alt="redocly logo"]')).to_have_count(0)
    assert refused == []
