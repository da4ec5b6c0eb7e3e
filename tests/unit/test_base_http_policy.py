"""The one HTTP policy: which answers are retried, after how long, and how fast we go."""

from __future__ import annotations

import threading

import httpx
import pytest

from careerloop.connectors.base import (
    HttpPolicy,
    PolicyTransport,
    RetryPolicy,
    TokenBucket,
    parse_retry_after,
)
from careerloop.connectors.notion.client import is_notion_read
from careerloop.errors import RateLimited
from tests.fakes.fixtures import FakeClock

HTML_502 = "<html><body><h1>502 Bad Gateway</h1></body></html>"


def scripted(answers: list[httpx.Response | Exception]) -> tuple[httpx.MockTransport, list[int]]:
    """A transport giving `answers` in turn (the last one repeats); counts calls."""
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        answer = answers[min(len(calls) - 1, len(answers) - 1)]
        if isinstance(answer, Exception):
            raise answer
        return answer

    return httpx.MockTransport(handler), calls


def client(policy: HttpPolicy, transport: httpx.BaseTransport) -> httpx.Client:
    return httpx.Client(
        transport=PolicyTransport(policy, inner=transport, is_read=is_notion_read),
        base_url="https://api.notion.test",
    )


def make_policy(clock: FakeClock, **retry: object) -> HttpPolicy:
    # Jitter fixed at 1.0: a backoff of attempt n is exactly min(max, base * 2**n).
    options = {"base_delay": 0.5, "max_delay": 20.0, "jitter": lambda: 1.0, **retry}
    return HttpPolicy(service="Notion", rate=1000, burst=1000, clock=clock,
                      retry=RetryPolicy(**options))  # type: ignore[arg-type]


OK = httpx.Response(200, json={"ok": True})


def error(status: int, code: str = "x", **headers: str) -> httpx.Response:
    return httpx.Response(status, json={"object": "error", "code": code, "message": "m"},
                          headers=headers)


# (method, path, first answer, retried?, waits before the 200 that follows)
CASES = [
    ("GET", "/v1/users/me", error(429, "rate_limited", **{"Retry-After": "2"}), True, [2.0]),
    ("POST", "/v1/pages", error(429, "rate_limited", **{"Retry-After": "3"}), True, [3.0]),
    ("POST", "/v1/data_sources/x/query", error(429, "rate_limited"), True, [0.5]),
    ("GET", "/v1/pages/x", error(500, "internal_server_error"), True, [0.5]),
    ("POST", "/v1/data_sources/x/query", httpx.Response(502, text=HTML_502), True, [0.5]),
    ("GET", "/v1/pages/x", httpx.Response(502, text=HTML_502), True, [0.5]),
    ("POST", "/v1/data_sources/x/query", error(503, "service_unavailable"), True, [0.5]),
    ("POST", "/v1/search", error(504, "gateway_timeout"), True, [0.5]),
    ("GET", "/v1/pages/x", error(529, "service_overload"), True, [0.5]),
    ("POST", "/v1/data_sources/x/query",
     error(503, "service_unavailable", **{"Retry-After": "7"}), True, [7.0]),
    # Writes: only a refusal (429) is resent.
    ("POST", "/v1/pages", error(502), False, []),
    ("PATCH", "/v1/blocks/x/children", error(503), False, []),
    ("POST", "/v1/pages", error(529), False, []),
    ("DELETE", "/v1/blocks/x", error(504), False, []),
    # Answers that another attempt cannot fix.
    ("GET", "/v1/pages/x", error(400, "validation_error"), False, []),
    ("GET", "/v1/pages/x", error(401, "unauthorized"), False, []),
    ("GET", "/v1/pages/x", error(403, "restricted_resource"), False, []),
    ("GET", "/v1/pages/x", error(404, "object_not_found"), False, []),
    ("POST", "/v1/data_sources/x/query", error(409, "conflict_error"), False, []),
]


@pytest.mark.parametrize(("method", "path", "first", "retried", "waits"), CASES)
def test_status_table(
    fake_clock: FakeClock,
    method: str,
    path: str,
    first: httpx.Response,
    retried: bool,
    waits: list[float],
) -> None:
    policy = make_policy(fake_clock)
    transport, calls = scripted([first, OK])
    with client(policy, transport) as http:
        response = http.request(method, path)
    assert response.status_code == (200 if retried else first.status_code)
    assert len(calls) == (2 if retried else 1)
    assert fake_clock.slept == waits
    assert policy.stats.requests == len(calls)
    assert policy.stats.retries == (1 if retried else 0)


