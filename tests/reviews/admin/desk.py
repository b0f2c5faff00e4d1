"""What the desk's tests share: a submitted verdict, logged-in clients, the page's text and messages."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.models import Group, User
from django.test import Client

from reviews.models import Verdict
from reviews.services import queue
from reviews.services.verdicts import CitationInput, VerdictInput
from tests.factories import ReviewTaskFactory, UserFactory, rating

SUBMITTED = VerdictInput(
    rating="mostly-false",
    summary="The figure is from 2012, not 2016.",
    citations=(CitationInput(url="https://example.org/report", title="Report"),),
)


BODY = "Prices rose last year. The GDP grew 3% in 2019. Economists were surprised."


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def make_reviewer(name: str) -> User:
    user = UserFactory.create(username=name)
    user.groups.add(Group.objects.get(name="Reviewers"))
    return user


def submitted_verdict(reviewer: User, **task_kwargs: Any) -> Verdict:
    task = ReviewTaskFactory.create(**task_kwargs)
    outcome = queue.task_claim_next(reviewer=reviewer)
    assert outcome is not None
    return queue.task_submit(
        task_id=task.pk, reviewer=reviewer, lease_token=outcome.task.lease_token, data=SUBMITTED
    )


def slug_of(verdict: Verdict) -> str:
    assert verdict.rating is not None
    return verdict.rating.slug


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def page_text(response: Any) -> str:
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def inline_data(
    citations: list[dict[str, str]], *, initial: int, extra_prefix: str = "citations"
) -> dict[str, str]:
    data = {
        f"{extra_prefix}-TOTAL_FORMS": str(len(citations)),
        f"{extra_prefix}-INITIAL_FORMS": str(initial),
        f"{extra_prefix}-MIN_NUM_FORMS": "0",
        f"{extra_prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, citation in enumerate(citations):
        for key, value in citation.items():
            data[f"{extra_prefix}-{index}-{key}"] = value
    return data


def edit_form(
    verdict: Verdict, *, rating_slug: str, summary: str, citations: list[dict[str, str]]
) -> dict[str, str]:
    existing = list(verdict.citations.order_by("position", "id"))
    rows = []
    for index, row in enumerate(citations):
        row = {"url": "", "title": "", "publisher": "", "published": "", "excerpt": "", **row}
        if index < len(existing):
            row = {**row, "id": str(existing[index].pk), "verdict": str(verdict.pk)}
        else:
            row = {**row, "verdict": str(verdict.pk)}
        rows.append(row)
    return {
        "rating": str(rating(rating_slug).pk),
        "summary": summary,
        "rationale": "",
        **inline_data(rows, initial=len(existing)),
    }
