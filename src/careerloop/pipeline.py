"""sync = pull -> store -> score -> publish: the one orchestration.

The CLI calls these functions and renders their results; nothing here prints. Progress
and outcomes go to an `on_event` callback as `Event`s, so the CLI can draw a progress bar,
plain lines or JSON.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from careerloop.config import Config
from careerloop.connectors import registry
from careerloop.connectors.registry import configured_sources
from careerloop.errors import CareerloopError, ConfigError, EmptyRead, PeriodError, SourceError
from careerloop.kpi.engine import WorkspaceIndex, build_scorecard
from careerloop.kpi.metrics import first_dated
from careerloop.kpi.scorecard import Scorecard
from careerloop.model import DataWarning, Workspace
from careerloop.periods import PERIOD_TO_REVIEW, REVIEW_TO_PERIOD, Period, today_in
from careerloop.report.escape import redact, secret_values
from careerloop.report.review import Review, ReviewKind, StaleSource, TrendPoint
from careerloop.store import RunLock, Store

if TYPE_CHECKING:  # at run time only the parts that publish import them (and httpx, Jinja)
    from careerloop.connectors.base import (
        Check,
        Clock,
        Publisher,
        PublishOutcome,
        ReadResult,
        Source,
        Transport,
    )

TREND_LENGTH = {"monthly": 6, "quarterly": 4}

@dataclass(slots=True, frozen=True)
class Event:
    """Something worth telling the user: a source read, a review published, a failure."""

    name: str
    fields: dict[str, Any] = field(default_factory=dict)


EventSink = Callable[[Event], None]


@dataclass(slots=True, frozen=True, kw_only=True)
class Seams:
    """What a run may take from its caller instead of the machine (tests, demos).

    `today` to score against, the HTTP policies' `clock`, and the `transport` under them;
    None keeps the machine's date, time and sockets. The CLI takes them as its Click
    `obj` (`CliRunner().invoke(app, args, obj=Seams(...))`) and hands them to `sync`.
    """

    today: dt.date | None = None
    clock: Clock | None = None
    transport: Transport | None = None


def _ignore(_: Event) -> None:
    return None


@dataclass(slots=True, kw_only=True)
class Failure:
    """A part of the run that failed while the rest went on."""

    where: str
    message: str


@dataclass(slots=True, kw_only=True)
class SyncOptions:
    """What `careerloop sync` was asked to do."""

    full: bool = False
    dry_run: bool = False
    publish: bool = True
    period: Period | None = None
    draft: bool = False
    targets: Sequence[str] | None = None  # None: the configured targets


@dataclass(slots=True, kw_only=True)
class SyncReport:
    """What a sync did.

    `warnings` are the data warnings of the workspace as scored (each message once);
    `unread` names the sources that failed with no earlier read to stand in for them:
    then nothing was scored or published.
    """

    reads: list[ReadResult] = field(default_factory=list)
    scorecards: list[Scorecard] = field(default_factory=list)
    outcomes: list[PublishOutcome] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    warnings: list[DataWarning] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every source and target succeeded."""
        return not self.failures


# -- pull ------------------------------------------------------------------------------------


def build_sources(
    config: Config, *, clock: Clock | None = None, transport: Transport | None = None
) -> list[Source]:
    """The sources the config names, offline exports and live services alike.

    The live ones time their HTTP policy by `clock` and send over `transport`.

    Raises:
        ConfigError: the config names no source.
    """
    sources = [kind.build(config, clock, transport) for kind in configured_sources(config)]
    if not sources:
        raise ConfigError(
            "no source configured: add [sources.notion.<kind>] or [sources.trello] "
            "(see config.example.toml), or try `careerloop demo`"
        )
    return sources


def check_ready(config: Config, targets: Sequence[str]) -> None:
    """What the user must supply for this run, checked before anything is read or written.

    Raises:
        ConfigError: a credential variable is unset, or a target lacks its settings.
    """
    for kind in configured_sources(config):
        kind.require(config)
    for name in targets:
        registry.target(name).require(config)


