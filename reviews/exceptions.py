"""Domain errors. Services raise these; the API maps them to HTTP (reviews.api.errors) and the admin and
reviewer pages to messages, each in one place, so a rule's message reads the same on every surface."""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A refusal the user can act on. `message` is shown to people as is."""

    status_code = 400
    code = "invalid"

    def __init__(
        self, message: str, *, field_errors: dict[str, list[str]] | None = None, **extra: Any
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}
        self.extra = extra


class ValidationFailed(ApplicationError):
    status_code = 400
    code = "invalid"


class ArticleRejected(ValidationFailed):
    """An article that cannot be ingested: empty, binary, not UTF-8, too large, or without sentences."""

    code = "article_rejected"


class NotFound(ApplicationError):
    status_code = 404
    code = "not_found"


class NotAllowed(ApplicationError):
    status_code = 403
    code = "permission_denied"


class Gone(ApplicationError):
    """It existed and no longer does, for good (HTTP 410): an expired export's file."""

    status_code = 410
    code = "gone"


class Conflict(ApplicationError):
    """The current state does not allow the change (HTTP 409); nothing was changed."""

    status_code = 409
    code = "conflict"


class LeaseNotHeld(Conflict):
    code = "lease_not_held"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class ServiceUnavailable(ApplicationError):
    """A service the request needs (the database, the task broker) cannot be reached now (HTTP 503,
    with `Retry-After: retry_after`). Work that can wait is recorded and sent later instead; this is
    for what cannot."""

    status_code = 503
    code = "unavailable"

    def __init__(self, message: str, *, retry_after: int = 10) -> None:
        super().__init__(message)
        self.retry_after = retry_after
