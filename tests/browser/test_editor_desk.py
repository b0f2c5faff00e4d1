"""An editor at the desk, in a real browser: log in to /admin/, open a submitted verdict, add a citation
inline, publish, find the audit row; then correct the verdict and see both versions."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from reviews.models import ReviewEvent, Verdict, VerdictStatus
from reviews.services import queue
from reviews.services.verdicts import CitationInput, VerdictInput
from tests.browser.conftest import make_user
from tests.factories import ArticleFactory, ClaimFactory, ReviewTaskFactory

PASSWORD = "desk-browser-test-2026"
BODY = "Prices rose last year. Unemployment fell to 3.1% in 2016, the ministry said. Economists disagreed."
CLAIM = "Unemployment fell to 3.1% in 2016, the ministry said."
# Set FACTCHECK_SCREENSHOTS=/some/dir to keep a screenshot of each step (for looking at the pages).
SHOTS = os.environ.get("FACTCHECK_SCREENSHOTS", "")


def shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def submitted_verdict() -> Verdict:
    reviewer = make_user("rita", PASSWORD, "Reviewers")
    article = ArticleFactory.create(title="Jobs report", body=BODY, raw_text=BODY)
    start = BODY.index(CLAIM)
    claim = ClaimFactory.create(article=article, text=CLAIM, start=start, end=start + len(CLAIM))
    task = ReviewTaskFactory.create(claim=claim)
    outcome = queue.task_claim_next(reviewer=reviewer)
    assert outcome is not None
    return queue.task_submit(
        task_id=task.pk,
        reviewer=reviewer,
        lease_token=outcome.task.lease_token,
        data=VerdictInput(
            rating="mostly-false",
            summary="The rate was 4.9% in 2016; 3.1% is the 2019 figure.",
            citations=(
                CitationInput(url="https://stats.example.org/unemployment", title="Labour statistics"),
            ),
        ),
    )


def test_editor_reviews_publishes_and_corrects_a_verdict(live_app: Any, page: Page) -> None:
    make_user("eddie", PASSWORD, "Editors", staff=True)
    verdict = submitted_verdict()

    # Log in to the admin.
    page.goto(f"{live_app.url}/admin/")
    page.get_by_label("Username").fill("eddie")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Fact-checking desk")).to_be_visible()
    shot(page, "01-desk-index")

    # Open the submitted verdict from the list of submitted verdicts.
    page.get_by_role("link", name="Verdicts").first.click()
    page.get_by_role("link", name="Submitted for editor review").click()
    shot(page, "02-verdicts-submitted")
    page.get_by_role("link", name=str(verdict.pk), exact=True).click()
    expect(page.locator("mark", has_text=CLAIM).first).to_be_visible()
    shot(page, "03-verdict-submitted")

    # Add a citation inline and save: the verdict service stores it.
    page.locator("#id_citations-1-url").fill("https://ministry.example.org/press/2019-jobs")
    page.locator("#id_citations-1-title").fill("Ministry press release, 2019")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    expect(page.locator("#id_citations-1-url")).to_have_value("https://ministry.example.org/press/2019-jobs")
    shot(page, "04-citation-added")

    # Publish.
    page.get_by_role("link", name="Publish").click()
    expect(page.get_by_text("Readers will see this verdict")).to_be_visible()
    shot(page, "05-publish-confirm")
    page.get_by_role("button", name="Yes, publish").click()
    expect(page.locator(".messagelist")).to_contain_text(f"Published verdict {verdict.pk} as version 1.")
    expect(page.get_by_role("button", name="Save")).to_have_count(0)  # published: frozen
    shot(page, "06-published")

    # The audit log has the publication, by this editor.
    page.goto(f"{live_app.url}/admin/reviews/reviewevent/?action__exact=verdict.published")
    row = page.locator("#result_list tbody tr").first
    expect(row).to_contain_text("Verdict published")
    expect(row).to_contain_text("eddie")
    expect(row).to_contain_text(f"Verdict {verdict.pk}")
    shot(page, "07-audit-log")

    # Correct it: a new version, published at once; the old one stays readable.
    page.goto(f"{live_app.url}/admin/reviews/verdict/{verdict.pk}/change/")
    page.get_by_role("link", name="Correct").click()
    page.get_by_label("Rating").select_option(label="False (1/5)")
    page.get_by_label("Summary").fill("The rate was 4.9% in 2016; the claim is false.")
    page.get_by_label("Correction note").fill(
        "The 3.1% figure is from 2019, not 2016; rating changed to False."
    )
    shot(page, "08-correct-form")
    page.get_by_role("button", name="Publish correction").click()
    expect(page.locator(".messagelist")).to_contain_text("Published the correction as version 2")
    history = page.locator("table.desk-versions")
    expect(history.locator("tr", has_text="Version 2")).to_contain_text("Published")
    expect(history.locator("tr", has_text="Version 1")).to_contain_text("Superseded by a correction")
    shot(page, "09-corrected-versions")

    # Both versions are there, and the first one is readable, pointing at the latest.
    history.get_by_role("link", name="Version 1").click()
    expect(page.get_by_role("link", name="Latest version")).to_be_visible()
    expect(page.locator("div.readonly", has_text="Superseded by a correction").first).to_be_visible()
    shot(page, "10-old-version")

    new = Verdict.objects.get(previous_id=verdict.pk)
    assert new.rating is not None
    assert (new.status, new.version, new.rating.slug) == (VerdictStatus.PUBLISHED, 2, "false")
    assert Verdict.objects.get(pk=verdict.pk).status == VerdictStatus.SUPERSEDED
    assert list(Verdict.objects.get(pk=verdict.pk).citations.values_list("url", flat=True)) == [
        "https://stats.example.org/unemployment",
        "https://ministry.example.org/press/2019-jobs",
    ]
    assert ReviewEvent.objects.filter(
        verdict=new, action="verdict.corrected", actor__username="eddie"
    ).exists()
    assert re.search(r"/admin/reviews/verdict/\d+/change/", page.url)