def pull(
    config: Config,
    store: Store,
    *,
    full: bool,
    sources: Sequence[Source] | None = None,
    on_event: EventSink = _ignore,
) -> tuple[list[ReadResult], list[Failure]]:
    """Read every source, then keep what they gave; a failing source does not stop the others.

    Nothing is saved until every source was read, so an empty read can be refused whole.

    Raises:
        EmptyRead: every source was read and none holds a record; nothing was stored.
    """
    given: list[tuple[Source, list[ReadResult]]] = []
    failures: list[Failure] = []
    for source in build_sources(config) if sources is None else sources:
        try:
            given.append((source, _read(source, store, full=full, on_event=on_event)))
        except SourceError as exc:  # a config error stops the run: it needs the user first
            failures.append(Failure(where=source.name, message=str(exc)))
            on_event(Event("source.failed", {"source": source.name, "error": str(exc)}))
    if given and not failures and not any(
        records_held(store, result) for _, results in given for result in results
    ):
        # Most likely a mapping that matches nothing, not a plan that is empty: an empty
        # read must not replace the records of the last good one.
        raise EmptyRead(empty_read_message(config, [source.name for source, _ in given]))
    reads: list[ReadResult] = []
    for _, results in given:
        for result in results:
            store.save_read(
                result.origin,
                result.workspace.records(),
                result.workspace.warnings,
                full=result.full,
                deleted_ids=result.deleted_ids,
                cursor=result.cursor,
            )
            reads.append(result)
    return reads, failures


def _read(source: Source, store: Store, *, full: bool, on_event: EventSink) -> list[ReadResult]:
    """One source's read, told as events: its start, what it cost over HTTP, each origin.

    Raises:
        SourceError: the source could not be read.
    """
    on_event(Event("source.start", {"source": source.name}))
    results = source.read(store, full=full)
    if (stats := source.http_stats()) is not None:
        on_event(Event("source.http", {
            "source": source.name, "requests": stats.requests, "retries": stats.retries,
            "retry_wait_s": round(stats.retry_wait, 3),
            "paced_wait_s": round(stats.paced_wait, 3),
            "statuses": {str(k): v for k, v in sorted(stats.statuses.items())},
        }))
    for result in results:
        on_event(Event("source.read", {
            "source": source.name, "origin": result.origin,
            "records": len(result.workspace.records()), "full": result.full,
            "requests": result.requests,
        }))
    return results


def records_held(store: Store, result: ReadResult) -> int:
    """How many records the origin of `result` holds once it is saved."""
    ids = {record.id for record in result.workspace.records()}
    if result.full:
        return len(ids)
    return len((store.record_ids(result.origin) - set(result.deleted_ids)) | ids)


def empty_read_message(config: Config, source_names: Sequence[str]) -> str:
    """One line for a read that found no record anywhere, with the likely cause per source."""
    causes = []
    for name in source_names:
        kind = registry.source_kind(name)
        causes.append(f"{name}: {kind.empty_cause(config) if kind else 'no records'}")
    return (
        "nothing to score: every source was read but none gave a record ("
        + "; ".join(causes)
        + "); nothing was stored or published"
    )


def origin_prefix(source_name: str) -> str:
    """How the store's origins of a source start (`notion:`, `file:notion-csv`)."""
    kind = registry.source_kind(source_name)
    return kind.origin_prefix if kind else f"{source_name}:"


def last_good_read(store: Store, source_name: str, tz: ZoneInfo) -> dt.date | None:
    """The day of the oldest stored read of a source's origins (None: never read)."""
    prefix = origin_prefix(source_name)
    moments = [c.read_at for c in store.cursors() if c.origin.startswith(prefix)]
    return min(moments).astimezone(tz).date() if moments else None


def stand_ins(
    store: Store, failures: Sequence[Failure], tz: ZoneInfo
) -> tuple[list[StaleSource], list[str]]:
    """For each source that failed this run: its stored data (stale), or nothing (unread)."""
    stale: list[StaleSource] = []
    unread: list[str] = []
    for failure in failures:
        day = last_good_read(store, failure.where, tz)
        if day is None:
            unread.append(failure.where)
        else:
            stale.append(StaleSource(source=failure.where, last_good_read=day,
                                     failed_part=failure.message))
    return stale, unread


