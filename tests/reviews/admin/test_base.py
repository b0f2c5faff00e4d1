"""What every desk page shares (`DeskAdminMixin`): bad filter values get the admin's usual answers."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("model", "parameter"), [("claim", "article"), ("reviewevent", "claim")])
@pytest.mark.parametrize("value", ["²", "٣", "abc", "9" * 30])
def test_id_filters_ignore_values_that_are_not_ids(
    desk: Client, model: str, parameter: str, value: str
) -> None:
    ClaimFactory.create()
    response = desk.get(f"/admin/reviews/{model}/", {parameter: value})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("model", "field"),
    [
        ("article", "published_on"),
        ("reviewtask", "created_at"),
        ("verdict", "created_at"),
        ("reviewevent", "created_at"),
    ],
)
@pytest.mark.parametrize(
    "query",
    [
        "{f}__year=9999",  # the range's end would be year 10000
        "{f}__year=9999&{f}__month=12",
        "{f}__year=9999&{f}__month=12&{f}__day=31",
        "{f}__year=99999999999",
        "{f}__year=2025&{f}__month=13",
        "{f}__year=abc",
    ],
)
def test_a_date_drill_down_out_of_range_is_the_admins_bad_filter_answer(
    desk: Client, model: str, field: str, query: str
) -> None:
    response = desk.get(f"/admin/reviews/{model}/?" + query.format(f=field))
    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


def test_a_date_drill_down_in_range_still_works(desk: Client) -> None:
    assert desk.get("/admin/reviews/verdict/?created_at__year=9998&created_at__month=12").status_code == 200
