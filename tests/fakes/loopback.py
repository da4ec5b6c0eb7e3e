"""What both fakes share: the HTTP plumbing and the fault-injection machinery.

A fake only decides answers (`dispatch`); `LoopbackServer` serves it on 127.0.0.1 at a
free port and speaks HTTP/1.1 for it, including the faults that need the socket itself:
a dropped connection (`dispatch` returns None) and a body cut short (the answer carries
`TRUNCATED_HEADER`). A timeout needs the client's side too: the answer of a request the
service applied too late for the client carries `TIMED_OUT_HEADER`, and the test wire
(tests/fakes/wire.py) raises the HTTP library's own timeout for it at once, so no test
races a short real timer.

`FaultInjector` is the rest of what the fakes have in common: injected faults per route
(`Fault`), a run killed halfway (`crash_after_writes`, `recover`), `wait_idle` and the
request log (`requests`, `count`, `reset_log`). Each fake keeps what is its service's own:
its `fail` signature, its error bodies, its rate limit and its routes.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Generic, Protocol, TypeVar

TRUNCATED_HEADER = "X-Fake-Truncated"  # tells the request handler to hang up after the body
TIMED_OUT_HEADER = "X-Fake-Timed-Out"  # tells the test wire the client gave up waiting

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


# -- fault injection -------------------------------------------------------------------------


@dataclass(slots=True)
class Fault:
    """An injected failure for requests whose path matches `route`."""

    route: re.Pattern[str]
    method: str | None
    status: int
    times: int
    drop: bool = False
    timeout: bool = False  # applied, but the client gave up before the answer came
    body: str | None = None
    retry_after: str | None = None
    truncate: bool | str = False
    content_type: str = "application/json"  # of `body` (Trello answers text/plain)


class LoggedRequest(Protocol):
    """What `FaultInjector` needs of a fake's record of one request."""

    method: str
    path: str
    status: int  # 0 when the connection was dropped
    at: float


LoggedT = TypeVar("LoggedT", bound=LoggedRequest)


