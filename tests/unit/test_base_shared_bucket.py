"""One token bucket per (service, token): what the participants of a programme share.

Times are worked out by hand from the bucket's rule: `burst` requests go at once, then one
every 1/rate seconds, whoever sends them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import httpx
import pytest

from careerloop.connectors import base
from careerloop.connectors.base import Clock, HttpPolicy, RetryPolicy, shared_bucket, token_digest
from tests.fakes.fixtures import FakeClock

TOKEN_A = "ntn_participant_a_0123456789abcdefghijklmnop"
TOKEN_B = "ntn_participant_b_0123456789abcdefghijklmnop"
OK = httpx.Response(200)


class ThreadClock(Clock):
    """Virtual time for threads that sleep side by side.

    A thread sleeps from the moment it last read the clock, as a really sleeping thread
    would, so two threads sleeping 1 s each at the same time move the clock by 1 s, not 2.
    """

    def __init__(self) -> None:
        self.now = 0.0
        self._seen = threading.local()
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        with self._lock:
            self._seen.at = self.now
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.now = max(self.now, getattr(self._seen, "at", self.now) + seconds)


def policy(token: str, clock: Clock, *, rate: float = 10, burst: float = 1) -> HttpPolicy:
    made = HttpPolicy(
        service="Notion",
        rate=rate,
        burst=burst,
        clock=clock,
        retry=RetryPolicy(jitter=lambda: 1.0),
    )
    made.share_bucket(token)
    return made


def test_one_bucket_per_service_token_and_clock() -> None:
    clock = FakeClock()
    first = shared_bucket("Notion", TOKEN_A, rate=3, burst=3, clock=clock)
    assert shared_bucket("Notion", TOKEN_A, rate=3, burst=3, clock=clock) is first
    assert shared_bucket("Notion", TOKEN_B, rate=3, burst=3, clock=clock) is not first
    assert shared_bucket("Trello", TOKEN_A, rate=3, burst=3, clock=clock) is not first
    assert shared_bucket("Notion", TOKEN_A, rate=3, burst=3, clock=FakeClock()) is not first


def test_policies_without_a_clock_share_the_system_clock() -> None:
    left = HttpPolicy(service="Trello", rate=9.5, burst=5)
    right = HttpPolicy(service="Trello", rate=9.5, burst=5)
    left.share_bucket(TOKEN_A)
    right.share_bucket(TOKEN_A)
    assert left.bucket is right.bucket
    assert left.bucket.clock is base.SYSTEM_CLOCK


def test_two_threads_on_one_token_share_the_pace() -> None:
    clock = ThreadClock()
    policies = [policy(TOKEN_A, clock), policy(TOKEN_A, clock)]

    def work(each: HttpPolicy) -> None:
        for _ in range(10):
            each.send(lambda: OK, read=True)

    threads = [threading.Thread(target=work, args=(each,)) for each in policies]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # 20 requests on one bucket at 10/s, the first free: 19 x 0.1 s = 1.9 s.
    assert clock.now == pytest.approx(1.9)
    # Each policy still counts only its own requests.
    assert [each.stats.requests for each in policies] == [10, 10]


@pytest.mark.parametrize(
    ("second_token", "seconds"),
    [
        # One bucket: 20 requests, the first free, 19 x 0.1 s.
        (TOKEN_A, 1.9),
        # Two buckets, each 10 requests with the first free: 9 x 0.1 s, side by side.
        (TOKEN_B, 0.9),
    ],
)
def test_tokens_pace_apart(second_token: str, seconds: float) -> None:
    clock = ThreadClock()
    first, second = policy(TOKEN_A, clock), policy(second_token, clock)
    for _ in range(10):
        first.send(lambda: OK, read=True)
        second.send(lambda: OK, read=True)
    assert clock.now == pytest.approx(seconds)


class HookedClock(FakeClock):
    """A fake clock that runs `hook` at its first sleep (once), before time moves."""

    def __init__(self) -> None:
        super().__init__()
        self.hook: Callable[[], None] | None = None

    def sleep(self, seconds: float) -> None:
        hook, self.hook = self.hook, None
        if hook is not None:
            hook()
        super().sleep(seconds)


@pytest.mark.parametrize(
    ("second_token", "sent_after"),
    [
        # The 429's 2 s pause holds the other user back, then it queues 0.1 s behind the
        # caller that was told to wait (one token at 10/s): 2.1 s.
        (TOKEN_A, 2.1),
        # Another token's bucket is untouched: its first request goes at once.
        (TOKEN_B, 0.0),
    ],
)
def test_a_429_on_one_user_pauses_the_others_of_its_token(
    second_token: str, sent_after: float
) -> None:
    clock = HookedClock()
    limited, other = policy(TOKEN_A, clock), policy(second_token, clock)
    answers = iter([httpx.Response(429, headers={"Retry-After": "2"}), OK])
    sent_at: list[float] = []

    def other_sends() -> None:  # while `limited` waits out its Retry-After
        other.send(lambda: (sent_at.append(clock.now), OK)[1], read=True)

    clock.hook = other_sends
    assert limited.send(lambda: next(answers), read=True).status_code == 200
    assert sent_at == [pytest.approx(1000.0 + sent_after)]


def test_the_slower_setting_holds_for_every_user_of_a_token() -> None:
    clock = FakeClock()
    fast = policy(TOKEN_A, clock, rate=10, burst=3)
    slow = policy(TOKEN_A, clock, rate=2, burst=1)
    assert fast.bucket is slow.bucket
    assert (fast.bucket.rate, fast.bucket.burst) == (2, 1)
    # A later, faster setting does not speed the token up again.
    policy(TOKEN_A, clock, rate=10, burst=3)
    for _ in range(3):
        fast.send(lambda: OK, read=True)
    # The first free, the next two at 2/s: 1.0 s.
    assert clock.now - 1000.0 == pytest.approx(1.0)


def test_tokens_are_never_kept_readable() -> None:
    clock = FakeClock()
    made = policy(TOKEN_A, clock)
    bucket = shared_bucket("Notion", TOKEN_A, rate=10, burst=1, clock=clock)
    shown = " ".join(
        [repr(made), repr(bucket), repr(made.stats), repr(vars(bucket)), repr(list(base._SHARED))]
    )
    assert TOKEN_A not in shown
    assert token_digest(TOKEN_A) == token_digest(TOKEN_A) != token_digest(TOKEN_B)
    assert TOKEN_A not in token_digest(TOKEN_A)
