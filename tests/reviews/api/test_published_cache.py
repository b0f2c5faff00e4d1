"""The published cache and the verdict views' use of it (reviews/published_cache.py,
reviews/api/cached_reads.py): the same answers as from the database, never an unpublished or outdated
one, never one caller's view to another, and the rate limits still counted."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from reviews import published_cache
from reviews.api import published_render
from reviews.api.published_render import fragments_build, fragments_render
from reviews.cache_outage import cache_outage
from reviews.models import RatingLabel, Verdict, VerdictStatus
from reviews.services.verdicts import (
    CitationInput,
    VerdictInput,
    verdict_correct,
    verdict_publish,
    verdict_retract,
)
from tests.reviews.api.public_data import consumer_user, make_verdict, token_client

pytestmark = pytest.mark.django_db

PATHS = [
    "/api/v1/verdicts/{pk}/",
    "/api/v1/verdicts/{pk}/claimreview",
    "/api/v1/verdicts/",
    "/api/v1/claimreview/",
    "/api/v1/claimreview/?page_size=1",
]
# Headers the fast path must answer with exactly as the views do (Date and such aside).
SAME_HEADERS = ("Content-Type", "Vary", "Allow", "Cache-Control", "ETag", "X-Frame-Options", "Content-Length")


@pytest.fixture
def cache_on(settings: Any) -> Iterator[None]:
    settings.FACTCHECK_PUBLISHED_CACHE = True
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def commit(django_capture_on_commit_callbacks: Any) -> Any:
    """Run the on-commit side effects of what is called inside (as a real commit would)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def anonymous() -> APIClient:
    return token_client(None)


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [
        row["id"] if "id" in row else int(row["url"].rstrip("/").rsplit("/", 1)[1])
        for row in response.json()["results"]
    ]


# --- the same answers as the views -----------------------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
def test_cached_answers_equal_the_views_answers(
    path: str, settings: Any, django_assert_num_queries: Any
) -> None:
    verdict = make_verdict()
    make_verdict(status=VerdictStatus.DRAFT, rating_slug=None)
    url = path.format(pk=verdict.pk)
    settings.FACTCHECK_PUBLISHED_CACHE = False
    cache.clear()
    view = anonymous().get(url)
    settings.FACTCHECK_PUBLISHED_CACHE = True
    first = anonymous().get(url)  # renders (detail) or stores (feed)
    with django_assert_num_queries(0):
        cached = anonymous().get(url)
    for response in (first, cached):
        assert response.status_code == 200
        assert response.content == view.content
        for name in SAME_HEADERS:
            assert response.get(name) == view.get(name), name
    cache.clear()


@pytest.mark.parametrize("path", PATHS)
def test_if_none_match_gets_304_from_the_cache(
    path: str, cache_on: None, django_assert_num_queries: Any
) -> None:
    url = path.format(pk=make_verdict().pk)
    etag = anonymous().get(url)["ETag"]
    with django_assert_num_queries(0):
        again = anonymous().get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag


def test_urls_follow_the_host_asked(cache_on: None) -> None:
    verdict = make_verdict(article=None)
    fragments_build([verdict.pk])
    one = anonymous().get(f"/api/v1/verdicts/{verdict.pk}/claimreview", HTTP_HOST="localhost").json()
    two = anonymous().get(f"/api/v1/verdicts/{verdict.pk}/claimreview", HTTP_HOST="127.0.0.1").json()
    assert one["url"] == f"http://localhost/verdicts/{verdict.pk}/"
    assert two["url"] == f"http://127.0.0.1/verdicts/{verdict.pk}/"
    assert two["author"]["url"] == "http://127.0.0.1/"
    detail = anonymous().get(f"/api/v1/verdicts/{verdict.pk}/", HTTP_HOST="127.0.0.1").json()
    assert detail["public_url"] == f"http://127.0.0.1/verdicts/{verdict.pk}/"


