"""`{% if user|is_reviewer %}`: pages ask reviews.roles who a user is, as the views and the API do,
rather than Django's `perms`, which would decide it again (and load every permission the user holds)."""

from __future__ import annotations

from typing import Any

from django import template

from reviews import roles

register = template.Library()


@register.filter
def is_reviewer(user: Any) -> bool:
    return roles.is_reviewer(user)
