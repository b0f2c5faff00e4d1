"""API permissions: the roles of reviews.roles (who is an editor, who a reviewer), nothing else."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from reviews.roles import is_editor, is_reviewer


class HasRole(BasePermission):
    """Authenticated, with one role (class attribute `role`, a predicate of reviews.roles)."""

    role: Callable[[Any], bool] = staticmethod(lambda user: False)
    message = "You do not have permission to perform this action."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return self.role(request.user)


class CanIngest(HasRole):
    role = staticmethod(is_editor)
    message = "Only editors can submit articles."


class CanWorkQueue(HasRole):
    role = staticmethod(is_reviewer)
    message = "Only reviewers can take tasks from the queue."


class CanPublish(HasRole):
    role = staticmethod(is_editor)
    message = "Only editors can do this."


def editors_only(message: str) -> CanPublish:
    """`CanPublish` whose refusal says what only editors can do ("Only editors can publish verdicts.");
    for a workflow action, the table's own words: `reviews.workflow.role_refusal_described`."""
    permission = CanPublish()
    permission.message = message
    return permission
