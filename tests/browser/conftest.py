"""Browser tests: Playwright driving Debian's Chromium against Django's live server.

No browser download works offline, so the session fixture points Playwright at the system Chromium.
`./run test` installs it (apt) when missing; under CI a missing Chromium fails instead of skipping.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import Page

# Playwright's sync API keeps an event loop in the test thread; the ORM calls the tests make there are
# ordinary blocking calls, which Django would otherwise refuse in a thread with a running loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Screenshots the tests save as proof of what the pages look like; CI keeps the folder (.ci/run, README).
RESULTS = Path(__file__).resolve().parents[2] / "test-results"

CHROMIUM = next((p for p in ("/usr/lib/chromium/chromium", "/usr/bin/chromium") if Path(p).exists()), None)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            if CHROMIUM is None and os.environ.get("CI", "").lower() != "true":
                item.add_marker(
                    pytest.mark.skip(reason="Debian's chromium is not installed (apt-get install chromium)")
                )


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if CHROMIUM is None:
        pytest.fail(
            "CI=true and Debian's chromium is missing: `apt-get install -y chromium` (./run test does it)."
        )
    return {**browser_type_launch_args, "executable_path": CHROMIUM}


@pytest.fixture
def live_app(live_server: Any) -> Any:
    """The live server (tests/conftest.py re-seeds the groups and ratings that earlier flushes removed)."""
    return live_server


def make_user(username: str, password: str, group: str, *, staff: bool = False) -> User:
    user = User.objects.create_user(username, password=password, is_staff=staff)
    user.groups.add(Group.objects.get(name=group))
    return user


def screenshot(page: Page, name: str) -> Path:
    """The whole page as test-results/<name>.png (relative to the repository's root)."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page: Page, url: str, username: str, password: str) -> None:
    """Open `url` (a login page, or one that leads to it) and sign in with the form."""
    page.goto(url)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
