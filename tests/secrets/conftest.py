"""Fixtures of the secrets suite: no real waiting on retries, a CLI runner."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from careerloop.connectors.base import Clock


@pytest.fixture(autouse=True)
def no_backoff_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries and pacing go through `Clock.sleep`: skip the waiting, keep the attempts."""
    monkeypatch.setattr(Clock, "sleep", lambda self, seconds: None)


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The CLI runner with "today" fixed and a wide terminal."""
    monkeypatch.setenv("CAREERLOOP_TODAY", "2026-11-26")
    monkeypatch.setenv("COLUMNS", "200")
    return CliRunner()
