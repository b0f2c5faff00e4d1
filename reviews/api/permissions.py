"""API permissions, expressed as the model permissions the Editors and Reviewers groups hold."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView


class HasPerm(BasePermission):
    """Authenticated, with one Django permission (class attribute `perm`)."""

    perm = ""
    message = "You do not have permission to perform this action."

    def has_permission(self, request: Request, view: APIView) -> bool:
        user: Any = request.user
        return bool(user and user.is_authenticated and user.has_perm(self.perm))


class CanIngest(HasPerm):
    perm = "reviews.ingest_article"
    message = "Only editors can submit articles."


class CanWorkQueue(HasPerm):
    perm = "reviews.work_queue"
    message = "Only reviewers can take tasks from the queue."


class CanPublish(HasPerm):
    perm = "reviews.publish_verdict"
    message = "Only editors can do this."
