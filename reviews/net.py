"""Outgoing HTTP to URLs people typed in (webhooks now, URL ingest later), guarded against reaching the
service's own network.

A target on a private, loopback, link-local, multicast, reserved or unspecified address is refused unless
FACTCHECK_ALLOW_PRIVATE_URLS is true. The check runs three times: on the URL when it is registered
(`url_refusal`), after DNS resolution of every address the name has, and on the connection itself, which
goes to the checked address (never a second lookup an attacker's DNS could answer differently).
Redirects are never followed: a 3xx is the caller's failure to report, so a redirect cannot lead past the
check.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

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
    return Response(status=response.status, body=data, address=str(address))