def distinct_warnings(workspace: Workspace) -> list[DataWarning]:
    """The workspace's data warnings, each message once, in order."""
    seen: set[str] = set()
    out: list[DataWarning] = []
    for warning in workspace.warnings:
        if warning.message not in seen:
            seen.add(warning.message)
            out.append(warning)
    return out


# -- score -----------------------------------------------------------------------------------


def check_period(period: Period, today_: dt.date) -> None:
    """Refuse a period that has not started yet."""
    if period.start > today_:
        raise PeriodError(
            f"period {period.label} has not started yet (today is {today_.isoformat()})"
        )


def score(workspace: Workspace, config: Config, period: Period, today_: dt.date) -> Scorecard:
    """The scorecard of one period."""
    check_period(period, today_)
    return build_scorecard(workspace, period, config.kpis, today_)


class Scorer:
    """The scorecards of one workspace: indexed once, each period scored once.

    Reviews share periods (a trend overlaps the next month's trend, a quarter holds its
    months), and indexing a large workspace costs more than scoring a period from it.
    """

    def __init__(self, workspace: Workspace, config: Config, today_: dt.date) -> None:
        self.workspace = workspace
        self.first_activity = first_activity(workspace)
        self._settings = config.kpis
        self._today = today_
        self._index = WorkspaceIndex(workspace)
        self._cards: dict[Period, Scorecard] = {}

    def card(self, period: Period) -> Scorecard:
        """The scorecard of `period`."""
        if period not in self._cards:
            self._cards[period] = build_scorecard(
                self.workspace, period, self._settings, self._today, index=self._index
            )
        return self._cards[period]


def build_review(
    workspace: Workspace,
    config: Config,
    kind: ReviewKind,
    period: Period,
    today_: dt.date,
    *,
    scorer: Scorer | None = None,
    stale_sources: Sequence[StaleSource] = (),
) -> Review:
    """Everything a review template needs: the scorecard, its trend and, for a quarter, months.

    Pass the run's `scorer` when building several reviews of one workspace, and the
    sources whose stored data stands in for a failed read as `stale_sources`.
    """
    check_period(period, today_)
    scorer = scorer or Scorer(workspace, config, today_)
    history = [period]
    first = scorer.first_activity
    for _ in range(TREND_LENGTH[kind] - 1):
        earlier = history[0].previous()
        # A period before the plan began would score 0 for lack of data, not for lack of effort.
        if first is None or earlier.end < first:
            break
        history.insert(0, earlier)
    months = period.month_periods() if kind == "quarterly" else []
    months = [m for m in months if m.start <= today_]
    trend_cards = [scorer.card(p) for p in history]
    month_cards = [scorer.card(m) for m in months]
    scorecard = trend_cards[-1]
    return Review(
        kind=kind,
        scorecard=scorecard,
        trend=[TrendPoint(c.period.label, c.score) for c in trend_cards],
        months=month_cards,
        generated_on=today_,
        draft=not period.has_ended(today_),
        stale_sources=list(stale_sources),
    )


def first_activity(workspace: Workspace) -> dt.date | None:
    """The earliest date of any record: when the plan began (the KPIs compare from it)."""
    return first_dated(workspace)


def due_periods(
    config: Config, today_: dt.date, *, period: Period | None, draft: bool
) -> list[tuple[ReviewKind, Period]]:
    """The reviews a sync publishes.

    With a period: that one review. Otherwise the last closed period of each configured
    kind and, with drafts on, the running month as a draft.
    """
    if period is not None:
        check_period(period, today_)
        return [(PERIOD_TO_REVIEW[period.kind], period)]
    due: list[tuple[ReviewKind, Period]] = [
        (k, Period.last_closed(REVIEW_TO_PERIOD[k], today_)) for k in config.reviews.kinds
    ]
    if draft or config.reviews.drafts:
        due.append(("monthly", Period.containing(today_, "month")))
    return due


