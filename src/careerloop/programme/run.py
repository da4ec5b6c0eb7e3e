"""`programme sync`: every participant of a shard synced as when run alone, a few at once.

Each participant runs `pipeline.sync` with its own Config: its own state, sources,
secrets and review targets. Its scorecards (the `kpis --json` object of each due period)
are written to `<out>/<participant>/<period>.json` for `programme rollup`. One failing
participant never stops the others: its one-line error is in the result.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from careerloop import pipeline
from careerloop.config import Config, load_config
from careerloop.connectors import registry
from careerloop.errors import CareerloopError
from careerloop.kpi.scorecard import Scorecard
from careerloop.periods import Period
from careerloop.programme.config import Participant, ProgrammeConfig
from careerloop.programme.rollup import scorecard_path
from careerloop.programme.shard import Shard, in_shard
from careerloop.report.escape import redact, secret_values

if TYPE_CHECKING:
    from careerloop.connectors.base import Clock, PublishOutcome, Transport

# The credentials' default variable names (each connector's, for a config of defaults):
# redacted from a participant's error even when its config could not be read to name its
# own.
_DEFAULT_SECRETS = tuple(sorted(registry.credential_names(Config())))


@dataclass(frozen=True, slots=True, kw_only=True)
class ProgrammeSyncOptions:
    """What `programme sync` was asked to do (`workers` None: the programme's)."""

    shard: Shard | None = None
    period: Period | None = None
    publish: bool = True
    out: Path | None = None
    workers: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ParticipantRun:
    """What syncing one participant did; `error` is its one line when anything failed."""

    name: str
    scores: tuple[tuple[str, int | None], ...] = ()  # (period label, score) per scorecard
    scorecards: tuple[Path, ...] = ()
    outcomes: tuple[PublishOutcome, ...] = ()
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the participant's sources and targets all succeeded."""
        return self.error is None


@dataclass(slots=True, kw_only=True)
class ProgrammeRun:
    """Every participant of the shard, by name, and where their scorecards went."""

    shard: Shard | None
    out: Path
    runs: list[ParticipantRun] = field(default_factory=list)

    @property
    def failed(self) -> list[ParticipantRun]:
        """The participants that failed, by name."""
        return [run for run in self.runs if not run.ok]

    @property
    def ok(self) -> bool:
        """Whether every participant succeeded."""
        return not self.failed


@dataclass(frozen=True, slots=True, kw_only=True)
class _Seams:
    today: dt.date | None
    clock: Clock | None
    transport: Transport | None
    on_event: pipeline.EventSink


def sync_programme(
    programme: ProgrammeConfig,
    options: ProgrammeSyncOptions,
    *,
    today: dt.date | None = None,
    clock: Clock | None = None,
    transport: Transport | None = None,
    on_event: pipeline.EventSink = lambda _: None,
) -> ProgrammeRun:
    """Sync the participants of the shard, up to `workers` at once.

    The seams are those of `pipeline.sync` (`today` None: each participant's own today
    in its time zone), shared by every participant; `on_event` gets each participant's
    events with a `participant` field, from several threads.
    """
    chosen = in_shard(programme.participants, options.shard)
    out = options.out or programme.scorecards_dir
    seams = _Seams(today=today, clock=clock, transport=transport, on_event=on_event)
    configs = {p.name: _load(p) for p in programme.participants}
    shared = shared_state(programme.participants, configs)
    workers = max(1, min(options.workers or programme.workers, len(chosen) or 1))

    def one(participant: Participant) -> ParticipantRun:
        loaded = configs[participant.name]
        if isinstance(loaded, str):
            return ParticipantRun(name=participant.name, error=loaded)
        if participant.name in shared:
            return ParticipantRun(name=participant.name, error=shared[participant.name])
        return sync_participant(participant.name, loaded, options, out, seams)

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="participant") as pool:
        runs = list(pool.map(one, chosen))
    return ProgrammeRun(shard=options.shard, out=out, runs=runs)


def _load(participant: Participant) -> Config | str:
    """The participant's Config, or its one-line error."""
    try:
        return load_config(participant.config_path)
    except CareerloopError as exc:
        return redact(str(exc), _env_secrets(_DEFAULT_SECRETS))


def _env_secrets(names: Sequence[str]) -> list[str]:
    values = {os.environ.get(name, "").strip() for name in names}
    return [value for value in values if value]


def shared_state(
    participants: Sequence[Participant], configs: dict[str, Config | str]
) -> dict[str, str]:
    """Participants whose state file or local reviews folder another one also uses.

    Two participants in one state would mix their records; in one reviews folder they
    would overwrite each other's reviews. Each gets an error naming the other.
    """
    users: dict[tuple[str, Path], list[str]] = defaultdict(list)
    for participant in participants:
        config = configs[participant.name]
        if isinstance(config, str):
            continue
        users[("state", config.state_path.resolve())].append(participant.name)
        if "local" in config.reviews.targets:
            folder = config.path(config.reviews.local.dir).resolve()
            users[("reviews folder", folder)].append(participant.name)
    errors: dict[str, str] = {}
    for (what, path), names in users.items():
        if len(names) < 2:
            continue
        for name in names:
            others = ", ".join(n for n in names if n != name)
            hint = "[workspace] state" if what == "state" else "[reviews.local] dir"
            errors.setdefault(
                name,
                f"{name} and {others} use the same {what} {path}: give each participant "
                f"its own ({hint}, e.g. with the participant's name in it)",
            )
    return errors


def sync_participant(
    name: str, config: Config, options: ProgrammeSyncOptions, out: Path, seams: _Seams
) -> ParticipantRun:
    """Sync one participant and write its scorecards; any error becomes its one line."""
    secrets = secret_values(config)
    on_event = _tagged(name, seams.on_event)
    try:
        report = pipeline.sync(
            config,
            pipeline.SyncOptions(period=options.period, publish=options.publish),
            today=seams.today,
            clock=seams.clock,
            transport=seams.transport,
            on_event=on_event,
        )
        written = tuple(write_scorecard(out, name, card) for card in report.scorecards)
    except Exception as exc:  # one participant's failure, whatever it is, is its alone
        return ParticipantRun(name=name, error=redact(_one_line(exc), secrets))
    failures = [f"{f.where}: {f.message}" for f in report.failures]
    return ParticipantRun(
        name=name,
        scores=tuple((card.period.label, card.score) for card in report.scorecards),
        scorecards=written,
        outcomes=tuple(report.outcomes),
        error=redact("; ".join(failures), secrets) if failures else None,
    )


def _one_line(exc: Exception) -> str:
    if isinstance(exc, CareerloopError):
        return str(exc)
    if isinstance(exc, OSError):
        where = f": {exc.filename}" if exc.filename else ""
        return f"{exc.strerror or exc}{where}"
    return f"unexpected {type(exc).__name__}: {exc}"


def _tagged(name: str, sink: pipeline.EventSink) -> Callable[[pipeline.Event], None]:
    def tag(event: pipeline.Event) -> None:
        sink(pipeline.Event(event.name, {"participant": name, **event.fields}))

    return tag


def write_scorecard(out: Path, name: str, card: Scorecard) -> Path:
    """Write the scorecard's `kpis --json` object atomically (a reader never sees half)."""
    path = scorecard_path(out, name, card.period)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(card.to_json(), ensure_ascii=False, indent=1) + "\n"
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", text=True)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
