"""A real HTTP receiver for the webhook tests: an `http.server` on 127.0.0.1 in a thread, answering each
POST with the next status of a script (then 200), after an optional delay, and keeping what it got.

It checks signatures with the code docs/webhooks.md shows receivers (the documented block is read from
the page and run, so the page cannot drift from what works)."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def documented_verify() -> Callable[..., bool]:
    """The `verify` function of docs/webhooks.md, executed from the page."""
    page = (ROOT / "docs" / "webhooks.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```python\n(.*?)```", page, re.S) if "def verify" in b)
    namespace: dict[str, Any] = {}
    exec(compile(block, "docs/webhooks.md", "exec"), namespace)  # noqa: S102 - our own documentation
    verify: Callable[..., bool] = namespace["verify"]
    return verify


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    signature_ok: bool


@dataclass
class Receiver:
    secret: str = ""
    statuses: list[int] = field(default_factory=list)
    delay: float = 0.0
    location: str = ""
    received: list[Received] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def localhost_url(self) -> str:
        return f"http://localhost:{self.port}/hook"


def _handler(receiver: Receiver, verify: Callable[..., bool]) -> type[BaseHTTPRequestHandler]:
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            signature = self.headers.get("X-Factcheck-Signature", "")
            with lock:
                receiver.received.append(
                    Received(
                        path=self.path,
                        headers=dict(self.headers.items()),
                        body=body,
                        signature_ok=bool(receiver.secret) and verify(receiver.secret, signature, body),
                    )
                )
                status = receiver.statuses.pop(0) if receiver.statuses else 200
            if receiver.delay:
                threading.Event().wait(receiver.delay)
            self.send_response(status)
            if receiver.location:
                self.send_header("Location", receiver.location)
            reply = f"answer {status} " + "x" * 2000
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply.encode())

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def running_receiver() -> Iterator[Receiver]:
    """Yield a started receiver; stop it afterwards (use from a fixture)."""
    receiver = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver, documented_verify()))
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
