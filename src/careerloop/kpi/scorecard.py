"""What the KPI engine produces and the templates read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from careerloop.periods import Period

Status = Literal["on_track", "at_risk", "off_track", "no_data", "info"]
Severity = Literal["info", "warning", "critical"]
ComingKind = Literal["session", "module", "milestone", "goal"]
Pace = Literal["done", "on_pace", "behind", "no_milestones", "no_date"]


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
class Action:
    """One thing to do, in one imperative sentence, and what it answers.

    `rank` orders actions: off track before at risk, then KPI weight, then the gap.
    """

    text: str
    why: str
    kpis: list[str] = field(default_factory=list)
    pitfall: str | None = None
    items: list[str] = field(default_factory=list)
    status: Status = "at_risk"
    weight: float = 1.0
    gap: int = 0

    def to_json(self) -> dict[str, Any]:
        """The shape of `kpis --json`."""
        return {
            "text": self.text,
            "why": self.why,
            "kpis": self.kpis,
            "pitfall": self.pitfall,
            "items": self.items,
        }


@dataclass(slots=True, kw_only=True)
class ComingItem:
    """A dated thing in the 30 days after the period (or after today while it runs)."""

    date: dt.date
    kind: ComingKind
    title: str
    detail: str = ""  # a module's track, a session's mentor

    def to_json(self) -> dict[str, Any]:
        """The shape of `kpis --json`."""
        return {"date": self.date.isoformat(), "kind": self.kind, "title": self.title}


@dataclass(slots=True, kw_only=True)
class Insight:
    """A mentor insight of the period, trimmed to a sentence or two."""

    date: dt.date
    mentor: str | None
    session: str
    text: str


@dataclass(slots=True, kw_only=True)
class OpenItems:
    """A session of the period whose action items are not all done."""

    date: dt.date
    session: str
    mentor: str | None
    open: int
    total: int


@dataclass(slots=True, kw_only=True)
class AdvancementNote:
    """An advancement of the period with the competencies it built on."""

    date: dt.date
    title: str
    kind: str
    description: str
    skills: list[str]
    built_on: list[str]  # its skills learned or applied by its date


@dataclass(slots=True, kw_only=True)
class MilestoneNote:
    """A milestone due (or reached) in the period."""

    title: str
    due: dt.date | None
    done_on: dt.date | None

    @property
    def days_late(self) -> int | None:
        """Days after the due date it was reached; None when not reached or on time."""
        if self.due is None or self.done_on is None or self.done_on <= self.due:
            return None
        return (self.done_on - self.due).days


@dataclass(slots=True, kw_only=True)
class GoalPace:
    """A long-horizon goal: milestones reached, the next one, and whether it is on pace.

    On pace means the share of milestones reached is at least the share of time gone
    from the goal's first linked record to its target date.
    """

    id: str
    title: str
    horizon: str | None
    target_date: dt.date | None
    done: bool
    milestones_done: int
    milestones_total: int
    next_milestone: str | None
    next_due: dt.date | None
    days_left: int | None
    elapsed: float | None  # share of the goal's time gone, 0..1
    pace: Pace
    modules_in_period: int = 0
    modules_completed: int = 0


@dataclass(slots=True, kw_only=True)
class ShortGoals:
    """The shorter goals due in the period, counted rather than listed."""

    label: str  # "sprint goals", "shorter goals"
    due: int
    done: int


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
    as_of: dt.date | None = None  # E, or today while the period runs
    actions: list[Action] = field(default_factory=list)
    coming_up: list[ComingItem] = field(default_factory=list)
    coming_from: dt.date | None = None  # first day of the coming-up window
    coming_to: dt.date | None = None  # last day of the coming-up window
    insights: list[Insight] = field(default_factory=list)
    open_items: list[OpenItems] = field(default_factory=list)
    advancement_notes: list[AdvancementNote] = field(default_factory=list)
    milestones_reached: list[MilestoneNote] = field(default_factory=list)
    milestones_missed: list[MilestoneNote] = field(default_factory=list)
    goal_pace: list[GoalPace] = field(default_factory=list)
    goals_due_soon: bool = False  # a long-horizon goal is due within 60 days of as_of
    short_goals: ShortGoals | None = None
    track_window: tuple[dt.date, dt.date] | None = None  # the tracks' rolling window
    accelerate_periods: int = 0  # periods in a row the track has held that place
    revisit_periods: int = 0
    refinements: list[str] = field(default_factory=list)
    feedback_scale: tuple[float, float] = (1.0, 5.0)

    def to_json(self) -> dict[str, Any]:
        """The object `careerloop kpis --json` prints (docs/kpis.md)."""
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
            "actions": [a.to_json() for a in self.actions],
            "coming_up": [c.to_json() for c in self.coming_up],
            "warnings": list(self.warnings),
        }