# -- publish ---------------------------------------------------------------------------------


def build_publishers(
    config: Config,
    store: Store,
    targets: Sequence[str] | None = None,
    *,
    clock: Clock | None = None,
    transport: Transport | None = None,
) -> list[Publisher]:
    """The publishers of the configured (or requested) targets.

    The store's ledger lets a connector find a review it published before in one request;
    `clock` and `transport` are the HTTP policy's clock and wire, as in `build_sources`.

    Raises:
        ConfigError: no connector publishes under one of the names.
    """
    return [
        registry.target(name).build(config, store, clock, transport)
        for name in targets or config.reviews.targets
    ]


def review_template(config: Config, target: str, kind: ReviewKind) -> str:
    """The template file `target` publishes a review of `kind` with.

    The review's own unless the target's declaration chooses another (Notion's compact).
    """
    declared = registry.find_target(target)
    chosen = declared.template(config, kind) if declared is not None else None
    return chosen or f"{kind}.md.j2"


def render_with(config: Config, review: Review, template: str) -> str:
    """`review` rendered with the template file `template` (the user's folder first).

    Raises:
        TemplateError: the template fails; the message names the file and line.
    """
    from careerloop.report.render import render_template

    user_templates = config.path(config.reviews.templates) if config.reviews.templates else None
    return render_template(review, config.reviews, user_templates, template,
                           secrets=secret_values(config))


def render_reviews(
    config: Config, reviews: Sequence[Review], targets: Sequence[str]
) -> list[dict[str, str]]:
    """Each review rendered with its own template and every other one a target uses.

    One mapping (template file -> Markdown) per review, in order: all rendering happens
    here, before anything is written.

    Raises:
        TemplateError: a template fails; the message names the file and line.
    """
    from careerloop.report.render import Renderer

    user_templates = config.path(config.reviews.templates) if config.reviews.templates else None
    # One environment for the run: each template is compiled once, not once a review.
    renderer = Renderer(config.reviews, user_templates, secrets=secret_values(config))
    # The reviews' own templates first, so their errors are the ones a user meets first.
    rendered = [{f"{r.kind}.md.j2": renderer.markdown(r)} for r in reviews]
    for review, texts in zip(reviews, rendered, strict=True):
        for target in targets:
            name = review_template(config, target, review.kind)
            if name not in texts:
                texts[name] = renderer.render(review, name)
    return rendered


def template_checks(config: Config, today_: dt.date) -> list[Check]:
    """`doctor` rows: every template a configured target will use renders.

    The reviews' own templates get a row per kind (`template monthly`); another template
    a target uses gets one row (`template compact.md.j2 (notion)`), failing with the
    first kind it fails for.
    """
    user = config.path(config.reviews.templates) if config.reviews.templates else None
    where = f"from {user}" if user else "shipped"
    checks: list[Check] = []
    others: dict[tuple[str, str], list[str | None]] = {}  # (template, target) -> failures
    for kind in config.reviews.kinds:
        period = Period.last_closed(REVIEW_TO_PERIOD[kind], today_)
        review = build_review(Workspace(), config, kind, period, today_)
        own = f"{kind}.md.j2"
        checks.append(_template_row(f"template {kind}", _render_failure(config, review, own),
                                    where))
        for target in config.reviews.targets:
            name = review_template(config, target, kind)
            if name != own:
                others.setdefault((name, target), []).append(
                    _render_failure(config, review, name))
    for (name, user_of), failures in others.items():
        failure = next((f for f in failures if f), None)
        checks.append(_template_row(f"template {name} ({user_of})", failure, where))
    return checks


def _template_row(name: str, failure: str | None, where: str) -> Check:
    from careerloop.connectors.base import Check  # doctor's row type (doctor imports it too)

    if failure is not None:
        return Check(name=name, status="fail", detail=failure,
                     fix="fix the template and run doctor again")
    return Check(name=name, status="ok", detail=f"renders ({where})")


def _render_failure(config: Config, review: Review, template: str) -> str | None:
    """Why `template` cannot render `review`, or None when it renders."""
    try:
        render_with(config, review, template)
    except CareerloopError as exc:
        return str(exc)
    return None


