"""`manage.py demo_verdict`: the demo's published verdict to reuse, next to a conflict."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from reviews.management.commands.demo_verdict import DEMO_MARK
from reviews.models import (
    Article,
    ClaimConflict,
    ConflictKind,
    MatchingStatus,
    ReviewTask,
    Verdict,
    VerdictStatus,
)
from reviews.selectors_reuse import claim_matches
from reviews.services import queue
from reviews.services.vector_index import claims_index_reset
from tests.conftest import SEEDS
from tests.reviews.matching_fixtures import claim_in_article, link

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_users(settings: Any) -> None:
    settings.DEBUG = True
    call_command("create_demo_users", stdout=None)


def _matched(conflict: bool) -> tuple[ReviewTask, ReviewTask]:
    first = claim_in_article("In 2012, Iraq signed a $4.2 billion arms deal.", title="First")
    second = claim_in_article("In 2013, Iraq signed a $4.2 billion arms deal.", title="Second")
    match = link(first.claim, second.claim, similarity=0.9)
    if conflict:
        ClaimConflict.objects.create(
            match=match,
            kind=ConflictKind.YEAR,
            value="2012",
            other_value="2013",
            sentence=first.claim.text,
            other_sentence=second.claim.text,
        )
    Article.objects.update(matching_status=MatchingStatus.DONE)
    return first, second


def test_publishes_a_labelled_demo_verdict_and_reserves_the_matching_task(
    demo_users: None, capsys: Any
) -> None:
    first, second = _matched(conflict=True)

    call_command("demo_verdict")

    verdict = Verdict.objects.get(claim=first.claim)
    assert verdict.status == VerdictStatus.PUBLISHED
    assert verdict.summary.startswith(f"{DEMO_MARK}: written by `manage.py demo_verdict`")
    assert verdict.editor is not None
    assert verdict.editor.username == "editor"
    assert [c.title for c in verdict.citations.all()] == ["Demo citation (not a real source)"]
    second.refresh_from_db()
    assert second.assignee is not None
    assert second.assignee.username == "reviewer"
    assert f"Demo verdict {verdict.pk} published on claim {first.claim_id}" in capsys.readouterr().out

    # The demo reviewer's first "Next claim" is the matching claim, with the verdict to reuse.
    outcome = queue.task_claim_next(reviewer=User.objects.get(username="reviewer"))
    assert outcome is not None
    assert outcome.task.pk == second.pk

    # Again: nothing changes.
    call_command("demo_verdict")
    assert Verdict.objects.count() == 1
    assert "already published" in capsys.readouterr().out


def test_a_conflicting_pair_is_preferred_and_without_one_the_best_match_is_used(
    demo_users: None, capsys: Any
) -> None:
    first, _ = _matched(conflict=False)
    better = claim_in_article("In 2012, Iraq signed a $4.2 billion deal.", title="Third")
    link(first.claim, better.claim, similarity=0.99)

    call_command("demo_verdict")

    # No pair disagrees: the best-matched one is used, and the output says there is no conflict.
    verdict = Verdict.objects.get()
    assert verdict.claim_id == min(first.claim_id, better.claim_id)
    out = capsys.readouterr().out
    assert "matches it (no conflict between them)" in out
    assert "No matched claims disagree on a fact, so the demo shows no conflict." in out


def test_a_conflicting_pair_wins_over_a_closer_match(demo_users: None) -> None:
    first, second = _matched(conflict=True)
    closer = claim_in_article("In 2012, Iraq signed a $4.2 billion deal.", title="Third")
    link(first.claim, closer.claim, similarity=0.99)

    call_command("demo_verdict")

    assert Verdict.objects.get().claim_id == first.claim_id
    second.refresh_from_db()
    assert second.assignee is not None


def test_without_any_match_it_says_so_and_publishes_nothing(demo_users: None, capsys: Any) -> None:
    claim_in_article("Alone.", title="Alone")
    Article.objects.update(matching_status=MatchingStatus.DONE)

    call_command("demo_verdict")

    assert not Verdict.objects.exists()
    assert "No matched claims were found: no demo verdict published." in capsys.readouterr().out


def test_refused_with_debug_off_or_without_the_demo_accounts(settings: Any) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="refusing to publish it with DEBUG off"):
        call_command("demo_verdict")
    settings.DEBUG = True
    with pytest.raises(CommandError, match=r"run `manage\.py create_demo_users` first"):
        call_command("demo_verdict")


def test_on_the_seeds_the_demo_offers_the_arms_deal_with_its_year_conflict(
    demo_users: None, capsys: Any
) -> None:
    # What `./run demo` does: ingest seeds/, then `demo_verdict` matches the articles with the worker's
    # code. The verdict to reuse must sit on the same claim as the reviewer's, not on any close sentence.
    claims_index_reset()
    call_command("ingest", str(SEEDS), "--no-progress")

    call_command("demo_verdict")

    verdict = Verdict.objects.get()
    task = ReviewTask.objects.get(assignee__username="reviewer")
    texts = sorted([verdict.claim.text, task.claim.text])
    assert texts[0].startswith(
        "In 2013, former Prime Minister Nouri al-Maliki signed a $4.2 billion arms deal"
    )
    assert texts[1] == "The arms deal was worth a total of 4.2 billion USD."
    assert "disagrees with it on a fact" in capsys.readouterr().out

    # The reviewer's task page offers that verdict, with the year conflict, and nothing else to reuse.
    page = claim_matches(claim=task.claim)
    assert [m.verdict for m in page.reusable] == [verdict]
    assert [(c.conflict.kind, {c.value, c.other_value}) for c in page.conflicts] == [
        (ConflictKind.YEAR, {"2012", "2013"})
    ]
    claims_index_reset()
