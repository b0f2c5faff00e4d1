"""Matches and conflicts at the desk (reviews/admin/matching.py): confirm or reject a match, list, filter and
resolve conflicts with a note, and the claim list's "published match" and "conflict" filters."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from reviews.models import ClaimConflict, ClaimMatch, ConflictKind, EventAction, MatchStatus, ReviewEvent
from reviews.services.reuse import verdict_reuse
from reviews.services.verdicts import verdict_retract
from tests.reviews.admin.desk import client_for, make_reviewer, messages_of, page_text
from tests.reviews.matching_fixtures import (
    PUBLISHED_CLAIM,
    REVIEWED_CLAIM,
    Pair,
    claim_in_article,
    link,
    matched_pair,
)

pytestmark = pytest.mark.django_db

MATCHES = reverse("admin:reviews_claimmatch_changelist")
CONFLICTS = reverse("admin:reviews_claimconflict_changelist")
CLAIMS = reverse("admin:reviews_claim_changelist")


@pytest.fixture
def pair(editor: User) -> Pair:
    return matched_pair(editor=editor, reviewer=make_reviewer("rita"), conflict=True)


def test_the_claim_page_lists_its_matches_with_buttons_and_its_conflicts(desk: Client, pair: Pair) -> None:
    response = desk.get(reverse("admin:reviews_claim_change", args=[pair.task.claim_id]))

    assert response.status_code == 200
    html = response.content.decode()
    text = page_text(response)
    assert "matches and conflicts" in text.lower()
    assert PUBLISHED_CLAIM in text
    assert "0.91" in text
    next_url = reverse("admin:reviews_claim_change", args=[pair.task.claim_id])
    confirm = reverse("admin:reviews_claimmatch_confirm", args=[pair.match.pk])
    assert f'formaction="{confirm}?next={next_url}"' in html
    assert "this claim says 2013 , claim" in text
    assert "says 2012 (open)" in text


def test_the_match_page_offers_the_decisions_the_workflow_table_allows(desk: Client, pair: Pair) -> None:
    page = reverse("admin:reviews_claimmatch_change", args=[pair.match.pk])
    confirm = reverse("admin:reviews_claimmatch_confirm", args=[pair.match.pk])
    reject = reverse("admin:reviews_claimmatch_reject", args=[pair.match.pk])
    html = desk.get(page).content.decode()
    assert f'formaction="{confirm}">Confirm: the same claim</button>' in html
    assert f'formaction="{reject}">Reject: different claims</button>' in html

    desk.post(confirm)
    html = desk.get(page).content.decode()
    assert f'formaction="{confirm}"' not in html
    assert f'formaction="{reject}">Reject: different claims</button>' in html


def test_confirm_and_reject_from_the_claim_page_go_through_the_services(desk: Client, pair: Pair) -> None:
    back = reverse("admin:reviews_claim_change", args=[pair.task.claim_id])
    confirm = reverse("admin:reviews_claimmatch_confirm", args=[pair.match.pk])
    response = desk.post(f"{confirm}?next={back}", follow=True)

    assert response.redirect_chain[-1] == (back, 302)
    assert messages_of(response) == [f"Confirmed match {pair.match.pk}: the same claim."]
    assert ClaimMatch.objects.get(pk=pair.match.pk).status == MatchStatus.CONFIRMED
    assert ReviewEvent.objects.filter(action=EventAction.MATCH_CONFIRMED).count() == 1

    # Twice: the service's refusal, as a message.
    response = desk.post(confirm, follow=True)
    assert messages_of(response) == [f"Match {pair.match.pk} is already confirmed by an editor."]

    reject = reverse("admin:reviews_claimmatch_reject", args=[pair.match.pk])
    response = desk.post(f"{reject}?next=https://evil.example/", follow=True)
    # An outside `next` is ignored: back to the match page.
    assert response.redirect_chain[-1] == (
        reverse("admin:reviews_claimmatch_change", args=[pair.match.pk]),
        302,
    )
    assert ClaimMatch.objects.get(pk=pair.match.pk).status == MatchStatus.REJECTED
    assert not ClaimConflict.objects.exists(), "a rejected match's conflicts go"


def test_deciding_needs_a_post_and_an_editor(pair: Pair, desk: Client) -> None:
    confirm = reverse("admin:reviews_claimmatch_confirm", args=[pair.match.pk])
    assert desk.get(confirm).status_code == 405
    assert desk.post(reverse("admin:reviews_claimmatch_confirm", args=["abc"])).status_code == 404

    staff = User.objects.create_user("staff", password="x", is_staff=True)
    response = client_for(staff).post(confirm)
    assert response.status_code in (302, 403, 404)
    assert ClaimMatch.objects.get(pk=pair.match.pk).status == MatchStatus.SUGGESTED


def test_the_match_list_and_page_with_bulk_confirm(desk: Client, pair: Pair, editor: User) -> None:
    other = claim_in_article("Iraq agreed the deal in 2012.", title="Other", priority=1)
    second = link(other.claim, pair.task.claim, similarity=0.8)

    response = desk.get(f"{MATCHES}?conflict=open")
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [pair.match]
    assert "1" in page_text(response)

    response = desk.get(f"{MATCHES}?claim={other.claim_id}")
    assert list(response.context["cl"].result_list) == [second]

    page = desk.get(reverse("admin:reviews_claimmatch_change", args=[pair.match.pk]))
    html = page.content.decode()
    assert "<del" in html
    assert "<ins" in html
    assert "2013" in page_text(page)

    response = desk.post(
        MATCHES, {"action": "confirm", ACTION_CHECKBOX_NAME: [pair.match.pk, second.pk]}, follow=True
    )
    assert messages_of(response) == ["Confirmed 2 matches."]
    assert set(ClaimMatch.objects.values_list("status", flat=True)) == {MatchStatus.CONFIRMED}


def test_conflicts_list_filters_and_resolve_with_a_note(desk: Client, pair: Pair, editor: User) -> None:
    conflict = ClaimConflict.objects.get()
    unrelated = link(
        claim_in_article("Turkey bought S-400s in 2017.", title="T", priority=1).claim,
        claim_in_article("Turkey bought S-400s in 2019.", title="U", priority=1).claim,
    )
    other = ClaimConflict.objects.create(
        match=unrelated,
        kind=ConflictKind.YEAR,
        value="2017",
        other_value="2019",
        sentence="Turkey bought S-400s in 2017.",
        other_sentence="Turkey bought S-400s in 2019.",
    )
    article_id = pair.task.claim.article_id

    response = desk.get(f"{CONFLICTS}?article={article_id}")
    assert list(response.context["cl"].result_list) == [conflict]
    response = desk.get(f"{CONFLICTS}?kind=year&resolved__exact=0")
    assert set(response.context["cl"].result_list) == {conflict, other}

    # The action asks for a note first; without one nothing happens.
    ask = desk.post(CONFLICTS, {"action": "resolve", ACTION_CHECKBOX_NAME: [conflict.pk]})
    assert ask.status_code == 200
    assert "Resolution note" in page_text(ask)
    empty = desk.post(
        CONFLICTS,
        {"action": "resolve", ACTION_CHECKBOX_NAME: [conflict.pk], "_confirm": "1", "note": "  "},
        follow=True,
    )
    assert messages_of(empty) == [
        "Say how the conflict was resolved (which value is right, or why both are)."
    ]
    assert not ClaimConflict.objects.get(pk=conflict.pk).resolved

    done = desk.post(
        CONFLICTS,
        {
            "action": "resolve",
            ACTION_CHECKBOX_NAME: [conflict.pk],
            "_confirm": "1",
            "note": "Signed in 2012; 2013 is when deliveries began.",
        },
        follow=True,
    )
    assert messages_of(done) == ["Resolved 1 conflict."]
    resolved = ClaimConflict.objects.get(pk=conflict.pk)
    assert resolved.resolved
    assert resolved.resolution_note == "Signed in 2012; 2013 is when deliveries began."
    assert resolved.resolved_by == editor
    assert ReviewEvent.objects.filter(action=EventAction.CONFLICT_RESOLVED).count() == 1

    response = desk.get(f"{CONFLICTS}?resolved__exact=1")
    assert list(response.context["cl"].result_list) == [resolved]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("published_match=yes", {"reviewed"}),
        ("published_match=no", {"published", "lonely", "conflict_only"}),
        ("conflict=open", {"reviewed", "published"}),
        ("conflict=any", {"reviewed", "published", "conflict_only"}),
        ("conflict=no", {"lonely"}),
    ],
)
def test_claim_list_filters_by_published_match_and_conflict(
    desk: Client, editor: User, query: str, expected: set[str]
) -> None:
    pair = matched_pair(editor=editor, reviewer=make_reviewer("rita"), conflict=True)
    lonely = claim_in_article("Nothing matches this.", title="Lonely", priority=1)
    a = claim_in_article("In 2017 Turkey bought S-400s.", title="A", priority=1)
    b = claim_in_article("In 2019 Turkey bought S-400s.", title="B", priority=1)
    ClaimConflict.objects.create(
        match=link(a.claim, b.claim),
        kind=ConflictKind.YEAR,
        value="2017",
        other_value="2019",
        sentence=a.claim.text,
        other_sentence=b.claim.text,
        resolved=True,
        resolution_note="Two purchases.",
        resolved_by=editor,
        resolved_at=timezone.now(),
    )
    names = {
        pair.task.claim_id: "reviewed",  # matched with a claim that has a published verdict
        pair.match.other_side(pair.task.claim_id): "published",  # its match has no published verdict
        lonely.claim_id: "lonely",
        a.claim_id: "conflict_only",
        b.claim_id: "conflict_only",
    }

    response = desk.get(f"{CLAIMS}?{query}")

    assert response.status_code == 200
    assert {names[c.pk] for c in response.context["cl"].result_list} == expected


def test_the_match_and_conflict_lists_cost_a_fixed_number_of_queries(
    desk: Client, editor: User, django_assert_max_num_queries: Any
) -> None:
    for n in range(30):
        a = claim_in_article(f"In 2012 deal {n} was signed.", title=f"A{n}", priority=1)
        b = claim_in_article(f"In 2013 deal {n} was signed.", title=f"B{n}", priority=1)
        ClaimConflict.objects.create(
            match=link(a.claim, b.claim),
            kind=ConflictKind.YEAR,
            value="2012",
            other_value="2013",
            sentence=a.claim.text,
            other_sentence=b.claim.text,
        )
    desk.get(MATCHES)
    with django_assert_max_num_queries(8):
        assert desk.get(MATCHES).status_code == 200
    with django_assert_max_num_queries(8):
        assert desk.get(CONFLICTS).status_code == 200
    with django_assert_max_num_queries(12):
        assert desk.get(f"{CLAIMS}?conflict=open&published_match=no").status_code == 200


def test_a_reused_verdict_shows_its_origin_to_the_editor(desk: Client, editor: User) -> None:
    reviewer = make_reviewer("rita")
    pair = matched_pair(editor=editor, reviewer=reviewer)
    assert pair.source is not None
    draft = verdict_reuse(
        task_id=pair.task.pk, reviewer=reviewer, lease_token=pair.task.lease_token, verdict_id=pair.source.pk
    )

    text = page_text(desk.get(reverse("admin:reviews_verdict_change", args=[draft.pk])))

    assert f"Verdict {pair.source.pk} (the reviewer copied its rating, summary and citations" in text
    assert REVIEWED_CLAIM in text


def test_a_reused_verdict_whose_origin_was_retracted_since_is_flagged(desk: Client, editor: User) -> None:
    reviewer = make_reviewer("rita")
    pair = matched_pair(editor=editor, reviewer=reviewer)
    assert pair.source is not None
    draft = verdict_reuse(
        task_id=pair.task.pk, reviewer=reviewer, lease_token=pair.task.lease_token, verdict_id=pair.source.pk
    )
    url = reverse("admin:reviews_verdict_change", args=[draft.pk])
    assert "Retracted since it was reused" not in page_text(desk.get(url))

    verdict_retract(verdict_id=pair.source.pk, editor=editor, note="The source was withdrawn.")

    assert (
        "(the reviewer copied its rating, summary and citations: check they fit this claim) Retracted since "
        "it was reused: this verdict must not rest on it."
    ) in page_text(desk.get(url))
