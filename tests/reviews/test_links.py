"""reviews.links.web_link: what the service stores and shows as a link (citations, source URLs)."""

from __future__ import annotations

import pytest

from reviews.links import web_link


@pytest.mark.parametrize(
    ("url", "link"),
    [
        ("https://example.org/a?b=1#c", "https://example.org/a?b=1#c"),
        ("  http://example.org/  ", "http://example.org/"),
        # The scheme is case-insensitive; it is stored in lower case (the host and path are kept).
        ("HTTPS://Example.org/X", "https://Example.org/X"),
        ("Http://example.org", "http://example.org"),
        ("https://[::1]:8443/", "https://[::1]:8443/"),
        # Not web links.
        ("", None),
        ("example.org/a", None),
        ("/relative", None),
        ("ftp://example.org/file", None),
        ("javascript:alert(1)", None),
        ("data:text/html,hi", None),
        ("http:///no-host", None),
        ("https://exa mple.org/", None),
        ("https://example.org/\x00", None),
        ("https://example.org/\x7f", None),
        # urlsplit raises ValueError on these: they must be refused, never crash a request.
        ("https://[::1", None),
        ("http://[", None),
        ("http://[abc]/", None),
        ("http://a\uff0fb.example/", None),  # a fullwidth slash in the host (NFKC)
        ("https://example.org:99999/", None),
        ("https://example.org:port/", None),
    ],
)
def test_web_link(url: str, link: str | None) -> None:
    assert web_link(url) == link