def publish_reviews(
    config: Config,
    store: Store,
    reviews: Sequence[Review],
    publishers: Sequence[Publisher],
    *,
    dry_run: bool,
    on_event: EventSink = _ignore,
) -> tuple[list[PublishOutcome], list[Failure]]:
    """Render each review once per template and upsert it on every target, then close them.

    Every template a target uses renders before anything is written (a broken one raises
    TemplateError and writes nothing). After that each (review, target) fails on its own:
    the failure is reported and the other reviews and targets still run.
    """
    try:
        rendered = render_reviews(config, reviews, [p.name for p in publishers])
    except BaseException:
        _close(publishers)  # nothing was written; the sessions still end
        raise
    drafts = [
        (review, _markdown_for(config, review, texts))
        for review, texts in zip(reviews, rendered, strict=True)
    ]
    return upsert_reviews(config, store, drafts, publishers, dry_run=dry_run, on_event=on_event)


def _markdown_for(config: Config, review: Review, texts: dict[str, str]) -> Callable[[str], str]:
    """The rendered text each target publishes the review with."""
    return lambda target: texts[review_template(config, target, review.kind)]


def upsert_reviews(
    config: Config,
    store: Store,
    drafts: Sequence[tuple[Review, Callable[[str], str]]],
    publishers: Sequence[Publisher],
    *,
    dry_run: bool,
    on_event: EventSink = _ignore,
) -> tuple[list[PublishOutcome], list[Failure]]:
    """Upsert rendered reviews (each with its text per target) on every target, then close them.

    Each (review, target) fails on its own: the failure is reported, redacted, and the other
    reviews and targets still run. The programme review publishes through this too.
    """
    secrets = secret_values(config)
    outcomes: list[PublishOutcome] = []
    failures: list[Failure] = []

    def failed(where: str, exc: Exception, **fields: str) -> None:
        message = redact(_failure_message(exc), secrets)
        failures.append(Failure(where=where, message=message))
        on_event(Event("review.failed", {**fields, "error": message}))

    try:
        for review, markdown_for in drafts:
            for publisher in publishers:
                try:
                    markdown = markdown_for(publisher.name)
                    outcome = publisher.publish(review, markdown, dry_run=dry_run)
                except Exception as exc:  # any failure of one target stops only that target
                    failed(f"{publisher.name} {review.key}", exc,
                           target=publisher.name, review=review.key)
                    continue
                outcomes.append(outcome)
                _record(store, publisher.name, review, outcome, dry_run=dry_run,
                        on_event=on_event)
    finally:
        for publisher in publishers:
            try:
                publisher.close()
            except Exception as exc:  # e.g. the local index: the reviews stand
                failed(publisher.name, exc, target=publisher.name, review="")
    return outcomes, failures


def _record(store: Store, target: str, review: Review, outcome: PublishOutcome, *,
            dry_run: bool, on_event: EventSink) -> None:
    """Keep a published review in the ledger and tell the caller about it."""
    if not dry_run and outcome.action != "skipped":
        store.record_publish(
            target=target,
            period=review.period.label,
            kind=review.kind,
            remote_id=outcome.remote_id,
            location=outcome.location,
            content_hash=outcome.content_hash,
        )
    on_event(
        Event(
            f"review.{outcome.action}",
            {
                "target": target,
                "review": review.key,
                "location": outcome.location,
                "requests": outcome.requests,
                "dry_run": dry_run,
                "detail": outcome.detail,
            },
        )
    )


def _failure_message(exc: Exception) -> str:
    """One line for a failed review or target; a bug is named as one.

    No traceback is logged: its frames could hold a token, and the line is redacted.
    """
    if isinstance(exc, CareerloopError):
        return str(exc)
    if isinstance(exc, OSError):
        where = f": {exc.filename}" if exc.filename else ""
        return f"{exc.strerror or exc}{where}"
    return f"unexpected {type(exc).__name__}: {exc}"


# -- the whole loop ----------------------------------------------------------------------------


