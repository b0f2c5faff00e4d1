"""A reviewer's day in Debian's Chromium: log in, take the next claim, write a verdict with two citations
(adding rows with the button), submit it, and get the following claim."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from playwright.sync_api import Page, expect

from reviews.models import ClaimType, ReviewTask, TaskStatus, Verdict, VerdictStatus
from tests.browser.conftest import make_user
from tests.factories import ArticleFactory, ClaimFactory, ReviewTaskFactory

FIRST = "Unemployment fell to 3.5% in March 2019, the lowest rate since 1969."
SECOND = "The city built 12,000 new homes last year."
HEARTBEAT = re.compile(r"/tasks/\d+/heartbeat/$")


def make_task(title: str, before: str, claim: str, after: str, priority: int) -> ReviewTask:
    body = f"{before}\n\n{claim} {after}\n\nThe minister did not comment."
    article = ArticleFactory.create(
        title=title, publisher="Daily Planet", published_on=dt.date(2019, 4, 2), raw_text=body, body=body
    )
    start = body.index(claim)
    return ReviewTaskFactory.create(
        claim=ClaimFactory.create(
            article=article,
            text=claim,
            start=start,
            end=start + len(claim),
            score=priority / 1000,
            claim_type=ClaimType.STATISTIC,
        ),
        priority=priority,
    )


def test_reviewer_takes_a_claim_submits_a_verdict_and_gets_the_next(live_app: Any, page: Page) -> None:
    make_user("rita", "rita-password-2026", "Reviewers")
    first = make_task("Jobs report", "The economy kept growing.", FIRST, "Analysts cheered.", priority=950)
    second = make_task("Housing", "Rents rose again.", SECOND, "Critics disagree.", priority=600)

    page.goto(f"{live_app.url}/queue/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.get_by_label("Username").fill("rita")
    page.get_by_label("Password").fill("rita-password-2026")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name="My queue")).to_be_visible()
    expect(page.locator("#waiting-count")).to_have_text("2")
    page.get_by_role("button", name="Next claim").click()

    expect(page.get_by_role("heading", name="Review a claim")).to_be_visible()
    expect(page.locator("mark#claim")).to_have_text(FIRST)
    expect(page.get_by_role("heading", name="Jobs report")).to_be_visible()
    expect(page.locator("[data-clock]")).to_have_text(re.compile(r"\(\d+:\d\d left\)"))

    page.get_by_label("Rating").select_option(label="Mostly false")
    page.get_by_label("Summary").fill("The rate was 3.8% in March 2019; 3.5% came in September.")
    page.get_by_label("Rationale").fill("Checked the statistics office's monthly series.")

    # The script keeps one blank citation row and adds the others on demand.
    citations = page.get_by_role("region", name="Citations")
    expect(citations.get_by_role("group")).to_have_count(1)
    row = citations.get_by_role("group", name="Citation 1")
    row.get_by_label("URL").fill("https://stats.example.org/unemployment/2019-03")
    row.get_by_label("Title").fill("Employment situation, March 2019")
    row.get_by_label("Publisher").fill("Statistics Office")

    page.get_by_role("button", name="Add citation").click()
    row = citations.get_by_role("group", name="Citation 2")
    expect(row.get_by_label("URL")).to_be_focused()
    row.get_by_label("URL").fill("https://archive.example.org/2019/09/jobs")
    row.get_by_label("Date published").fill("2019-10-04")
    row.get_by_label("Quoted excerpt").fill("Unemployment fell to 3.5 percent in September.")

    # A row added by mistake goes away again and is not sent.
    page.get_by_role("button", name="Add citation").click()
    citations.get_by_role("button", name="Remove citation 3").click()
    expect(citations.get_by_role("group", name="Citation 3")).to_have_count(0)

    page.get_by_role("button", name="Submit for editor review").click()

    expect(page.get_by_role("heading", name="My queue")).to_be_visible()
    expect(page.get_by_text("Verdict submitted for editor review. Thank you!")).to_be_visible()
    submitted = page.get_by_role("region", name="Submitted, waiting for an editor")
    expect(submitted).to_contain_text(FIRST)
    expect(submitted).to_contain_text("Mostly false")

    page.get_by_role("button", name="Next claim").click()
    expect(page.locator("mark#claim")).to_have_text(SECOND)
    expect(page.get_by_role("heading", name="Housing")).to_be_visible()

    verdict = Verdict.objects.get(task=first)
    assert verdict.status == VerdictStatus.SUBMITTED
    assert verdict.rating is not None
    assert verdict.rating.slug == "mostly-false"
    assert [(c.url, c.published) for c in verdict.citations.all()] == [
        ("https://stats.example.org/unemployment/2019-03", None),
        ("https://archive.example.org/2019/09/jobs", dt.date(2019, 10, 4)),
    ]
    assert ReviewTask.objects.get(pk=first.pk).status == TaskStatus.SUBMITTED
    assert ReviewTask.objects.get(pk=second.pk).status == TaskStatus.LEASED


def test_the_lease_countdown_extends_the_lease_while_the_reviewer_works(live_app: Any, page: Page) -> None:
    make_user("rita", "rita-password-2026", "Reviewers")
    make_task("Jobs report", "The economy kept growing.", FIRST, "Analysts cheered.", priority=950)
    page.clock.install()
    page.goto(f"{live_app.url}/accounts/login/?next=/queue/")
    page.get_by_label("Username").fill("rita")
    page.get_by_label("Password").fill("rita-password-2026")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Next claim").click()

    lease = page.get_by_role("region", name="Your lease")
    expect(lease.locator("[data-clock]")).to_have_text(re.compile(r"\((20:00|19:5\d) left\)"))
    # Nobody typed: near the end the page warns instead of extending on its own.
    page.clock.fast_forward("18:30")
    expect(lease.get_by_role("status")).to_have_text(
        "Your lease ends soon. Keep working and it is extended for you, or press “Extend lease”."
    )
    # Typing counts as working: the next tick extends the lease.
    page.get_by_label("Summary").fill("Still checking the monthly series.")
    with page.expect_response(HEARTBEAT) as pinged:
        page.clock.fast_forward("00:02")
    assert pinged.value.status == 200
    expect(lease.get_by_role("status")).to_have_text(re.compile(r"^Lease extended until \d\d:\d\d UTC\.$"))
    expect(lease.locator("[data-clock]")).to_have_text(re.compile(r"\((20:00|19:5\d) left\)"))
    # The button extends in place too (no page load), keeping what was typed.
    with page.expect_response(HEARTBEAT) as pinged:
        lease.get_by_role("button", name="Extend lease").click()
    assert pinged.value.status == 200
    expect(page.get_by_label("Summary")).to_have_value("Still checking the monthly series.")
