"""The desk at a glance, in a real browser: an editor's triage page on the admin index, and a reviewer's
history on their queue page. Each test saves a screenshot under test-results/ (CI keeps it)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from playwright.sync_api import Page, expect

from reviews.models import EventAction, ReviewEvent, Verdict
from reviews.services.verdicts import verdict_publish, verdict_return
from tests.browser.conftest import log_in, make_user, screenshot
from tests.reviews.admin.desk import submitted_verdict

PASSWORD = "triage-browser-test-2026"


def _log_in(page: Page, url: str, username: str) -> None:
    log_in(page, url, username, PASSWORD)


def test_editor_triage_page_and_reviewer_history(live_app: Any, page: Page) -> None:
    editor = make_user("eddie", PASSWORD, "Editors", staff=True)
    rita = make_user("rita", PASSWORD, "Reviewers")
    waiting = [submitted_verdict(rita) for _ in range(3)]
    Verdict.objects.filter(pk=waiting[0].pk).update(submitted_at=timezone.now() - dt.timedelta(hours=30))
    verdict_publish(verdict_id=waiting[1].pk, editor=editor)
    for days in (1, 2, 2, 5):
        ReviewEvent.objects.create(
            action=EventAction.VERDICT_SUBMITTED,
            actor=rita,
            created_at=timezone.now() - dt.timedelta(days=days),
        )

    _log_in(page, f"{live_app.url}/admin/", "eddie")
    triage = page.locator("#triage")
    expect(triage.get_by_role("heading", name="Waiting for an editor")).to_be_visible()
    expect(page.locator("#triage-submitted")).to_have_text("2")
    expect(triage.get_by_role("img", name="Verdicts submitted per day")).to_be_visible()
    expect(triage.get_by_text("1 d 06 h")).to_be_visible()
    screenshot(page, "desk-triage")

    # The figure opens the verdict list filtered to what it counts.
    page.locator("#triage-submitted").click()
    expect(page.locator("#result_list tbody tr")).to_have_count(2)
    verdict_return(verdict_id=waiting[2].pk, editor=editor, note="Which year is the figure from?")

    page.context.clear_cookies()
    _log_in(page, f"{live_app.url}/accounts/login/?next=/queue/", "rita")
    history = page.locator("#history")
    expect(history.get_by_text("Published", exact=True)).to_be_visible()
    expect(history.get_by_text("Returned to you", exact=True)).to_be_visible()
    expect(history.get_by_text("Which year is the figure from?")).to_be_visible()
    expect(page.locator("#figure-returned-rate")).to_have_text("14%")  # 1 return in 3 + 4 submissions
    screenshot(page, "reviewer-history")
