"""Months and quarters in the workspace time zone, and local dates from timestamps."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

from careerloop.errors import PeriodError

PeriodKind = Literal["month", "quarter"]
ReviewKind = Literal["monthly", "quarterly"]

_MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")  # ASCII digits only
_QUARTER = re.compile(r"^([0-9]{4})-[Qq]([1-4])$")

# The one mapping between a review's kind and its period's kind, both ways.
REVIEW_TO_PERIOD: dict[str, PeriodKind] = {"monthly": "month", "quarterly": "quarter"}
PERIOD_TO_REVIEW: dict[str, ReviewKind] = {"month": "monthly", "quarter": "quarterly"}
# A review reaches a year back (its trend) and a period ahead: inside the calendar of
# `datetime.date` (years 1 to 9999) for these years only.
MIN_YEAR, MAX_YEAR = 2, 9998


@dataclass(frozen=True, slots=True, order=True)
class Period:
    """A calendar month (`2026-10`) or quarter (`2026-Q4`).

    `index` is the month (1-12) or the quarter (1-4).
    """

    kind: PeriodKind
    year: int
    index: int

    @classmethod
    def parse(cls, label: str) -> Period:
        """Parse `2026-10` or `2026-Q4`.

        Raises:
            PeriodError: the label is neither a month nor a quarter.
        """
        text = label.strip()
        year = _MONTH.match(text) or _QUARTER.match(text)
        if year and not MIN_YEAR <= int(year.group(1)) <= MAX_YEAR:
            raise PeriodError(
                f"period {label!r} is out of range: the year must be between "
                f"{MIN_YEAR:04d} and {MAX_YEAR}"
            )
        if m := _MONTH.match(text):
            month = int(m.group(2))
            if 1 <= month <= 12:
                return cls("month", int(m.group(1)), month)
        if m := _QUARTER.match(text):
            return cls("quarter", int(m.group(1)), int(m.group(2)))
        raise PeriodError(
            f"period {label!r} is not a month like 2026-10 or a quarter like 2026-Q4"
        )

    @classmethod
    def containing(cls, day: dt.date, kind: PeriodKind) -> Period:
        """The month or quarter that contains `day`."""
        if kind == "month":
            return cls("month", day.year, day.month)
        return cls("quarter", day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def last_closed(cls, kind: PeriodKind, today: dt.date) -> Period:
        """The last period of this kind that has ended before `today`."""
        return cls.containing(today, kind).previous()

    @property
    def label(self) -> str:
        """`2026-10` or `2026-Q4`."""
        if self.kind == "month":
            return f"{self.year:04d}-{self.index:02d}"
        return f"{self.year:04d}-Q{self.index}"

    @property
    def months(self) -> int:
        """1 for a month, 3 for a quarter."""
        return 1 if self.kind == "month" else 3

    @property
    def start(self) -> dt.date:
        """First day."""
        first_month = self.index if self.kind == "month" else 3 * (self.index - 1) + 1
        return dt.date(self.year, first_month, 1)

    @property
    def end(self) -> dt.date:
        """Last day."""
        return self.next().start - dt.timedelta(days=1)

    def contains(self, day: dt.date | None) -> bool:
        """Whether `day` lies in the period (S <= day <= E)."""
        return day is not None and self.start <= day <= self.end

    def next(self) -> Period:
        """The following period of the same kind."""
        last = 12 if self.kind == "month" else 4
        if self.index == last:
            return Period(self.kind, self.year + 1, 1)
        return Period(self.kind, self.year, self.index + 1)

    def previous(self) -> Period:
        """The preceding period of the same kind."""
        last = 12 if self.kind == "month" else 4
        if self.index == 1:
            return Period(self.kind, self.year - 1, last)
        return Period(self.kind, self.year, self.index - 1)

    def month_periods(self) -> list[Period]:
        """The months of this period (itself for a month)."""
        if self.kind == "month":
            return [self]
        first = 3 * (self.index - 1) + 1
        return [Period("month", self.year, first + i) for i in range(3)]

    def has_ended(self, today: dt.date) -> bool:
        """Whether the period's last day is before `today`."""
        return self.end < today

    def __str__(self) -> str:
        return self.label


def local_date(value: dt.datetime | dt.date, tz: ZoneInfo) -> dt.date:
    """The date of `value` in the workspace zone.

    A datetime with an offset is converted to the zone first; one without an offset is
    already local.
    """
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            try:
                value = value.astimezone(tz)
            except OverflowError:  # 9999-12-31T23:30Z is in year 10000 in Berlin
                raise ValueError(f"{value.isoformat()} is outside the calendar") from None
        return value.date()
    return value


def parse_iso(text: str, tz: ZoneInfo) -> dt.date:
    """The local date of an ISO date or datetime string (`Z` allowed).

    Raises:
        ValueError: the text is not ISO 8601.
    """
    text = text.strip()
    if len(text) == 10:
        return dt.date.fromisoformat(text)
    return local_date(dt.datetime.fromisoformat(text.replace("Z", "+00:00")), tz)


def parse_timestamp(text: str) -> dt.datetime:
    """An aware datetime from an ISO timestamp (`Z` allowed; naive taken as UTC)."""
    value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def today_in(tz: ZoneInfo) -> dt.date:
    """Today in the workspace time zone."""
    return dt.datetime.now(tz).date()