def test_a_claim_that_looks_like_a_placeholder_is_left_alone(cache_on: None) -> None:
    verdict = make_verdict(summary='"\\u0000page\\u0000" and page and site')
    body = anonymous().get(f"/api/v1/verdicts/{verdict.pk}/").json()
    assert body["summary"] == '"\\u0000page\\u0000" and page and site'


# --- visibility ------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [VerdictStatus.DRAFT, VerdictStatus.SUBMITTED, VerdictStatus.RETRACTED])
def test_unpublished_verdicts_are_never_rendered_or_served(status: str, cache_on: None) -> None:
    verdict = make_verdict(status=status, rating_slug=None if status == VerdictStatus.DRAFT else "false")
    assert fragments_render([verdict.pk]) == {}
    for path in ("/api/v1/verdicts/{pk}/", "/api/v1/verdicts/{pk}/claimreview"):
        response = anonymous().get(path.format(pk=verdict.pk))
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert published_cache.fragments_get([verdict.pk]) == {}


def test_editors_never_get_the_anonymous_answer_nor_the_reverse(cache_on: None, editor: User) -> None:
    published = make_verdict()
    draft = make_verdict(status=VerdictStatus.DRAFT, rating_slug=None)
    editor_client = token_client(editor)
    session_client = APIClient()
    session_client.force_login(editor)
    # An editor first: nothing of theirs may be stored for anonymous callers.
    assert set(ids(editor_client.get("/api/v1/verdicts/"))) == {published.pk, draft.pk}
    assert ids(anonymous().get("/api/v1/verdicts/")) == [published.pk]
    # Then with the anonymous answer stored: editors (token or session) still get theirs.
    assert ids(anonymous().get("/api/v1/verdicts/")) == [published.pk]
    assert set(ids(editor_client.get("/api/v1/verdicts/"))) == {published.pk, draft.pk}
    assert set(ids(session_client.get("/api/v1/verdicts/"))) == {published.pk, draft.pk}
    assert session_client.get(f"/api/v1/verdicts/{draft.pk}/").status_code == 200


@pytest.mark.parametrize("path", PATHS)
def test_consumers_by_token_get_the_cached_answer(
    path: str, cache_on: None, settings: Any, django_assert_num_queries: Any
) -> None:
    verdict = make_verdict()
    make_verdict(status=VerdictStatus.DRAFT, rating_slug=None)
    url = path.format(pk=verdict.pk)
    consumer = token_client(consumer_user())
    settings.FACTCHECK_PUBLISHED_CACHE = False
    view = consumer.get(url)
    settings.FACTCHECK_PUBLISHED_CACHE = True
    first = consumer.get(url)  # renders (detail) or stores (feed)
    # The token with its user and their roles, which decide whether they may be answered from the cache:
    # nothing about the verdicts.
    with django_assert_num_queries(1):
        cached = consumer.get(url)
    assert view.content == anonymous().get(url).content  # what anonymous callers see
    for response in (first, cached):
        assert response.status_code == 200
        assert response.content == view.content
        for name in SAME_HEADERS:
            assert response.get(name) == view.get(name), name


def test_bad_or_inactive_tokens_are_refused_as_by_the_views(cache_on: None) -> None:
    verdict = make_verdict()
    fragments_build([verdict.pk])
    url = f"/api/v1/verdicts/{verdict.pk}/"
    assert anonymous().get(url).status_code == 200
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")
    assert bad.get(url).status_code == 401
    assert bad.get("/api/v1/verdicts/").status_code == 401
    inactive = consumer_user()
    client = token_client(inactive)
    inactive.is_active = False
    inactive.save()
    assert client.get(url).status_code == 401
    other_scheme = APIClient()
    other_scheme.credentials(HTTP_AUTHORIZATION="Bearer abc")
    assert other_scheme.get(url).status_code == 200  # no credentials DRF knows: an anonymous read


