"""Fixtures of the secrets suite: no real waiting on retries (`runner`: tests/conftest.py)."""

from __future__ import annotations

import pytest

from careerloop.connectors.base import Clock


@pytest.fixture(autouse=True)
def no_backoff_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries and pacing go through `Clock.sleep`: skip the waiting, keep the attempts."""
    monkeypatch.setattr(Clock, "sleep", lambda self, seconds: None)

