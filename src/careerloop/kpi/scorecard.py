"""What the KPI engine produces and the templates read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from careerloop.periods import Period

Status = Literal["on_track", "at_risk", "off_track", "no_data", "info"]
Severity = Literal["info", "warning", "critical"]


@dataclass(slots=True, kw_only=True)
class KpiResult:
    """One KPI over one period."""

    key: str
    label: str
    value: float | None
    target: float | None
    score: int | None
    status: Status
    previous: float | None = None
    delta: float | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The shape of `kpis --json`."""
        return {
            "value": self.value,
            "target": self.target,
            "score": self.score,
            "status": self.status,
            "previous": self.previous,
            "delta": self.delta,
            "detail": self.detail,
        }


@dataclass(slots=True, kw_only=True)
class Pitfall:
    """A known pitfall found in the period, with what to do about it."""

    code: str
    severity: Severity
    message: str
    items: list[str] = field(default_factory=list)
    advice: str = ""

    def to_json(self) -> dict[str, Any]:
        """The shape of `kpis --json`."""
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "items": self.items,
        }


@dataclass(slots=True, kw_only=True)
class TrackRow:
    """Learning and application per track over the period."""

    track: str
    modules: int
    minutes: float
    applications: int
    per_hour: float | None

    def to_json(self) -> dict[str, Any]:
        """The shape of `kpis --json`."""
        return {
            "track": self.track,
            "modules": self.modules,
            "minutes": self.minutes,
            "applications": self.applications,
            "per_hour": self.per_hour,
        }


@dataclass(slots=True, kw_only=True)
class GoalProgress:
    """Where a goal stands at the end of the period (for quarterly reviews)."""

    id: str
    title: str
    horizon: str | None
    target_date: str | None
    done: bool
    modules_completed: int
    modules_in_period: int
    milestones_done: int
    milestones_total: int


@dataclass(slots=True, kw_only=True)
class Scorecard:
    """Every KPI, pitfall and track of one period: all a review template sees."""

    period: Period
    score: int | None
    status: Status
    kpis: dict[str, KpiResult]
    pitfalls: list[Pitfall] = field(default_factory=list)
    tracks: list[TrackRow] = field(default_factory=list)
    accelerate: str | None = None
    revisit: str | None = None
    goals: list[GoalProgress] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    running: bool = False  # the period has not ended yet (a draft)

    def to_json(self) -> dict[str, Any]:
        """The object `careerloop kpis --json` prints (DESIGN.md)."""
        return {
            "period": {
                "label": self.period.label,
                "kind": self.period.kind,
                "start": self.period.start.isoformat(),
                "end": self.period.end.isoformat(),
            },
            "score": self.score,
            "kpis": {key: result.to_json() for key, result in self.kpis.items()},
            "pitfalls": [p.to_json() for p in self.pitfalls],
            "tracks": [t.to_json() for t in self.tracks],
        }
