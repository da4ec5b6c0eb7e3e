"""kpi/pace: long-horizon goals on pace, shorter goals counted.

Every figure is worked out by hand next to it.
"""

from __future__ import annotations

import pytest

from careerloop.kpi.pace import due_soon, goal_pace, horizon_key, is_long, short_goals
from careerloop.model import Record
from careerloop.periods import Period
from tests.unit.kpi_records import D, goal, index_of, milestone, module

OCT = Period.parse("2026-10")
LONG = ["6m", "12m"]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("6 months", "6m"),
        ("6m", "6m"),
        (" 12  Mo ", "12m"),
        ("1y", "12m"),
        ("2 years", "24m"),
        ("Sprint", "sprint"),
        (None, ""),
    ],
)
def test_horizon_key(text: str | None, key: str) -> None:
    assert horizon_key(text) == key


def test_a_goal_is_long_when_its_horizon_is_configured() -> None:
    assert is_long(goal("g", None, horizon="1 year"), LONG)
    assert not is_long(goal("g", None, horizon="3m"), LONG)


def _plan() -> tuple[Record, ...]:
    return (
        goal("Lead", D(2027, 1, 1), horizon="6 months"),
        module("first", planned=D(2026, 7, 1), goals=("Lead",)),  # work began 1 Jul
        milestone("Mentor a junior", D(2026, 9, 1), done_on=D(2026, 9, 1), goals=("Lead",)),
        milestone("Run a project", D(2026, 12, 1), goals=("Lead",)),
        module("done", completed=D(2026, 10, 12), goals=("Lead",)),
    )


def test_a_goal_behind_pace() -> None:
    index = index_of(*_plan())
    [row] = goal_pace(index, OCT, D(2026, 10, 31), LONG)
    # 1 Jul -> 1 Jan is 184 days; 1 Jul -> 31 Oct is 122: 122 / 184 = 0.663 of the time
    # gone, against 1 of 2 milestones (0.5): behind.
    assert row.elapsed == pytest.approx(122 / 184)
    assert (row.milestones_done, row.milestones_total, row.pace) == (1, 2, "behind")
    assert (row.next_milestone, row.next_due) == ("Run a project", D(2026, 12, 1))
    assert row.days_left == 62  # 31 Oct -> 1 Jan
    assert (row.modules_in_period, row.modules_completed) == (1, 1)


def test_due_soon_is_within_60_days() -> None:
    index = index_of(*_plan())
    rows = goal_pace(index, OCT, D(2026, 10, 31), LONG)
    assert not due_soon(rows, D(2026, 10, 31))  # 62 days ahead
    assert due_soon(rows, D(2026, 11, 5))  # 57 days ahead


def test_a_goal_without_milestones_or_date() -> None:
    index = index_of(goal("Undated", None, horizon="12m"), goal("Bare", D(2027, 3, 1)))
    rows = goal_pace(index, OCT, D(2026, 10, 31), LONG)
    # By target date, undated last; no linked record: no elapsed share, so no pace yet.
    assert [(r.title, r.pace) for r in rows] == [("Bare", "no_date"), ("Undated", "no_date")]


def test_shorter_goals_are_counted_with_their_horizon_name() -> None:
    index = index_of(
        goal("a", D(2026, 10, 10), horizon="Sprint", done=True),
        goal("b", D(2026, 10, 20), horizon="sprint"),
        goal("c", D(2026, 11, 20), horizon="Sprint"),  # after the period
    )
    shorter = short_goals(index, OCT, D(2026, 10, 31), LONG)
    assert shorter is not None
    assert (shorter.label, shorter.due, shorter.done) == ("shorter goals", 2, 1)
    one_name = index_of(goal("a", D(2026, 10, 10), horizon="Sprint"))
    named = short_goals(one_name, OCT, D(2026, 10, 31), LONG)
    assert named is not None and named.label == "Sprint goals"
    assert short_goals(index_of(), OCT, D(2026, 10, 31), LONG) is None
