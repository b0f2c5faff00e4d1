"""The error pages in a real browser: 404, 403, 410 and 500, each styled like the rest of the site, saying
what happened and what to do, with the site's favicon. Each test saves a screenshot as
test-results/error-<code>.png (CI keeps it)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from reviews.services.verdicts import verdict_retract
from tests.browser.conftest import log_in, make_user, screenshot
from tests.browser.crash_urls import CRASH_PATH
from tests.reviews.api.public_data import make_verdict

PASSWORD = "error-pages-browser-test-2026"


def _open(page: Page, url: str, *, status: int) -> None:
    response = page.goto(url)
    assert response is not None
    assert response.status == status


def _expect_error_page(page: Page, *, code: int, heading: str, next_steps: list[str]) -> None:
    """The page as reviews/error.html draws it: the code, the heading, and every next step (the list's
    items exactly, the link to the published fact-checks last), in the site's layout with its icon."""
    card = page.locator("main article.card")
    expect(card.locator("p.muted").first).to_have_text(f"Error {code}")
    expect(card.get_by_role("heading", level=1)).to_have_text(heading)
    expect(card.locator("ul > li")).to_have_text([*next_steps, "Read the published fact-checks"])
    expect(page.locator("header.site-header .brand")).to_have_text("factcheck")
    # Styled: the site's stylesheet applied (the card has its border and the page its font).
    assert card.evaluate("element => getComputedStyle(element).borderTopStyle") != "none"
    icon = page.locator('link[rel="icon"]').get_attribute("href")
    assert icon is not None
    favicon = page.request.get(urljoin(page.url, icon))
    assert (favicon.status, favicon.headers["content-type"]) == (200, "image/svg+xml")


def test_404(live_app: Any, page: Page) -> None:
    _open(page, f"{live_app.url}/verdicts/999999/", status=404)
    _expect_error_page(page, code=404, heading="There is nothing here", next_steps=["Go to the start page"])
    expect(page.locator("main")).to_contain_text(
        "The page may have moved, or the link may be wrong. An unpublished fact-check is not shown until an "
        "editor publishes it."
    )
    screenshot(page, "error-404")
    page.get_by_role("link", name="Go to the start page").click()
    expect(page).to_have_url(f"{live_app.url}/verdicts/")


def test_403_for_a_reviewer_opening_the_editors_desk(live_app: Any, page: Page) -> None:
    make_user("rosa", PASSWORD, "Reviewers")
    log_in(page, f"{live_app.url}/accounts/login/?next=/queue/", "rosa", PASSWORD)
    expect(page.get_by_role("heading", name="My queue")).to_be_visible()

    _open(page, f"{live_app.url}/admin/reviews/verdict/", status=403)
    _expect_error_page(
        page,
        code=403,
        heading="You may not open this page",
        next_steps=[
            "Go to your own start page",
            "If you need this page for your work, ask an editor to give your account the permission.",
        ],
    )
    expect(page.locator("main")).to_contain_text(
        "Your account does not have the permission this page needs (you are signed in as rosa). Reviewers "
        "work from their queue; the editors\u2019 desk is for editors."
    )
    screenshot(page, "error-403")
    page.get_by_role("link", name="Go to your own start page").click()
    expect(page).to_have_url(f"{live_app.url}/queue/")


def test_410_for_a_retracted_fact_check(live_app: Any, page: Page) -> None:
    editor = make_user("edna", PASSWORD, "Editors", staff=True)
    verdict = make_verdict(summary="The figure was 1.2%, not 3%.")
    verdict_retract(verdict_id=verdict.pk, editor=editor, note="The survey it relied on was withdrawn.")

    _open(page, f"{live_app.url}/verdicts/{verdict.pk}/", status=410)
    _expect_error_page(
        page,
        code=410,
        heading="This fact-check was retracted",
        next_steps=[
            "If you cited or linked to this fact-check, do not rely on it any more: remove the link or say "
            "that it was retracted."
        ],
    )
    main = page.locator("main")
    expect(main.get_by_role("heading", name="Why")).to_be_visible()
    expect(main).to_contain_text("The survey it relied on was withdrawn.")
    expect(main).to_contain_text("Its rating and sources are no longer published.")
    expect(main).not_to_contain_text("1.2%")
    screenshot(page, "error-410")


@pytest.mark.urls("tests.browser.crash_urls")
def test_500(live_app: Any, page: Page) -> None:
    assert not settings.DEBUG
    assert not settings.DEBUG_PROPAGATE_EXCEPTIONS
    _open(page, f"{live_app.url}/{CRASH_PATH}", status=500)
    _expect_error_page(
        page,
        code=500,
        heading="Something went wrong on our side",
        next_steps=[
            "Try again in a minute.",
            "If it keeps happening, tell the desk\u2019s operators what you were doing and when.",
        ],
    )
    expect(page.locator("main")).to_contain_text(
        "The error has been logged for the people who run this service. Nothing you sent was half-saved: a "
        "change is either stored whole or not at all."
    )
    expect(page.locator("main")).not_to_contain_text("RuntimeError")
    screenshot(page, "error-500")
