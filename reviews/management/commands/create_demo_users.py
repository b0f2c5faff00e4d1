"""`manage.py create_demo_users`: an editor and a reviewer with known passwords, for the demo only."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from rest_framework.authtoken.models import Token

DEMO_USERS = [
    # username, password, group, is_staff
    ("editor", "editor-demo-2026", "Editors", True),
    ("reviewer", "reviewer-demo-2026", "Reviewers", False),
]


class Command(BaseCommand):
    help = "Create (or reset) the demo editor and reviewer accounts and print their logins and API tokens."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("Demo users have published passwords: refusing to create them with DEBUG off.")
        User = get_user_model()
        for username, password, group_name, is_staff in DEMO_USERS:
            user, _ = User.objects.get_or_create(
                username=username, defaults={"email": f"{username}@example.org"}
            )
            user.set_password(password)
            user.is_staff = is_staff
            user.save()
            user.groups.add(Group.objects.get(name=group_name))
            token, _ = Token.objects.get_or_create(user=user)
            self.stdout.write(f"  {group_name[:-1]:9} {username} / {password}   API token: {token.key}")
