"""Outgoing HTTP to URLs people typed in (webhooks, article URLs, feeds), guarded against reaching the
service's own network.

A target on a private, loopback, link-local, multicast, reserved or unspecified address is refused unless
FACTCHECK_ALLOW_PRIVATE_URLS is true. The check runs three times: on the URL when it is registered
(`url_refusal`), after DNS resolution of every address the name has, and on the connection itself, which
goes to the checked address (never a second lookup an attacker's DNS could answer differently).
`request_checked` never follows redirects: a 3xx is the caller's failure to report (webhooks).
`fetch_checked` (GET for article pages and feeds) follows at most a few, and each hop is a new request
through every check above, so a redirect cannot lead past them; it also bounds the size, checks the
content type and sends conditional headers.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
from collections.abc import Collection
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from django.conf import settings

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

URL_SCHEME_REFUSED = "Only http:// and https:// URLs are accepted."
URL_HOST_MISSING = "The URL has no host name."
URL_CREDENTIALS_REFUSED = "The URL must not contain a user name or password."
URL_UNRESOLVED = "The host name {host} could not be resolved."
URL_PRIVATE = (
    "The URL points to a private, loopback or link-local address ({address}), which is refused "
    "(FACTCHECK_ALLOW_PRIVATE_URLS is off)."
)


class UrlRefused(Exception):
    """The URL may not be reached; `str()` is the reason, shown to people as is."""


@dataclass(frozen=True, slots=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # path and query, as sent in the request line


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    body: bytes  # at most `max_bytes` of it
    address: str
    headers: http.client.HTTPMessage | None = None


def _address_refused(address: IpAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def target_of(url: str) -> Target:
    """The URL's parts, or UrlRefused when its form is not acceptable (no DNS)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https"):
        raise UrlRefused(URL_SCHEME_REFUSED)
    if not parts.hostname:
        raise UrlRefused(URL_HOST_MISSING)
    if parts.username or parts.password:
        raise UrlRefused(URL_CREDENTIALS_REFUSED)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise UrlRefused(str(exc)) from exc
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme=parts.scheme, host=parts.hostname, port=port, path=path)


