from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db


def test_creates_both_accounts_with_group_and_token_and_is_repeatable(settings, capsys) -> None:
    settings.DEBUG = True
    call_command("create_demo_users")
    first = capsys.readouterr().out
    assert set(User.objects.values_list("username", flat=True)) == {"editor", "reviewer"}
    assert list(User.objects.get(username="editor").groups.values_list("name", flat=True)) == ["Editors"]
    assert list(User.objects.get(username="reviewer").groups.values_list("name", flat=True)) == ["Reviewers"]
    assert Token.objects.count() == 2
    User.objects.filter(username="reviewer").update(is_active=False)
    call_command("create_demo_users")
    assert capsys.readouterr().out == first, "the same logins and tokens again"
    assert User.objects.get(username="reviewer").is_active, "reset means usable again"


def test_refused_with_debug_off(settings) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="refusing to create them with DEBUG off"):
        call_command("create_demo_users")
    assert not User.objects.exists()


def test_a_missing_group_creates_nobody(settings) -> None:
    # The editor used to be made and the reviewer left without group or token.
    settings.DEBUG = True
    Group.objects.filter(name="Reviewers").delete()
    with pytest.raises(
        CommandError, match=r"Group\(s\) missing: Reviewers\. Run `manage\.py migrate` first\."
    ):
        call_command("create_demo_users")
    assert not User.objects.exists()
