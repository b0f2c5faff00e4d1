"""`manage.py create_demo_users`: an editor and a reviewer with known passwords, for the demo only."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
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
        names = {group_name for _, _, group_name, _ in DEMO_USERS}
        groups = {group.name: group for group in Group.objects.filter(name__in=names)}
        missing = sorted(names - set(groups))
        if missing:
            # The groups come with migrations (reviews 0002); without them a user would be half made.
            raise CommandError(f"Group(s) missing: {', '.join(missing)}. Run `manage.py migrate` first.")
        lines = []
        with transaction.atomic():  # both accounts, each with its group and token, or neither
            for username, password, group_name, is_staff in DEMO_USERS:
                user, _ = User.objects.get_or_create(
                    username=username, defaults={"email": f"{username}@example.org"}
                )
                user.set_password(password)
                user.is_staff = is_staff
                user.is_active = True
                user.save()
                user.groups.add(groups[group_name])
                token, _ = Token.objects.get_or_create(user=user)
                lines.append(f"  {group_name[:-1]:9} {username} / {password}   API token: {token.key}")
        for line in lines:
            self.stdout.write(line)