def resolve_checked(host: str, port: int) -> list[IpAddress]:
    """Every address `host` resolves to, or UrlRefused if it resolves to none, or if any of them is
    refused (a name with one public and one private address is refused: which one a client uses is
    not ours to choose)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UrlRefused(URL_UNRESOLVED.format(host=host)) from exc
    addresses: list[IpAddress] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise UrlRefused(URL_UNRESOLVED.format(host=host))
    if not settings.FACTCHECK_ALLOW_PRIVATE_URLS:
        for address in addresses:
            if _address_refused(address):
                raise UrlRefused(URL_PRIVATE.format(address=address))
    return addresses


def url_refusal(url: str) -> str | None:
    """Why `url` may not be reached (its form, or where its name resolves now), or None."""
    try:
        target = target_of(url)
        resolve_checked(target.host, target.port)
    except UrlRefused as exc:
        return str(exc)
    return None


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address already checked, while the Host header keeps the name."""

    def __init__(self, host: str, port: int, *, address: IpAddress, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((str(self._address), self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """As above over TLS: the certificate is checked against the name (SNI too), not the address."""

    def __init__(self, host: str, port: int, *, address: IpAddress, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((str(self._address), self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


# A whole request (connect, headers, body) may take this many times its `timeout`: the per-operation
# timeout alone lets a receiver that drips a byte at a time hold a worker for ever.
TOTAL_TIMEOUTS = 3


def request_checked(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float,
    max_bytes: int,
) -> Response:
    """Send one request to `url` after the checks above, without following redirects. Raises UrlRefused,
    TimeoutError (one operation took over `timeout`, or the whole request over TOTAL_TIMEOUTS times
    it), or OSError / http.client.HTTPException for other network failures."""
    target = target_of(url)
    address = resolve_checked(target.host, target.port)[0]
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target.host, target.port, address=address, timeout=timeout)
    expired = threading.Event()

    def cut() -> None:
        expired.set()
        if connection.sock is not None:
            with contextlib.suppress(OSError):  # already closed: nothing left to cut
                connection.sock.shutdown(socket.SHUT_RDWR)

    watchdog = threading.Timer(timeout * TOTAL_TIMEOUTS, cut)
    watchdog.start()
    try:
        connection.request(method, target.path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read(max_bytes)
    except (OSError, http.client.HTTPException):
        if expired.is_set():
            raise TimeoutError("the request took too long") from None
        raise
    finally:
        watchdog.cancel()
        connection.close()
    if expired.is_set():
        # Cut off: what was read ended at the cut (a header list or body can look complete), so the
        # answer is not to be trusted, even when a status line came in time.
        raise TimeoutError("the request took too long")
    return Response(status=response.status, body=data, address=str(address), headers=response.headers)


FETCH_TIMED_OUT = "{url} did not answer within {timeout:g} seconds."
FETCH_TOO_LARGE = "{url} is larger than the limit of {limit:,} bytes (FACTCHECK_FETCH_MAX_BYTES)."
FETCH_WRONG_TYPE = "{url} answered with {found}, not {expected}."
FETCH_HTTP_ERROR = "{url} answered HTTP {status}."
FETCH_TOO_MANY_REDIRECTS = "{url} redirected more than {limit} times."
FETCH_REDIRECT_WITHOUT_LOCATION = "{url} answered HTTP {status} without a Location to go to."
FETCH_REDIRECT_REFUSED = "{url} redirected to {target}: {reason}"
FETCH_CONNECTION_FAILED = "{url} could not be reached ({error})."
USER_AGENT = "factcheck-fetch/1"


class FetchFailed(Exception):
    """The URL gave no usable answer; `str()` is the reason, shown to people as is."""


@dataclass(frozen=True, slots=True)
class Fetched:
    url: str  # where the answer came from, after redirects
    status: int  # 200, or 304 when the conditional headers matched
    body: bytes
    media_type: str  # lower case, without parameters
    charset: str | None  # as the Content-Type declared it
    etag: str
    last_modified: str

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def _media_type(headers: http.client.HTTPMessage | None) -> tuple[str, str | None]:
    if headers is None or not headers.get("Content-Type"):
        return "", None
    charset = headers.get_content_charset()
    return headers.get_content_type().lower(), charset


def fetch_checked(
    url: str,
    *,
    accept: Collection[str],
    timeout: float,
    max_bytes: int,
    max_redirects: int,
    etag: str = "",
    last_modified: str = "",
) -> Fetched:
    """GET `url` through the checks of `request_checked`, following at most `max_redirects` redirects
    (each hop checked again). Refuses, with `FetchFailed` and a reason naming the URL: a refused address
    (at any hop), a timeout (of one operation, or of a hop over TOTAL_TIMEOUTS x `timeout`), a body over
    `max_bytes` (never read further), a status other than 2xx/304, or a media type not in `accept`.
    `etag` / `last_modified` are sent as If-None-Match / If-Modified-Since; a 304 comes back as such."""
    headers = {"User-Agent": USER_AGENT, "Accept": ", ".join(accept) + ", */*;q=0.1"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    current = url.strip()
    for hop in range(max_redirects + 1):
        try:
            response = request_checked(
                "GET", current, headers=headers, timeout=timeout, max_bytes=max_bytes + 1
            )
        except UrlRefused as exc:
            if hop == 0:
                raise FetchFailed(str(exc)) from None
            raise FetchFailed(FETCH_REDIRECT_REFUSED.format(url=url, target=current, reason=exc)) from None
        except TimeoutError:
            raise FetchFailed(FETCH_TIMED_OUT.format(url=current, timeout=timeout)) from None
        except (OSError, http.client.HTTPException) as exc:
            error = str(exc) or type(exc).__name__
            raise FetchFailed(FETCH_CONNECTION_FAILED.format(url=current, error=error)) from None
        if response.status in (301, 302, 303, 307, 308):
            location = response.headers.get("Location", "") if response.headers is not None else ""
            if not location:
                raise FetchFailed(FETCH_REDIRECT_WITHOUT_LOCATION.format(url=current, status=response.status))
            current = urljoin(current, location.strip())
            continue
        media_type, charset = _media_type(response.headers)
        found = response.headers if response.headers is not None else http.client.HTTPMessage()
        if response.status == 304 and (etag or last_modified):
            return Fetched(current, 304, b"", media_type, charset, etag, last_modified)
        if not 200 <= response.status < 300:
            raise FetchFailed(FETCH_HTTP_ERROR.format(url=current, status=response.status))
        if len(response.body) > max_bytes:
            raise FetchFailed(FETCH_TOO_LARGE.format(url=current, limit=max_bytes))
        if media_type not in accept:
            expected = " or ".join(sorted(accept))
            raise FetchFailed(
                FETCH_WRONG_TYPE.format(url=current, found=media_type or "no content type", expected=expected)
            )
        return Fetched(
            url=current,
            status=response.status,
            body=response.body,
            media_type=media_type,
            charset=charset,
            etag=found.get("ETag", "") or "",
            last_modified=found.get("Last-Modified", "") or "",
        )
    raise FetchFailed(FETCH_TOO_MANY_REDIRECTS.format(url=url, limit=max_redirects))
