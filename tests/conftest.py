"""Shared test set-up: no test may reach beyond this machine, nor see real credentials.

The loopback-only guard (`no_internet`, autouse) and the fakes' fixtures live in
tests/fakes/fixtures.py. Here too: the one `runner`, `invoke` and `TODAY` every suite
runs the `careerloop` command with.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import pytest
from typer.testing import CliRunner

from careerloop.cli import app

pytest_plugins = ["tests.fakes.fixtures", "tests.fakes.trello_fixtures"]

TODAY = "2026-11-26"  # last closed month 2026-10, last closed quarter 2026-Q3


class Run(NamedTuple):
    """What one command did: its exit code, stdout and stderr (unpacks as a tuple too)."""

    code: int
    out: str
    err: str


def invoke(runner: CliRunner, *args: str, obj: Any = None) -> Run:
    """Run `careerloop ARGS` in process (`obj`: the run's `pipeline.Seams`, if any)."""
    result = runner.invoke(app, list(args), obj=obj)
    return Run(result.exit_code, result.stdout, result.stderr)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No real credentials or config leak into a test from the machine it runs on."""
    for name in ("NOTION_TOKEN", "TRELLO_API_KEY", "TRELLO_TOKEN", "CAREERLOOP_CONFIG",
                 "CAREERLOOP_TODAY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The CLI runner with today fixed at TODAY and a wide terminal (no wrapped lines)."""
    monkeypatch.setenv("CAREERLOOP_TODAY", TODAY)
    monkeypatch.setenv("COLUMNS", "200")
    return CliRunner()
