"""What every connector implements, and the one HTTP policy they share."""

from __future__ import annotations

import email.utils
import hashlib
import hmac
import json
import random
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol, TypeVar

import httpx
import requests.adapters

from careerloop.clock import Clock as Clock  # re-exported: the seam lives in clock.py
from careerloop.errors import RateLimited
from careerloop.model import Workspace
from careerloop.report.review import Review

if TYPE_CHECKING:
    from careerloop.store import Store

PublishAction = Literal["created", "updated", "unchanged", "skipped"]


@dataclass(slots=True, kw_only=True)
class ReadResult:
    """What one source gave: the records and how they were read."""

    origin: str  # what the store keys cursors by: `notion:<data source id>`, `trello:<board>`
    workspace: Workspace
    full: bool = True  # a full read replaces everything stored for the source
    deleted_ids: tuple[str, ...] = ()
    requests: int = 0
    cursor: str | None = None


class Source(Protocol):
    """A place the plan is read from (Notion, Trello or an export file)."""

    name: str

    def read(self, store: Store, *, full: bool) -> list[ReadResult]:
        """Read the plan, one result per origin.

        `full` asks for a complete re-read rather than the changes since the cursors kept
        in `store` (which the source only reads; the pipeline saves the results).
        """
        ...

    def http_stats(self) -> RequestStats | None:
        """What the last read cost over HTTP (None for a file)."""
        ...


@dataclass(slots=True, kw_only=True)
class PublishOutcome:
    """What publishing one review to one target did (or would do, on a dry run)."""

    target: str
    review_key: str
    action: PublishAction
    location: str
    content_hash: str
    remote_id: str | None = None
    requests: int = 0
    detail: str = ""


@dataclass(slots=True, kw_only=True)
class Check:
    """One row of `careerloop doctor`."""

    name: str
    status: Literal["ok", "warn", "fail"]
    detail: str
    fix: str = ""


class Publisher(Protocol):
    """A place reviews are written to (local files, Notion, Trello)."""

    name: str

    def publish(self, review: Review, markdown: str, *, dry_run: bool) -> PublishOutcome:
        """Upsert the review keyed by (period, kind); keep everything under the notes heading."""
        ...

    def close(self) -> None:
        """End the run: write what spans reviews (the local index), close HTTP clients."""
        ...


# -- the one HTTP policy ------------------------------------------------------------------
#
# Every connector sends its requests through one `HttpPolicy`: it decides which failures
# are worth another attempt, how long to wait before it (Retry-After first, else capped
# exponential backoff with jitter), and paces requests with a token bucket. There is one
# bucket per (service, token) in the process (`shared_bucket`): every reader, publisher
# and programme participant using a token paces against the same bucket, since the
# service counts requests per token. `PolicyTransport` applies the policy to an httpx
# client; a connector on another HTTP library calls `HttpPolicy.send` with its own attempt.

RETRY_STATUSES: frozenset[int] = frozenset({429, 500, 502, 503, 504, 529})
"""Statuses worth another attempt of a read: rate limited, overloaded or a broken gateway."""

REFUSED_STATUSES: frozenset[int] = frozenset({429})
"""Statuses that say the request was refused before any work: safe to resend even a write."""

READ_METHODS: frozenset[str] = frozenset({"GET", "HEAD", "OPTIONS"})


SYSTEM_CLOCK = Clock()
"""The clock of policies and buckets that are given none: one object, so they share buckets."""


@dataclass(slots=True, frozen=True, kw_only=True)
class Transport:
    """What carries the connectors' requests below the HTTP policy: the run's one wire seam.

    One field per HTTP library careerloop drives: `notion`, the httpx transport under
    notion-client; `trello`, the requests adapter the Trello session mounts for every URL.
    None keeps the library's own (real sockets). Tests hand in a wire that fails on cue,
    e.g. one that reports a timeout at once instead of racing a short real one.
    """

    notion: httpx.BaseTransport | None = None
    trello: requests.adapters.BaseAdapter | None = None


