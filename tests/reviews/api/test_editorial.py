"""The editors' actions over the API: publish, return, correct, retract, PATCH. Token auth, editors only;
403 for anyone else, 409 for a transition the state does not allow, 400 with field errors."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from reviews.models import EventAction, ReviewEvent, ReviewTask, TaskStatus, Verdict, VerdictStatus
from reviews.services import queue
from reviews.services.verdicts import CitationInput, VerdictInput, verdict_publish
from tests.factories import ReviewTaskFactory, UserFactory

pytestmark = pytest.mark.django_db

SUBMITTED = VerdictInput(
    rating="mostly-false",
    summary="The figure is from 2012, not 2016.",
    citations=(CitationInput(url="https://example.org/report", title="Report"),),
)
CORRECTION = {
    "rating": "false",
    "summary": "The figure is from 2009.",
    "rationale": "The 2009 report is the source.",
    "citations": [
        {"url": "https://example.org/report-2009", "title": "The 2009 report"},
        {"url": "https://stats.example.org/table", "publisher": "Statistics office"},
    ],
    "note": "The report is from 2009.",
}


def token_client(user: User) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def api(editor: User) -> APIClient:
    return token_client(editor)


@pytest.fixture
def submitted(reviewer: User) -> Verdict:
    task = ReviewTaskFactory.create()
    outcome = queue.task_claim_next(reviewer=reviewer)
    assert outcome is not None
    return queue.task_submit(
        task_id=task.pk, reviewer=reviewer, lease_token=outcome.task.lease_token, data=SUBMITTED
    )


@pytest.fixture
def published(submitted: Verdict, editor: User) -> Verdict:
    return verdict_publish(verdict_id=submitted.pk, editor=editor)


def task_of(verdict: Verdict) -> ReviewTask:
    assert verdict.task_id is not None
    return ReviewTask.objects.get(pk=verdict.task_id)


def url(verdict_id: int | str, action: str = "") -> str:
    return f"/api/v1/verdicts/{verdict_id}" + (f"/{action}" if action else "")


# --------------------------------------------------------------------------------------------------
# Who may act
# --------------------------------------------------------------------------------------------------

# Each call, its body, and the 403 anybody but an editor gets: the workflow table's refusal.
CALLS: list[tuple[str, str, dict[str, Any], str]] = [
    ("post", "publish", {}, "Only editors can publish verdicts."),
    ("post", "return", {"note": "Fix it."}, "Only editors can return verdicts."),
    ("post", "correct", CORRECTION, "Only editors can correct verdicts."),
    ("post", "retract", {"note": "Wrong."}, "Only editors can retract verdicts."),
    ("patch", "", {"summary": "Edited."}, "Only editors can edit verdicts."),
]


@pytest.mark.parametrize(("method", "action", "body", "refusal"), CALLS)
def test_only_editors(
    submitted: Verdict, reviewer: User, method: str, action: str, body: dict[str, Any], refusal: str
) -> None:
    consumer = UserFactory.create(username="consumer")
    staff = UserFactory.create(username="staff", is_staff=True)
    for user in (reviewer, consumer, staff):
        response = getattr(token_client(user), method)(url(submitted.pk, action), body, format="json")
        assert response.status_code == 403, (user, response.json())
        assert response.json() == {
            "detail": refusal,
            "code": "permission_denied",
            "errors": {},
        }
    anonymous = getattr(APIClient(), method)(url(submitted.pk, action), body, format="json")
    assert anonymous.status_code == 401
    assert Verdict.objects.get(pk=submitted.pk).status == VerdictStatus.SUBMITTED
    assert not ReviewEvent.objects.exclude(
        action__in=[EventAction.TASK_LEASED, EventAction.VERDICT_SUBMITTED]
    ).exists()


@pytest.mark.parametrize("verdict_id", ["987654", "²", "٣", "9" * 30])
@pytest.mark.parametrize("action", ["publish", "retract"])
def test_unknown_verdict_is_404(api: APIClient, verdict_id: str, action: str) -> None:
    # "²" and "٣" pass str.isdigit(); int("²") raised (a 500) and int("٣") read 3.
    response = api.post(url(verdict_id, action))
    assert response.status_code == 404
    assert response.json() == {
        "detail": f"Verdict {verdict_id} does not exist.",
        "code": "not_found",
        "errors": {},
    }


# --------------------------------------------------------------------------------------------------
# Each action
# --------------------------------------------------------------------------------------------------


def test_publish(api: APIClient, submitted: Verdict, editor: User) -> None:
    response = api.post(url(submitted.pk, "publish"))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["id"], body["status"], body["version"]) == (submitted.pk, "published", 1)
    assert body["rating"]["slug"] == "mostly-false"
    assert body["public_url"]
    assert task_of(submitted).status == TaskStatus.DONE
    assert ReviewEvent.objects.filter(
        verdict_id=submitted.pk, action=EventAction.VERDICT_PUBLISHED, actor=editor
    ).exists()
    # With and without the trailing slash (the router accepts both).
    again = api.post(url(submitted.pk, "publish") + "/")
    assert again.status_code == 409
    assert again.json() == {
        "detail": f"Verdict {submitted.pk} is published; it cannot be published. It is already published.",
        "code": "invalid_transition",
        "errors": {},
        "status": "published",
    }


def test_return(api: APIClient, submitted: Verdict, reviewer: User) -> None:
    missing = api.post(url(submitted.pk, "return"), {}, format="json")
    assert missing.status_code == 400
    assert missing.json() == {
        "detail": "note: Say what the reviewer should change.",
        "code": "invalid",
        "errors": {"note": ["Say what the reviewer should change."]},
    }
    response = api.post(url(submitted.pk, "return"), {"note": "Cite the 2012 report itself."}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "returned"
    verdict = Verdict.objects.get(pk=submitted.pk)
    assert verdict.editor_note == "Cite the 2012 report itself."
    task = task_of(submitted)
    assert (task.status, task.reviewer) == (TaskStatus.RETURNED, reviewer)
    conflict = api.post(url(submitted.pk, "publish"))
    assert conflict.status_code == 409
    assert conflict.json()["detail"] == (
        f"Verdict {submitted.pk} is returned to its reviewer; it cannot be published. "
        "Its reviewer must resubmit it first."
    )


def test_correct(api: APIClient, published: Verdict) -> None:
    response = api.post(url(published.pk, "correct"), CORRECTION, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    new = Verdict.objects.get(previous=published)
    assert (body["id"], body["version"], body["previous"], body["status"]) == (
        new.pk,
        2,
        published.pk,
        "published",
    )
    assert body["correction_note"] == "The report is from 2009."
    assert [c["url"] for c in body["citations"]] == [
        "https://example.org/report-2009",
        "https://stats.example.org/table",
    ]
    assert response["Location"].endswith(f"/api/v1/verdicts/{new.pk}/")
    old = api.get(url(published.pk)).json()
    assert (old["status"], old["superseded_by"]) == ("superseded", new.pk)
    conflict = api.post(url(published.pk, "correct"), CORRECTION, format="json")
    assert conflict.status_code == 409
    assert conflict.json()["detail"] == (
        f"Verdict {published.pk} is superseded by a correction; it cannot be corrected. "
        f"Act on the latest version (verdict {new.pk}) instead."
    )


def test_correct_field_errors(api: APIClient, published: Verdict) -> None:
    body = {
        **CORRECTION,
        "citations": [
            {"url": "javascript:alert(1)"},
            {"url": "https://a.example/"},
            {"url": "https://a.example/"},
        ],
    }
    response = api.post(url(published.pk, "correct"), body, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": (
            "citations[0].url: Citation URLs must be absolute http:// or https:// links. (and 1 more problem)"
        ),
        "code": "invalid",
        "errors": {
            "citations[0].url": ["Citation URLs must be absolute http:// or https:// links."],
            "citations[2].url": ["This URL is already cited (citation 2)."],
        },
    }
    no_citation = api.post(url(published.pk, "correct"), {**CORRECTION, "citations": []}, format="json")
    assert no_citation.json()["errors"] == {
        "citations": ["A verdict rated “False” needs at least one citation."]
    }
    no_note = api.post(url(published.pk, "correct"), {**CORRECTION, "note": ""}, format="json")
    assert no_note.json()["errors"] == {"note": ["Say what the correction changes; readers see this note."]}
    long_summary = api.post(
        url(published.pk, "correct"), {**CORRECTION, "summary": "x" * 2001}, format="json"
    )
    assert long_summary.json()["errors"] == {"summary": ["At most 2,000 characters (got 2,001)."]}
    not_a_list = api.post(
        url(published.pk, "correct"), {**CORRECTION, "citations": "https://a.example/"}, format="json"
    )
    assert not_a_list.status_code == 400
    assert "citations" in not_a_list.json()["errors"]
    assert Verdict.objects.filter(claim_id=published.claim_id).count() == 1


def test_retract(api: APIClient, published: Verdict, submitted: Verdict) -> None:
    assert api.post(url(published.pk, "retract"), {"note": ""}, format="json").json()["errors"] == {
        "note": ["Say why the verdict is retracted; readers who follow a link to it see this note."]
    }
    response = api.post(url(published.pk, "retract"), {"note": "The source was fabricated."}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["retraction_note"]) == (
        "retracted",
        "The source was fabricated.",
    )
    again = api.post(url(published.pk, "retract"), {"note": "x"}, format="json")
    assert again.status_code == 409
    assert again.json()["detail"] == f"Verdict {published.pk} is retracted; it cannot be retracted."


def test_patch_edits_only_what_is_sent(api: APIClient, submitted: Verdict, editor: User) -> None:
    response = api.patch(url(submitted.pk), {"summary": "The figure is from 2011."}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["summary"], body["rating"]["slug"], body["status"]) == (
        "The figure is from 2011.",
        "mostly-false",
        "submitted",
    )
    assert [c["url"] for c in body["citations"]] == ["https://example.org/report"]
    replaced = api.patch(
        url(submitted.pk), {"rating": "false", "citations": [{"url": "https://b.example/x"}]}, format="json"
    )
    assert [c["url"] for c in replaced.json()["citations"]] == ["https://b.example/x"]
    assert (
        ReviewEvent.objects.filter(
            verdict_id=submitted.pk, action=EventAction.VERDICT_EDITED, actor=editor
        ).count()
        == 2
    )
    invalid = api.patch(url(submitted.pk), {"citations": []}, format="json")
    assert invalid.status_code == 400
    assert invalid.json()["errors"] == {"citations": ["A verdict rated “False” needs at least one citation."]}
    no_url = api.patch(
        url(submitted.pk), {"citations": [{"title": "A title without its link"}]}, format="json"
    )
    assert no_url.status_code == 400
    assert no_url.json()["errors"] == {"citations[0].url": ["This field is required."]}
    unknown = api.patch(url(submitted.pk), {"rating": "pants-on-fire"}, format="json")
    assert unknown.json()["errors"]["rating"] == [
        "Unknown rating “pants-on-fire”. Choose one of: true, mostly-true, half-true, mostly-false, false, "
        "misleading, unverifiable."
    ]


def test_patch_refuses_a_published_verdict(api: APIClient, published: Verdict) -> None:
    response = api.patch(url(published.pk), {"summary": "Sneaky edit."}, format="json")
    assert response.status_code == 409
    assert response.json()["detail"] == (
        f"Verdict {published.pk} is published; it cannot be edited. "
        "A published verdict is frozen: correct or retract it instead."
    )
    assert Verdict.objects.get(pk=published.pk).summary == SUBMITTED.summary


def test_put_and_delete_are_not_offered(api: APIClient, submitted: Verdict) -> None:
    assert api.put(url(submitted.pk), {"summary": "x"}, format="json").status_code == 405
    assert api.delete(url(submitted.pk)).status_code == 405


def test_reads_stay_open(published: Verdict) -> None:
    assert APIClient().get(url(published.pk)).status_code == 200


def test_the_schema_describes_the_actions(api: APIClient) -> None:
    schema = api.get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    publish = next(v for k, v in paths.items() if k.rstrip("/").endswith("/verdicts/{id}/publish"))["post"]
    assert {"200", "400", "401", "403", "404", "409"} <= set(publish["responses"])
    # The 409 lists the workflow table's refusals of publishing, as the service words them.
    conflict = publish["responses"]["409"]["description"]
    assert "“Verdict <pk> is <phrase>; it cannot be published.” (the verdict is not `submitted`)" in conflict
    assert (
        "“Claim <claim> already has a published verdict (verdict <current>); correct that one instead.”"
        in (conflict)
    )
    example = publish["responses"]["409"]["content"]["application/json"]["examples"]
    assert [e["value"]["detail"] for e in example.values()] == [
        "Verdict 7 is published; it cannot be published. It is already published."
    ]
    patch = next(v for k, v in paths.items() if k.rstrip("/").endswith("/verdicts/{id}"))["patch"]
    assert "409" in patch["responses"]
    assert any(k.rstrip("/").endswith("/verdicts/{id}/return") for k in paths)
    correct = next(v for k, v in paths.items() if k.rstrip("/").endswith("/verdicts/{id}/correct"))["post"]
    assert "201" in correct["responses"]


def test_token_auth_is_not_affected_by_login_lockouts(client: Any, editor: User, submitted: Verdict) -> None:
    """django-axes guards password logins only: an editor locked out of /admin/ keeps their API token."""
    from django.conf import settings

    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/admin/login/", {"username": editor.username, "password": "wrong"})
    locked = client.post("/admin/login/", {"username": editor.username, "password": "wrong"})
    assert locked.status_code == 429
    response = token_client(editor).post(url(submitted.pk, "publish"))
    assert response.status_code == 200
    assert Group.objects.get(name="Editors").user_set.filter(pk=editor.pk).exists()
