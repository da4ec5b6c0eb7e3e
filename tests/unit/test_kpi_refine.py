"""kpi/refine: the quarterly checklist from KPIs below target for months, goals, tracks.

Every figure is worked out by hand next to it.
"""

from __future__ import annotations

from careerloop.config import KpisConfig
from careerloop.kpi.refine import months_below, refinements
from careerloop.kpi.scorecard import GoalPace, KpiResult
from careerloop.periods import Period
from tests.unit.kpi_records import D, index_of, module, result

OCT = Period.parse("2026-10")
TODAY = D(2026, 11, 26)
SETTINGS = KpisConfig()

# August, September and October: one module linked to a goal and one not (0.5 a month).
HALF_ALIGNED = [
    record
    for month in (8, 9, 10)
    for record in (
        module(f"linked-{month}", completed=D(2026, month, 3), goals=("g",)),
        module(f"loose-{month}", completed=D(2026, month, 4)),
    )
]


def test_months_below_runs_back_while_the_kpi_stays_below() -> None:
    index = index_of(*HALF_ALIGNED)
    history = months_below(index, OCT, SETTINGS, TODAY, "goal_alignment", 0.9)
    # Newest first; July has no record before the plan began, so the run stops there.
    assert [(month.label, value) for month, value, _ in history] == [
        ("2026-10", 0.5),
        ("2026-09", 0.5),
        ("2026-08", 0.5),
    ]
    assert months_below(index, OCT, SETTINGS, TODAY, "goal_alignment", 0.5) == []
    assert months_below(index, OCT, SETTINGS, TODAY, "no_such_kpi", 0.5) == []


def _weak_alignment() -> dict[str, KpiResult]:
    return {
        "goal_alignment": result(
            "goal_alignment", "Learning linked to a goal", 0.5, 0.9, 56, "off_track"
        )
    }


def test_the_checklist_names_the_months_the_goals_the_tracks_and_the_next_plan() -> None:
    index = index_of(*HALF_ALIGNED, module("next", planned=D(2026, 11, 30)))
    behind = GoalPace(
        id="g",
        title="Lead",
        horizon="6m",
        target_date=D(2027, 1, 1),
        done=False,
        milestones_done=1,
        milestones_total=3,
        next_milestone="Run a project",
        next_due=D(2026, 12, 1),
        days_left=36,
        elapsed=0.663,
        pace="behind",
    )
    bare = GoalPace(
        id="h",
        title="Speak",
        horizon="12m",
        target_date=D(2027, 6, 1),
        done=False,
        milestones_done=0,
        milestones_total=0,
        next_milestone=None,
        next_due=None,
        days_left=187,
        elapsed=0.2,
        pace="no_milestones",
    )
    items = refinements(
        index, OCT, SETTINGS, TODAY, _weak_alignment(), [behind, bare], ("SQL", 2, "Design", 1), 1
    )
    assert items == [
        # Mean 0.5 over 3 months (Oct, Sep, Aug: July has no record).
        "Learning linked to a goal has been below 90% for 3 months: lower the target to 0.5 "
        "or link each module to a goal when you plan it",
        # 0.663 -> 66% of the time gone.
        "“Lead” is behind pace (1 of 3 milestones reached, 66% of its time gone): plan "
        "“Run a project” by 1 Dec 2026, or move its target date",
        "Give “Speak” milestones, so its pace can be tracked",
        "Give SQL more of the next month: it has turned learning into practice best for 2 "
        "months in a row",
        "Rework or retire the Design track: it has turned the least learning into practice "
        "this month",
        "Plan the modules and dates of 2026-11: 1 module is planned so far",
    ]


def test_one_month_below_target_or_a_count_gets_no_item() -> None:
    index = index_of(*HALF_ALIGNED[-2:])  # October only: one month below
    kpis = {
        **_weak_alignment(),
        # A count: the actions already say what to do.
        "skills_applied": result(
            "skills_applied", "New skills applied in live projects", 0, 3.0, 0, "off_track"
        ),
    }
    items = refinements(index, OCT, SETTINGS, TODAY, kpis, [], (None, 0, None, 0), 0)
    assert items == ["Plan the modules and dates of 2026-11: 0 modules are planned so far"]


def test_a_running_month_without_data_ends_the_look_back() -> None:
    # Q4 on 26 Nov: the look-back starts in November, which has no module yet (no value).
    index = index_of(*HALF_ALIGNED)
    assert (
        months_below(index, Period.parse("2026-Q4"), SETTINGS, TODAY, "goal_alignment", 0.9) == []
    )
