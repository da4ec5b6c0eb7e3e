"""The programme rollup: the cohort's scorecards of one period, counted and summarised.

The participants' scorecards (the `kpis --json` object of a period, one file each, as
`programme sync` writes them) are read from one or more folders, e.g. the artifacts of
every shard. Medians and quartiles are over the participants that have a value: the
median of an even count is the mean of the middle two, the quartiles are those of the
inclusive method (`statistics.quantiles(method="inclusive")`).
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

from careerloop.config import KPI_KEYS
from careerloop.errors import ConfigError, SourceError
from careerloop.kpi.engine import status_for
from careerloop.kpi.scorecard import Status
from careerloop.periods import Period
from careerloop.programme.config import ProgrammeConfig

STATUSES: tuple[str, ...] = get_args(Status)
KPI_MEDIAN_PLACES = 4  # a KPI value is a share or a count: 4 places drop float noise only
MAX_SCORECARD_BYTES = 1 << 20  # a scorecard is a few KB


@dataclass(frozen=True, slots=True)
class Quartiles:
    """The median and the first and third quartiles of a set of values."""

    median: float
    p25: float
    p75: float

    def as_json(self) -> dict[str, float]:
        """`{"median": 81, "p25": 70, "p75": 90}` (whole numbers without `.0`)."""
        return {"median": _number(self.median), "p25": _number(self.p25), "p75": _number(self.p75)}


@dataclass(frozen=True, slots=True)
class KpiCounts:
    """Participants per status of one KPI, and the median of its values."""

    on_track: int = 0
    at_risk: int = 0
    off_track: int = 0
    no_data: int = 0
    info: int = 0  # a KPI without a target has a value but no status to count
    median: float | None = None

    def as_json(self) -> dict[str, float | None]:
        """Each status's count and the median (None when no participant has a value)."""
        median = None if self.median is None else _number(round(self.median, KPI_MEDIAN_PLACES))
        return {
            "on_track": self.on_track,
            "at_risk": self.at_risk,
            "off_track": self.off_track,
            "no_data": self.no_data,
            "info": self.info,
            "median": median,
        }


@dataclass(frozen=True, slots=True)
class Attention:
    """A participant whose period is off track: its score, off-track KPIs and pitfalls."""

    participant: str
    score: int
    off_track: tuple[str, ...]
    pitfalls: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        """One entry of the rollup's `attention` list."""
        return {
            "participant": self.participant,
            "score": self.score,
            "off_track": list(self.off_track),
            "pitfalls": list(self.pitfalls),
        }


@dataclass(frozen=True, slots=True)
class CardSummary:
    """What the rollup needs of one participant's scorecard."""

    score: int | None
    kpis: dict[str, tuple[str, float | None]]  # key -> (status, value)
    pitfalls: tuple[str, ...]  # distinct codes, in the scorecard's order


@dataclass(frozen=True, slots=True)
class Rollup:
    """The cohort in one period.

    `participants` counts every configured participant, `scored` those with a scorecard
    for the period and `failed` names those without one. `scores` maps each participant
    with a score to it (for the distribution).
    """

    period: Period
    participants: int
    scored: int
    failed: tuple[str, ...]
    score: Quartiles | None
    kpis: dict[str, KpiCounts]
    pitfalls: dict[str, int]
    attention: tuple[Attention, ...]
    scores: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        """The object `programme rollup --json` prints."""
        return {
            "period": {
                "label": self.period.label,
                "kind": self.period.kind,
                "start": self.period.start.isoformat(),
                "end": self.period.end.isoformat(),
            },
            "participants": self.participants,
            "scored": self.scored,
            "failed": list(self.failed),
            "score": None if self.score is None else self.score.as_json(),
            "kpis": {key: counts.as_json() for key, counts in self.kpis.items()},
            "pitfalls": dict(self.pitfalls),
            "attention": [entry.as_json() for entry in self.attention],
        }


def _number(value: float) -> float:
    """A whole number as an int (81, not 81.0), as the scores themselves are written."""
    return int(value) if float(value).is_integer() else value


def quartiles(values: Sequence[float]) -> Quartiles | None:
    """Median, p25 and p75 by the inclusive method; None for no values."""
    if not values:
        return None
    if len(values) == 1:
        return Quartiles(values[0], values[0], values[0])
    p25, median, p75 = statistics.quantiles(values, n=4, method="inclusive")
    return Quartiles(median=statistics.median(values), p25=p25, p75=p75)


def kpi_counts(entries: Iterable[tuple[str, float | None]]) -> KpiCounts:
    """The counts per status and the median value of one KPI over the participants."""
    statuses: Counter[str] = Counter()
    values = []
    for status, value in entries:
        statuses[status] += 1
        if value is not None:
            values.append(value)
    return KpiCounts(
        on_track=statuses["on_track"],
        at_risk=statuses["at_risk"],
        off_track=statuses["off_track"],
        no_data=statuses["no_data"],
        info=statuses["info"],
        median=statistics.median(values) if values else None,
    )


