"""GET through the outgoing-URL guard (`reviews.net.fetch_checked`) against a real local server: a page,
a slow one, a huge one, a wrong content type, redirects (followed, bounded, and checked again at every
hop, so one leading to a private address is refused) and conditional requests."""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterator
from typing import Any

import pytest

from reviews import net
from reviews.net import TOTAL_TIMEOUTS, FetchFailed, fetch_checked
from tests.reviews.page_server import PageServer, running_page_server

PAGE = b"<html><body><p>The river rose by 3 metres in 2024.</p></body></html>"
HTML = ("text/html",)


@pytest.fixture
def pages(settings: Any) -> Iterator[PageServer]:
    settings.FACTCHECK_ALLOW_PRIVATE_URLS = True
    yield from running_page_server()


@pytest.fixture
def guarded(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Private addresses refused, except exactly the test server's 127.0.0.1: the guard then runs as in
    production for every other address a redirect may name."""
    settings.FACTCHECK_ALLOW_PRIVATE_URLS = False
    refused = net._address_refused
    test_server = ipaddress.ip_address("127.0.0.1")
    monkeypatch.setattr(net, "_address_refused", lambda address: address != test_server and refused(address))


def fetch(url: str, **options: Any) -> net.Fetched:
    arguments: dict[str, Any] = {"accept": HTML, "timeout": 2.0, "max_bytes": 100_000, "max_redirects": 3}
    return fetch_checked(url, **{**arguments, **options})


def refusal(url: str, **options: Any) -> str:
    with pytest.raises(FetchFailed) as failed:
        fetch(url, **options)
    return str(failed.value)


def test_a_page_is_fetched_with_its_type_and_charset(pages: PageServer) -> None:
    url = pages.serve("/a", PAGE, content_type="text/html; charset=windows-1252")
    fetched = fetch(url)
    assert (fetched.url, fetched.status, fetched.body) == (url, 200, PAGE)
    assert (fetched.media_type, fetched.charset) == ("text/html", "windows-1252")
    assert pages.hits("/a")[0].headers["User-Agent"] == "factcheck-fetch/1"


def test_a_slow_page_times_out(pages: PageServer) -> None:
    url = pages.serve("/slow", PAGE, delay=3)
    started = time.monotonic()
    assert refusal(url, timeout=0.3) == f"{url} did not answer within 0.3 seconds."
    assert time.monotonic() - started < 0.3 * TOTAL_TIMEOUTS + 1


def test_a_huge_page_is_refused_without_reading_it_all(pages: PageServer) -> None:
    url = pages.serve("/huge", b"<html><body>", stream_bytes=50 * 1024 * 1024)
    started = time.monotonic()
    assert refusal(url, max_bytes=100_000) == (
        f"{url} is larger than the limit of 100,000 bytes (FACTCHECK_FETCH_MAX_BYTES)."
    )
    assert time.monotonic() - started < 5


def test_a_page_of_exactly_the_limit_passes(pages: PageServer) -> None:
    url = pages.serve("/exact", b"x" * 1000)
    assert len(fetch(url, max_bytes=1000).body) == 1000


@pytest.mark.parametrize(
    ("content_type", "found"),
    [("application/pdf", "application/pdf"), ("", "no content type"), ("image/png", "image/png")],
)
def test_a_wrong_content_type_is_refused(pages: PageServer, content_type: str, found: str) -> None:
    url = pages.serve("/doc", b"%PDF-1.7", content_type=content_type)
    assert refusal(url, accept=("text/html", "text/plain")) == (
        f"{url} answered with {found}, not text/html or text/plain."
    )


def test_an_error_status_is_refused(pages: PageServer) -> None:
    assert refusal(pages.url("/missing")) == f"{pages.url('/missing')} answered HTTP 404."


def test_redirects_are_followed_to_the_final_url(pages: PageServer) -> None:
    final = pages.serve("/final", PAGE)
    pages.serve("/moved", status=301, location="/hop")
    pages.serve("/hop", status=302, location=final)
    fetched = fetch(pages.url("/moved"))
    assert (fetched.url, fetched.body) == (final, PAGE)


def test_a_redirect_loop_stops_after_the_limit(pages: PageServer) -> None:
    pages.serve("/loop", status=302, location="/loop")
    assert (
        refusal(pages.url("/loop"), max_redirects=3) == f"{pages.url('/loop')} redirected more than 3 times."
    )
    assert len(pages.hits("/loop")) == 4


def test_a_redirect_without_location_is_refused(pages: PageServer) -> None:
    url = pages.serve("/nowhere", status=302)
    assert refusal(url) == f"{url} answered HTTP 302 without a Location to go to."


PRIVATE = (
    "The URL points to a private, loopback or link-local address ({}), which is refused "
    "(FACTCHECK_ALLOW_PRIVATE_URLS is off)."
)


@pytest.mark.usefixtures("guarded")
@pytest.mark.parametrize(
    ("target", "address"),
    [
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254"),
        ("http://127.0.0.2:9/admin", "127.0.0.2"),
        ("http://10.0.0.5/", "10.0.0.5"),
    ],
)
def test_a_redirect_to_a_private_address_is_refused_at_that_hop(
    pages: PageServer, settings: Any, target: str, address: str
) -> None:
    settings.FACTCHECK_ALLOW_PRIVATE_URLS = False  # `pages` allowed it; `guarded` exempts only the server
    url = pages.serve("/bounce", status=302, location=target)
    assert refusal(url) == f"{url} redirected to {target}: {PRIVATE.format(address)}"


@pytest.mark.usefixtures("guarded")
def test_a_redirect_to_another_scheme_is_refused(pages: PageServer, settings: Any) -> None:
    settings.FACTCHECK_ALLOW_PRIVATE_URLS = False
    url = pages.serve("/file", status=301, location="file:///etc/passwd")
    assert (
        refusal(url)
        == f"{url} redirected to file:///etc/passwd: Only http:// and https:// URLs are accepted."
    )


def test_the_first_hop_is_checked_too(settings: Any) -> None:
    settings.FACTCHECK_ALLOW_PRIVATE_URLS = False
    assert refusal("http://127.0.0.1:9/") == PRIVATE.format("127.0.0.1")


def test_conditional_headers_are_sent_and_a_304_reported(pages: PageServer) -> None:
    url = pages.serve("/feed", PAGE, etag='"v1"', last_modified="Mon, 07 Dec 2026 03:00:00 GMT")
    first = fetch(url)
    assert (first.status, first.etag, first.last_modified) == (200, '"v1"', "Mon, 07 Dec 2026 03:00:00 GMT")
    again = fetch(url, etag=first.etag, last_modified=first.last_modified)
    assert again.not_modified
    assert again.body == b""
    sent = pages.hits("/feed")[-1].headers
    assert (sent["If-None-Match"], sent["If-Modified-Since"]) == ('"v1"', "Mon, 07 Dec 2026 03:00:00 GMT")


def test_a_304_without_conditional_headers_is_an_error(pages: PageServer) -> None:
    url = pages.serve("/odd", status=304)
    assert refusal(url) == f"{url} answered HTTP 304."