def run_lock(
    config: Config, on_event: EventSink = _ignore, *, clock: Clock | None = None
) -> RunLock:
    """The lock that lets one run at a time publish from a state file (no duplicate reviews).

    Its wait is timed by the run's `clock`, like the HTTP policies' waits.
    """
    return RunLock(config.state_path, timeout=config.workspace.lock_timeout, clock=clock,
                   on_wait=lambda holder: on_event(Event("lock.wait", {"holder": holder})))


@contextmanager
def run_state(
    config: Config, *, dry_run: bool, on_event: EventSink = _ignore, clock: Clock | None = None
) -> Iterator[Store]:
    """The store a run works on: the state file under the run lock.

    A dry run works on a copy in memory instead: it writes no state file and no folder,
    and needs no lock (it publishes nothing).
    """
    if dry_run:
        with Store.scratch_copy(config.state_path) as store:
            yield store
        return
    with run_lock(config, on_event, clock=clock), Store(config.state_path) as store:
        yield store


def sync(
    config: Config,
    options: SyncOptions,
    *,
    today: dt.date | None = None,
    clock: Clock | None = None,
    transport: Transport | None = None,
    on_event: EventSink = _ignore,
) -> SyncReport:
    """Pull every source, score the due periods and publish their reviews.

    The seams: `today` (default: today in the workspace time zone), `clock` (every HTTP
    policy's and the run lock's wait) and `transport` (the wire under the policies;
    default: real sockets).

    A source that fails keeps its stored records: the reviews say they use them (their
    `stale_sources`). A source that fails with nothing stored leaves nothing to score:
    then no review is scored or published and `unread` names it.

    Raises:
        EmptyRead: every source was read and none gave a record.
    """
    today_ = today or today_in(config.workspace.tz)
    due = due_periods(config, today_, period=options.period, draft=options.draft)
    targets = (options.targets or config.reviews.targets) if options.publish else []
    # A config problem stops the run before the state database or any file is touched.
    check_ready(config, targets)
    sources = build_sources(config, clock=clock, transport=transport)
    report = SyncReport()
    with run_state(config, dry_run=options.dry_run, on_event=on_event, clock=clock) as store:
        publishers = (
            build_publishers(config, store, targets, clock=clock, transport=transport)
            if targets else []
        )
        try:
            workspace, stale = _pull_into(report, config, store, options, sources, on_event)
        except EmptyRead:
            _close(publishers)
            raise
        if report.unread:
            # Scores without a source that was never read would look confident and be wrong.
            _close(publishers)
            on_event(Event("reviews.withheld", {"unread": report.unread}))
            return report
        reviews = _score_due(report, config, store, workspace, due, today_, stale,
                             keep=not options.dry_run)
        if publishers:
            # The rest still runs when a source failed (exit 1, the rest ran): its records
            # stay as the last good read left them, each review says so, and the next clean
            # run updates any review that changes.
            outcomes, failures = publish_reviews(
                config, store, reviews, publishers, dry_run=options.dry_run, on_event=on_event
            )
            report.outcomes.extend(outcomes)
            report.failures.extend(failures)
    return report


def _pull_into(
    report: SyncReport,
    config: Config,
    store: Store,
    options: SyncOptions,
    sources: Sequence[Source],
    on_event: EventSink,
) -> tuple[Workspace, list[StaleSource]]:
    """Pull into `report` (reads, failures, warnings, unread).

    Returns the workspace as stored now, and the sources whose stored data stands in.

    Raises:
        EmptyRead: every source was read and none gave a record.
    """
    report.reads, read_failures = pull(
        config, store, full=options.full, sources=sources, on_event=on_event
    )
    report.failures = list(read_failures)
    workspace = store.workspace()
    report.warnings = distinct_warnings(workspace)
    for warning in report.warnings:
        on_event(Event("data.warning", {"record": warning.record_id,
                                        "message": warning.message}))
    stale, report.unread = stand_ins(store, read_failures, config.workspace.tz)
    return workspace, stale


