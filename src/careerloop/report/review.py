"""A review: one period, one kind, and everything its template may show."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from careerloop.kpi.scorecard import Scorecard
from careerloop.periods import Period

ReviewKind = Literal["monthly", "quarterly"]


@dataclass(slots=True, frozen=True)
class TrendPoint:
    """The period score of one earlier (or this) period, for the trend chart."""

    label: str
    score: int | None


@dataclass(slots=True, frozen=True, kw_only=True)
class StaleSource:
    """A source that failed this run: the review uses its data from the last good read."""

    source: str
    last_good_read: dt.date
    failed_part: str  # the failure, naming what could not be read


@dataclass(slots=True, kw_only=True)
class Review:
    """The input of a review template.

    `months` holds the monthly scorecards of a quarter (empty for a monthly review);
    `trend` runs oldest first and ends with this period; `stale_sources` are the sources
    this run could not read, whose stored data the review stands on.
    """

    kind: ReviewKind
    scorecard: Scorecard
    trend: list[TrendPoint] = field(default_factory=list)
    months: list[Scorecard] = field(default_factory=list)
    generated_on: dt.date
    draft: bool = False
    stale_sources: list[StaleSource] = field(default_factory=list)

    @property
    def period(self) -> Period:
        """The reviewed period."""
        return self.scorecard.period

    @property
    def key(self) -> str:
        """`2026-10-monthly`: the upsert key (period, kind) as one string."""
        return f"{self.period.label}-{self.kind}"

    @property
    def title(self) -> str:
        """The page or card title."""
        name = "Monthly review" if self.kind == "monthly" else "Quarterly review"
        suffix = " (draft)" if self.draft else ""
        return f"{name} {self.period.label}{suffix}"
