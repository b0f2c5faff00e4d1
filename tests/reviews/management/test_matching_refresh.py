"""`manage.py matching_refresh`: articles whose claims were read by an older matching library are matched
again, and only those."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command

from reviews import matching
from reviews.models import Article, Claim, MatchingStatus
from tests.reviews.services.test_matching_run import FELL, OTHER_FIGURE, UNRELATED, make_article

pytestmark = pytest.mark.django_db


def test_only_articles_with_claims_read_by_another_version_are_sent(capsys: Any) -> None:
    stale, current, never = make_article([FELL]), make_article([OTHER_FIGURE]), make_article([UNRELATED])
    vector = matching.to_bytes(matching.embed(["x"])[0])
    Claim.objects.filter(article=stale).update(
        embedding=vector, facts={"version": matching.FACTS_VERSION - 1}
    )
    Claim.objects.filter(article=current).update(embedding=vector, facts={"version": matching.FACTS_VERSION})
    Article.objects.update(matching_status=MatchingStatus.DONE)

    with mock.patch("reviews.tasks.article_match_task.apply_async") as send:
        call_command("matching_refresh")

    send.assert_called_once()
    assert send.call_args.kwargs["args"] == (stale.pk,)
    statuses = dict(Article.objects.values_list("pk", "matching_status"))
    assert statuses == {
        stale.pk: MatchingStatus.PENDING,
        current.pk: MatchingStatus.DONE,
        never.pk: MatchingStatus.DONE,
    }
    assert capsys.readouterr().out == (
        "Matching requested again for 1 article(s) whose claims were read by another version of the "
        f"matching library (now version {matching.FACTS_VERSION}).\n"
    )
