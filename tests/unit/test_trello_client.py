"""The Trello client: py-trello's fetch_json over real HTTP to the fake, through our policy."""

from __future__ import annotations

import json
from typing import Any

import pytest

from careerloop.config import TrelloSource
from careerloop.connectors.trello.client import TrelloApi, board_ref, trello_policy
from careerloop.errors import AuthError, ConfigError, NotFound, RateLimited, SourceError
from tests.fakes.fixtures import FakeClock
from tests.fakes.trello_api import FakeTrello, FakeTrelloServer
from tests.fakes.trello_fixtures import fast_api, fixture_board, trello_config
from tests.fakes.wire import TimeoutAdapter

LIMITED = json.dumps({"error": "API_TOKEN_LIMIT_EXCEEDED", "message": "Rate limit exceeded"})


@pytest.fixture
def board(fake_trello: FakeTrelloServer) -> str:
    return fake_trello.fake.load_board(fixture_board())


@pytest.fixture
def api(fake_trello: FakeTrelloServer, trello_env: None, board: str,
        trello_clock: FakeClock) -> TrelloApi:
    return fast_api(trello_config(fake_trello, "CaReEr01"), trello_clock)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("6650a1b2c3d4e5f6a7b80000", "6650a1b2c3d4e5f6a7b80000"),
        ("CaReEr01", "CaReEr01"),
        ("https://trello.com/b/CaReEr01/career-plan", "CaReEr01"),
        ("https://trello.com/b/CaReEr01", "CaReEr01"),
        ("trello.com/b/CaReEr01/career-plan?menu=filter", "CaReEr01"),
        ("  https://www.trello.com/b/CaReEr01/x  ", "CaReEr01"),
    ],
)
def test_board_ref_accepts_id_short_link_and_url(value: str, expected: str) -> None:
    assert board_ref(value) == expected


@pytest.mark.parametrize("value", ["", "career plan", "https://example.com/b/CaReEr01/x",
                                   "https://trello.com/c/CaReEr01/card"])
def test_board_ref_refuses_anything_else(value: str) -> None:
    with pytest.raises(ConfigError, match="not a Trello board id"):
        board_ref(value)


def test_credentials_travel_in_the_oauth_header_never_the_url(
    api: TrelloApi, fake_trello: FakeTrelloServer
) -> None:
    api.get("board", "/boards/CaReEr01", fields="name")

    (logged,) = fake_trello.fake.requests
    assert logged.auth == "header"
    fake = fake_trello.fake
    assert fake.key not in logged.query and fake.token not in logged.query
    assert "key=" not in logged.query and "token=" not in logged.query


