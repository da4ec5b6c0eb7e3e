"""What a run shows in GitHub Actions: the step summary table and workflow annotations.

Both are best effort: a summary file that cannot be written is a warning for the log,
never a failed run (the reviews were written either way).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from careerloop.connectors.base import PublishOutcome
from careerloop.kpi.scorecard import Scorecard
from careerloop.kpi.words import format_value
from careerloop.report.cells import status_emoji, status_label
from careerloop.report.escape import escape_markdown, terminal_text


def _cell(text: str) -> str:
    # GitHub renders the summary as Markdown (and some HTML): text stays text.
    return escape_markdown(text)


def step_summary(
    scorecards: Sequence[Scorecard],
    outcomes: Sequence[PublishOutcome],
    failures: Sequence[tuple[str, str]],
) -> str:
    """Markdown for `$GITHUB_STEP_SUMMARY`: each scorecard as a table, then the reviews."""
    lines = ["## careerloop", ""]
    for card in scorecards:
        score = "–" if card.score is None else f"{card.score}/100"
        lines += [
            f"### {card.period.label}: {score} {status_emoji(card.status)} "
            f"{status_label(card.status)}",
            "",
            "| KPI | Target | Value | Status |",
            "|---|---|---|---|",
        ]
        for k in card.kpis.values():
            target = "–" if k.target is None else format_value(k.target, k.key)
            lines.append(
                f"| {_cell(k.label)} | {target} | {format_value(k.value, k.key)} "
                f"| {status_emoji(k.status)} {status_label(k.status)} |"
            )
        if card.actions:
            lines += ["", "**Do next**", ""]
            lines += [f"{n}. {_cell(a.text)}" for n, a in enumerate(card.actions, start=1)]
        else:
            lines += ["", "No KPI is at risk or off track and no pitfall came up: keep the rhythm."]
        lines.append("")
    if outcomes:
        lines += ["### Reviews", "", "| Review | Target | Action | Where |", "|---|---|---|---|"]
        lines += [
            f"| {o.review_key} | {o.target} | {o.action} | {_cell(o.location)} |" for o in outcomes
        ]
        lines.append("")
    if failures:
        lines += ["### Failed", ""] + [f"- **{_cell(w)}**: {_cell(m)}" for w, m in failures]
        lines.append("")
    return "\n".join(lines) + "\n"


def _escape(text: str) -> str:
    # Workflow commands end at a newline and treat % specially; the log is a terminal.
    return terminal_text(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    # A property value (title=…) also ends at ':' or ','.
    return _escape(text).replace(":", "%3A").replace(",", "%2C")


def workflow_commands(
    scorecards: Sequence[Scorecard], failures: Sequence[tuple[str, str]]
) -> list[str]:
    """`::warning` for each pitfall and `::error` for each failure (workflow commands)."""
    lines = [
        f"::warning title={_escape_property(f'{card.period.label} {p.code}')}::"
        f"{_escape(p.message)}"
        for card in scorecards
        for p in card.pitfalls
    ]
    lines += [
        f"::error title={_escape_property(where)}::{_escape(message)}"
        for where, message in failures
    ]
    return lines


def append_step_summary(path: str | Path, markdown: str) -> str | None:
    """Append `markdown` to the step summary file; a warning line when that fails, else None."""
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(markdown)
    except OSError as exc:
        return f"cannot write the step summary {path}: {exc.strerror or exc}"
    return None


@dataclass(slots=True, frozen=True)
class GithubOutput:
    """What `github_output` leaves for the caller to show.

    `commands`: workflow command lines (annotations) for stdout; `warning`: why the step
    summary could not be written (None when it was, or when there is none to write).
    """

    commands: list[str] = field(default_factory=list)
    warning: str | None = None


def github_output(
    scorecards: Sequence[Scorecard] = (),
    outcomes: Sequence[PublishOutcome] = (),
    failures: Sequence[tuple[str, str]] = (),
    *,
    environ: Mapping[str, str] = os.environ,
) -> GithubOutput:
    """The one way a run reports to GitHub Actions, for every caller.

    Appends the step summary to `$GITHUB_STEP_SUMMARY` when that is set, and gives the
    annotations (`::warning` per pitfall, `::error` per failure) when `GITHUB_ACTIONS` is
    `true`. Outside Actions it does nothing.
    """
    warning = None
    if summary_path := environ.get("GITHUB_STEP_SUMMARY"):
        warning = append_step_summary(summary_path, step_summary(scorecards, outcomes, failures))
    in_actions = environ.get("GITHUB_ACTIONS") == "true"
    commands = workflow_commands(scorecards, failures) if in_actions else []
    return GithubOutput(commands=commands, warning=warning)
