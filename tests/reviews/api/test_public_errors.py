"""Bad input is a JSON error with a readable message, never a 500; throttling is per token."""

from __future__ import annotations

import pytest
from django.core.cache import cache, caches
from rest_framework.throttling import SimpleRateThrottle

from tests.factories import UserFactory
from tests.reviews.api.public_data import consumer_user, make_verdict, token_client
from tests.reviews.private_redis import private_redis

pytestmark = pytest.mark.django_db


def _bad(field: str, message: str) -> tuple[int, dict]:
    return 400, {
        "detail": f"Invalid input. {field}: {message}",
        "code": "invalid",
        "errors": {field: [message]},
    }


def _missing(what: str) -> tuple[int, dict]:
    detail = {
        "verdict": "No verdict with this id (or not visible to you).",
        "claim": "No claim with this id (or not visible to you).",
        "article": "No article with this id (or not visible to you).",
        "claimreview": "No published verdict with this id.",
        "url": "No API endpoint at this URL.",
    }[what]
    return 404, {"detail": detail, "code": "not_found", "errors": {}}


CASES = [
    ("/api/v1/verdicts/abc/", _missing("verdict")),
    ("/api/v1/verdicts/99999999999999999999999999/", _missing("verdict")),
    ("/api/v1/verdicts/%00", _missing("verdict")),
    ("/api/v1/verdicts/-1/claimreview", _missing("claimreview")),
    ("/api/v1/claims/1.5/", _missing("url")),
    ("/api/v1/articles/0x10/", _missing("article")),
    ("/api/v1/ratings/%00/", _missing("url")),
    ("/api/v1/ratings/a.b", _missing("url")),
    ("/api/v1/nothing-here/", _missing("url")),
    ("/api/v1/verdicts/?score_min=abc", _bad("score_min", "Enter a number.")),
    ("/api/v1/verdicts/?score_min=NaN", _bad("score_min", "Enter a number.")),
    ("/api/v1/claims/?score_max=2", _bad("score_max", "Ensure this value is less than or equal to 1.")),
    (
        "/api/v1/verdicts/?claim_type=opinion",
        _bad("claim_type", "Select a valid choice. opinion is not one of the available choices."),
    ),
    (
        "/api/v1/verdicts/?status=gone",
        _bad("status", "Select a valid choice. gone is not one of the available choices."),
    ),
    (
        "/api/v1/claimreview/?rating=flase",
        _bad("rating", "Select a valid choice. flase is not one of the available choices."),
    ),
    (
        "/api/v1/claims/?rating=a%00b",
        _bad("rating", "Select a valid choice. a\x00b is not one of the available choices."),
    ),
    ("/api/v1/verdicts/?rating=" + ",".join(["false"] * 21), _bad("rating", "Ask for at most 20 ratings.")),
    ("/api/v1/verdicts/?published_after=yesterday", _bad("published_after", "Enter a valid date/time.")),
    (
        "/api/v1/verdicts/?published_before=0001-01-01T00:00:00%2B05:00",
        _bad("published_before", "Enter a valid date/time."),
    ),
    ("/api/v1/articles/?published_before=2025-13-01", _bad("published_before", "Enter a valid date.")),
    (
        "/api/v1/verdicts/?cited_domain=https://who.int/",
        _bad("cited_domain", "Enter a domain name such as example.org (no scheme, path or port)."),
    ),
    (
        "/api/v1/verdicts/?q=" + "a" * 201,
        _bad("q", "Ensure this value has at most 200 characters (it has 201)."),
    ),
    ("/api/v1/claims/?q=a%00b", _bad("q", "Null characters are not allowed.")),
    ("/api/v1/verdicts/?article=1.5", _bad("article", "Enter a whole number.")),
    ("/api/v1/verdicts/?claim=0", _bad("claim", "Ensure this value is greater than or equal to 1.")),
    (
        "/api/v1/claims/?article=99999999999999999999",
        _bad("article", "Ensure this value is less than or equal to 9223372036854775807."),
    ),
    ("/api/v1/claims/?page=abc", _bad("page", "A valid integer is required.")),
    ("/api/v1/claims/?page=0", _bad("page", "Ensure this value is greater than or equal to 1.")),
    (
        "/api/v1/articles/?page=99999999999999999999",
        (404, {"detail": "Invalid page.", "code": "not_found", "errors": {}}),
    ),
    (
        "/api/v1/ratings/?page_size=100000",
        _bad("page_size", "Ensure this value is less than or equal to 100."),
    ),
    ("/api/v1/verdicts/?page_size=-5", _bad("page_size", "Ensure this value is greater than or equal to 1.")),
    ("/api/v1/claimreview/?page_size=1e3", _bad("page_size", "A valid integer is required.")),
    ("/api/v1/claimreview/?cursor=%00", _bad("cursor", "Invalid cursor.")),
    (
        "/api/v1/ratings/?is_active=perhaps",
        _bad("is_active", "Select a valid choice. perhaps is not one of the available choices."),
    ),
    (
        "/api/v1/claims/?ordering=text",
        _bad("ordering", "Unknown ordering field: text. Choose from: created_at, id, score."),
    ),
    # Two minus signs are no field (they reached order_by: a 500).
    (
        "/api/v1/claims/?ordering=--score",
        _bad("ordering", "Unknown ordering field: --score. Choose from: created_at, id, score."),
    ),
    (
        "/api/v1/verdicts/?ordering=-published_at,--id",
        _bad("ordering", "Unknown ordering field: --id. Choose from: created_at, id, published_at."),
    ),
]


