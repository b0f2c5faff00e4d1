"""What every page of the desk shares: permissions, small display helpers, and `DeskAdminMixin`, the one
place where a service's refusal becomes an admin message."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from reviews import workflow
from reviews.admin.forms import ShowsServiceRefusal, attach_errors
from reviews.exceptions import ApplicationError, ValidationFailed

_M = TypeVar("_M", bound=Model)

admin.site.site_header = "factcheck · editors' desk"
admin.site.site_title = "factcheck desk"
admin.site.index_title = "Fact-checking desk"
# The desk's lists are wide (claim text, statuses, people); the app sidebar would squeeze them.
admin.site.enable_nav_sidebar = False

RETURN_NOTE_HELP = "The reviewer sees this note with the verdict, first in their queue."
RETRACTION_NOTE_HELP = "Readers see this note with the retracted verdict."
# Who is an editor is reviews.roles.is_editor; these two are the admin actions' own permissions.


def desk_user(request: HttpRequest) -> User:
    # Every admin view runs behind admin_view(): an active staff User.
    return cast(User, request.user)


def shorten(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def score_text(score: float | None) -> str:
    """An accuracy score as the desk's lists show it. Words, not a dash or a 0: an article nobody rated
    yet must not read as all false."""
    return "No score" if score is None else f"{score:.0f}"


def admin_link(url_name: str, pk: object, label: object) -> SafeString:
    return format_html('<a href="{}">{}</a>', reverse(url_name, args=[pk]), label)


def bulk_rule(action: str) -> str:
    """What a bulk action's confirmation page says about the rows the workflow table refuses."""
    return f"{workflow.state_rule(action)}; the others are reported and left as they are."


def fragment(template_name: str, context: Mapping[str, Any]) -> SafeString:
    """A piece of a desk page (a read-only field, a list cell) rendered from its template under
    reviews/templates/admin/reviews/, which escapes what it shows."""
    return render_to_string(template_name, context)


# --------------------------------------------------------------------------------------------------
# The one place where domain errors become admin messages
# --------------------------------------------------------------------------------------------------


class DeskChangeList(ChangeList):
    """Django's ChangeList, with a date-hierarchy link past year 9999 (`?created_at__year=9999`, or a huge
    year) treated like any other bad filter (`IncorrectLookupParameters`: the admin redirects to the list
    with `?e=1`). Django catches the `ValueError` of a bad date but not those of the range's end."""

    def get_filters(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().get_filters(request, *args, **kwargs)
        except (ValueError, OverflowError) as exc:
            raise IncorrectLookupParameters(exc) from exc


class DeskAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete widget, ignoring a selected value that is not a key of the related model
    (`/admin/reviews/verdict/add/?claim=abc`, or a form sent back with one): Django's widget looked it
    up and raised `ValueError` while rendering. The form field still refuses it when the form is sent."""

    def optgroups(self, name: str, value: Any, attr: Any = None) -> Any:
        key = self.field.target_field
        valid = []
        for item in value:
            try:
                key.to_python(item)
            except ValidationError:
                continue
            valid.append(item)
        return super().optgroups(name, valid, attr)


class ServiceRefused(Exception):
    """Carries a service's refusal out of a change form's save (`save_model`, `save_related`), so the
    admin's transaction rolls back; `DeskAdminMixin.changeform_view` shows it."""

    def __init__(self, error: ApplicationError) -> None:
        super().__init__(error.message)
        self.error = error


class DeskAdminMixin(admin.ModelAdmin[_M]):
    """Runs services for admin views and actions, and turns their refusals (`ApplicationError`) into
    messages. Each call is the service's own transaction: in a bulk action, rows that succeed stay done
    and each refusal is reported with the service's message.

    Bad query values get the admin's usual answers instead of errors (`DeskChangeList`,
    `DeskAutocompleteSelect`); factcheck.middleware.AdminInputMiddleware refuses the rest (NUL
    characters, selected rows that are not ids) for every admin page."""

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return DeskChangeList

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        refusal = getattr(request, "_desk_refusal", None)
        if refusal is None:
            return form
        # The form shown again after a refused save (`desk_save_refused`) carries the refusal.
        bases = (form,) if issubclass(form, ShowsServiceRefusal) else (ShowsServiceRefusal, form)
        return type(form.__name__, bases, {"refusal": refusal})

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = DeskAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def desk_call(self, request: HttpRequest, call: Callable[[], object], *, success: str = "") -> bool:
        try:
            call()
        except ApplicationError as exc:
            self.desk_refused(request, exc)
            return False
        if success:
            self.message_user(request, success, messages.SUCCESS)
        return True

    def desk_refused(self, request: HttpRequest, exc: ApplicationError) -> None:
        self.message_user(request, exc.message, messages.ERROR)

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRefused as refused:
            return self.desk_save_refused(request, refused.error, object_id, form_url, extra_context)

    def desk_save_refused(
        self,
        request: HttpRequest,
        error: ApplicationError,
        object_id: str | None,
        form_url: str,
        extra_context: dict[str, Any] | None,
    ) -> HttpResponse:
        """The service refused a change form's save and the admin's transaction rolled back. Invalid input
        (`ValidationFailed`): the same form again, with what was typed and the service's messages on the
        fields they name. Anything else (changed meanwhile, not allowed, ...): say why and show the object
        as it now is (the list, for a new one)."""
        if isinstance(error, ValidationFailed) and getattr(request, "_desk_refusal", None) is None:
            request._desk_refusal = error  # type: ignore[attr-defined]
            return self.changeform_view(request, object_id, form_url, extra_context)
        self.desk_refused(request, error)
        name = f"admin:{self.opts.app_label}_{self.opts.model_name}"
        if object_id is None:
            return HttpResponseRedirect(reverse(f"{name}_changelist"))
        return HttpResponseRedirect(reverse(f"{name}_change", args=[object_id]))

    def desk_bulk(
        self,
        request: HttpRequest,
        objects: Iterable[_M],
        call: Callable[[_M], object],
        done: Callable[[int], str],
    ) -> int:
        succeeded = 0
        for obj in objects:
            if self.desk_call(request, lambda obj=obj: call(obj)):  # type: ignore[misc]
                succeeded += 1
        if succeeded:
            self.message_user(request, done(succeeded), messages.SUCCESS)
        return succeeded

    def desk_form_errors(
        self, exc: ApplicationError, form: forms.BaseForm, citation_forms: Sequence[forms.BaseForm] = ()
    ) -> list[str]:
        """A refusal on an intermediate form: messages on the fields they name; returns the ones about the
        citations as a whole."""
        return attach_errors(exc, form=form, citation_forms=citation_forms)

    def desk_intermediate(
        self,
        request: HttpRequest,
        *,
        title: str,
        action: str,
        objects: Sequence[_M],
        description: str,
        submit_label: str,
        form: forms.BaseForm | None = None,
    ) -> TemplateResponse:
        """The confirmation page of a changelist action, with an optional form (a note, a reviewer)."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "action": action,
            "objects": objects,
            "description": description,
            "submit_label": submit_label,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media + (form.media if form is not None else forms.Media()),
        }
        return TemplateResponse(request, "admin/reviews/intermediate_action.html", context)

    @staticmethod
    def desk_confirmed(request: HttpRequest) -> bool:
        return request.method == "POST" and "_confirm" in request.POST


class ReadOnlyAdmin(DeskAdminMixin[_M]):
    """Rows are written by services only: the admin shows them and offers actions, never a save form."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
