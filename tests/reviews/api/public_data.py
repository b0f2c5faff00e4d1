"""Rows and clients for the public API tests: verdicts in any state, written directly (the workflow
services are tested on their own), and API clients for each role."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from reviews.models import Article, Citation, Claim, Verdict, VerdictStatus
from tests.factories import ArticleFactory, ClaimFactory, UserFactory, rating

_published_clock = itertools.count(1)
BASE_TIME = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)


def token_client(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def consumer_user() -> User:
    """An API consumer: a token, no group, no permission."""
    return UserFactory.create(username="partner")


def make_verdict(
    *,
    status: str = VerdictStatus.PUBLISHED,
    rating_slug: str | None = "false",
    claim: Claim | None = None,
    article: Article | None = None,
    citations: list[str] | None = None,
    published_at: dt.datetime | None = None,
    summary: str = "The figure was 1.2%, not 3%.",
    version: int = 1,
    previous: Verdict | None = None,
    **fields: Any,
) -> Verdict:
    if claim is None:
        claim = ClaimFactory.create(article=article) if article else ClaimFactory.create()
    in_lineage = status in (VerdictStatus.PUBLISHED, VerdictStatus.SUPERSEDED, VerdictStatus.RETRACTED)
    if published_at is None and in_lineage:
        published_at = BASE_TIME + dt.timedelta(minutes=next(_published_clock))
    if status == VerdictStatus.RETRACTED:
        fields.setdefault("retracted_at", timezone.now())
    verdict = Verdict.objects.create(
        claim=claim,
        status=status,
        rating=rating(rating_slug) if rating_slug else None,
        summary=summary,
        published_at=published_at,
        version=version,
        previous=previous,
        **fields,
    )
    for position, url in enumerate(["https://stats.example.org/gdp"] if citations is None else citations):
        Citation.objects.create(verdict=verdict, url=url, title=f"Source {position}", position=position)
    return verdict


def published_rows(count: int, **kwargs: Any) -> list[Verdict]:
    """`count` published verdicts, each on its own claim and article, 2 citations each."""
    return [
        make_verdict(
            article=ArticleFactory.create(),
            citations=[f"https://a{n}.example.org/x", f"https://b{n}.example.net/y"],
            **kwargs,
        )
        for n in range(count)
    ]


def ids_by_publication(rows: list[Verdict], *, newest_first: bool = True) -> list[int]:
    def when(verdict: Verdict) -> dt.datetime:
        assert verdict.published_at is not None
        return verdict.published_at

    return [v.pk for v in sorted(rows, key=when, reverse=newest_first)]
