"""Exports at the desk: an editor starts one from a page with the verdict list's filters, a refused filter
says why and stores nothing, the list shows progress, and the download is for editors only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from reviews.models import Export, ExportState
from tests.factories import UserFactory
from tests.reviews.admin.desk import client_for, messages_of, page_text
from tests.reviews.api.public_data import make_verdict

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

ADD = reverse("admin:reviews_export_add")
LIST = reverse("admin:reviews_export_changelist")


def download_url(export: Export) -> str:
    return reverse("admin:reviews_export_download", args=[export.pk])


def test_the_start_page_offers_formats_and_the_verdict_filters(desk: Client) -> None:
    text = page_text(desk.get(ADD))
    assert "Start an export of published verdicts" in text
    for label in ("CSV", "JSON Lines", "ClaimReview JSON-LD", "Published after", "Cited domain"):
        assert label in text


def test_an_editor_starts_an_export_and_downloads_it(
    desk: Client, editor: User, exports_dir: Path, django_capture_on_commit_callbacks: Any
) -> None:
    make_verdict(rating_slug="false")
    make_verdict(rating_slug="true")
    with django_capture_on_commit_callbacks(execute=True):
        started = desk.post(ADD, {"format": "jsonl", "rating": "true", "q": ""})
    assert started["Location"] == LIST
    response = desk.get(LIST)
    export = Export.objects.get()
    assert (export.owner, export.format, export.filters, export.state) == (
        editor,
        "jsonl",
        {"rating": ["true"]},
        ExportState.DONE,
    )
    assert messages_of(response) == [f"Export {export.pk} is queued; its progress shows in the list below."]
    assert "1 / 1 (100%)" in page_text(response)
    assert download_url(export) in response.content.decode()

    download = desk.get(download_url(export))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/jsonl; charset=utf-8"
    assert len(download.getvalue().splitlines()) == 1


def test_a_refused_filter_says_why_and_stores_nothing(desk: Client) -> None:
    response = desk.post(ADD, {"format": "csv", "published_after": "soon"})
    assert response.status_code == 200
    assert messages_of(response) == ["Filter published_after: Enter a valid date/time."]
    assert not Export.objects.exists()


def test_an_expired_export_says_so(
    desk: Client, editor: User, exports_dir: Path, django_capture_on_commit_callbacks: Any
) -> None:
    export = Export.objects.create(owner=editor, format="csv", state=ExportState.EXPIRED)
    response = desk.get(download_url(export), follow=True)
    assert messages_of(response) == ["This export has expired and its file was deleted; start a new one."]
    response = desk.get(reverse("admin:reviews_export_download", args=["x"]), follow=True)
    assert messages_of(response) == ["No export with this id (or not visible to you)."]


def test_staff_who_are_not_editors_get_nothing(editor: User) -> None:
    export = Export.objects.create(owner=editor, format="csv")
    staff = client_for(UserFactory.create(username="staffer", is_staff=True))
    assert staff.get(LIST).status_code == 403
    assert staff.get(ADD).status_code == 403
    assert staff.post(ADD, {"format": "csv"}).status_code == 403
    assert staff.get(download_url(export), follow=True).status_code in (200, 403)
    assert not staff.get(download_url(export)).has_header("Content-Disposition")
    assert Export.objects.count() == 1


def test_the_list_costs_the_same_for_any_number_of_exports(
    desk: Client, editor: User, django_assert_max_num_queries: Any
) -> None:
    for _ in range(120):
        Export.objects.create(owner=editor, format="csv")
    with django_assert_max_num_queries(8):
        response = desk.get(LIST)
    assert response.status_code == 200


def test_the_verdict_list_leads_editors_to_the_start_page(desk: Client) -> None:
    page = desk.get(reverse("admin:reviews_verdict_changelist")).content.decode()
    assert f'<a href="{ADD}">Export published verdicts</a>' in page
