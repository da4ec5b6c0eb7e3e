"""The wire under the HTTP policy in tests: real sockets, plus timeouts on cue.

A fake marks the answer of a request it applied "too late" (`fail(timeout=True)`) with
`TIMED_OUT_HEADER`. `TimeoutWire` (httpx, under notion-client) and `TimeoutAdapter`
(requests, under py-trello) send every request for real over the loopback and, for a
marked answer, drop it and raise the library's own read timeout at once, exactly what
the library raises when its timer runs out, so the run sees a timeout whatever the
machine's speed. `wire()` bundles both as the `Transport` seam of a run.
"""

from __future__ import annotations

import threading
from typing import Any

import httpx
import requests
import requests.adapters

from careerloop.connectors.base import Transport
from tests.fakes.loopback import TIMED_OUT_HEADER


class _Count:
    """How many answers a wire turned into timeouts (a test checks the fault fired)."""

    def __init__(self) -> None:
        self.timeouts = 0
        self._lock = threading.Lock()

    def fired(self) -> None:
        with self._lock:
            self.timeouts += 1


class TimeoutWire(httpx.HTTPTransport):
    """httpx's own transport; a marked answer becomes `httpx.ReadTimeout`."""

    def __init__(self, count: _Count | None = None) -> None:
        super().__init__()
        self.count = count or _Count()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if TIMED_OUT_HEADER not in response.headers:
            return response
        response.close()
        self.count.fired()
        raise httpx.ReadTimeout("the fake answered too late (timeout fault)", request=request)


class TimeoutAdapter(requests.adapters.HTTPAdapter):
    """requests' own adapter; a marked answer becomes `requests.ReadTimeout`."""

    def __init__(self, count: _Count | None = None) -> None:
        super().__init__()
        self.count = count or _Count()

    def send(self, request: requests.PreparedRequest, *args: Any,
             **kwargs: Any) -> requests.Response:
        response = super().send(request, *args, **kwargs)
        if TIMED_OUT_HEADER not in response.headers:
            return response
        response.close()
        self.count.fired()
        raise requests.ReadTimeout("the fake answered too late (timeout fault)",
                                   request=request)


class Wire:
    """Both wires of a run, sharing one count."""

    def __init__(self) -> None:
        self.count = _Count()
        self.transport = Transport(notion=TimeoutWire(self.count),
                                   trello=TimeoutAdapter(self.count))

    @property
    def timeouts(self) -> int:
        """Answers turned into timeouts so far."""
        return self.count.timeouts