@pytest.mark.parametrize(
    ("error_", "method", "retried"),
    [
        (httpx.ReadTimeout("slow"), "GET", True),
        (httpx.ConnectError("refused"), "GET", True),
        (httpx.RemoteProtocolError("Server disconnected"), "POST", True),  # a query
        (httpx.ReadError("reset"), "GET", True),
        (httpx.ConnectError("refused"), "PATCH", True),  # never sent: safe for a write
        (httpx.ReadTimeout("slow"), "PATCH", False),  # may have been applied
        (httpx.RemoteProtocolError("Server disconnected"), "PATCH", False),
    ],
)
def test_transport_errors(
    fake_clock: FakeClock, error_: Exception, method: str, retried: bool
) -> None:
    policy = make_policy(fake_clock)
    transport, calls = scripted([error_, OK])
    path = "/v1/data_sources/x/query" if method == "POST" else "/v1/blocks/x"
    with client(policy, transport) as http:
        if retried:
            assert http.request(method, path).status_code == 200
        else:
            with pytest.raises(type(error_)):
                http.request(method, path)
    assert len(calls) == (2 if retried else 1)


def test_backoff_is_exponential_and_capped(fake_clock: FakeClock) -> None:
    policy = make_policy(fake_clock, max_attempts=7, max_delay=4.0)
    transport, calls = scripted([error(503)] * 6 + [OK])
    with client(policy, transport) as http:
        assert http.get("/v1/pages/x").status_code == 200
    assert fake_clock.slept == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert policy.stats.retries == 6


def test_jitter_keeps_half_the_delay() -> None:
    low = RetryPolicy(base_delay=1.0, jitter=lambda: 0.0)
    high = RetryPolicy(base_delay=1.0, jitter=lambda: 1.0)
    assert [low.backoff(n) for n in range(3)] == [0.5, 1.0, 2.0]
    assert [high.backoff(n) for n in range(3)] == [1.0, 2.0, 4.0]


def test_server_errors_give_up_with_the_last_answer(fake_clock: FakeClock) -> None:
    policy = make_policy(fake_clock, max_attempts=3)
    transport, calls = scripted([httpx.Response(502, text=HTML_502)])
    with client(policy, transport) as http:
        response = http.post("/v1/data_sources/x/query")
    assert response.status_code == 502 and len(calls) == 3
    assert "Bad Gateway" in response.text  # the caller can still read what came back


def test_rate_limit_exhausted_raises(fake_clock: FakeClock) -> None:
    policy = make_policy(fake_clock, max_attempts=3)
    transport, calls = scripted([error(429, "rate_limited", **{"Retry-After": "1"})])
    with client(policy, transport) as http, pytest.raises(RateLimited, match="3 attempts"):
        http.get("/v1/users/me")
    assert len(calls) == 3


def test_retry_after_beyond_the_cap_raises_at_once(fake_clock: FakeClock) -> None:
    policy = make_policy(fake_clock, retry_after_cap=60.0)
    transport, calls = scripted([error(429, "rate_limited", **{"Retry-After": "3600"}), OK])
    with client(policy, transport) as http, pytest.raises(RateLimited, match="3600 s"):
        http.get("/v1/users/me")
    assert len(calls) == 1 and fake_clock.slept == []


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("2", 2.0), ("0", 0.0), ("1.5", 1.5), ("", None), ("soon", None), ("-3", None),
     ("Thu, 01 Jan 2026 00:01:00 GMT", 60.0)],
)
def test_parse_retry_after(header: str, seconds: float | None) -> None:
    now = 1767225600.0  # 2026-01-01T00:00:00Z
    assert parse_retry_after(header, now=lambda: now) == seconds


def test_bucket_paces_to_the_rate(fake_clock: FakeClock) -> None:
    bucket = TokenBucket(rate=3, burst=3, clock=fake_clock)
    for _ in range(9):
        bucket.acquire()
    # Three go at once (the burst), the other six at 3 per second.
    assert fake_clock.now - 1000.0 == pytest.approx(2.0)


def test_bucket_is_shared_by_threads(fake_clock: FakeClock) -> None:
    bucket = TokenBucket(rate=10, burst=1, clock=fake_clock)

    def work() -> None:
        for _ in range(10):
            bucket.acquire()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # 40 tokens at 10/s with one free: 3.9 s however the threads interleave.
    assert fake_clock.now - 1000.0 == pytest.approx(3.9)


def test_a_429_slows_every_caller(fake_clock: FakeClock) -> None:
    bucket = TokenBucket(rate=10, burst=10, clock=fake_clock)
    bucket.pause(2.0)
    bucket.acquire()  # the caller that was told to wait sleeps 2 s itself, then goes
    bucket.acquire()
    assert fake_clock.now - 1000.0 == pytest.approx(2.1)


def test_pacing_happens_per_attempt(fake_clock: FakeClock) -> None:
    policy = HttpPolicy(service="Notion", rate=2, burst=1, clock=fake_clock,
                        retry=RetryPolicy(jitter=lambda: 1.0, base_delay=0.0))
    transport, calls = scripted([error(503), OK])
    with client(policy, transport) as http:
        http.get("/v1/pages/x")
    # The retry waits its token like any request: 0.5 s at 2 per second.
    assert policy.stats.paced_wait == pytest.approx(0.5)
    assert policy.stats.requests == 2