def _score_due(
    report: SyncReport,
    config: Config,
    store: Store,
    workspace: Workspace,
    due: Sequence[tuple[ReviewKind, Period]],
    today_: dt.date,
    stale: Sequence[StaleSource],
    *,
    keep: bool,
) -> list[Review]:
    """The review of each due period, its scorecard in `report` (and the store if `keep`)."""
    scorer = Scorer(workspace, config, today_)
    reviews = [
        build_review(workspace, config, kind, period, today_, scorer=scorer,
                     stale_sources=stale)
        for kind, period in due
    ]
    for review in reviews:
        report.scorecards.append(review.scorecard)
        if keep:
            store.save_scorecard(review.period.label, review.scorecard.to_json())
    return reviews


def _close(publishers: Sequence[Publisher]) -> None:
    for publisher in publishers:
        publisher.close()


def backfill(
    config: Config,
    *,
    today: dt.date | None = None,
    clock: Clock | None = None,
    transport: Transport | None = None,
    on_event: EventSink = _ignore,
) -> SyncReport:
    """Publish the review of every closed period that lies wholly inside the plan.

    For a first run (and the demo): the reviews a scheduled run would have written had it
    been running since the plan began. Already published, unchanged reviews write nothing.
    The seams are those of `sync`.
    """
    today_ = today or today_in(config.workspace.tz)
    result = SyncReport()
    with run_lock(config, on_event, clock=clock), Store(config.state_path) as store:
        workspace = store.workspace()
        scorer = Scorer(workspace, config, today_)
        if scorer.first_activity is None:
            return result
        plan_start = scorer.first_activity.replace(day=1)
        reviews = []
        for kind in config.reviews.kinds:
            period = Period.last_closed(REVIEW_TO_PERIOD[kind], today_)
            while period.start >= plan_start:
                reviews.append(
                    build_review(workspace, config, kind, period, today_, scorer=scorer)
                )
                period = period.previous()
        reviews.sort(key=lambda r: (r.kind, r.period))
        publishers = build_publishers(config, store, clock=clock, transport=transport)
        result.outcomes, result.failures = publish_reviews(
            config, store, reviews, publishers, dry_run=False, on_event=on_event
        )
    return result


def stored_workspace(config: Config) -> Workspace:
    """The workspace as the last sync left it.

    Raises:
        ConfigError: nothing has been synced yet.
    """
    path = config.state_path
    if not path.exists():
        raise ConfigError(f"no state at {path}: run `careerloop sync` first")
    with Store(path) as store:
        if store.count_records() == 0:
            raise ConfigError(f"the state at {path} holds no records: run `careerloop sync` first")
        return store.workspace()


def stored_warnings(config: Config) -> list[DataWarning]:
    """The data warnings the last sync stored (none when nothing was synced yet)."""
    if not config.state_path.exists():
        return []
    with Store(config.state_path) as store:
        return distinct_warnings(store.workspace())


def report(
    config: Config,
    *,
    kind: ReviewKind,
    period: Period,
    targets: Sequence[str],
    dry_run: bool,
    today: dt.date | None = None,
    clock: Clock | None = None,
    transport: Transport | None = None,
    on_event: EventSink = _ignore,
) -> tuple[Review, str, list[PublishOutcome], list[Failure]]:
    """Render one review from the store and publish it to `targets` (none: just render).

    The seams are those of `sync`.
    """
    today_ = today or today_in(config.workspace.tz)
    workspace = stored_workspace(config)
    review = build_review(workspace, config, kind, period, today_)
    from careerloop.report.render import render_markdown

    user_templates = config.path(config.reviews.templates) if config.reviews.templates else None
    markdown = render_markdown(
        review, config.reviews, user_templates, secrets=secret_values(config)
    )
    if not targets:
        return review, markdown, [], []
    check_ready(config, targets)
    with run_state(config, dry_run=dry_run, on_event=on_event, clock=clock) as store:
        publishers = build_publishers(config, store, targets, clock=clock, transport=transport)
        outcomes, failures = publish_reviews(
            config, store, [review], publishers, dry_run=dry_run, on_event=on_event
        )
    return review, markdown, outcomes, failures
