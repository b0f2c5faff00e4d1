"""Fixtures of the desk's tests: an editor's client and a superuser."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.reviews.admin.desk import client_for


@pytest.fixture
def desk(editor: User) -> Client:
    return client_for(editor)


@pytest.fixture
def superuser(db: None) -> User:
    return User.objects.create_superuser("root", email="root@example.org", password="x")