@pytest.mark.parametrize(("url", "expected"), CASES, ids=[case[0][:60] for case in CASES])
def test_bad_input_gets_a_json_error(url: str, expected: tuple[int, dict]) -> None:
    make_verdict()
    response = token_client(consumer_user()).get(url)
    assert (response.status_code, response.json()) == expected


def test_a_wrong_token_is_refused_even_on_open_reads() -> None:
    client = token_client(None)
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = client.get("/api/v1/verdicts/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token.", "code": "authentication_failed", "errors": {}}


def test_methods_the_resource_does_not_have_are_405_for_everybody(editor) -> None:
    verdict = make_verdict()
    for user in (None, editor):
        response = token_client(user).delete(f"/api/v1/verdicts/{verdict.pk}/")
        assert response.status_code == 405
        assert response.json() == {
            "detail": 'Method "DELETE" not allowed.',
            "code": "method_not_allowed",
            "errors": {},
        }


@pytest.fixture
def low_rates(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "2/minute", "user": "3/minute"})
    monkeypatch.setattr(SimpleRateThrottle, "timer", lambda self: 1_000_000.0)
    cache.clear()
    yield
    cache.clear()


def test_throttling_is_per_token_and_per_address_without_one(low_rates) -> None:
    make_verdict()
    first = token_client(consumer_user())
    second = token_client(UserFactory.create(username="another-partner"))
    for _ in range(3):
        assert first.get("/api/v1/verdicts/").status_code == 200
    throttled = first.get("/api/v1/claimreview/")
    assert throttled.status_code == 429
    assert throttled.json() == {
        # DRF's sliding window: the oldest of the three requests (all at the frozen clock) leaves it 60 s on.
        "detail": "Request was throttled. Expected available in 60 seconds.",
        "code": "throttled",
        "errors": {},
    }
    assert throttled["Retry-After"] == "60"
    # Another token has its own allowance; so do anonymous callers, by address.
    assert second.get("/api/v1/verdicts/").status_code == 200
    anonymous = token_client(None)
    assert [anonymous.get("/api/v1/ratings/").status_code for _ in range(3)] == [200, 200, 429]


def test_throttle_counters_in_redis_expire_with_their_window(low_rates, settings) -> None:
    with private_redis() as redis:
        settings.CACHES = {
            "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis.url}
        }
        client = token_client(None)
        assert [client.get("/api/v1/ratings/").status_code for _ in range(3)] == [200, 200, 429]
        raw = caches["default"]._cache.get_client(write=True)  # type: ignore[attr-defined]
        (key,) = raw.keys("*throttle_anon_*")
        assert 0 < raw.ttl(key) <= 60
