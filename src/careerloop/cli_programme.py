"""`careerloop programme …`: sync a cohort (sharded), plan the matrix, roll it up.

Like cli.py, this module prints and exits; the work is in careerloop.programme.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from careerloop import cli as base
from careerloop import pipeline
from careerloop.kpi.engine import status_for
from careerloop.periods import Period, today_in
from careerloop.programme.config import ProgrammeConfig, load_programme
from careerloop.programme.rollup import Rollup, build_rollup, previous_rollup
from careerloop.programme.run import (
    ParticipantRun,
    ProgrammeRun,
    ProgrammeSyncOptions,
    sync_programme,
)
from careerloop.programme.shard import matrix as shard_matrix
from careerloop.programme.shard import parse_shard
from careerloop.report.cells import status_label
from careerloop.report.escape import terminal_text

if TYPE_CHECKING:
    from careerloop.connectors.base import PublishOutcome

programme_app = typer.Typer(
    name="programme",
    help="Run careerloop for a mentoring cohort: sync every participant, roll them up.",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


def _programme(ctx: typer.Context) -> ProgrammeConfig:
    return load_programme(base._globals(ctx).config_path)


def _events(options: base.Globals) -> pipeline.EventSink:
    """Each participant's progress on stderr, one line at a time from several threads."""
    lock = threading.Lock()

    def show(event: pipeline.Event) -> None:
        fields = event.fields
        with lock:
            if options.log_format == "json":
                base._json_line(event.name, **fields)
            elif options.verbose and event.name == "source.read":
                base.err.print(
                    terminal_text(
                        f"{fields['participant']}: read {fields['origin']}: "
                        f"{fields['records']} records"
                    ),
                    markup=False,
                )

    return show


def _participant_line(run: ParticipantRun) -> str:
    """`ana: 2026-10 score 81/100 (on track); 2 reviews written`."""
    if not run.scores and run.error is not None:
        return f"{run.name}: not synced (its error is listed at the end)"
    cards = ", ".join(
        f"{label} score {'–' if score is None else f'{score}/100'}"
        f" ({status_label(status_for(score))})"
        for label, score in run.scores
    )
    written = sum(1 for outcome in run.outcomes if outcome.action in ("created", "updated"))
    reviews = f"{written} review{'s' if written != 1 else ''} written"
    return f"{run.name}: {cards or 'nothing scored'}; {reviews}"


@programme_app.command("sync")
def sync(
    ctx: typer.Context,
    shard: Annotated[
        str | None,
        typer.Option("--shard", metavar="I/K", help="Sync only shard I of K (e.g. 2/3)."),
    ] = None,
    period: Annotated[
        str | None,
        typer.Option("--period", metavar="PERIOD", help="Review this period (2026-10 or 2026-Q4)."),
    ] = None,
    no_publish: Annotated[
        bool,
        typer.Option(
            "--no-publish", help="Sync and score, write the scorecards; publish no review."
        ),
    ] = False,
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="DIR",
            help="Folder for the scorecards (default: scorecards/ beside the programme's state).",
        ),
    ] = None,
) -> None:
    """Sync every participant (of one shard), publish their reviews, write their scorecards.

    Example: careerloop --config programme.toml programme sync --shard 1/3 --out shard-1
    """

    def work() -> None:
        g = base._globals(ctx)
        programme = _programme(ctx)
        chosen = base._period(period)
        if chosen is not None:  # a future period is a usage error, not a failure per person
            tz = programme.review_config.workspace.tz
            pipeline.check_period(chosen, base._today_override(ctx) or today_in(tz))
        options = ProgrammeSyncOptions(
            shard=parse_shard(shard) if shard is not None else None,
            period=chosen,
            publish=not no_publish,
            out=out_dir,
        )
        result = sync_programme(
            programme,
            options,
            today=base._today_override(ctx),
            clock=g.seams.clock,
            transport=g.seams.transport,
            on_event=_events(g),
        )
        _show_runs(result, g)
        if not result.ok:
            raise typer.Exit(1)

    base._run(ctx, work)


def _show_runs(result: ProgrammeRun, options: base.Globals) -> None:
    """A line per participant and a total on stdout, then each failure on stderr."""
    for run in result.runs:
        base.out.print(terminal_text(_participant_line(run)), markup=False)
    synced = len(result.runs) - len(result.failed)
    where = f"shard {result.shard.label}: " if result.shard else ""
    base.out.print(
        f"{where}{synced} of {len(result.runs)} participants synced; scorecards in {result.out}",
        markup=False,
    )
    _show_failed(result.failed, options)


def _show_failed(failed: list[ParticipantRun], options: base.Globals) -> None:
    """Each failed participant with its one line, after everything else."""
    if options.log_format == "json":
        base._json_line(
            "programme.finished", ok=not failed, failed={run.name: run.error for run in failed}
        )
        return
    for run in failed:
        base.err.print(terminal_text(f"failed: {run.name}: {run.error}"), markup=False)
    # In GitHub Actions each failed participant is annotated (and in the step summary).
    if failed:
        failures = [(f"participant {run.name}", run.error or "") for run in failed]
        base.show_github_output([], [], failures, log_format=options.log_format)


@programme_app.command("matrix")
def matrix(
    ctx: typer.Context,
    shards: Annotated[
        int, typer.Option("--shards", metavar="K", help="How many jobs to split the programme in.")
    ],
) -> None:
    """Print the GitHub Actions matrix of K shards: {"include": [{"shard": "1/K"}, …]}.

    Example: careerloop --config programme.toml programme matrix --shards 10
    """

    def work() -> None:
        _programme(ctx)  # a broken programme file stops the plan job, not ten sync jobs
        base.out.print(json.dumps(shard_matrix(shards)), markup=False, highlight=False)

    base._run(ctx, work)


@programme_app.command("rollup")
def rollup(
    ctx: typer.Context,
    period: Annotated[
        str | None,
        typer.Option(
            "--period", metavar="PERIOD", help="Period to roll up (default: last closed month)."
        ),
    ] = None,
    folders: Annotated[
        list[Path] | None,
        typer.Option(
            "--from",
            metavar="DIR",
            help="A folder of scorecards (repeatable; default: the programme's scorecards/).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the rollup as JSON.")] = False,
    to: Annotated[
        str | None, base.to_option("Publish the programme review here instead of its targets.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be published; write nothing.")
    ] = False,
) -> None:
    """Roll the participants' scorecards up into the programme review.

    Example: careerloop --config programme.toml programme rollup --from shard-1 --from shard-2
    """

    def work() -> None:
        programme = _programme(ctx)
        today = base._today_override(ctx) or today_in(programme.review_config.workspace.tz)
        chosen = base._period(period) or Period.last_closed("month", today)
        sources = list(folders or [])
        result = build_rollup(programme, chosen, sources)
        if as_json:
            base.out.print_json(json.dumps(result.as_json()))
            return
        previous = previous_rollup(programme, chosen, sources)
        _publish_review(ctx, programme, result, previous, to=to, dry_run=dry_run, today=today)

    base._run(ctx, work)


def _publish_review(
    ctx: typer.Context,
    programme: ProgrammeConfig,
    result: Rollup,
    previous: Rollup | None,
    *,
    to: str | None,
    dry_run: bool,
    today: dt.date,
) -> None:
    """Publish (or print, with --to stdout) the programme review."""
    # Imported here: the review needs the templates, which --json and sync do not.
    from careerloop.programme.review import publish_programme_review, render_programme_review

    if to == "stdout":
        text = render_programme_review(programme, result, previous, today=today)
        base.out.print(text, markup=False)
        return
    seams = base._globals(ctx).seams
    outcomes = publish_programme_review(
        programme,
        result,
        previous,
        to=to,
        dry_run=dry_run,
        today=today,
        clock=seams.clock,
        transport=seams.transport,
    )
    for outcome in outcomes:
        base.out.print(terminal_text(_outcome_line(outcome, dry_run)), markup=False)


def _outcome_line(outcome: PublishOutcome, dry_run: bool) -> str:
    verb = f"would be {outcome.action}" if dry_run else outcome.action
    return f"{outcome.review_key} {verb} on {outcome.target}: {outcome.location}"
