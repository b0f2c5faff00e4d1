from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect


def test_login_page_renders(live_app: Any, page: Page) -> None:
    page.goto(f"{live_app.url}/accounts/login/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
