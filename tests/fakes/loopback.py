"""The HTTP plumbing both fakes share: a threaded server on 127.0.0.1 at a free port.

A fake only decides answers (`dispatch`); this module speaks HTTP/1.1 for it, including
the faults that need the socket itself: a dropped connection (`dispatch` returns None)
and a body cut short (the answer carries `TRUNCATED_HEADER`).
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Generic, Protocol, TypeVar

TRUNCATED_HEADER = "X-Fake-Truncated"  # tells the request handler to hang up after the body

Answer = tuple[int, dict[str, str], bytes]


class Dispatcher(Protocol):
    """A fake API: turns one request into an answer, or None to drop the connection."""

    def dispatch(
        self, method: str, path: str, headers: dict[str, str], raw: bytes
    ) -> Answer | None: ...


FakeT = TypeVar("FakeT", bound=Dispatcher)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: Dispatcher

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that timed out and hung up is part of the tests, not news


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the SDKs expect of an API
    # Headers and body go out in two writes: without this, Nagle's algorithm and the
    # client's delayed ACK hold every answer back ~40 ms.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
        pass  # quiet: tests read the fake's request log instead

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        answer = self.server.fake.dispatch(self.command, self.path, headers, raw)
        if answer is None:
            self.close_connection = True
            return
        status, out_headers, body = answer
        cut = out_headers.pop(TRUNCATED_HEADER, None) is not None
        self.send_response(status)
        for key, value in out_headers.items():
            self.send_header(key, value)
        if "Content-Length" not in out_headers:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        if cut:
            self.close_connection = True  # the rest of the announced body never comes

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve  # noqa: N815


class LoopbackServer(Generic[FakeT]):
    """Serves a fake on 127.0.0.1 at a free port (`url` is the base URL)."""

    def __init__(self, fake: FakeT) -> None:
        self.fake = fake
        self._server = _Server(("127.0.0.1", 0), _RequestHandler)
        self._server.fake = fake
        # A short poll interval so stopping the server (each test) is quick.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> LoopbackServer[FakeT]:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> LoopbackServer[FakeT]:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