class TokenBucket:
    """Paces requests: `rate` per second on average, at most `burst` back to back.

    Thread-safe. A caller reserves its token under the lock and sleeps outside it, so
    threads queue in order instead of all waking at once.
    """

    def __init__(self, rate: float, burst: float = 1.0, *, clock: Clock | None = None) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        self.clock = clock or SYSTEM_CLOCK
        self._tokens = burst
        self._last = self.clock.monotonic()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take one token, sleeping until it is there; returns the seconds slept."""
        with self._lock:
            self._refill()
            self._tokens -= 1
            wait = 0.0 if self._tokens >= -1e-9 else -self._tokens / self.rate
        if wait > 0:
            self.clock.sleep(wait)
        return wait

    def pause(self, seconds: float) -> None:
        """Hold every caller back for `seconds` (the service asked us to slow down)."""
        with self._lock:
            self._refill()
            # After `seconds` one token is back: the caller that was told to wait goes
            # first, the others queue behind it at the normal rate.
            self._tokens = min(self._tokens, 1.0) - seconds * self.rate

    def slow_to(self, rate: float, burst: float) -> None:
        """Never go faster than `rate` per second or `burst` back to back from now on."""
        with self._lock:
            self._refill()
            self.rate = min(self.rate, rate)
            self.burst = min(self.burst, burst)
            self._tokens = min(self._tokens, self.burst)

    def _refill(self) -> None:
        now = self.clock.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
        self._last = now


# Keyed by service, a keyed hash of the token and the clock's identity. The clock is part
# of the key so that a test's virtual clock drives its own buckets (and a bucket never
# mixes two time lines); a bucket keeps its clock alive, so the id is never reused.
_SHARED: dict[tuple[str, str, int], TokenBucket] = {}
_SHARED_LOCK = threading.Lock()
_TOKEN_KEY = secrets.token_bytes(32)  # per process: the digests are useless outside it


def token_digest(token: str) -> str:
    """A keyed hash that tells tokens apart without keeping any in a readable form."""
    return hmac.new(_TOKEN_KEY, token.encode(), hashlib.sha256).hexdigest()


def shared_bucket(
    service: str, token: str, *, rate: float, burst: float, clock: Clock | None = None
) -> TokenBucket:
    """The one token bucket of `service` under `token` in this process (thread-safe).

    Every policy of the same service, token and clock gets the same bucket, whichever
    participant, source or publisher built it. When two ask for different paces the
    slower one holds for both: the service's limit is the token's, and the lower setting
    is the one somebody chose knowing the token has less room.
    """
    clock = clock or SYSTEM_CLOCK
    key = (service, token_digest(token), id(clock))
    with _SHARED_LOCK:
        bucket = _SHARED.get(key)
        if bucket is None:
            bucket = _SHARED[key] = TokenBucket(rate, burst, clock=clock)
            return bucket
    bucket.slow_to(rate, burst)
    return bucket


@dataclass(slots=True)
class RequestStats:
    """What a policy did: for `make bench`, logs and ReadResult.requests."""

    requests: int = 0  # attempts actually sent, retries included
    retries: int = 0
    retry_wait: float = 0.0  # seconds slept before retries
    paced_wait: float = 0.0  # seconds slept by the token bucket
    statuses: dict[int, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)  # transport errors by class name
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def sent(self, paced: float) -> None:
        with self._lock:
            self.requests += 1
            self.paced_wait += paced

    def answered(self, status: int) -> None:
        with self._lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1

    def failed(self, error: BaseException) -> None:
        with self._lock:
            name = type(error).__name__
            self.errors[name] = self.errors.get(name, 0) + 1

    def retried(self, wait: float) -> None:
        with self._lock:
            self.retries += 1
            self.retry_wait += wait


class _Answer(Protocol):
    """What the policy needs of a response (httpx and requests responses both fit)."""

    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]: ...


AnswerT = TypeVar("AnswerT", bound=_Answer)


@dataclass(slots=True, kw_only=True)
class RetryPolicy:
    """Which failures get another attempt, and after how long.

    Reads (GET and read-only POSTs such as a Notion query) retry on `retry_statuses` and
    on `transient_errors`. Writes retry only on `refused_statuses` (429: the service did
    nothing) and on `unsent_errors` (the connection was never made): resending a write
    that may have been applied could create a second page.
    """

    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 20.0
    retry_after_cap: float = 60.0  # a longer Retry-After raises RateLimited instead
    retry_statuses: frozenset[int] = RETRY_STATUSES
    refused_statuses: frozenset[int] = REFUSED_STATUSES
    transient_errors: tuple[type[BaseException], ...] = (
        httpx.TimeoutException,
        httpx.NetworkError,
        httpx.RemoteProtocolError,
    )
    unsent_errors: tuple[type[BaseException], ...] = (httpx.ConnectError, httpx.ConnectTimeout)
    jitter: Callable[[], float] = random.random  # tests pass a constant

    def retries_status(self, status: int, *, read: bool) -> bool:
        """Whether an answer with this status is worth another attempt."""
        return status in (self.retry_statuses if read else self.refused_statuses)

    def retries_error(self, error: BaseException, *, read: bool) -> bool:
        """Whether a transport error is worth another attempt."""
        return isinstance(error, self.transient_errors if read else self.unsent_errors)

    def backoff(self, attempt: int) -> float:
        """Seconds before attempt `attempt + 1` (attempt counts from 0): capped, jittered.

        Equal jitter: half the capped exponential delay for sure, the other half at
        random, so retries of parallel readers spread out but never come back at once.
        """
        delay = min(self.max_delay, self.base_delay * 2.0**attempt)
        return delay / 2 + self.jitter() * delay / 2


def is_cut_json(status: int, content_type: str | None, body: bytes) -> bool:
    """Whether a successful answer announces JSON but its body does not parse.

    A proxy or a connection cut mid-body can hand over half a JSON document with a 200:
    for a read that is as transient as a 502, and worth another attempt.
    """
    if not 200 <= status < 300 or "json" not in (content_type or "").lower():
        return False
    if not body.strip():
        return False
    try:
        json.loads(body)
    except ValueError:  # UnicodeDecodeError included
        return True
    return False


def parse_retry_after(value: str | None, *, now: Callable[[], float] = time.time) -> float | None:
    """Seconds from a Retry-After header: delta-seconds or an HTTP date; None if unusable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        return max(0.0, when.timestamp() - now())
    return seconds if seconds >= 0 else None


