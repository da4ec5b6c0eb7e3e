"""Fixtures of the bad-input suite: a CLI runner with a fixed today, a demo workspace."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner

from careerloop.connectors.files.demo import write_demo_workspace
from tests.bad_input.cli import TODAY


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The CLI runner with "today" fixed and a wide terminal (no wrapped lines)."""
    monkeypatch.setenv("CAREERLOOP_TODAY", TODAY)
    monkeypatch.setenv("COLUMNS", "200")
    return CliRunner()


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    """The sample workspace (Notion CSV export + Trello export) on disk: its careerloop.toml."""
    return write_demo_workspace(tmp_path / "ws", dt.date.fromisoformat(TODAY))
