"""Fixtures of the bad-input suite: a demo workspace (`runner`: tests/conftest.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from careerloop.connectors.files.demo import write_demo_workspace
from tests.bad_input.cli import TODAY


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    """The sample workspace (Notion CSV export + Trello export) on disk: its careerloop.toml."""
    return write_demo_workspace(tmp_path / "ws", dt.date.fromisoformat(TODAY))
