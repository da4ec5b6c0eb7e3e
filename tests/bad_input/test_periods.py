"""Periods that do not exist or have not started: one line, exit 2, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.bad_input.cli import assert_one_line, invoke, snapshot

UNKNOWN = ["2026-13", "2026-00", "2026-Q5", "2026-Q0", "26-10", "october", "2026-10-01",
           "2026/10", "Q4-2026", " "]
FUTURE = ["2026-12", "2027-01", "2027-Q1", "2099-Q4"]
COMMANDS = [("sync",), ("kpis",), ("report",), ("report", "--to", "local")]


@pytest.fixture
def synced(runner: CliRunner, demo: Path) -> Path:
    """The sample synced once without publishing: a store and no review yet."""
    run = invoke(runner, "-c", str(demo), "sync", "--no-publish")
    assert run.code == 0, run.err
    return demo


@pytest.mark.parametrize("label", UNKNOWN)
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: "-".join(c))
def test_unknown_period(
    runner: CliRunner, synced: Path, label: str, command: tuple[str, ...]
) -> None:
    before = snapshot(synced.parent)
    run = invoke(runner, "-c", str(synced), *command, "--period", label)
    assert_one_line(run, 2, "period")
    assert run.out == ""
    assert snapshot(synced.parent) == before


@pytest.mark.parametrize("label", FUTURE)
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: "-".join(c))
def test_period_in_the_future(
    runner: CliRunner, synced: Path, label: str, command: tuple[str, ...]
) -> None:
    before = snapshot(synced.parent)
    run = invoke(runner, "-c", str(synced), *command, "--period", label)
    assert_one_line(run, 2, f"period {label} has not started yet", "2026-11-26")
    assert run.out == ""
    assert snapshot(synced.parent) == before


def test_future_period_before_any_sync_creates_no_state(runner: CliRunner, demo: Path) -> None:
    before = snapshot(demo.parent)
    assert_one_line(invoke(runner, "-c", str(demo), "sync", "--period", "2027-01"), 2,
                    "has not started yet")
    assert snapshot(demo.parent) == before
    assert not (demo.parent / ".careerloop").exists()


def test_the_running_month_is_allowed_as_a_draft(runner: CliRunner, synced: Path) -> None:
    run = invoke(runner, "-c", str(synced), "report", "--period", "2026-11")
    assert run.code == 0, run.err
    assert "draft" in run.out.lower()