def test_a_deactivated_account_is_refused_at_once(cache_on: None) -> None:
    verdict = make_verdict()
    fragments_build([verdict.pk])
    user = consumer_user()
    client = token_client(user)
    url = f"/api/v1/verdicts/{verdict.pk}/"
    assert client.get(url).status_code == 200
    user.is_active = False
    user.save()
    assert client.get(url).status_code == 401


def test_an_editor_token_never_gets_the_cached_answer(cache_on: None, editor: User) -> None:
    published = make_verdict()
    draft = make_verdict(status=VerdictStatus.DRAFT, rating_slug=None)
    consumer = token_client(consumer_user())
    assert ids(consumer.get("/api/v1/verdicts/")) == [published.pk]
    assert ids(consumer.get("/api/v1/verdicts/")) == [published.pk]  # stored, then served
    assert set(ids(token_client(editor).get("/api/v1/verdicts/"))) == {published.pk, draft.pk}
    assert token_client(editor).get(f"/api/v1/verdicts/{draft.pk}/").status_code == 200
    assert consumer.get(f"/api/v1/verdicts/{draft.pk}/").status_code == 404


def test_cached_answers_count_against_the_tokens_rate(
    cache_on: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    verdict = make_verdict()
    fragments_build([verdict.pk])
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "2/minute", "user": "3/minute"})
    monkeypatch.setattr(SimpleRateThrottle, "timer", lambda self: 1_000_000.0)
    consumer = token_client(consumer_user())
    url = f"/api/v1/verdicts/{verdict.pk}/"
    assert [consumer.get(url).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert anonymous().get(url).status_code == 200  # another caller, another counter


# --- no stale content after a change ---------------------------------------------------------------


def test_publish_shows_at_once_and_is_rendered_after_commit(
    cache_on: None, commit: Any, editor: User
) -> None:
    old = make_verdict()
    assert ids(anonymous().get("/api/v1/verdicts/")) == [old.pk]  # stored, generation N
    assert ids(anonymous().get("/api/v1/claimreview/")) == [old.pk]
    submitted = make_verdict(status=VerdictStatus.SUBMITTED)
    assert anonymous().get(f"/api/v1/verdicts/{submitted.pk}/").status_code == 404
    with commit():
        verdict_publish(verdict_id=submitted.pk, editor=editor)
    assert set(published_cache.fragments_get([submitted.pk])) == {submitted.pk}  # built after commit
    assert ids(anonymous().get("/api/v1/verdicts/")) == [submitted.pk, old.pk]
    assert ids(anonymous().get("/api/v1/claimreview/")) == [submitted.pk, old.pk]
    assert anonymous().get(f"/api/v1/verdicts/{submitted.pk}/").json()["status"] == "published"


def test_a_correction_replaces_the_old_version_everywhere(cache_on: None, commit: Any, editor: User) -> None:
    old = make_verdict(summary="Old summary.")
    for path in (
        f"/api/v1/verdicts/{old.pk}/",
        f"/api/v1/verdicts/{old.pk}/claimreview",
        "/api/v1/verdicts/",
    ):
        assert anonymous().get(path).status_code == 200  # all cached now
    with commit():
        new = verdict_correct(
            verdict_id=old.pk,
            editor=editor,
            data=VerdictInput(
                rating="true",
                summary="New summary.",
                citations=(CitationInput(url="https://example.org/new"),),
            ),
            note="Corrected.",
        )
    assert anonymous().get(f"/api/v1/verdicts/{old.pk}/").status_code == 404
    assert anonymous().get(f"/api/v1/verdicts/{old.pk}/claimreview").status_code == 404
    assert ids(anonymous().get("/api/v1/verdicts/")) == [new.pk]
    body = anonymous().get(f"/api/v1/verdicts/{new.pk}/").json()
    assert (body["summary"], body["rating"]["slug"], body["previous"]) == ("New summary.", "true", old.pk)
    assert anonymous().get(f"/api/v1/verdicts/{new.pk}/claimreview").json()["reviewBody"] == "New summary."


def test_a_retraction_hides_the_verdict_at_once(cache_on: None, commit: Any, editor: User) -> None:
    verdict = make_verdict()
    for path in (f"/api/v1/verdicts/{verdict.pk}/", "/api/v1/verdicts/", "/api/v1/claimreview/"):
        assert anonymous().get(path).status_code == 200
    etag = anonymous().get("/api/v1/verdicts/")["ETag"]
    with commit():
        verdict_retract(verdict_id=verdict.pk, editor=editor, note="Wrong.")
    assert anonymous().get(f"/api/v1/verdicts/{verdict.pk}/").status_code == 404
    assert ids(anonymous().get("/api/v1/verdicts/")) == []
    assert ids(anonymous().get("/api/v1/claimreview/")) == []
    assert anonymous().get("/api/v1/verdicts/", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_a_lost_invalidation_is_repaired_by_the_reconcile_sweep_however_old(
    cache_on: None, editor: User
) -> None:
    """The retraction commits but its on-commit invalidation never runs (a killed process), and the sweep
    first runs a day later: the cached copies are served until it runs, then never again."""
    verdict = make_verdict()
    untouched = make_verdict()
    for path in (f"/api/v1/verdicts/{verdict.pk}/", "/api/v1/verdicts/"):
        assert anonymous().get(path).status_code == 200
    fragments_build([untouched.pk])
    verdict_retract(verdict_id=verdict.pk, editor=editor, note="Wrong.")  # on-commit callbacks dropped
    a_day_ago = timezone.now() - dt.timedelta(days=1)
    Verdict.objects.filter(pk=verdict.pk).update(updated_at=a_day_ago, cache_stale_since=a_day_ago)
    assert anonymous().get(f"/api/v1/verdicts/{verdict.pk}/").status_code == 200  # stale, for now
    assert published_cache.published_reconcile() == 1
    assert anonymous().get(f"/api/v1/verdicts/{verdict.pk}/").status_code == 404
    assert ids(anonymous().get("/api/v1/verdicts/")) == [untouched.pk]
    assert set(published_cache.fragments_get([untouched.pk])) == {untouched.pk}  # left alone
    assert published_cache.published_reconcile() == 0, "the mark is cleared"


def test_an_invalidation_that_went_through_leaves_no_mark(cache_on: None, commit: Any, editor: User) -> None:
    verdict = make_verdict()
    with commit():
        verdict_retract(verdict_id=verdict.pk, editor=editor, note="Wrong.")
    assert Verdict.objects.get(pk=verdict.pk).cache_stale_since is None
    assert published_cache.published_reconcile() == 0


def test_the_reconcile_sweep_takes_a_bounded_batch_oldest_first(cache_on: None) -> None:
    verdicts = [make_verdict() for _ in range(3)]
    now = timezone.now()
    for age, verdict in zip((1, 30, 2), verdicts, strict=True):
        Verdict.objects.filter(pk=verdict.pk).update(cache_stale_since=now - dt.timedelta(days=age))
    assert published_cache.published_reconcile(limit=2) == 2
    left = Verdict.objects.filter(cache_stale_since__isnull=False).values_list("pk", flat=True)
    assert list(left) == [verdicts[0].pk], "the two oldest marks went first"
    assert published_cache.published_reconcile(limit=2) == 1


def test_a_mark_set_again_while_the_sweep_ran_is_kept(
    cache_on: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    verdict = make_verdict()
    first = timezone.now() - dt.timedelta(hours=1)
    Verdict.objects.filter(pk=verdict.pk).update(cache_stale_since=first)
    changed = published_cache.published_changed

    def changed_again_meanwhile(**kwargs: Any) -> None:
        changed(**kwargs)
        Verdict.objects.filter(pk=verdict.pk).update(cache_stale_since=timezone.now())

    monkeypatch.setattr(published_cache, "published_changed", changed_again_meanwhile)
    assert published_cache.published_reconcile() == 1
    assert Verdict.objects.get(pk=verdict.pk).cache_stale_since is not None


def test_with_the_cache_unreachable_the_marks_wait_for_the_next_sweep(
    cache_on: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    verdict = make_verdict()
    Verdict.objects.filter(pk=verdict.pk).update(cache_stale_since=timezone.now())

    def unreachable(**kwargs: Any) -> None:
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(published_cache, "published_changed", unreachable)
    cache_outage.down = False
    try:
        assert published_cache.published_reconcile() == 0
    finally:
        cache_outage.down = False
    assert Verdict.objects.get(pk=verdict.pk).cache_stale_since is not None


@pytest.mark.postgres
def test_the_reconcile_sweep_reads_the_marks_through_their_partial_index(cache_on: None) -> None:
    make_verdict()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        marked = Verdict.objects.filter(cache_stale_since__isnull=False).order_by("cache_stale_since", "pk")
        plan = marked.values_list("pk", "cache_stale_since")[:500].explain()
    assert "verdict_cache_stale_idx" in plan, plan


def test_a_rating_label_edited_in_the_admin_shows_at_once(
    cache_on: None, commit: Any, admin_client: Any
) -> None:
    verdict = make_verdict(rating_slug="false")
    assert anonymous().get(f"/api/v1/verdicts/{verdict.pk}/").json()["rating"]["name"] == "False"
    label = RatingLabel.objects.get(slug="false")
    data = {
        field: getattr(label, field)
        for field in (
            "name",
            "slug",
            "description",
            "order",
            "rating_value",
            "best_rating",
            "worst_rating",
            "alternate_name",
        )
    }
    data.update(name="Wrong", requires_citation="on", counts_toward_score="on", is_active="on")
    with commit():
        response = admin_client.post(reverse("admin:reviews_ratinglabel_change", args=[label.pk]), data)
    assert response.status_code == 302, response.content
    assert anonymous().get(f"/api/v1/verdicts/{verdict.pk}/").json()["rating"]["name"] == "Wrong"
    assert (
        anonymous().get(f"/api/v1/verdicts/{verdict.pk}/claimreview").json()["reviewRating"]["alternateName"]
    )


def test_a_rendering_read_before_a_change_is_not_kept(cache_on: None) -> None:
    verdict = make_verdict()
    rendered_at = published_cache.generation()
    fragments = fragments_render([verdict.pk])  # read from the database...
    published_cache.published_changed(verdict_ids=[verdict.pk])  # ...then a change commits
    assert published_cache.fragments_store(fragments.values(), rendered_at=rendered_at) is False
    assert published_cache.fragments_get([verdict.pk]) == {}


def test_a_feed_answer_stored_before_a_change_is_not_served(cache_on: None) -> None:
    make_verdict()
    published_cache.response_store("x", generation=published_cache.generation(), content=b"{}")
    assert published_cache.response_get("x")[0] == b"{}"
    published_cache.published_changed()
    assert published_cache.response_get("x")[0] is None


def test_the_build_command_renders_published_verdicts_only(cache_on: None) -> None:
    published = [make_verdict() for _ in range(3)]
    draft = make_verdict(status=VerdictStatus.DRAFT, rating_slug=None)
    call_command("published_cache_build", chunk_size=2)
    assert set(published_cache.fragments_get([v.pk for v in [*published, draft]])) == {
        v.pk for v in published
    }


def test_the_build_command_renders_a_chunk_again_when_a_change_discarded_it(
    cache_on: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    verdict = make_verdict()
    real = published_cache.fragments_store
    calls: list[int] = []

    def discarded_once(fragments: Any, *, rendered_at: int) -> bool:
        calls.append(rendered_at)
        if len(calls) == 1:
            published_cache.published_changed(verdict_ids=[verdict.pk])  # a publish committed meanwhile
        return real(fragments, rendered_at=rendered_at)

    monkeypatch.setattr(published_render, "fragments_store", discarded_once)
    out = io.StringIO()
    call_command("published_cache_build", stdout=out)
    assert len(calls) == 2
    assert out.getvalue() == "1 published verdicts rendered into the cache.\n"
    assert set(published_cache.fragments_get([verdict.pk])) == {verdict.pk}


def test_the_build_command_says_which_verdicts_it_left_to_their_readers(
    cache_on: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = make_verdict(), make_verdict()
    monkeypatch.setattr(published_render, "fragments_store", lambda fragments, *, rendered_at: False)
    out = io.StringIO()
    call_command("published_cache_build", chunk_size=1, stdout=out)
    assert out.getvalue().splitlines() == [
        "0 published verdicts rendered into the cache.",
        "2 were not: published verdicts changed while they were rendered, three times over. Their first "
        "readers render them; run the command again to render them now.",
    ]
    assert published_cache.fragments_get([first.pk, second.pk]) == {}


def test_the_build_command_reports_an_unreachable_cache(settings) -> None:
    make_verdict()
    settings.FACTCHECK_PUBLISHED_CACHE = True
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/13",
        }
    }
    with pytest.raises(CommandError, match=r"^The cache is unreachable \(.*\); 0 verdicts were rendered"):
        call_command("published_cache_build")


# --- throttling ------------------------------------------------------------------------------------


def test_cached_answers_count_against_the_anonymous_rate(
    cache_on: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    verdict = make_verdict()
    fragments_build([verdict.pk])
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "2/minute", "user": "3/minute"})
    monkeypatch.setattr(SimpleRateThrottle, "timer", lambda self: 1_000_000.0)
    client = anonymous()
    url = f"/api/v1/verdicts/{verdict.pk}/"
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]
    throttled = client.get("/api/v1/verdicts/")
    assert throttled.status_code == 429
    assert throttled["Retry-After"] == "60"  # DRF's sliding window: the oldest request counted leaves then
    assert throttled.json()["code"] == "throttled"


def test_an_unreachable_cache_after_commit_does_not_fail_the_change(
    cache_on: None, commit: Any, editor: User, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    verdicts = [make_verdict(), make_verdict()]

    def unreachable(**kwargs: Any) -> None:
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(published_cache, "published_changed", unreachable)
    cache_outage.down = False
    try:
        for verdict in verdicts:
            with commit():
                verdict_retract(verdict_id=verdict.pk, editor=editor, note="Wrong.")
    finally:
        cache_outage.down = False
    assert [v.status for v in Verdict.objects.filter(pk__in=[v.pk for v in verdicts])] == [
        VerdictStatus.RETRACTED
    ] * 2
    # Logged once for the outage, not once per change.
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == [
        "The cache is unreachable (Redis is down): rate limits are not counted and published reads come "
        "from the database until it is back."
    ]


def test_another_error_while_invalidating_is_logged_with_the_verdicts(
    cache_on: None, commit: Any, editor: User, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    verdict = make_verdict()

    def broken(**kwargs: Any) -> None:
        raise ValueError("a bug")

    monkeypatch.setattr(published_cache, "published_changed", broken)
    with commit():
        verdict_retract(verdict_id=verdict.pk, editor=editor, note="Wrong.")
    assert Verdict.objects.get(pk=verdict.pk).status == VerdictStatus.RETRACTED
    assert (
        f"The published cache could not be invalidated for verdicts [{verdict.pk}]; the reconcile sweep "
        "tries again." in caplog.messages
    )


def test_filtered_or_unknown_parameters_are_not_stored(
    cache_on: None, django_assert_num_queries: Any
) -> None:
    make_verdict()
    for url in ("/api/v1/verdicts/?rating=false", "/api/v1/verdicts/?junk=1"):
        assert anonymous().get(url).status_code == 200
        with CaptureQueriesContext(connection) as queries:
            assert anonymous().get(url).status_code == 200
        assert queries.captured_queries  # the view again, not the cache
    assert anonymous().get("/api/v1/verdicts/?ordering=id&page_size=5").status_code == 200
    with django_assert_num_queries(0):
        assert anonymous().get("/api/v1/verdicts/?ordering=id&page_size=5").status_code == 200
