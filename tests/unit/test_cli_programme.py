"""cli_programme.py: the `programme` sub-commands and their lines."""

from __future__ import annotations

from typer.testing import CliRunner

from careerloop.cli import app
from careerloop.cli_programme import _participant_line, programme_app
from careerloop.connectors.base import PublishOutcome
from careerloop.programme.run import ParticipantRun


def test_programme_is_a_sub_command_with_sync_matrix_and_rollup() -> None:
    names = [command.name for command in programme_app.registered_commands]
    assert names == ["sync", "matrix", "rollup"]
    result = CliRunner().invoke(app, ["programme", "--help"])
    assert result.exit_code == 0
    assert all(name in result.stdout for name in names)


def test_a_participant_line_gives_each_score_and_the_reviews_written() -> None:
    outcome = PublishOutcome(
        target="local",
        review_key="2026-10-monthly",
        action="created",
        location="r.md",
        content_hash="h",
    )
    unchanged = PublishOutcome(
        target="local",
        review_key="2026-Q3-quarterly",
        action="unchanged",
        location="q.md",
        content_hash="h",
    )
    run = ParticipantRun(
        name="ana", scores=(("2026-10", 81), ("2026-Q3", None)), outcomes=(outcome, unchanged)
    )
    assert _participant_line(run) == (
        "ana: 2026-10 score 81/100 (at risk), 2026-Q3 score – (no data); 1 review written"
    )
    assert _participant_line(ParticipantRun(name="bo", error="x")) == (
        "bo: not synced (its error is listed at the end)"
    )
