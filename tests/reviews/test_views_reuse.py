"""The task page's matched claims and conflicts, and reusing a matched claim's verdict from it (the
verdict-reuse parts of reviews/views.py and its templates)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from reviews import views
from reviews.models import Claim, ClaimConflict, Verdict, VerdictStatus
from reviews.services import queue
from reviews.services.verdicts import verdict_retract
from tests.reviews.matching_fixtures import (
    PUBLISHED,
    PUBLISHED_CLAIM,
    REVIEWED_CLAIM,
    claim_in_article,
    link,
    matched_pair,
    publish_on,
)
from tests.reviews.test_views import form_data, html, login, messages_of, task_url

pytestmark = pytest.mark.django_db


def test_the_task_page_shows_the_matched_claims_published_verdict_first(
    editor: User, reviewer: User, django_assert_max_num_queries: Any
) -> None:
    pair = matched_pair(editor=editor, reviewer=reviewer, conflict=True)
    assert pair.source is not None
    client = login(reviewer)
    client.get(task_url(pair.task))  # warm the session
    with django_assert_max_num_queries(12):
        response = client.get(task_url(pair.task))

    assert response.status_code == 200
    page = html(response)
    section = page[page.index('<section class="card reuse"') :]
    section = section[: section.index("</section>")]
    assert "Already fact-checked in another article" in section
    # Before the reviewer's own work: first in the work pane after the claim.
    assert page.index('<section class="card reuse"') < page.index('id="verdict-heading"')
    assert '<span class="rating-tag">Mostly true</span>' in section
    assert "similarity 0.91" in section
    assert PUBLISHED.summary in section
    assert "Iraq signs arms deal with Russia" in section
    assert "https://archive.example.org/deal" in section
    # What differs between the two sentences, each side marked.
    assert "<del>2012</del>" in section
    assert "<del>Iraq</del> signed" in section
    assert "<ins>2013</ins>" in section
    assert "<ins>former Prime Minister Nouri al-Maliki</ins> signed" in section
    assert "They disagree on year (2012 there, 2013 here)." in section
    assert (
        f'<button type="submit" form="verdict-form" name="reuse" value="{pair.source.pk}" class="secondary">'
        "Reuse this verdict</button>"
    ) in section
    assert f'<a href="/verdicts/{pair.source.pk}/">read the fact-check</a>' in section


def test_the_claims_conflicts_are_on_the_task_page_from_the_reviewers_side(
    editor: User, reviewer: User
) -> None:
    pair = matched_pair(editor=editor, reviewer=reviewer, conflict=True)
    page = html(login(reviewer).get(task_url(pair.task)))

    section = page[page.index('<section class="card conflicts"') :]
    section = section[: section.index("</section>")]
    assert '<h2 id="conflicts-heading">Conflicting facts</h2>' in section
    assert (
        '<strong>Year</strong>:\n            your claim says <strong class="value">2013</strong>,\n'
        '            “Who will protect Iraq?” says <strong class="value">2012</strong>'
    ) in section
    assert f"<dt>Read in your article</dt><dd>{REVIEWED_CLAIM}</dd>" in section
    assert f"<dt>Read in the other article</dt><dd>{PUBLISHED_CLAIM}</dd>" in section

    conflict = ClaimConflict.objects.get()
    conflict.resolved = True
    conflict.resolution_note = "Signed in 2012; the 2013 date is the delivery."
    conflict.resolved_by = editor
    conflict.resolved_at = timezone.now()
    conflict.save()
    page = html(login(reviewer).get(task_url(pair.task)))
    assert '<li class="conflict resolved">' in page
    assert "resolved by an editor: Signed in 2012; the 2013 date is the delivery." in page


def test_a_verdict_published_after_the_task_was_taken_shows_on_the_next_load(
    editor: User, reviewer: User
) -> None:
    pair = matched_pair(editor=editor, reviewer=reviewer, published=False)
    client = login(reviewer)
    page = html(client.get(task_url(pair.task)))
    assert "Already fact-checked in another article" not in page
    # Without a verdict the match is still listed, with what differs.
    assert "The same claim in other articles" in page
    assert "no published verdict yet" in page
    assert "<ins>2013</ins>" in page

    other_claim_id = pair.match.other_side(pair.task.claim_id)
    verdict = publish_on(Claim.objects.get(pk=other_claim_id), editor)
    page = html(client.get(task_url(pair.task)))
    assert "Already fact-checked in another article" in page
    assert f'name="reuse" value="{verdict.pk}"' in page
    assert "no published verdict yet" not in page

    # Retracted, it is no longer offered.
    verdict_retract(verdict_id=verdict.pk, editor=editor, note="Withdrawn.")
    page = html(client.get(task_url(pair.task)))
    assert "Already fact-checked in another article" not in page


def test_reusing_from_the_page_fills_the_draft_and_marks_it(editor: User, reviewer: User) -> None:
    pair = matched_pair(editor=editor, reviewer=reviewer)
    assert pair.source is not None
    client = login(reviewer)
    data = form_data(pair.task, "", rationale="Checked: same deal.", reuse=str(pair.source.pk))
    del data["action"]

    response = client.post(task_url(pair.task), data, follow=True)

    assert response.redirect_chain == [(task_url(pair.task), 302)]
    assert messages_of(response) == [views.REUSED.format(verdict=pair.source.pk)]
    page = html(response)
    assert '<option value="mostly-true" selected>Mostly true</option>' in page
    assert PUBLISHED.summary in page
    assert 'value="https://news.example.org/2012/10/iraq-russia-arms"' in page
    assert "Checked: same deal.</textarea>" in page
    assert (
        f'Reused from <a href="/verdicts/{pair.source.pk}/">verdict {pair.source.pk}</a> on a matching claim'
    ) in page
    assert "<strong>Your draft reuses this verdict.</strong>" in page
    draft = Verdict.objects.get(task=pair.task)
    assert (draft.status, draft.reused_from_id, draft.rationale) == (
        VerdictStatus.DRAFT,
        pair.source.pk,
        "Checked: same deal.",
    )


def test_a_refused_reuse_is_shown_on_the_page(editor: User, reviewer: User) -> None:
    pair = matched_pair(editor=editor, reviewer=reviewer)
    assert pair.source is not None
    verdict_retract(verdict_id=pair.source.pk, editor=editor, note="Withdrawn.")
    data = form_data(pair.task, "", reuse=str(pair.source.pk))
    del data["action"]

    response = login(reviewer).post(task_url(pair.task), data)

    assert response.status_code == 409
    assert f"Verdict {pair.source.pk} is retracted; only a published verdict can be reused." in html(response)
    assert not Verdict.objects.filter(task=pair.task).exists()


@pytest.mark.parametrize("value", ["", "abc", "-1", "9" * 30])
def test_a_malformed_reuse_value_is_a_400(editor: User, reviewer: User, value: str) -> None:
    pair = matched_pair(editor=editor, reviewer=reviewer)
    data = form_data(pair.task, "", reuse=value)
    del data["action"]

    response = login(reviewer).post(task_url(pair.task), data)

    assert response.status_code == 400
    assert views.BAD_REUSE in html(response)


def test_a_reuse_after_the_lease_was_lost_keeps_the_page_and_changes_nothing(
    editor: User, reviewer: User
) -> None:
    pair = matched_pair(editor=editor, reviewer=reviewer)
    assert pair.source is not None
    queue.task_release(task_id=pair.task.pk, reviewer=reviewer, lease_token=pair.task.lease_token)
    data = form_data(pair.task, "", reuse=str(pair.source.pk))
    del data["action"]

    response = login(reviewer).post(task_url(pair.task), data)

    assert response.status_code == 409
    page = html(response)
    assert "Your lease on this task has ended" in page
    assert "Reuse this verdict</button>" not in page  # no buttons without the lease
    assert not Verdict.objects.filter(task=pair.task).exists()


def test_more_matches_than_shown_are_counted(
    editor: User, reviewer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("reviews.selectors_reuse.MATCHES_SHOWN", 2)
    pair = matched_pair(editor=editor, reviewer=reviewer)
    for n in range(3):
        other = claim_in_article(
            f"Iraq signed an arms deal with Russia ({n}).", title=f"Other {n}", priority=1
        )
        link(other.claim, pair.task.claim, similarity=0.8)

    page = html(login(reviewer).get(task_url(pair.task)))

    # The published one first, then the best of the rest; two of four shown.
    assert page.count('<li class="match"') == 2
    assert "And 2 more not listed." in page


def test_a_draft_whose_reused_verdict_was_retracted_since_says_so(
    editor: User, reviewer: User, django_assert_max_num_queries: Any
) -> None:
    pair = matched_pair(editor=editor, reviewer=reviewer)
    assert pair.source is not None
    client = login(reviewer)
    data = form_data(pair.task, "", rationale="Checked: same deal.", reuse=str(pair.source.pk))
    del data["action"]
    client.post(task_url(pair.task), data)
    warning = f"<strong>Verdict {pair.source.pk} has since been retracted</strong>"
    assert warning not in html(client.get(task_url(pair.task)))

    verdict_retract(verdict_id=pair.source.pk, editor=editor, note="The source was withdrawn.")

    with django_assert_max_num_queries(12):
        page = html(client.get(task_url(pair.task)))
    assert (f"{warning} (The source was withdrawn.): do not rely on what you copied from it.") in page
    assert Verdict.objects.get(task=pair.task).reused_from_id == pair.source.pk
