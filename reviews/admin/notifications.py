"""Notifications at the desk: a read-only log of the mails the desk sent, is sending, or gave up on."""

from __future__ import annotations

from django.contrib import admin

from reviews.admin.base import ReadOnlyAdmin, shorten
from reviews.models import Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin[Notification]):
    list_display = ("created_at", "kind", "recipient", "verdict", "status", "attempts", "sent_at", "error")
    list_filter = ("status", "kind")
    search_fields = ("recipient__username", "recipient__email", "=verdict__id")
    list_select_related = ("recipient", "verdict")
    ordering = ("-created_at", "-id")
    list_per_page = 100
    show_full_result_count = False
    fields = (
        "recipient",
        "kind",
        "verdict",
        "dedup_key",
        "note",
        "created_at",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "last_error",
    )
    readonly_fields = fields

    @admin.display(description="last error")
    def error(self, notification: Notification) -> str:
        return shorten(notification.last_error, 80)
