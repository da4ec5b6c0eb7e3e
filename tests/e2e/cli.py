"""Running the `careerloop` command in-process, as the CLI end-to-end tests do."""

from __future__ import annotations

from typer.testing import CliRunner

from careerloop.cli import app

TODAY = "2026-11-26"  # last closed month 2026-10, last closed quarter 2026-Q3


def invoke(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of one command."""
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr
