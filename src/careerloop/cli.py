"""The `careerloop` command: parse options, load config, call the pipeline, render.

This is the only module that prints, prompts or exits.
"""

from __future__ import annotations

import datetime as dt
import inspect
import json
import logging
import os
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, NoReturn
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

from careerloop import __version__, pipeline
from careerloop.config import Config, load_config
from careerloop.connectors import registry
from careerloop.errors import CareerloopError, ConfigError

if TYPE_CHECKING:
    from careerloop.connectors.base import PublishOutcome
from careerloop.kpi.scorecard import Scorecard
from careerloop.model import DataWarning
from careerloop.periods import PERIOD_TO_REVIEW, REVIEW_TO_PERIOD, Period, today_in
from careerloop.report.cells import kpi_cells, status_label
from careerloop.report.escape import terminal_text
from careerloop.report.review import ReviewKind

if TYPE_CHECKING:
    from careerloop.connectors.base import PublishOutcome

LogFormat = Literal["text", "json"]

EXAMPLES = (
    "careerloop demo --out /tmp/careerloop-demo",
    "careerloop --config ~/career/careerloop.toml sync --dry-run",
)


@contextmanager
def _usage_errors_as_one_line() -> Iterator[None]:
    """An unknown option or a bad choice gets one `error:` line and exit 2, like every error."""
    try:
        yield
    except typer.TyperException as exc:
        # Typer's usage errors (unknown option, bad value, missing value) carry exit code 2.
        # A bare `careerloop` raises one too, to show the help: leave that one alone.
        if exc.exit_code != 2 or type(exc).__name__ == "NoArgsIsHelpError":
            raise
        ctx = getattr(exc, "ctx", None)
        # "Value error, " is how pydantic, which Typer converts values with, starts a message.
        message = exc.format_message().replace("Value error, ", "").rstrip(".")
        message = message[:1].lower() + message[1:]
        if ctx is not None:
            message += f" (see `{ctx.command_path} --help`)"
        options = ctx.find_root().obj if ctx is not None else None
        _show_error(message, code=2, kind="UsageError",
                    options=options if isinstance(options, Globals) else None)
        raise typer.Exit(2) from None


class _CareerloopGroup(TyperGroup):
    """The top-level command: one-line usage errors, and init's options in the help."""

    # Typed loosely (Any): the click types behind them are private to Typer.
    def make_context(
        self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any
    ) -> Any:
        with _usage_errors_as_one_line():
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: Any) -> Any:
        with _usage_errors_as_one_line():  # each command's own options are parsed in here
            return super().invoke(ctx)

    def format_epilog(self, ctx: Any, formatter: Any) -> None:
        # A new user starts with init: its options belong on the first help page.
        init = self.get_command(ctx, "init")
        if init is not None:
            rows = [
                record for param in init.get_params(ctx)
                if param.name != "help" and (record := param.get_help_record(ctx))
            ]
            with formatter.section("Start with `careerloop init`"):
                formatter.write_dl(rows)
        with formatter.section("Examples"):
            for example in EXAMPLES:
                formatter.write_text(example)
        super().format_epilog(ctx, formatter)


def _to_choices() -> list[str]:
    """What `--to` accepts: every registered target, then stdout."""
    return [*registry.target_names(), "stdout"]


def _check_target(value: str | None) -> str | None:
    """`--to`: looked up when parsed, not at import, so a connector added later counts."""
    names = _to_choices()
    if value is not None and value not in names:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(map(repr, names))}")
    return value


def to_option(help_text: str) -> Any:
    """The `--to TARGET` option of every command that publishes: a target, or stdout."""
    return typer.Option(
        "--to",
        metavar=f"<{'|'.join(_to_choices())}>",
        callback=_check_target,
        autocompletion=lambda incomplete: [
            name for name in _to_choices() if name.startswith(incomplete)
        ],
        help=help_text,
    )


def _with_setup_options(command: Callable[..., None]) -> Callable[..., None]:
    """Give `init` a `--<name> REF` (and a hidden `--<name>-base-url`) per connector that
    sets up its service (its `Provisioning` in connectors/registry.py).

    Typer reads a command's options from its signature: these are added to it, and reach
    the command as keyword arguments.
    """
    signature = inspect.signature(command)
    first, *rest = signature.parameters.values()
    extra = []
    for setup in registry.provisionings():
        option = typer.Option(f"--{setup.option}", metavar=setup.metavar, help=setup.help)
        base_url = typer.Option(f"--{setup.option}-base-url", hidden=True,
                                help=f"{setup.option} API base URL (tests).")
        extra += [
            inspect.Parameter(setup.option, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                              default=None, annotation=Annotated[str | None, option]),
            inspect.Parameter(f"{setup.option}_base_url",
                              inspect.Parameter.POSITIONAL_OR_KEYWORD,
                              default=None, annotation=Annotated[str | None, base_url]),
        ]
    keep = [p for p in rest if p.kind is not inspect.Parameter.VAR_KEYWORD]
    command.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[first, *extra, *keep]
    )
    return command


app = typer.Typer(
    name="careerloop",
    cls=_CareerloopGroup,
    help="Close the loop of a career plan: Notion and Trello in, KPIs and reviews out.",
    no_args_is_help=True,
    add_completion=True,
    # Plain help, as click writes it: flags show as flags, and no colour to switch off.
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


def _plain_output() -> bool:
    """NO_COLOR (no-color.org) is set: plain text, with no escape codes at all."""
    return os.environ.get("NO_COLOR", "") != ""


def _console(*, stderr: bool) -> Console:
    # color_system=None, not rich's no_color: no_color keeps bold and dim escapes.
    return Console(stderr=stderr, highlight=False, soft_wrap=True,
                   color_system=None if _plain_output() else "auto")


out = _console(stderr=False)
err = _console(stderr=True)


@dataclass(slots=True)
class Globals:
    """Options given before the command."""

    config_path: Path
    verbose: bool
    debug: bool
    log_format: LogFormat = "text"
    # What a test hands in with `CliRunner().invoke(app, …, obj=pipeline.Seams(…))`.
    seams: pipeline.Seams = field(default_factory=pipeline.Seams)


def _json_line(name: str, **fields: Any) -> None:
    """One JSON object per line on stderr (`--log-format json`)."""
    record = {"time": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "event": name}
    record.update(fields)
    sys.stderr.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
    sys.stderr.flush()


def _fail(exc: BaseException, options: Globals) -> NoReturn:
    """Show an error as one line (a traceback only with --debug) and exit with its code."""
    if isinstance(exc, CareerloopError):
        code, message = exc.exit_code, str(exc)
    else:  # a bug, not bad input: still one line, the traceback only with --debug
        code = 1
        message = f"unexpected {type(exc).__name__}: {exc} (run with --debug for the traceback)"
    if options.debug:
        err.print(traceback.format_exc(), markup=False)
    _show_error(message, code=code, kind=type(exc).__name__, options=options)
    raise typer.Exit(code)


def _show_error(message: str, *, code: int, kind: str, options: Globals | None) -> None:
    """The one `error:` line (a JSON object with --log-format json), and a CI annotation."""
    if options is not None and options.log_format == "json":
        _json_line("error", message=message, kind=kind, exit_code=code)
    else:
        err.print(f"error: {terminal_text(message)}", markup=False)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        from careerloop.report.github import github_output

        # A run that failed this early has nothing else to report; a summary that cannot
        # be written is not worth a second error.
        for line in github_output(failures=[("careerloop", message)]).commands:
            sys.stdout.write(line + "\n")


def _globals(ctx: typer.Context) -> Globals:
    obj = ctx.obj
    assert isinstance(obj, Globals)
    return obj


def _load(ctx: typer.Context) -> Config:
    return load_config(_globals(ctx).config_path)


def _today_override(ctx: typer.Context) -> dt.date | None:
    """CAREERLOOP_TODAY (tests, reproducible demos), else the seams' date, else None.

    Raises:
        ConfigError: CAREERLOOP_TODAY is not an ISO date.
    """
    text = os.environ.get("CAREERLOOP_TODAY")
    if not text:
        return _globals(ctx).seams.today
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"CAREERLOOP_TODAY={text!r} is not a date like 2026-11-26") from None


def _today(ctx: typer.Context, tz: ZoneInfo) -> dt.date:
    """The date a command scores against: the override, or today in `tz`."""
    return _today_override(ctx) or today_in(tz)


def _period(label: str | None) -> Period | None:
    return Period.parse(label) if label else None


def _events(options: Globals) -> pipeline.EventSink:
    """Progress on stderr: plain lines, or one JSON object per event with --log-format json.

    Reviews and failures are not shown as they happen: the summary lists each one once.
    """
    verbose = options.verbose
    if options.log_format == "json":
        return lambda event: _json_line(event.name, **event.fields)

    def show(event: pipeline.Event) -> None:
        f = event.fields
        if event.name == "source.read":
            mode = "full" if f.get("full") else "changes"
            line = f"read {f['origin']}: {f['records']} records ({mode})"
            if verbose and f.get("requests"):
                line += f", {_count(f['requests'], 'request')}"
            err.print(line, markup=False)
        elif event.name == "lock.wait":
            err.print(f"waiting for another careerloop run ({f['holder']}) to finish",
                      markup=False)
        elif not verbose or event.name.endswith(".failed") or event.name.startswith("review."):
            return
        elif event.name in ("data.warning", "reviews.withheld"):
            return  # the summary at the end lists every warning and withheld review once
        elif event.name == "source.start":
            err.print(f"reading {f['source']}…", markup=False)
        elif event.name == "source.http":
            err.print(_http_line(f), markup=False)
        else:  # an event this CLI does not know yet: still one readable line
            details = ", ".join(f"{key} {value}" for key, value in f.items())
            err.print(f"{event.name}: {details}", markup=False)

    return show


def _count(number: int, noun: str) -> str:
    """`1 request`, `3 requests`."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _http_line(fields: dict[str, Any]) -> str:
    """`notion: 12 requests (200 ×11, 429 ×1), 1 retry after 2.0 s, paced 3.5 s`."""
    statuses = ", ".join(f"{code} ×{count}" for code, count in fields["statuses"].items())
    retries = fields["retries"]
    line = f"{fields['source']}: {_count(fields['requests'], 'request')}"
    line += f" ({statuses})" if statuses else ""
    if retries:
        retry = "retry" if retries == 1 else "retries"
        line += f", {retries} {retry} after {fields['retry_wait_s']:.1f} s"
    if fields["paced_wait_s"]:
        line += f", paced {fields['paced_wait_s']:.1f} s"
    return line


def _print_version(value: bool) -> None:
    if value:  # eager: before main_options makes this run's consoles, so make one here
        _console(stderr=False).print(f"careerloop {__version__}", markup=False)
        raise typer.Exit(0)


@app.callback()
def main_options(
    ctx: typer.Context,
    config: Annotated[
        Path,
        typer.Option(
            "--config",
            "-c",
            envvar="CAREERLOOP_CONFIG",
            metavar="PATH",
            help="careerloop.toml to use.",
            show_default=True,
        ),
    ] = Path("careerloop.toml"),
    verbose: Annotated[
        bool, typer.Option("--verbose", help="Say more about each step: requests, retries.")
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    log_format: Annotated[
        LogFormat,
        typer.Option(
            "--log-format",
            help="text, or json: one JSON object per event on stderr (for CI logs).",
        ),
    ] = "text",
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            "-V",
            is_eager=True,  # before click asks for a command: `careerloop --version` alone
            callback=_print_version,
            help="Print the version and exit.",
        ),
    ] = False,
) -> None:
    """careerloop: pull a career plan from Notion and Trello, score it, write reviews."""
    global out, err  # made per run, so they follow this run's environment (NO_COLOR, COLUMNS)
    out, err = _console(stderr=False), _console(stderr=True)
    seams = ctx.obj if isinstance(ctx.obj, pipeline.Seams) else pipeline.Seams()
    ctx.obj = Globals(config_path=config, verbose=verbose, debug=debug, log_format=log_format,
                      seams=seams)
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, stream=sys.stderr)


def _run(ctx: typer.Context, work: Any) -> Any:
    """Call `work()` and render careerloop errors as one line with their exit code."""
    options = _globals(ctx)
    try:
        return work()
    except typer.Exit:
        raise
    except Exception as exc:  # the one place every error becomes one line
        _fail(exc, options)


WARNINGS_SHOWN = 5  # data warnings a sync lists without --verbose


def _summarise(
    report: pipeline.SyncReport, *, dry_run: bool, log_format: str = "text",
    verbose: bool = False,
) -> None:
    """Each failure, the data warnings, then each scorecard and each review, after the run."""
    if log_format == "text":  # in JSON mode stderr holds JSON only: see run.finished
        # Failures first: a score printed above them would read as if all went well.
        _show_failures(report)
        _show_warnings(report.warnings, verbose=verbose)
    for card in report.scorecards:
        score = "–" if card.score is None else f"{card.score}/100"
        out.print(f"{card.period.label}: score {score} ({status_label(card.status)})",
                  markup=False)
    for outcome in report.outcomes:
        out.print(terminal_text(_outcome_line(outcome, dry_run=dry_run, verbose=verbose)),
                  markup=False)


def _show_failures(report: pipeline.SyncReport) -> None:
    """Each failed part, and the sources that left nothing to score, on stderr."""
    for failure in report.failures:
        err.print(terminal_text(f"failed: {failure.where}: {failure.message}"), markup=False)
    if report.unread:
        err.print(f"nothing scored or published: {', '.join(report.unread)} could not "
                  "be read and has no earlier read to stand in for it", markup=False)


def _outcome_line(outcome: PublishOutcome, *, dry_run: bool, verbose: bool) -> str:
    """`2026-10 monthly created on local: reviews/2026-10.md (2 requests)`."""
    verb = f"would be {outcome.action}" if dry_run else outcome.action
    # Publishers start a dry run's detail with what the verb already says.
    detail = outcome.detail.removeprefix(f"dry run: {verb}").strip(" ()")
    notes = [detail] if detail else []
    if verbose and outcome.requests:
        notes.append(_count(outcome.requests, "request"))
    extra = f" ({'; '.join(notes)})" if notes else ""
    return f"{outcome.review_key} {verb} on {outcome.target}: {outcome.location}{extra}"


def _show_warnings(warnings: Sequence[DataWarning], *, verbose: bool) -> None:
    """The data warnings' count and the first few (all with --verbose), on stderr."""
    if not warnings:
        return
    shown = warnings if verbose else warnings[:WARNINGS_SHOWN]
    plural = "s" if len(warnings) != 1 else ""
    err.print(f"{len(warnings)} data warning{plural}:", markup=False)
    for warning in shown:
        err.print(terminal_text(f"  warning: {warning.message}"), markup=False)
    if len(shown) < len(warnings):
        err.print(f"  … and {len(warnings) - len(shown)} more (--verbose lists all)",
                  markup=False)


@app.command()
def demo(
    ctx: typer.Context,
    out_dir: Annotated[
        Path,
        typer.Option(
            "--out", metavar="DIR", help="Folder for the sample workspace and its reviews."
        ),
    ] = Path("demo"),
    force: Annotated[
        bool,
        typer.Option("--force", help="Overwrite a careerloop.toml there that demo did not write."),
    ] = False,
) -> None:
    """Run the whole loop on a bundled sample, no account needed.

    Running it again into the same folder refreshes the sample; a careerloop.toml of your
    own there is never overwritten without --force.

    Example: careerloop demo --out /tmp/careerloop-demo
    """
    from careerloop.connectors.files.demo import DEMO_TIMEZONE, write_demo_workspace

    def work() -> None:
        options = _globals(ctx)
        today = _today(ctx, ZoneInfo(DEMO_TIMEZONE))
        config_path = write_demo_workspace(out_dir, today, force=force)
        config = load_config(config_path)
        events = _events(options)
        seams = options.seams
        report = pipeline.sync(config, pipeline.SyncOptions(full=True), today=today,
                               clock=seams.clock, transport=seams.transport, on_event=events)
        # Earlier months too, so the index shows a trend from the first run.
        history = pipeline.backfill(config, today=today, clock=seams.clock,
                                    transport=seams.transport, on_event=events)
        report.outcomes[:0] = [o for o in history.outcomes if o.action != "unchanged"]
        report.failures.extend(history.failures)
        _summarise(report, dry_run=False, log_format=options.log_format,
                   verbose=options.verbose)
        reviews_dir = config.path(config.reviews.local.dir)
        out.print(f"Sample workspace: {config_path.parent.resolve()}")
        out.print(f"Reviews: {reviews_dir} (open {reviews_dir / 'index.html'})")
        if not report.ok:
            raise typer.Exit(1)

    _run(ctx, work)


@app.command()
def sync(
    ctx: typer.Context,
    full: Annotated[
        bool, typer.Option("--full", help="Re-read everything, not just changes.")
    ] = False,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Read and score, and show what would be published; write nothing at all "
            "(no review, no state).",
        ),
    ] = False,
    no_publish: Annotated[
        bool,
        typer.Option(
            "--no-publish",
            help="Read, score and keep the results in the state (for kpis and report); "
            "publish no review.",
        ),
    ] = False,
    period: Annotated[
        str | None,
        typer.Option("--period", metavar="PERIOD", help="Review this period (2026-10 or 2026-Q4)."),
    ] = None,
    draft: Annotated[
        bool, typer.Option("--draft", help="Also keep a draft of the running month.")
    ] = False,
) -> None:
    """Pull every source, score the due periods, publish their reviews.

    Example: careerloop sync --period 2026-10
    """

    def work() -> None:
        options = pipeline.SyncOptions(
            full=full, dry_run=dry_run, publish=not no_publish, period=_period(period), draft=draft
        )
        _sync(ctx, _load(ctx), options)

    _run(ctx, work)


def _sync(ctx: typer.Context, config: Config, options: pipeline.SyncOptions) -> None:
    """Run one sync with progress on stderr, then its summary; exit 1 when a part failed."""
    g = _globals(ctx)

    def run() -> pipeline.SyncReport:
        return pipeline.sync(config, options, today=_today(ctx, config.workspace.tz),
                             clock=g.seams.clock, transport=g.seams.transport,
                             on_event=_events(g))

    # The spinner is drawn with escape codes: only on a terminal that may have them.
    if err.is_terminal and g.log_format == "text" and not _plain_output():
        with err.status("careerloop sync: reading sources and scoring…"):
            report = run()
    else:
        report = run()
    _summarise(report, dry_run=options.dry_run, log_format=g.log_format, verbose=g.verbose)
    _github_outputs(report, g.log_format)
    if g.log_format == "json":
        _json_line("run.finished", ok=report.ok,
                   failed=[f"{f.where}: {f.message}" for f in report.failures],
                   warnings=len(report.warnings))
    if not report.ok:
        raise typer.Exit(1)


def _github_outputs(report: pipeline.SyncReport, log_format: str = "text") -> None:
    """In GitHub Actions: the scorecard in the step summary, pitfalls as warnings."""
    failures = [(f.where, f.message) for f in report.failures]
    show_github_output(report.scorecards, report.outcomes, failures, log_format=log_format)


def show_github_output(
    scorecards: Sequence[Scorecard],
    outcomes: Sequence[PublishOutcome],
    failures: Sequence[tuple[str, str]],
    *,
    log_format: str = "text",
) -> None:
    """What a command reports to GitHub Actions (`report.github.github_output`), shown."""
    from careerloop.report.github import github_output

    shown = github_output(scorecards, outcomes, failures)
    # Best effort: a summary that cannot be written is a warning, the run stands.
    if shown.warning is not None:
        if log_format == "json":
            _json_line("warning", message=shown.warning)
        else:
            err.print(f"warning: {shown.warning}", markup=False)
    for line in shown.commands:
        sys.stdout.write(line + "\n")


def _scorecard_title(card: Scorecard) -> str:
    """`2026-10: score 78/100 (at risk)`, as a review's header says it."""
    score = "–" if card.score is None else f"{card.score}/100"
    running = ", running: scored up to today" if card.running else ""
    return f"{card.period.label}: score {score} ({status_label(card.status)}{running})"


def _scorecard_table(card: Scorecard) -> Table:
    """The KPI table of a review (same cells, same formats), with each KPI's score."""
    table = Table(title=_scorecard_title(card), title_justify="left")
    for column in ("KPI", "target", "value", "trend", "status", "score"):
        table.add_column(column, overflow="fold")
    for result in card.kpis.values():
        score = "–" if result.score is None else f"{result.score}/100"
        table.add_row(result.label, *kpi_cells(result), score)
    return table


@app.command()
def kpis(
    ctx: typer.Context,
    period: Annotated[
        str | None,
        typer.Option(
            "--period", metavar="PERIOD", help="Period to score (default: last closed month)."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Show the scorecard of a period from the store (run sync first).

    Example: careerloop kpis --period 2026-Q3 --json
    """

    def work() -> None:
        config = _load(ctx)
        today = _today(ctx, config.workspace.tz)
        chosen = _period(period) or Period.last_closed("month", today)
        card = pipeline.score(pipeline.stored_workspace(config), config, chosen, today)
        if as_json:
            out.print_json(json.dumps(card.to_json()))
            return
        out.print(_scorecard_table(card), markup=False)
        for pitfall in card.pitfalls:
            out.print(terminal_text(f"[{pitfall.severity}] {pitfall.code}: {pitfall.message}"),
                      markup=False)
        for warning in card.warnings:
            out.print(terminal_text(f"[warning] {warning}"), markup=False)

    _run(ctx, work)


@app.command()
def report(
    ctx: typer.Context,
    period: Annotated[
        str | None, typer.Option("--period", metavar="PERIOD", help="2026-10 or 2026-Q4.")
    ] = None,
    kind: Annotated[
        ReviewKind | None,
        typer.Option("--kind", help="Kind of review (default: from the period)."),
    ] = None,
    to: Annotated[str, to_option("Where to put it: a target, or stdout.")] = "stdout",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would be published; write nothing.")
    ] = False,
) -> None:
    """Render one review from the store and print it or publish it.

    Example: careerloop report --period 2026-Q3 --to local
    """

    def work() -> None:
        config = _load(ctx)
        today = _today(ctx, config.workspace.tz)
        chosen = _period(period)
        review_kind: ReviewKind
        if chosen is None:
            review_kind = "quarterly" if kind == "quarterly" else "monthly"
            chosen = Period.last_closed(REVIEW_TO_PERIOD[review_kind], today)
        else:
            review_kind = PERIOD_TO_REVIEW[chosen.kind]
            if kind is not None and kind != review_kind:
                raise ConfigError(f"--kind {kind} does not fit period {chosen.label}")
        targets = [] if to == "stdout" else [to]
        seams = _globals(ctx).seams
        _, markdown, outcomes, failures = pipeline.report(
            config, kind=review_kind, period=chosen, targets=targets, dry_run=dry_run,
            today=today, clock=seams.clock, transport=seams.transport,
            on_event=_events(_globals(ctx)),
        )
        if to == "stdout":
            sys.stdout.write(terminal_text(markdown))
            return
        _summarise(pipeline.SyncReport(outcomes=outcomes, failures=failures), dry_run=dry_run,
                   log_format=_globals(ctx).log_format, verbose=_globals(ctx).verbose)
        if failures:
            raise typer.Exit(1)

    _run(ctx, work)


@app.command()
def doctor(ctx: typer.Context) -> None:
    """Check the config, credentials and sources against the mapping.

    Example: careerloop --config careerloop.toml doctor
    """
    from careerloop.doctor import run_checks

    def work() -> None:
        checks = run_checks(_globals(ctx).config_path, today=_today_override(ctx))
        table = Table(title="careerloop doctor")
        for column in ("check", "status", "detail", "what to do"):
            # fold: a long path wraps onto the next line instead of being cut off
            table.add_column(column, overflow="fold")
        marks = {"ok": "ok", "warn": "warn", "fail": "FAIL"}
        for check in checks:
            table.add_row(check.name, marks[check.status], check.detail, check.fix)
        out.print(table, markup=False)
        if any(c.status == "fail" for c in checks):
            raise typer.Exit(1)

    _run(ctx, work)


@app.command()
@_with_setup_options
def init(
    ctx: typer.Context,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    github_action: Annotated[
        bool,
        typer.Option(
            "--github-action",
            help="Write .github/workflows/careerloop.yml instead: the scheduled sync for "
            "this repository, installing this careerloop version from PyPI.",
        ),
    ] = False,
    source: Annotated[
        str | None,
        typer.Option(
            "--source",
            metavar="SPEC",
            help="With --github-action: install from this git URL and tag instead "
            "(git+https://github.com/careerloop/careerloop@v0.1.0).",
        ),
    ] = None,
    **setups: str | None,
) -> None:
    """Write a commented careerloop.toml; set up Notion or Trello.

    Running it again with the same page finds the databases it made and creates nothing.
    Example: careerloop init --notion https://www.notion.so/Career-plan-0123456789abcdef0123456789abcdef
    """
    wanted = {
        setup.option: (ref, setups.get(f"{setup.option}_base_url"))
        for setup in registry.provisionings()
        if (ref := setups.get(setup.option)) is not None
    }

    def work() -> None:
        path = _globals(ctx).config_path
        if source is not None and not github_action:
            raise ConfigError("--source goes with --github-action: it says what the workflow "
                              "installs")
        if github_action:
            _write_github_workflow(path, source, force=force, with_setup=bool(wanted))
            return
        if path.exists() and not force:
            raise ConfigError(f"{path} exists already; pass --force to overwrite it")
        path.write_text(_init_text(wanted), encoding="utf-8")
        out.print(f"Wrote {path}. Edit it, then run `careerloop doctor`.")

    _run(ctx, work)


def _init_text(wanted: dict[str, tuple[str, str | None]]) -> str:
    """The commented example config, or the config of each service `init` set up."""
    from careerloop.doctor import example_config

    if not wanted:
        return example_config()
    parts: list[str] = []
    for setup in registry.provisionings():
        if setup.option in wanted:
            ref, base_url = wanted[setup.option]
            done = setup.run(ref, base_url, not parts)
            for message in done.messages:
                out.print(terminal_text(message), markup=False)
            parts.append(done.toml)
    return "\n".join(parts)


def _write_github_workflow(
    config_path: Path, source: str | None, *, force: bool, with_setup: bool
) -> None:
    """`init --github-action`: the workflow for the repository in the current directory."""
    from careerloop import github_workflow

    if with_setup:
        raise ConfigError("--github-action writes the workflow only: run `careerloop init "
                          "--notion/--trello` first, then `careerloop init --github-action`")
    requirement = github_workflow.install_requirement(source)
    root = Path.cwd()
    settings = github_workflow.settings_for(root, config_path, requirement)
    github_workflow.write_workflow(root, settings, force=force)
    out.print(f"Wrote {github_workflow.WORKFLOW_PATH} (installs {requirement}). Add the "
              "secrets your config uses under Settings → Secrets and variables → Actions, "
              "then commit and push it.", markup=False)


# Last: cli_programme builds on the helpers above.
from careerloop.cli_programme import programme_app  # noqa: E402

app.add_typer(programme_app, name="programme")


def main() -> None:
    """Console-script entry point."""
    app()