class HttpPolicy:
    """Retries, backoff and pacing for one service.

    The policy starts with a token bucket of its own; `share_bucket` swaps it for the
    bucket every policy of the same service and token shares, once the token is known.
    """

    def __init__(
        self,
        *,
        service: str,
        rate: float,
        burst: float = 3.0,
        retry: RetryPolicy | None = None,
        clock: Clock | None = None,
        rate_setting: str = "requests_per_second",
    ) -> None:
        self.service = service
        self.rate_setting = rate_setting  # the config key a user lowers when rate limited
        self.retry = retry or RetryPolicy()
        self.clock = clock or SYSTEM_CLOCK
        self.bucket = TokenBucket(rate, burst, clock=self.clock)
        self.stats = RequestStats()  # this policy's requests only, even on a shared bucket

    def share_bucket(self, token: str) -> None:
        """Pace with every other policy of this service, token and clock (`shared_bucket`)."""
        self.bucket = shared_bucket(
            self.service,
            token,
            rate=self.bucket.rate,
            burst=self.bucket.burst,
            clock=self.clock,
        )

    def send(
        self,
        attempt: Callable[[], AnswerT],
        *,
        read: bool,
        discard: Callable[[AnswerT], None] = lambda answer: None,
        cut: Callable[[AnswerT], bool] | None = None,
    ) -> AnswerT:
        """Run `attempt` until it gives an answer not worth retrying, or the budget is spent.

        The last answer is returned whatever its status (the caller turns it into its
        error); a transport error that is not retried, or the last one, is raised.
        `discard` releases an answer that is dropped for a retry; `cut` says whether a
        successful answer's body is unusable (JSON cut short): a read retries it like a
        transport error, a write returns it (it was applied; resending could apply it twice).

        Raises:
            RateLimited: the service still refused with 429/529 after every attempt, or
                asked for a wait longer than `retry_after_cap`.
        """
        policy = self.retry
        for number in range(policy.max_attempts):
            last = number == policy.max_attempts - 1
            self.stats.sent(self.bucket.acquire())
            try:
                answer = attempt()
            except Exception as error:
                self.stats.failed(error)
                if last or not policy.retries_error(error, read=read):
                    raise
                self._wait(policy.backoff(number))
                continue
            wait = self._wait_after(answer, number, read=read, discard=discard, cut=cut)
            if wait is None:
                return answer
            self._wait(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait_after(
        self,
        answer: AnswerT,
        number: int,
        *,
        read: bool,
        discard: Callable[[AnswerT], None],
        cut: Callable[[AnswerT], bool] | None,
    ) -> float | None:
        """Seconds before another attempt after `answer`, or None to hand it back.

        An answer dropped for a retry is discarded here.
        """
        last = number == self.retry.max_attempts - 1
        status = answer.status_code
        self.stats.answered(status)
        if read and cut is not None and cut(answer):
            self.stats.failed(_CutBody())
            if last:
                return None  # the caller's JSON parsing says what is wrong
            discard(answer)
            return self.retry.backoff(number)
        if not self.retry.retries_status(status, read=read):
            return None
        return self._wait_after_status(answer, number, last=last, discard=discard)

    def _wait_after_status(
        self, answer: AnswerT, number: int, *, last: bool, discard: Callable[[AnswerT], None]
    ) -> float | None:
        """The wait after a retried status: Retry-After first, else the backoff.

        Raises:
            RateLimited: the wait asked is over the cap, or the last attempt was refused.
        """
        policy = self.retry
        status = answer.status_code
        limited = status in (429, 529)
        retry_after = parse_retry_after(answer.headers.get("retry-after"))
        if retry_after is not None and retry_after > policy.retry_after_cap:
            discard(answer)
            raise RateLimited(
                f"{self.service} asks to wait {retry_after:.0f} s before the next request "
                f"(more than the {policy.retry_after_cap:.0f} s careerloop waits): "
                "run again later"
            )
        if last:
            if limited:
                discard(answer)
                raise RateLimited(
                    f"{self.service} kept answering {status} (rate limited) after "
                    f"{policy.max_attempts} attempts: run again in a few minutes or lower "
                    f"{self.rate_setting}"
                )
            return None
        discard(answer)
        wait = retry_after if retry_after is not None else policy.backoff(number)
        if limited:
            # Everyone sharing the bucket slows down, not just this thread.
            self.bucket.pause(wait)
        return wait

    def _wait(self, seconds: float) -> None:
        self.stats.retried(seconds)
        if seconds > 0:
            self.clock.sleep(seconds)


class _CutBody(Exception):
    """Counted in `RequestStats.errors` when an answer's JSON body was cut short."""


class PolicyTransport(httpx.BaseTransport):
    """An httpx transport that sends every request through an `HttpPolicy`.

    `is_read` says which requests are reads (retried on 5xx and transport errors); by
    default GET, HEAD and OPTIONS. A service passes its own, e.g. to add a query POST.
    """

    def __init__(
        self,
        policy: HttpPolicy,
        *,
        inner: httpx.BaseTransport | None = None,
        is_read: Callable[[httpx.Request], bool] | None = None,
    ) -> None:
        self.policy = policy
        self.inner = inner or httpx.HTTPTransport()
        self.is_read = is_read or (lambda request: request.method in READ_METHODS)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        read = self.is_read(request)

        def attempt() -> httpx.Response:
            # The body was built once by httpx and stays in memory, so resending is safe.
            response = self.inner.handle_request(request)
            if response.is_stream_consumed:
                return response  # read already (a mock transport)
            # Read the answer here, not later in httpx.Client: a connection dropped or a
            # timeout in the middle of the body is then a transport error the policy sees
            # (and retries for a read), not one that escapes it.
            try:
                raw = b"".join(response.iter_raw())
            finally:
                response.close()
            return httpx.Response(
                response.status_code,
                headers=response.headers,
                content=raw,
                extensions=response.extensions,
                request=request,
            )

        return self.policy.send(
            attempt, read=read, discard=lambda response: response.close(), cut=_cut_response
        )

    def close(self) -> None:
        self.inner.close()


def _cut_response(response: httpx.Response) -> bool:
    # `attempt` hands over responses whose body is in memory already.
    return is_cut_json(response.status_code, response.headers.get("content-type"), response.content)
