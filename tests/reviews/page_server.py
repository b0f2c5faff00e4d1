"""A real HTTP server for the fetching tests: an `http.server` on 127.0.0.1 in a thread, serving pages
and feeds a test sets up by path (a body with its Content-Type, a status, a redirect, a delay before the
answer, a body far larger than any limit) and honouring ETag / Last-Modified like a real feed server.
It keeps every request it got (path and headers)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Route:
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    location: str = ""
    delay: float = 0.0  # seconds before the status line
    # Bytes sent after `body` in 64 KiB chunks (a huge page), without a Content-Length.
    stream_bytes: int = 0
    etag: str = ""
    last_modified: str = ""


@dataclass
class Request:
    path: str
    headers: dict[str, str]


@dataclass
class PageServer:
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def serve(self, path: str, body: bytes | str = b"", **options: Any) -> str:
        """Serve `body` at `path` (a str is sent as UTF-8); returns its URL."""
        data = body.encode() if isinstance(body, str) else body
        self.routes[path] = Route(body=data, **options)
        return self.url(path)

    def hits(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]


def _handler(server: PageServer, stop: threading.Event) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            server.requests.append(Request(path=self.path, headers=dict(self.headers.items())))
            route = server.routes.get(self.path)
            if route is None:
                self.send_error(404)
                return
            if route.delay and stop.wait(route.delay):
                return
            matched = (route.etag and self.headers.get("If-None-Match") == route.etag) or (
                route.last_modified and self.headers.get("If-Modified-Since") == route.last_modified
            )
            self.send_response(304 if matched else route.status)
            if route.location:
                self.send_header("Location", route.location)
            if route.etag:
                self.send_header("ETag", route.etag)
            if route.last_modified:
                self.send_header("Last-Modified", route.last_modified)
            if matched:
                self.end_headers()
                return
            self.send_header("Content-Type", route.content_type)
            if not route.stream_bytes:
                self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            try:
                self.wfile.write(route.body)
                chunk = b"<p>" + b"x" * (64 * 1024 - 3)
                for _ in range(route.stream_bytes // len(chunk)):
                    if stop.is_set():
                        return
                    self.wfile.write(chunk)
            except OSError:  # the client stopped reading (the size limit): expected
                return

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def running_page_server() -> Iterator[PageServer]:
    """Yield a started server; stop it afterwards (use from a fixture)."""
    pages = PageServer()
    stop = threading.Event()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(pages, stop))
    server.daemon_threads = True
    pages.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield pages
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
        thread.join(5)
