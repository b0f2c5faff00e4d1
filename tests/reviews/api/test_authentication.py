"""Token authentication: DRF's, with keys no token can have refused before any query."""

from __future__ import annotations

from unittest import mock

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.test import APIClient

from reviews.api.authentication import TokenAuthentication
from reviews.roles import EDITOR_PERM, REVIEWER_PERM, is_editor, is_reviewer
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PERMS = ["reviews.work_queue", "reviews.publish_verdict", "reviews.ingest_article", "reviews.manage_queue"]


def token_for(user: User) -> str:
    return Token.objects.get_or_create(user=user)[0].key


def fresh(user: User) -> User:
    """The user as ModelBackend sees them: reloaded, without any permission cache."""
    return User.objects.get(pk=user.pk)


def test_the_user_and_their_permissions_are_django_s() -> None:
    user = UserFactory.create()
    user.groups.add(Group.objects.get(name="Editors"))
    authenticated, token = TokenAuthentication().authenticate_credentials(token_for(user))
    assert token.user is authenticated
    assert authenticated.pk == user.pk
    assert {perm: authenticated.has_perm(perm) for perm in PERMS} == {
        perm: fresh(user).has_perm(perm) for perm in PERMS
    }


@pytest.mark.parametrize("grant", ["Editors", "Reviewers", "work_queue", "publish_verdict", "superuser", ""])
def test_the_roles_come_with_the_token_and_match_django_s_permissions(grant: str) -> None:
    user = UserFactory.create(is_superuser=grant == "superuser")
    if grant in ("Editors", "Reviewers"):
        user.groups.add(Group.objects.get(name=grant))
    elif grant in ("work_queue", "publish_verdict"):
        user.user_permissions.add(Permission.objects.get(content_type__app_label="reviews", codename=grant))
    key = token_for(user)
    with CaptureQueriesContext(connection) as queries:
        authenticated, _ = TokenAuthentication().authenticate_credentials(key)
        roles = (is_editor(authenticated), is_reviewer(authenticated))
    assert len(queries) == 1
    assert roles == (fresh(user).has_perm(EDITOR_PERM), fresh(user).has_perm(REVIEWER_PERM))
    assert roles == (is_editor(fresh(user)), is_reviewer(fresh(user)))


def test_each_key_finds_its_own_user_and_token() -> None:
    first, second = UserFactory.create(), UserFactory.create()
    for user in (first, second, first):
        key = token_for(user)
        authenticated, token = TokenAuthentication().authenticate_credentials(key)
        stored = Token.objects.get(key=key)
        assert (authenticated.pk, authenticated.username) == (user.pk, user.username)
        assert (token.key, token.user_id, token.created) == (stored.key, stored.user_id, stored.created)


def test_the_token_statement_is_not_compiled_per_request() -> None:
    # Compiling it (its permission subqueries) cost more CPU than the rest of a consumer's cached read.
    user = UserFactory.create()
    key = token_for(user)
    TokenAuthentication().authenticate_credentials(key)
    with mock.patch.object(SQLCompiler, "as_sql", autospec=True, side_effect=SQLCompiler.as_sql) as as_sql:
        authenticated, _ = TokenAuthentication().authenticate_credentials(key)
    assert authenticated.pk == user.pk
    assert as_sql.call_count == 0


def test_unknown_token_and_inactive_user_are_refused_as_drf_does() -> None:
    with pytest.raises(AuthenticationFailed, match=r"^Invalid token\.$"):
        TokenAuthentication().authenticate_credentials("0" * 40)
    user = UserFactory.create(is_active=False)
    with pytest.raises(AuthenticationFailed, match=r"^User inactive or deleted\.$"):
        TokenAuthentication().authenticate_credentials(token_for(user))


def test_api_requests_use_it_and_answer_401_for_a_bad_token() -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token nope")
    response = client.post("/api/v1/queue/next")
    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid token."
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("key", ["abc\x00def", "\x00", "0" * 40 + "\x00", "a" * 41, "a" * 10_000])
def test_a_key_no_token_can_have_is_refused_without_a_query(key: str) -> None:
    # A NUL reached PostgreSQL as a query parameter: a 500 under servers that pass it in the header.
    with (
        CaptureQueriesContext(connection) as queries,
        pytest.raises(AuthenticationFailed, match=r"^Invalid token\.$"),
    ):
        TokenAuthentication().authenticate_credentials(key)
    assert len(queries) == 0


@pytest.mark.parametrize("path", ["/api/v1/queue/next", "/api/v1/verdicts/"])
def test_a_request_with_a_nul_in_its_token_is_a_401(path: str) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token abc\x00def")
    response = client.post(path) if path.endswith("next") else client.get(path)
    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid token."


@pytest.mark.parametrize("also_reviewer", [False, True])
def test_a_role_named_by_two_permissions_reads_as_django_s(also_reviewer: bool) -> None:
    # "reviews.publish_verdict" names every permission of that codename in the app, on any of its
    # models; the token statement sums the distinct bits of the roles held, so holding two such
    # permissions is still one role, and not another.
    user = UserFactory.create()
    real = Permission.objects.get(content_type__app_label="reviews", codename="publish_verdict")
    other_model = ContentType.objects.filter(app_label="reviews").exclude(pk=real.content_type_id).first()
    assert other_model is not None
    twin = Permission.objects.create(content_type=other_model, codename="publish_verdict", name="Twin")
    user.user_permissions.add(real, twin)
    if also_reviewer:
        user.groups.add(Group.objects.get(name="Reviewers"))
    authenticated, _ = TokenAuthentication().authenticate_credentials(token_for(user))
    roles = (is_editor(authenticated), is_reviewer(authenticated))
    assert roles == (fresh(user).has_perm(EDITOR_PERM), fresh(user).has_perm(REVIEWER_PERM))
    assert roles == (True, also_reviewer)
