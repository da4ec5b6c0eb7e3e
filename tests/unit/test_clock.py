"""clock.py: the run's clock, and that it is the one connectors.base hands out."""

from __future__ import annotations

import pytest

from careerloop import clock
from careerloop.connectors import base


def test_monotonic_time_never_goes_back() -> None:
    moments = [clock.Clock().monotonic() for _ in range(100)]
    assert moments == sorted(moments)


def test_sleep_blocks_through_time_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(clock.time, "sleep", slept.append)
    clock.Clock().sleep(2.5)
    assert slept == [2.5]


def test_the_http_policy_and_the_store_share_the_one_clock_class() -> None:
    from careerloop import store

    assert base.Clock is clock.Clock is store.Clock
