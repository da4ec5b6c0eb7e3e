"""report/github.py: the step summary, the workflow annotations, and `github_output`."""

from __future__ import annotations

from pathlib import Path

from careerloop.connectors.base import PublishOutcome
from careerloop.kpi.scorecard import KpiResult, Pitfall, Scorecard
from careerloop.periods import Period
from careerloop.report.github import github_output, step_summary, workflow_commands


def october() -> Scorecard:
    """A scorecard of 2026-10 worked out by hand: one ratio KPI at 75% of an 80% target."""
    completion = KpiResult(key="module_completion", label="Module completion", value=0.75,
                           target=0.8, score=94, status="at_risk")
    gap = Pitfall(code="mentor-gap", severity="warning",
                  message="No mentor session for 41 days, 50% past the cadence")
    return Scorecard(period=Period.parse("2026-10"), score=94, status="at_risk",
                     kpis={"module_completion": completion}, pitfalls=[gap])


FAILURE = ("notion: goals", "50% read\nthen 429")
OUTCOME = PublishOutcome(target="local", review_key="2026-10-monthly", action="created",
                         location="reviews/2026-10-monthly.md", content_hash="h")


def test_the_step_summary_tables_the_scorecard_then_reviews_and_failures() -> None:
    text = step_summary([october()], [OUTCOME], [FAILURE])
    lines = text.splitlines()
    assert lines[:2] == ["## careerloop", ""]
    assert "### 2026-10: 94/100 🟡 at risk" in lines
    assert "| Module completion | 80% | 75% | 🟡 at risk |" in lines
    assert "| 2026-10-monthly | local | created | reviews/2026-10-monthly.md |" in lines
    assert "- **notion: goals**: 50% read" in text
    # No action was planned: the summary says to keep the rhythm.
    assert "No KPI is at risk or off track and no pitfall came up: keep the rhythm." in lines


def test_annotations_escape_what_would_end_or_break_a_workflow_command() -> None:
    assert workflow_commands([october()], [FAILURE]) == [
        "::warning title=2026-10 mentor-gap::No mentor session for 41 days, 50%25 past the "
        "cadence",
        "::error title=notion%3A goals::50%25 read%0Athen 429",
    ]


def test_github_output_writes_the_summary_and_gives_annotations_in_actions(
    tmp_path: Path,
) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    shown = github_output([october()], [OUTCOME], [FAILURE], environ={
        "GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)})
    assert shown.warning is None
    assert shown.commands == workflow_commands([october()], [FAILURE])
    written = summary.read_text(encoding="utf-8")
    assert written == "earlier step\n" + step_summary([october()], [OUTCOME], [FAILURE])


def test_github_output_does_nothing_outside_actions(tmp_path: Path) -> None:
    shown = github_output([october()], [OUTCOME], [FAILURE], environ={})
    assert shown.commands == [] and shown.warning is None
    assert list(tmp_path.iterdir()) == []


def test_a_summary_that_cannot_be_written_is_a_warning_not_a_failure(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder" / "summary.md"
    shown = github_output(failures=[FAILURE], environ={
        "GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(missing)})
    assert shown.warning == (f"cannot write the step summary {missing}: "
                             "No such file or directory")
    assert shown.commands == ["::error title=notion%3A goals::50%25 read%0Athen 429"]
