"""kpi/coming: the dated plan in the 30 days after the period, or after today."""

from __future__ import annotations

from careerloop.kpi.coming import coming_up, coming_window
from careerloop.periods import Period
from tests.unit.kpi_records import D, goal, index_of, milestone, module, session

OCT = Period.parse("2026-10")
NOV = Period.parse("2026-11")


def test_the_window_is_the_30_days_after_the_end_or_after_today() -> None:
    # October has ended by 26 Nov: 1..30 Nov (30 days, both ends included).
    assert coming_window(OCT, D(2026, 11, 26)) == (D(2026, 11, 1), D(2026, 11, 30))
    # November runs on the 10th: 11 Nov .. 10 Dec.
    assert coming_window(NOV, D(2026, 11, 10)) == (D(2026, 11, 11), D(2026, 12, 10))


def test_coming_up_lists_what_is_still_open_by_date_then_kind() -> None:
    index = index_of(
        session("Check-in", D(2026, 11, 4), mentor="Priya"),
        module("Done early", planned=D(2026, 11, 4), completed=D(2026, 10, 30)),
        module("SQL joins", planned=D(2026, 11, 4), track="  Data   skills "),
        milestone("Portfolio", D(2026, 11, 4)),
        milestone("Reached", D(2026, 11, 6), done_on=D(2026, 10, 29)),
        goal("Lead", D(2026, 11, 20)),
        goal("Finished", D(2026, 11, 21), done=True),
        session("Too late", D(2026, 12, 1)),  # after 30 Nov
    )
    items = coming_up(index, OCT, D(2026, 11, 26))
    # 4 Nov: the session, the milestone, then the module (kinds in that order); the module
    # completed on 30 Oct (by E) and the reached milestone are left out, and so is the
    # goal already done.
    assert [(i.date, i.kind, i.title, i.detail) for i in items] == [
        (D(2026, 11, 4), "session", "Check-in", "Priya"),
        (D(2026, 11, 4), "milestone", "Portfolio", ""),
        (D(2026, 11, 4), "module", "SQL joins", "Data skills"),
        (D(2026, 11, 20), "goal", "Lead", ""),
    ]


def test_a_module_completed_after_the_period_is_still_coming_up_in_its_review() -> None:
    index = index_of(module("Late", planned=D(2026, 11, 3), completed=D(2026, 11, 20)))
    # As of 31 Oct it was not done: the October review reads the same on any later day.
    assert [i.title for i in coming_up(index, OCT, D(2026, 11, 26))] == ["Late"]
    assert coming_up(index, NOV, D(2026, 11, 26)) == []  # after 26 Nov: nothing dated
