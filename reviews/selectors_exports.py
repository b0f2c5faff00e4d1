"""Who sees which export: its owner, and editors (reviews.roles). Decided here and nowhere else; the API
and the desk's download both ask."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from reviews.models import Export
from reviews.roles import is_editor


def exports_visible(*, user: Any) -> QuerySet[Export]:
    """Exports `user` may see and download: all for editors, their own for anyone else signed in, none for
    anonymous callers."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return Export.objects.none()
    queryset = Export.objects.select_related("owner")
    return queryset if is_editor(user) else queryset.filter(owner=user)
