"""Fixtures of the CLI end-to-end tests."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from tests.e2e.cli import TODAY


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A runner with today fixed and a wide terminal (tables are not wrapped)."""
    monkeypatch.setenv("CAREERLOOP_TODAY", TODAY)
    monkeypatch.setenv("COLUMNS", "200")
    return CliRunner()
