"""Pytest fixtures for the fake Trello API; load with
`pytest_plugins = ["tests.fakes.trello_fixtures"]`.

- `fake_trello`: a `FakeTrelloServer` on 127.0.0.1, stopped after the test.
- `trello_env`: TRELLO_API_KEY and TRELLO_TOKEN set to the fake's credentials.
- `trello_clock`: a `FakeClock` whose sleep moves time on without sleeping.
- helpers: `trello_config(...)` (a Config on a fake board), `fast_api(...)` (a TrelloApi
  whose retries and pacing cost no real time).

PYTEST_DONT_REWRITE: test modules import the helpers before pytest loads the plugin.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from careerloop.config import Config, parse_config
from careerloop.connectors.base import HttpPolicy
from careerloop.connectors.trello.client import TrelloApi, trello_policy, trello_retry
from tests.fakes.fixtures import FakeClock
from tests.fakes.trello_api import FakeTrello, FakeTrelloServer

FIXTURES = Path(__file__).parent.parent / "fixtures" / "trello"
FIELDS = {"minutes": "Minutes", "feedback": "Feedback", "track": "Track", "goal": "Goal",
          "kind": "Type", "vetted": "Vetted"}


def fixture_board(name: str = "board.json") -> dict[str, Any]:
    """A board export from tests/fixtures/trello."""
    board: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return board


def trello_config(server: FakeTrelloServer, board: str, *, timezone: str = "Europe/Berlin",
                  reviews_list: str = "Reviews", **more: Any) -> Config:
    """A Config reading `board` on the fake (and publishing to its Reviews list)."""
    source: dict[str, Any] = {"board": board, "base_url": server.url, "fields": FIELDS}
    source.update(more)
    return parse_config({
        "workspace": {"timezone": timezone},
        "sources": {"trello": source},
        "reviews": {"targets": ["trello"], "trello": {"list": reviews_list}},
    })


def fast_policy(config: Config, clock: FakeClock | None = None,
                **retry: Any) -> HttpPolicy:
    """The real Trello policy on a fake clock, with a constant jitter."""
    assert config.sources.trello is not None
    return trello_policy(config.sources.trello, clock=clock or FakeClock(),
                         retry=trello_retry(jitter=lambda: 0.5, **retry))


def fast_api(config: Config, clock: FakeClock | None = None, **retry: Any) -> TrelloApi:
    """A TrelloApi for `config` whose waits go to a fake clock."""
    assert config.sources.trello is not None
    return TrelloApi.from_config(config.sources.trello, policy=fast_policy(config, clock,
                                                                           **retry))


@pytest.fixture
def trello_clock() -> FakeClock:
    """A clock for the Trello policy: retries and pacing cost no real time."""
    return FakeClock()


@pytest.fixture
def fake_trello() -> Iterator[FakeTrelloServer]:
    """The fake Trello API on a free loopback port."""
    with FakeTrelloServer(FakeTrello()) as server:
        yield server


@pytest.fixture
def trello_env(monkeypatch: pytest.MonkeyPatch, fake_trello: FakeTrelloServer) -> None:
    """TRELLO_API_KEY and TRELLO_TOKEN hold the fake's key and token."""
    monkeypatch.setenv("TRELLO_API_KEY", fake_trello.fake.key)
    monkeypatch.setenv("TRELLO_TOKEN", fake_trello.fake.token)
