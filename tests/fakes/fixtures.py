"""Pytest fixtures for the fakes; load with `pytest_plugins = ["tests.fakes.fixtures"]`.

- `no_internet` (autouse): any connection to a host other than loopback fails loudly.
- `fake_notion`: a `FakeNotionServer` on 127.0.0.1, stopped after the test.
- `notion_token`: NOTION_TOKEN set to the fake's token.
- `fake_clock`: a `FakeClock` whose sleep moves time on without sleeping.
"""

from __future__ import annotations

import datetime as dt
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from careerloop.connectors import base
from careerloop.connectors.base import Clock
from careerloop.connectors.notion.provision import TABLE_TITLES, table_schema
from tests.fakes.notion_api import FakeNotion, FakeNotionServer

_LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost", "0.0.0.0"})


class NetworkBlocked(RuntimeError):
    """A test tried to reach a host that is not loopback."""


def _host(address: Any) -> str | None:
    if isinstance(address, tuple) and address:
        return str(address[0])
    return None  # a Unix socket path


@pytest.fixture(autouse=True)
def no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any connection (or name lookup) to a non-loopback host."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def check(host: str | None) -> None:
        if host is not None and host not in _LOOPBACK:
            raise NetworkBlocked(f"tests must not reach the network (tried {host})")

    def connect(self: socket.socket, address: Any) -> None:
        check(_host(address))
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check(_host(address))
        return real_connect_ex(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        check(host.decode() if isinstance(host, bytes) else host)
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


class FakeClock(Clock):
    """Monotonic time that only moves when someone sleeps (thread-safe)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)
            self.now += seconds


@pytest.fixture
def fake_clock() -> FakeClock:
    """A clock for `HttpPolicy(clock=…)`: retries and pacing cost no real time."""
    return FakeClock()


@pytest.fixture(autouse=True)
def _own_system_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test its own default clock, so its token buckets start fresh.

    Buckets are shared per (service, token, clock) for the whole process, and every fake
    has the same token: without this, the requests of one test (or the waits it skipped
    by patching `Clock.sleep`) would pace the next one.
    """
    monkeypatch.setattr(base, "SYSTEM_CLOCK", Clock())


@pytest.fixture
def fake_notion() -> Iterator[FakeNotionServer]:
    """The fake Notion API on a free loopback port."""
    with FakeNotionServer(FakeNotion()) as server:
        yield server


@pytest.fixture
def notion_token(monkeypatch: pytest.MonkeyPatch, fake_notion: FakeNotionServer) -> str:
    """NOTION_TOKEN holds the fake's token."""
    monkeypatch.setenv("NOTION_TOKEN", fake_notion.fake.token)
    return fake_notion.fake.token


def seed_schema(fake: FakeNotion, tables: tuple[str, ...] = tuple(TABLE_TITLES),
                *, parent: str | None = None) -> dict[str, str]:
    """The default careerloop databases in the fake; table name -> data source id."""
    ids: dict[str, str] = {}
    for table in ("goals", *[t for t in tables if t != "goals"]):
        if table not in tables and table != "goals":
            continue
        _, ds_id = fake.add_database(
            TABLE_TITLES[table], table_schema(table, ids.get("goals")), parent_page=parent
        )
        ids[table] = ds_id
    return {t: ids[t] for t in tables}


def at(text: str) -> dt.datetime:
    """An aware UTC datetime from `2026-10-01T09:30`."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)