def attention_list(cards: Mapping[str, CardSummary]) -> tuple[Attention, ...]:
    """The participants whose period is off track, lowest score first (then by name)."""
    entries = [
        Attention(
            participant=name,
            score=card.score,
            off_track=tuple(k for k, (status, _) in card.kpis.items() if status == "off_track"),
            pitfalls=card.pitfalls,
        )
        for name, card in cards.items()
        if card.score is not None and status_for(card.score) == "off_track"
    ]
    return tuple(sorted(entries, key=lambda entry: (entry.score, entry.participant)))


def summarise(period: Period, names: Sequence[str], cards: Mapping[str, CardSummary]) -> Rollup:
    """The rollup of the participants `names`, of which those in `cards` were scored."""
    scored = {name: cards[name] for name in sorted(names) if name in cards}
    scores = {name: card.score for name, card in scored.items() if card.score is not None}
    pitfalls = Counter(code for card in scored.values() for code in set(card.pitfalls))
    return Rollup(
        period=period,
        participants=len(names),
        scored=len(scored),
        failed=tuple(sorted(name for name in names if name not in cards)),
        score=quartiles(sorted(scores.values())),
        kpis={
            key: kpi_counts(card.kpis[key] for card in scored.values() if key in card.kpis)
            for key in _kpi_order(scored.values())
        },
        pitfalls=dict(sorted(pitfalls.items(), key=lambda item: (-item[1], item[0]))),
        attention=attention_list(scored),
        scores=scores,
    )


def _kpi_order(cards: Iterable[CardSummary]) -> list[str]:
    """The KPIs of the scorecards: the catalogue's first, in its order, then any others."""
    seen = {key for card in cards for key in card.kpis}
    return [key for key in KPI_KEYS if key in seen] + sorted(seen - set(KPI_KEYS))


def scorecard_path(folder: Path, participant: str, period: Period) -> Path:
    """Where a participant's scorecard of a period lives: `folder/<name>/<label>.json`."""
    return folder / participant / f"{period.label}.json"


def read_scorecards(
    names: Sequence[str], period: Period, folders: Sequence[Path]
) -> dict[str, CardSummary]:
    """Each participant's scorecard of the period, from the first folder that has one.

    Raises:
        ConfigError: a folder does not exist.
        SourceError: a scorecard file is not a scorecard of that period.
    """
    for folder in folders:
        if not folder.is_dir():
            raise ConfigError(
                f"no scorecards folder at {folder}: run `programme sync` first, "
                "or pass the folder its --out wrote"
            )
    cards: dict[str, CardSummary] = {}
    for name in names:
        for folder in folders:
            path = scorecard_path(folder, name, period)
            if path.is_file():
                cards[name] = parse_scorecard(path, period)
                break
    return cards


def parse_scorecard(path: Path, period: Period) -> CardSummary:
    """The score, KPI statuses and values, and pitfall codes of one scorecard file.

    Raises:
        SourceError: the file is unreadable, not JSON, or not a scorecard of `period`.
    """
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_SCORECARD_BYTES + 1)
        if len(raw) > MAX_SCORECARD_BYTES:
            raise ValueError(f"larger than {MAX_SCORECARD_BYTES // 1024} KB")
        data = json.loads(raw)
        return _card_from_json(data, period)
    except OSError as exc:
        raise SourceError(f"cannot read the scorecard {path}: {exc.strerror}") from None
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise SourceError(
            f"{path} is not a careerloop scorecard of {period.label} ({_reason(exc)}): "
            "write it again with `programme sync`"
        ) from None


def _reason(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"no {exc.args[0]!r}"
    if isinstance(exc, json.JSONDecodeError):
        return "not JSON"
    return str(exc) or type(exc).__name__


def _card_from_json(data: Any, period: Period) -> CardSummary:
    if data["period"]["label"] != period.label:
        raise ValueError(f"it is the scorecard of {data['period']['label']!r}")
    score = data["score"]
    if score is not None and (not isinstance(score, int) or isinstance(score, bool)):
        raise ValueError("its score is not a whole number")
    kpis: dict[str, tuple[str, float | None]] = {}
    for key, result in data["kpis"].items():
        status, value = result["status"], result["value"]
        if status not in STATUSES:
            raise ValueError(f"KPI {key!r} has the unknown status {status!r}")
        if value is not None and (not isinstance(value, int | float) or isinstance(value, bool)):
            raise ValueError(f"KPI {key!r} has a value that is not a number")
        kpis[str(key)] = (status, None if value is None else float(value))
    codes = [str(pitfall["code"]) for pitfall in data["pitfalls"]]
    return CardSummary(score=score, kpis=kpis, pitfalls=tuple(dict.fromkeys(codes)))


def build_rollup(programme: ProgrammeConfig, period: Period, folders: Sequence[Path]) -> Rollup:
    """The rollup of the programme's participants in `period`, from the scorecards in
    `folders` (none given: the programme's default scorecards folder).

    Raises:
        ConfigError: a folder does not exist.
        SourceError: a scorecard file is damaged.
    """
    names = [participant.name for participant in programme.participants]
    chosen = list(folders) or [programme.scorecards_dir]
    return summarise(period, names, read_scorecards(names, period, chosen))


def previous_rollup(
    programme: ProgrammeConfig, period: Period, folders: Sequence[Path]
) -> Rollup | None:
    """The rollup of the period before `period` (its trend), None when nothing scored it."""
    before = build_rollup(programme, period.previous(), folders)
    return before if before.scored else None
