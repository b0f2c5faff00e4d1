"""`POST /api/v1/tasks/{id}/reuse`: a reviewer copies a matched claim's published verdict into their draft
over the API (the reuse action of reviews/api/queue.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from drf_spectacular.generators import SchemaGenerator
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from reviews.models import Verdict, VerdictStatus
from reviews.services.verdicts import verdict_retract
from tests.factories import UserFactory
from tests.reviews.matching_fixtures import PUBLISHED, Pair, matched_pair

pytestmark = pytest.mark.django_db


def client_for(user: User) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def pair(editor: User, reviewer: User) -> Pair:
    return matched_pair(editor=editor, reviewer=reviewer)


def _url(pair: Pair) -> str:
    return f"/api/v1/tasks/{pair.task.pk}/reuse"


def _body(pair: Pair, **changes: Any) -> dict[str, Any]:
    assert pair.source is not None
    return {"lease_token": str(pair.task.lease_token), "verdict": pair.source.pk, **changes}


def test_reuse_answers_with_the_draft_marked_reused(pair: Pair, reviewer: User) -> None:
    assert pair.source is not None
    response = client_for(reviewer).post(_url(pair), _body(pair), format="json")

    assert response.status_code == 200
    draft = Verdict.objects.get(task=pair.task)
    assert response.json() == {
        "id": draft.pk,
        "claim": pair.task.claim_id,
        "task": pair.task.pk,
        "status": "draft",
        "rating": "mostly-true",
        "summary": PUBLISHED.summary,
        "rationale": "",
        "citations": [c.url for c in PUBLISHED.citations],
        "reused_from": pair.source.pk,
    }
    assert draft.status == VerdictStatus.DRAFT
    assert draft.reused_from_id == pair.source.pk


def test_another_reviewer_gets_409_and_nothing_changes(pair: Pair) -> None:
    bob = UserFactory.create(username="bob")
    bob.groups.add(Group.objects.get(name="Reviewers"))

    response = client_for(bob).post(_url(pair), _body(pair), format="json")

    assert response.status_code == 409
    assert response.json() == {
        "detail": (
            f"You do not hold task {pair.task.pk}: it was released, expired or taken by someone else. "
            "Nothing was changed; take the next task to continue."
        ),
        "code": "lease_not_held",
        "errors": {},
    }
    assert not Verdict.objects.filter(task=pair.task).exists()


def test_a_verdict_that_is_not_published_is_409(pair: Pair, reviewer: User, editor: User) -> None:
    assert pair.source is not None
    verdict_retract(verdict_id=pair.source.pk, editor=editor, note="Withdrawn.")

    response = client_for(reviewer).post(_url(pair), _body(pair), format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert response.json()["detail"] == (
        f"Verdict {pair.source.pk} is retracted; only a published verdict can be reused."
    )
    assert not Verdict.objects.filter(task=pair.task).exists()


def test_unknown_verdict_or_task_is_404(pair: Pair, reviewer: User) -> None:
    client = client_for(reviewer)
    response = client.post(_url(pair), _body(pair, verdict=10**9), format="json")
    assert response.status_code == 404
    assert response.json()["detail"] == f"Verdict {10**9} does not exist."

    response = client.post("/api/v1/tasks/999999/reuse", _body(pair), format="json")
    assert response.status_code == 404
    assert response.json()["detail"] == "Task 999999 does not exist."


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"verdict": None}, "verdict", "This field may not be null."),
        ({"verdict": "abc"}, "verdict", "A valid integer is required."),
        ({"verdict": 0}, "verdict", "Ensure this value is greater than or equal to 1."),
        ({"verdict": 2**63}, "verdict", "Ensure this value is less than or equal to 9223372036854775807."),
        ({"lease_token": "nope"}, "lease_token", "Must be a valid UUID."),
    ],
)
def test_bad_input_is_400_with_the_field(
    pair: Pair, reviewer: User, changes: dict[str, Any], field: str, message: str
) -> None:
    response = client_for(reviewer).post(_url(pair), _body(pair, **changes), format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {field: [message]}
    assert not Verdict.objects.filter(task=pair.task).exists()


def test_only_reviewers_may_reuse(pair: Pair, editor: User) -> None:
    assert APIClient().post(_url(pair), _body(pair), format="json").status_code == 401
    consumer = UserFactory.create(username="reader")
    assert client_for(consumer).post(_url(pair), _body(pair), format="json").status_code == 403
    assert not Verdict.objects.filter(task=pair.task).exists()


def test_the_action_is_in_the_schema() -> None:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = [path for path in schema["paths"] if "reuse" in path]
    assert paths == ["/api/v1/tasks/{id}/reuse/"]
    operation = schema["paths"][paths[0]]["post"]
    assert set(operation["responses"]) == {"200", "400", "401", "403", "404", "409", "429", "503"}
    body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][body]["required"]) == {"lease_token", "verdict"}
