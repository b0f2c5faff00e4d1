"""Verdict reuse in Debian's Chromium: a reviewer takes a claim that matches a claim with a published
verdict, sees that verdict first with what differs between the two sentences and the conflict, reuses it in
one step, adjusts the summary and submits it for an editor."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from reviews.models import ClaimConflict, ConflictKind, EventAction, ReviewEvent, Verdict, VerdictStatus
from tests.browser.conftest import make_user
from tests.reviews.matching_fixtures import (
    PUBLISHED,
    PUBLISHED_CLAIM,
    REVIEWED_CLAIM,
    claim_in_article,
    link,
    publish_on,
)

PASSWORD = "reuse-browser-test-2026"
SHOTS = os.environ.get("FACTCHECK_SCREENSHOTS", "")


def shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def test_a_reviewer_reuses_a_matched_claims_published_verdict(live_app: Any, page: Page) -> None:
    editor = make_user("eddie", PASSWORD, "Editors", staff=True)
    make_user("rita", PASSWORD, "Reviewers")
    source = claim_in_article(PUBLISHED_CLAIM, title="Who will protect Iraq?", priority=100)
    task = claim_in_article(REVIEWED_CLAIM, title="Why Iraq wants Russian help", priority=950)
    match = link(source.claim, task.claim, similarity=0.93)
    mine_first = match.claim_id == task.claim_id
    ClaimConflict.objects.create(
        match=match,
        kind=ConflictKind.YEAR,
        value="2013" if mine_first else "2012",
        other_value="2012" if mine_first else "2013",
        sentence=REVIEWED_CLAIM if mine_first else PUBLISHED_CLAIM,
        other_sentence=PUBLISHED_CLAIM if mine_first else REVIEWED_CLAIM,
    )
    original = publish_on(source.claim, editor)

    page.goto(f"{live_app.url}/accounts/login/?next=/queue/")
    page.get_by_label("Username").fill("rita")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Next claim").click()

    expect(page.locator("mark#claim")).to_have_text(REVIEWED_CLAIM)
    reuse = page.get_by_role("region", name="Already fact-checked in another article")
    expect(reuse).to_contain_text("similarity 0.93")
    expect(reuse.locator(".rating-tag")).to_have_text("Mostly true")
    expect(reuse).to_contain_text(PUBLISHED.summary)
    # What differs, marked on each side.
    expect(reuse.locator(".diff-old del").first).to_have_text("2012")
    expect(reuse.locator(".diff-new ins").first).to_have_text("2013")
    expect(reuse).to_contain_text("They disagree on year (2012 there, 2013 here).")
    conflicts = page.get_by_role("region", name="Conflicting facts")
    expect(conflicts).to_contain_text("your claim says 2013")
    shot(page, "reuse-1-task")

    page.get_by_label("Rationale").fill("Same deal as the published check; the year differs.")
    reuse.get_by_role("button", name="Reuse this verdict").click()

    expect(
        page.get_by_text(f"Verdict {original.pk}'s rating, summary and citations are now your draft.")
    ).to_be_visible()
    expect(page.get_by_label("Rating")).to_have_value("mostly-true")
    expect(page.get_by_label("Summary")).to_have_value(PUBLISHED.summary)
    expect(page.get_by_label("Rationale")).to_have_value(
        "Same deal as the published check; the year differs."
    )
    citations = page.get_by_role("region", name="Citations")
    expect(citations.get_by_role("group", name="Citation 1").get_by_label("URL")).to_have_value(
        PUBLISHED.citations[0].url
    )
    expect(citations.get_by_role("group", name="Citation 2").get_by_label("URL")).to_have_value(
        PUBLISHED.citations[1].url
    )
    reused = page.locator(".reused-note")
    expect(reused.get_by_role("link", name=f"verdict {original.pk}")).to_have_attribute(
        "href", f"/verdicts/{original.pk}/"
    )
    shot(page, "reuse-2-draft")

    page.get_by_label("Summary").fill(PUBLISHED.summary + " The 2013 date in this article is off by a year.")
    page.get_by_role("button", name="Submit for editor review").click()

    expect(page.get_by_text("Verdict submitted for editor review. Thank you!")).to_be_visible()
    verdict = Verdict.objects.get(task=task)
    assert verdict.status == VerdictStatus.SUBMITTED  # an editor still decides
    assert verdict.reused_from_id == original.pk
    assert verdict.summary.endswith("off by a year.")
    assert [c.url for c in verdict.citations.order_by("position")] == [c.url for c in PUBLISHED.citations]
    assert ReviewEvent.objects.filter(action=EventAction.VERDICT_REUSED, verdict=verdict).count() == 1
