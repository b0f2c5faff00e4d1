"""The outgoing-URL guard: forms refused before any DNS, refused addresses after resolution."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import pytest

from reviews.net import TOTAL_TIMEOUTS, UrlRefused, request_checked, resolve_checked, target_of, url_refusal

PRIVATE = (
    "The URL points to a private, loopback or link-local address ({}), which is refused "
    "(FACTCHECK_ALLOW_PRIVATE_URLS is off)."
)


@pytest.fixture
def strict(settings: Any) -> None:
    settings.FACTCHECK_ALLOW_PRIVATE_URLS = False


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.org/", "Only http:// and https:// URLs are accepted."),
        ("file:///etc/passwd", "Only http:// and https:// URLs are accepted."),
        ("http:///path", "The URL has no host name."),
        ("https://user:pw@example.org/", "The URL must not contain a user name or password."),
    ],
)
def test_bad_forms_are_refused(url: str, reason: str) -> None:
    with pytest.raises(UrlRefused) as refused:
        target_of(url)
    assert str(refused.value) == reason


def test_target_keeps_path_and_query() -> None:
    target = target_of("https://hooks.example.org:8443/in?x=1")
    assert (target.scheme, target.host, target.port, target.path) == (
        "https",
        "hooks.example.org",
        8443,
        "/in?x=1",
    )


@pytest.mark.usefixtures("strict")
@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("http://127.0.0.1/", "127.0.0.1"),
        ("http://10.1.2.3/", "10.1.2.3"),
        ("http://192.168.0.10/", "192.168.0.10"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254"),
        ("http://[::1]/", "::1"),
        ("http://[::ffff:127.0.0.1]/", "::ffff:7f00:1"),
        ("http://0.0.0.0/", "0.0.0.0"),  # noqa: S104 - a URL refused, not a bind
    ],
)
def test_private_addresses_are_refused(url: str, address: str) -> None:
    assert url_refusal(url) == PRIVATE.format(address)


@pytest.mark.usefixtures("strict")
def test_a_name_resolving_to_loopback_is_refused() -> None:
    # localhost resolves to 127.0.0.1, ::1 or both, in an order the host decides.
    assert url_refusal("http://localhost:8000/") in (PRIVATE.format("127.0.0.1"), PRIVATE.format("::1"))


@pytest.mark.usefixtures("strict")
def test_public_addresses_pass() -> None:
    assert [str(a) for a in resolve_checked("93.184.216.34", 443)] == ["93.184.216.34"]


def test_private_addresses_pass_when_allowed(settings: Any) -> None:
    settings.FACTCHECK_ALLOW_PRIVATE_URLS = True
    assert url_refusal("http://localhost:8000/") is None


def test_a_receiver_dripping_its_answer_is_cut_off(settings: Any) -> None:
    settings.FACTCHECK_ALLOW_PRIVATE_URLS = True
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def drip() -> None:
        client, _ = server.accept()
        with client:
            client.recv(65536)
            client.sendall(b"HTTP/1.1 200 OK\r\n")
            # One header line every 0.1 s for 3 s: no single read waits the 0.2 s timeout, the whole
            # takes far longer than TOTAL_TIMEOUTS times it.
            for _ in range(30):
                if stop.wait(0.1):
                    return
                try:
                    client.sendall(b"X-Drip: 1\r\n")
                except OSError:
                    return

    thread = threading.Thread(target=drip, daemon=True)
    thread.start()
    started = time.monotonic()
    try:
        with pytest.raises(TimeoutError):
            request_checked(
                "POST", f"http://127.0.0.1:{server.getsockname()[1]}/", body=b"{}", timeout=0.2, max_bytes=100
            )
        assert time.monotonic() - started < 0.2 * TOTAL_TIMEOUTS + 1
    finally:
        stop.set()
        server.close()
        thread.join(5)
