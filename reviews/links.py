"""Web links the service shows to readers: citation URLs and articles' source URLs.

Both reach pages as `<a href>` (the public verdict page, the scorecard, the reviewer's task page) and
ClaimReview JSON, and both come from people or scraped pages, so one rule decides what is a link: an
absolute http:// or https:// URL with a host, a valid port if any, and no whitespace or control
characters. `urlsplit` raises `ValueError` on some malformed URLs (an unclosed IPv6 bracket, a host that
changes under NFKC normalisation, a port that is not a number up to 65535); those are not links either.
"""

from __future__ import annotations

from urllib.parse import urlsplit

WEB_SCHEMES = ("http", "https")


def web_link(url: str) -> str | None:
    """`url` as the service stores it (stripped, its scheme in lower case) if it is a web link, else None."""
    url = url.strip()
    # isprintable() is False for control characters and every whitespace character but " ".
    if not url or " " in url or not url.isprintable():
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError when the port is not a number from 0 to 65535)
    except ValueError:
        return None
    if parts.scheme.lower() not in WEB_SCHEMES or not parts.hostname:
        return None
    # The scheme is case-insensitive (RFC 3986 section 3.1); stored in lower case, as the database's
    # citation_url_http constraint and every reader expect.
    return parts.scheme.lower() + url[len(parts.scheme) :]
