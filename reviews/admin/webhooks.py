"""Webhooks at the desk: editors register endpoints (the secret is shown once, on the page after the
save), see why one was disabled, read every delivery with its attempts, and redeliver."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from reviews.admin.base import DeskAdminMixin, ReadOnlyAdmin, ServiceRefused, desk_user, shorten
from reviews.exceptions import ApplicationError
from reviews.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEventType
from reviews.net import url_refusal
from reviews.services.webhooks import webhook_endpoint_register, webhook_endpoint_update, webhook_redeliver


class WebhookEndpointForm(forms.ModelForm[WebhookEndpoint]):
    url = forms.URLField(max_length=2000, assume_scheme="https")
    events = forms.MultipleChoiceField(choices=WebhookEventType.choices, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "description", "events", "is_active"]

    def clean_url(self) -> str:
        # The service checks again when saving; here the editor gets the reason next to the field.
        url: str = self.cleaned_data["url"]
        if self.instance.pk is None or url != self.instance.url:
            problem = url_refusal(url)
            if problem is not None:
                raise forms.ValidationError(problem)
        return url


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(DeskAdminMixin[WebhookEndpoint]):
    form = WebhookEndpointForm
    list_display = ("url", "event_list", "is_active", "consecutive_failures", "short_disabled_reason")
    list_filter = ("is_active",)
    search_fields = ("url", "description")
    readonly_fields = ("disabled_reason", "disabled_at", "consecutive_failures", "created_at", "created_by")
    fields = ("url", "description", "events", "is_active", *readonly_fields)
    list_select_related = ("created_by",)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Deleting would take the delivery log with it; an endpoint no longer wanted is made inactive.
        return False

    @admin.display(description="events")
    def event_list(self, endpoint: WebhookEndpoint) -> str:
        return ", ".join(endpoint.events)

    @admin.display(description="disabled because")
    def short_disabled_reason(self, endpoint: WebhookEndpoint) -> str:
        return shorten(endpoint.disabled_reason, 120)

    def save_model(self, request: HttpRequest, obj: WebhookEndpoint, form: Any, change: bool) -> None:
        data = form.cleaned_data
        try:
            if change:
                webhook_endpoint_update(
                    endpoint_id=obj.pk,
                    editor=desk_user(request),
                    url=data["url"],
                    events=data["events"],
                    description=data["description"],
                    is_active=data["is_active"],
                )
                return
            endpoint = webhook_endpoint_register(
                url=data["url"],
                events=data["events"],
                description=data["description"],
                is_active=data["is_active"],
                editor=desk_user(request),
            )
        except ApplicationError as exc:
            raise ServiceRefused(exc) from exc
        obj.pk, obj.secret, obj.events = endpoint.pk, endpoint.secret, endpoint.events
        obj._state.adding = False

    def response_add(
        self, request: HttpRequest, obj: WebhookEndpoint, post_url_continue: Any = None
    ) -> HttpResponse:
        # The one time the secret is shown: on this page, never in a message (kept in the session or a
        # cookie) nor on the change form.
        context = {**self.admin_site.each_context(request), "opts": self.opts, "endpoint": obj}
        return TemplateResponse(request, "admin/reviews/webhookendpoint/secret.html", context)


class WebhookAttemptInline(admin.TabularInline[WebhookAttempt, WebhookDelivery]):
    model = WebhookAttempt
    extra = 0
    fields = ("number", "started_at", "duration_ms", "status_code", "error", "response_excerpt")
    readonly_fields = fields
    ordering = ("-number",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin[WebhookDelivery]):
    list_display = ("created_at", "event_type", "endpoint", "status", "attempts", "next_attempt_at", "error")
    list_filter = ("status", "event_type", "endpoint")
    search_fields = ("=event_id",)
    list_select_related = ("endpoint",)
    ordering = ("-created_at", "-id")
    list_per_page = 100
    show_full_result_count = False
    actions = ["redeliver"]
    inlines = [WebhookAttemptInline]
    fields = (
        "endpoint",
        "event_type",
        "event_id",
        "created_at",
        "status",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "last_error",
        "payload",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[WebhookDelivery]:
        return super().get_queryset(request).select_related("endpoint")

    @admin.display(description="last error")
    def error(self, delivery: WebhookDelivery) -> str:
        return shorten(delivery.last_error, 80)

    def has_redeliver_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("reviews.change_webhookdelivery")

    @admin.action(description="Deliver the selected deliveries again", permissions=["redeliver"])
    def redeliver(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        self.desk_bulk(
            request,
            queryset.order_by("pk"),
            lambda delivery: webhook_redeliver(delivery_id=delivery.pk, editor=desk_user(request)),
            lambda count: f"{count} delivery(ies) queued to be sent again.",
        )