def truncated(status: int, data: bytes, mode: bool | str) -> Answer:
    """A JSON answer cut in the middle (`fail(truncate=…)`): True sends half the body as a
    complete response; "close" announces the whole length, sends half and hangs up."""
    half = data[: max(1, len(data) // 2)]
    headers = {"Content-Type": "application/json"}
    if mode == "close":
        headers.update({"Content-Length": str(len(data)), TRUNCATED_HEADER: "1"})
    return status, headers, half


class FaultInjector(Generic[LoggedT]):
    """Injected faults, a run killed halfway and the request log, for a fake API.

    A fake calls `_init_faults()` from `__init__`, implements `_dispatch` by building its
    log record and handing it to `_serve`, and supplies what is its service's own:
    `_fault_answer` (an injected failure in the service's words), `_over_rate` and
    `_rate_limited` (its rate limit), and where it differs, `_render`, `_compile_route` and
    `_route_matches`.
    """

    faults: list[Fault]
    requests: list[LoggedT]
    writes_allowed: int | None
    writes_done: int
    land_next_dropped: bool
    in_flight: int
    lock: threading.RLock

    def _init_faults(self) -> None:
        self.faults = []
        self.requests = []
        self.writes_allowed = None  # crash_after_writes
        self.writes_done = 0
        self.land_next_dropped = False  # crash_after_writes(land=True)
        self.in_flight = 0
        self.lock = threading.RLock()

    # -- what tests call ----------------------------------------------------------------------

    def _add_fault(
        self,
        route: str,
        *,
        status: int,
        times: int,
        method: str | None,
        drop: bool,
        timeout: bool,
        body: str | None,
        retry_after: float | str | None,
        truncate: bool | str,
        content_type: str = "application/json",
    ) -> None:
        """Queue a `Fault` for the next `times` requests matching `route` (each fake's
        `fail` says what its arguments mean)."""
        with self.lock:
            self.faults.append(Fault(
                route=self._compile_route(route), method=method, status=status, times=times,
                drop=drop, timeout=timeout, body=body,
                retry_after=None if retry_after is None else str(retry_after),
                truncate=truncate, content_type=content_type,
            ))

    def crash_after_writes(self, count: int, *, land: bool = False) -> None:
        """Drop every write after the next `count` successful ones (a process killed halfway).

        With `land`, the first write past them is applied and only its answer is lost.
        """
        with self.lock:
            self.writes_allowed = self.writes_done + count
            self.land_next_dropped = land

    def recover(self) -> None:
        """Accept writes again after `crash_after_writes`."""
        with self.lock:
            self.writes_allowed = None
            self.land_next_dropped = False

    def wait_idle(self, timeout: float = 5.0) -> None:
        """Wait until no request is being answered (a late answer has been applied)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if self.in_flight == 0:
                    return
            time.sleep(0.01)
        raise TimeoutError("the fake is still answering a request")

    def count(self, method: str | None = None, route: str = ".*",
              status: int | None = None) -> int:
        """How many requests matched, by method, path regex and status (all answers,
        faults and drops included)."""
        pattern = self._compile_route(route)
        with self.lock:
            return sum(
                1 for r in self.requests
                if (method is None or r.method == method)
                and self._route_matches(pattern, r.path)
                and (status is None or r.status == status)
            )

    def reset_log(self) -> None:
        """Forget the requests seen so far."""
        with self.lock:
            self.requests.clear()

    # -- answering --------------------------------------------------------------------------

    def dispatch(
        self, method: str, raw_path: str, headers: Mapping[str, str], raw_body: bytes
    ) -> Answer | None:
        """Answer one request: (status, headers, body), or None to drop the connection."""
        with self.lock:
            self.in_flight += 1
        try:
            return self._dispatch(method, raw_path, headers, raw_body)
        finally:
            with self.lock:
                self.in_flight -= 1

    def _dispatch(
        self, method: str, raw_path: str, headers: Mapping[str, str], raw_body: bytes
    ) -> Answer | None:
        raise NotImplementedError

    def _serve(
        self, logged: LoggedT, write: bool, answer: Callable[[], tuple[int, Any]]
    ) -> Answer | None:
        """Log a request and answer it, faults first: a killed run drops (or lands) the
        write, then an injected fault or the rate limit answers; else `answer()` does."""
        with self.lock:
            self.requests.append(logged)
            land = False
            if write and self.writes_allowed is not None and (
                self.writes_done >= self.writes_allowed
            ):
                if not self.land_next_dropped:
                    return None  # the process died: this write never reached the service
                # The write reached the service; the process died before reading the answer.
                self.land_next_dropped, land = False, True
            fault = None if land else self._take_fault(logged.method, logged.path)
            limited = self._over_rate(land)
        if fault is not None and fault.drop:
            return None
        if fault is not None and fault.status != 200:
            logged.status = fault.status
            return self._fault_answer(fault)
        if limited:
            logged.status = 429
            return self._rate_limited()
        status, body = answer()
        logged.status = status
        if write and status < 400 and not land:
            with self.lock:
                self.writes_done += 1
        if land:
            return None  # applied, but the answer never reaches the (killed) client
        rendered = self._render(status, body, fault.truncate if fault is not None else False)
        if fault is not None and fault.timeout:
            rendered[1][TIMED_OUT_HEADER] = "1"
        return rendered

    def _take_fault(self, method: str, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.times > 0 and self._route_matches(fault.route, path) and (
                fault.method in (None, method)
            ):
                fault.times -= 1
                return fault
        return None

    # -- what a fake may say its own way ------------------------------------------------------

    def _compile_route(self, route: str) -> re.Pattern[str]:
        """A route regex as `fail` and `count` read it."""
        return re.compile(route)

    def _route_matches(self, pattern: re.Pattern[str], path: str) -> bool:
        """Whether a route (from `_compile_route`) covers a path: the whole path by default."""
        return pattern.fullmatch(path) is not None

    def _render(self, status: int, body: Any, truncate: bool | str) -> Answer:
        """A handler's answer as JSON, cut in the middle when a fault says `truncate`."""
        data = json.dumps(body).encode()
        if truncate:
            return truncated(status, data, truncate)
        return status, {"Content-Type": "application/json"}, data

    def _fault_answer(self, fault: Fault) -> Answer:
        """An injected failure (status other than 200) in the service's words."""
        raise NotImplementedError

    def _over_rate(self, land: bool) -> bool:
        """Whether the rate limit refuses this request (asked under the lock)."""
        raise NotImplementedError

    def _rate_limited(self) -> Answer:
        """The service's answer to a request over its rate limit."""
        raise NotImplementedError
