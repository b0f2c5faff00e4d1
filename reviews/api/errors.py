"""One exception handler: every error leaves the API as JSON `{"detail", "code", "errors"}`.

`detail` is a readable sentence, `errors` maps field names to messages (empty when no field is at fault).
Domain errors (`reviews.exceptions`) map to their status codes here and nowhere else.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError as DatabaseInterfaceError
from django.db import OperationalError as DatabaseOperationalError
from django.http import Http404
from kombu.exceptions import KombuError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from reviews.exceptions import ApplicationError, ServiceUnavailable

logger = logging.getLogger(__name__)


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as flat field paths: `citations[0].url`, `text`, `non_field_errors`."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            if isinstance(key, int):
                name = f"{prefix}[{key}]"
            elif key == "non_field_errors" and prefix:
                name = prefix
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            for field, messages in _flatten(value, name).items():
                out.setdefault(field, []).extend(messages)
    elif isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        for index, item in enumerate(detail):
            for field, messages in _flatten(item, f"{prefix}[{index}]").items():
                out.setdefault(field, []).extend(messages)
    elif isinstance(detail, list):
        if detail:
            out[prefix or "non_field_errors"] = [str(m) for m in detail]
    else:
        out[prefix or "non_field_errors"] = [str(detail)]
    return out


def _summary(errors: dict[str, list[str]]) -> str:
    parts = [f"{field}: {messages[0]}" for field, messages in errors.items() if messages]
    if not parts:
        return "Invalid input."
    text = "Invalid input. " + "; ".join(parts[:3])
    return text + (f" (and {len(parts) - 3} more)" if len(parts) > 3 else "")


def _unavailable(exc: Exception) -> ServiceUnavailable | None:
    """The 503 for a service that could not be reached, or None. A database or broker connection lost
    mid-request is no bug of the caller's: an answer they can retry on, not a 500 HTML page."""
    if isinstance(exc, KombuError):
        logger.warning("The task broker is unreachable: %s", exc)
        return ServiceUnavailable("The task queue is unavailable right now; nothing was changed. Try again.")
    if isinstance(exc, DatabaseOperationalError | DatabaseInterfaceError):
        logger.warning("The database is unreachable or refused the transaction: %s", exc)
        return ServiceUnavailable("The database is unavailable right now; try again.", retry_after=5)
    return None


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    exc = _unavailable(exc) or exc
    if isinstance(exc, ApplicationError):
        body: dict[str, Any] = {"detail": exc.message, "code": exc.code, "errors": exc.field_errors}
        body.update(exc.extra)
        answer = Response(body, status=exc.status_code)
        if isinstance(exc, ServiceUnavailable):
            answer["Retry-After"] = str(exc.retry_after)
        return answer
    if isinstance(exc, RequestDataTooBig):
        # Raised by Django when the view first reads the body (DATA_UPLOAD_MAX_MEMORY_SIZE); left to Django,
        # it was an HTML 400 page.
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        message = f"The request body is too large: this server accepts at most {limit:,} bytes."
        return Response(
            {"detail": message, "code": "too_large", "errors": {}},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            detail=exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        response.data = {"detail": _summary(errors), "code": "invalid", "errors": errors}
        response.status_code = status.HTTP_400_BAD_REQUEST
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
        response.data = {"detail": str(detail), "code": code, "errors": {}}
    return response