def test_401_is_one_line_naming_the_variables_never_the_token(
    fake_trello: FakeTrelloServer, board: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRELLO_API_KEY", fake_trello.fake.key)
    monkeypatch.setenv("TRELLO_TOKEN", "ATTArevoked" + "9" * 60)
    client = fast_api(trello_config(fake_trello, "CaReEr01"))

    with pytest.raises(AuthError) as caught:
        client.get("Trello board CaReEr01", "/boards/CaReEr01")

    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("Trello board CaReEr01: ")
    assert "TRELLO_TOKEN" in message and "401" in message
    assert "ATTArevoked" not in message and fake_trello.fake.key not in message
    assert fake_trello.fake.count() == 1  # a refused token is not retried


def test_an_echoed_secret_is_scrubbed_from_messages(
    api: TrelloApi, fake_trello: FakeTrelloServer
) -> None:
    fake_trello.fake.fail("boards/.*", 400, body=f"invalid token {fake_trello.fake.token}")

    with pytest.raises(SourceError) as caught:
        api.get("Trello board CaReEr01", "/boards/CaReEr01")

    assert fake_trello.fake.token not in str(caught.value)
    assert "***" in str(caught.value)


def test_missing_board_is_not_found(api: TrelloApi) -> None:
    with pytest.raises(NotFound, match=r"^Trello board NoSuch01: .*404"):
        api.get("Trello board NoSuch01", "/boards/NoSuch01")


def test_429_without_retry_after_is_retried_after_our_own_backoff(
    api: TrelloApi, fake_trello: FakeTrelloServer, trello_clock: FakeClock
) -> None:
    fake_trello.fake.fail("boards/.*", 429, times=2, body=LIMITED)

    answer = api.get("board", "/boards/CaReEr01", fields="name")

    assert answer["name"] == "Career plan"
    assert fake_trello.fake.count(status=429) == 2 and fake_trello.fake.count() == 3
    # Jitter fixed at 0.5: half of 1 s + a quarter, then of 2 s (base 1 s, doubling).
    retry_waits = [w for w in trello_clock.slept if w in (0.75, 1.5)]
    assert retry_waits == [0.75, 1.5]
    assert api.policy.stats.retries == 2


def test_429_that_never_ends_gives_up_with_rate_limited(
    api: TrelloApi, fake_trello: FakeTrelloServer
) -> None:
    fake_trello.fake.fail("boards/.*", 429, times=100, body=LIMITED)

    with pytest.raises(RateLimited, match=r"^board: .*429") as caught:
        api.get("board", "/boards/CaReEr01")

    assert "\n" not in str(caught.value)
    assert fake_trello.fake.count(status=429) == 5  # max_attempts, then stop


def test_429s_are_capped_per_window_far_below_the_key_lock(
    fake_trello: FakeTrelloServer, trello_env: None, board: str
) -> None:
    client = fast_api(trello_config(fake_trello, "CaReEr01"))
    client.session.max_429_per_window = 3
    fake_trello.fake.fail("boards/.*", 429, times=100, body=LIMITED)

    with pytest.raises(RateLimited, match="so the key is not locked"):
        client.get("board", "/boards/CaReEr01")

    assert fake_trello.fake.count(status=429) == 4


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_reads_recover_from_5xx(api: TrelloApi, fake_trello: FakeTrelloServer,
                                status: int) -> None:
    fake_trello.fake.fail("boards/.*", status, times=2)

    assert api.get("board", "/boards/CaReEr01", fields="name")["name"] == "Career plan"
    assert fake_trello.fake.count() == 3


def test_reads_recover_from_a_dropped_connection(
    api: TrelloApi, fake_trello: FakeTrelloServer
) -> None:
    fake_trello.fake.fail("boards/.*", drop=True)

    assert api.get("board", "/boards/CaReEr01", fields="name")["name"] == "Career plan"
    assert fake_trello.fake.count() == 2


def test_a_slow_read_times_out_and_is_retried(
    fake_trello: FakeTrelloServer, trello_env: None, board: str
) -> None:
    config = trello_config(fake_trello, "CaReEr01")
    assert config.sources.trello is not None
    # The answer comes too late: the wire raises requests' own ReadTimeout at once.
    wire = TimeoutAdapter()
    client = TrelloApi.from_config(config.sources.trello, policy=fast_api(config).policy,
                                   adapter=wire)
    fake_trello.fake.fail("boards/.*", status=200, timeout=True)

    assert client.get("board", "/boards/CaReEr01", fields="name")["name"] == "Career plan"
    assert client.policy.stats.errors.get("ReadTimeout") == 1
    assert wire.count.timeouts == 1 and fake_trello.fake.count() == 2


def _lists(fake: FakeTrello, board: str) -> list[dict[str, Any]]:
    return [x for x in fake.boards[board]["lists"] if x["name"] == "Doing"]


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_write_is_not_blindly_retried_on_5xx(
    api: TrelloApi, fake_trello: FakeTrelloServer, board: str, status: int
) -> None:
    fake_trello.fake.fail("cards", status, method="POST")

    with pytest.raises(SourceError, match=rf"^new card: Trello answered {status}"):
        api.fetch("new card", "/cards", method="POST",
                  body={"idList": _lists(fake_trello.fake, board)[0]["id"], "name": "x"})

    assert fake_trello.fake.count("POST") == 1


def test_a_write_whose_connection_dropped_is_not_resent(
    api: TrelloApi, fake_trello: FakeTrelloServer, board: str
) -> None:
    fake_trello.fake.fail("cards", method="POST", drop=True)

    with pytest.raises(SourceError, match="could not reach Trello"):
        api.fetch("new card", "/cards", method="POST",
                  body={"idList": _lists(fake_trello.fake, board)[0]["id"], "name": "x"})

    assert fake_trello.fake.count("POST") == 1


def test_a_write_refused_with_429_is_resent(
    api: TrelloApi, fake_trello: FakeTrelloServer, board: str
) -> None:
    fake_trello.fake.fail("cards", 429, method="POST", body=LIMITED)

    card = api.fetch("new card", "/cards", method="POST",
                     body={"idList": _lists(fake_trello.fake, board)[0]["id"], "name": "x"})

    assert card["name"] == "x"
    assert fake_trello.fake.count("POST") == 2
    assert sum(c["name"] == "x" for c in fake_trello.fake.boards[board]["cards"]) == 1


def test_too_many_cards_is_a_clear_error(api: TrelloApi, fake_trello: FakeTrelloServer) -> None:
    fake_trello.fake.max_cards = 3

    with pytest.raises(SourceError, match="API_TOO_MANY_CARDS_REQUESTED") as caught:
        api.get("Trello board CaReEr01", "/boards/CaReEr01", cards="all")

    assert "archive" in str(caught.value)
    assert fake_trello.fake.count() == 1  # a 400 is not retried


def test_unreachable_trello_is_one_line(trello_env: None, fake_trello: FakeTrelloServer) -> None:
    config = trello_config(fake_trello, "CaReEr01", base_url="http://127.0.0.1:9")
    client = fast_api(config, max_attempts=2)

    with pytest.raises(SourceError, match=r"could not reach Trello at http://127.0.0.1:9"):
        client.get("Trello board CaReEr01", "/boards/CaReEr01")


@pytest.mark.parametrize("limit", [90, 100, 30])
def test_pacing_stays_under_the_limit_in_any_10_seconds(limit: int) -> None:
    clock = FakeClock()
    policy = trello_policy(TrelloSource(board="CaReEr01", requests_per_10s=limit), clock=clock)
    times = []
    for _ in range(400):
        policy.bucket.acquire()
        times.append(clock.monotonic())
    worst = max(sum(1 for t in times if start <= t < start + 10.0) for start in times)
    assert worst <= limit


def test_two_clients_on_one_token_pace_together(
    fake_trello: FakeTrelloServer, trello_env: None, board: str, trello_clock: FakeClock
) -> None:
    # requests_per_10s = 20: bursts of 2, then (20 - 2) / 10 = 1.8 requests per second.
    config = trello_config(fake_trello, "CaReEr01", requests_per_10s=20)
    first, second = fast_api(config, trello_clock), fast_api(config, trello_clock)
    assert first.policy.bucket is second.policy.bucket
    for _ in range(3):
        first.get("Trello board", f"/boards/{board}")
        second.get("Trello board", f"/boards/{board}")
    # Six requests on one bucket: two free, four at 1.8/s = 2.22 s (alone: 0.56 s each).
    assert trello_clock.now - 1000.0 == pytest.approx(4 / 1.8)
    assert (first.policy.stats.requests, second.policy.stats.requests) == (3, 3)


def test_clients_on_two_tokens_pace_apart(
    fake_trello: FakeTrelloServer, trello_env: None, trello_clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = trello_config(fake_trello, "CaReEr01")
    first = fast_api(config, trello_clock)
    monkeypatch.setenv("TRELLO_TOKEN", "ATTAother" + "0123456789abcdef" * 4)
    second = fast_api(config, trello_clock)
    assert first.policy.bucket is not second.policy.bucket


def test_the_429_cap_counts_every_session_of_the_key(
    fake_trello: FakeTrelloServer, trello_env: None, board: str, trello_clock: FakeClock
) -> None:
    config = trello_config(fake_trello, "CaReEr01")
    first, second = fast_api(config, trello_clock), fast_api(config, trello_clock)
    for client in (first, second):
        client.session.max_429_per_window = 3
    # The first session draws two 429s, then its third attempt goes through.
    fake_trello.fake.fail("boards/.*", 429, times=2, body=LIMITED)
    first.get("board", "/boards/CaReEr01", fields="name")
    # Within the same 10 s, the second session's two 429s make four on the key: over 3.
    fake_trello.fake.fail("boards/.*", 429, times=100, body=LIMITED)
    with pytest.raises(RateLimited, match="so the key is not locked"):
        second.get("board", "/boards/CaReEr01")
    assert fake_trello.fake.count(status=429) == 4
