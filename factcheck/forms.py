"""The login forms of the reviewers' pages (/accounts/login/) and of the admin (/admin/login/)."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator


class _UsernameLengthMixin(AuthenticationForm):
    """Enforce the username's length before anyone tries to log in with it.

    `AuthenticationForm` sets the username field's `max_length` after building the field, so no length
    validator runs: an over-long username went on to `authenticate()`, and django-axes' record of the
    failed attempt (a 255-character column) raised a database error, a 500. Now such a username is a
    form error, and no login is attempted.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        if field.max_length is not None:  # type: ignore[attr-defined]
            field.validators.append(MaxLengthValidator(field.max_length))  # type: ignore[attr-defined]


class LoginForm(_UsernameLengthMixin, AuthenticationForm):
    pass


class AdminLoginForm(_UsernameLengthMixin, AdminAuthenticationForm):
    pass
