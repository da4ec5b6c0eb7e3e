"""periods.py: months and quarters, their labels and neighbours, and local dates."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from careerloop.errors import PeriodError
from careerloop.periods import (
    PERIOD_TO_REVIEW,
    REVIEW_TO_PERIOD,
    Period,
    local_date,
    parse_iso,
    parse_timestamp,
)

BERLIN = ZoneInfo("Europe/Berlin")


def test_labels_parse_both_ways() -> None:
    assert Period.parse("2026-10") == Period("month", 2026, 10)
    assert Period.parse(" 2026-q4 ") == Period("quarter", 2026, 4)
    assert Period("month", 2026, 3).label == "2026-03"
    assert str(Period("quarter", 2026, 1)) == "2026-Q1"


@pytest.mark.parametrize("label", ["2026-13", "2026-00", "2026-Q5", "26-10", "2026-１０", ""])
def test_what_is_no_period_is_refused(label: str) -> None:
    with pytest.raises(PeriodError, match="is not a month like 2026-10 or a quarter like"):
        Period.parse(label)


def test_a_year_outside_the_calendar_reach_is_refused() -> None:
    with pytest.raises(PeriodError, match="out of range: the year must be between 0002 and 9998"):
        Period.parse("9999-01")


def test_start_end_and_length() -> None:
    q3 = Period.parse("2026-Q3")
    assert (q3.start, q3.end, q3.months) == (dt.date(2026, 7, 1), dt.date(2026, 9, 30), 3)
    feb = Period.parse("2028-02")  # a leap year
    assert (feb.start, feb.end, feb.months) == (dt.date(2028, 2, 1), dt.date(2028, 2, 29), 1)
    assert q3.contains(dt.date(2026, 9, 30)) and not q3.contains(dt.date(2026, 10, 1))
    assert not q3.contains(None)


def test_neighbours_cross_the_year() -> None:
    assert Period.parse("2026-12").next() == Period.parse("2027-01")
    assert Period.parse("2027-01").previous() == Period.parse("2026-12")
    assert Period.parse("2026-Q4").next() == Period.parse("2027-Q1")
    assert Period.parse("2027-Q1").previous() == Period.parse("2026-Q4")


def test_containing_and_last_closed() -> None:
    today = dt.date(2026, 11, 26)
    assert Period.containing(today, "month").label == "2026-11"
    assert Period.containing(today, "quarter").label == "2026-Q4"
    assert Period.last_closed("month", today).label == "2026-10"
    assert Period.last_closed("quarter", today).label == "2026-Q3"
    # On the first day of a period the one before has closed.
    assert Period.last_closed("month", dt.date(2026, 11, 1)).label == "2026-10"


def test_the_months_of_a_quarter_and_whether_a_period_has_ended() -> None:
    assert [m.label for m in Period.parse("2026-Q4").month_periods()] == [
        "2026-10", "2026-11", "2026-12"]
    assert Period.parse("2026-10").month_periods() == [Period.parse("2026-10")]
    october = Period.parse("2026-10")
    assert not october.has_ended(dt.date(2026, 10, 31))
    assert october.has_ended(dt.date(2026, 11, 1))


def test_review_kind_and_period_kind_map_both_ways() -> None:
    assert REVIEW_TO_PERIOD == {"monthly": "month", "quarterly": "quarter"}
    assert {PERIOD_TO_REVIEW[p]: p for p in PERIOD_TO_REVIEW} == REVIEW_TO_PERIOD


def test_local_dates_convert_offsets_to_the_workspace_zone() -> None:
    # 23:30 UTC on 31 October is 00:30 on 1 November in Berlin (CET, UTC+1).
    late = dt.datetime(2026, 10, 31, 23, 30, tzinfo=dt.UTC)
    assert local_date(late, BERLIN) == dt.date(2026, 11, 1)
    assert local_date(dt.datetime(2026, 10, 31, 23, 30), BERLIN) == dt.date(2026, 10, 31)
    assert parse_iso("2026-10-31T23:30:00Z", BERLIN) == dt.date(2026, 11, 1)
    assert parse_iso("2026-10-31", BERLIN) == dt.date(2026, 10, 31)
    with pytest.raises(ValueError, match="outside the calendar"):
        local_date(dt.datetime(9999, 12, 31, 23, 30, tzinfo=dt.UTC), BERLIN)


def test_timestamps_without_an_offset_are_utc() -> None:
    assert parse_timestamp("2026-10-31T23:30:00") == dt.datetime(2026, 10, 31, 23, 30,
                                                                 tzinfo=dt.UTC)
    assert parse_timestamp("2026-10-31T23:30:00Z").tzinfo == dt.UTC
