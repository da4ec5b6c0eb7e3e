"""kpi/actions: one imperative action per pitfall and per weak KPI, merged and ranked.

Each expected sentence is worked out by hand in the comments next to it.
"""

from __future__ import annotations

import datetime as dt

from careerloop.config import KpisConfig
from careerloop.kpi import catalog
from careerloop.kpi.actions import PITFALL_WHY, WHY, ActionContext, plan_actions
from careerloop.kpi.scorecard import KpiResult, Pitfall
from careerloop.periods import Period
from tests.unit.kpi_records import D, index_of, module, result, session

OCT = Period.parse("2026-10")
AFTER = D(2026, 11, 26)  # October has ended
SETTINGS = KpisConfig()

# Mon 5 and Tue 6 October: two modules learned; a third, planned on the 20th, stays open.
RECORDS = (
    module("m1", planned=D(2026, 10, 5), completed=D(2026, 10, 5), minutes=20),
    module("m2", planned=D(2026, 10, 6), completed=D(2026, 10, 6), minutes=30),
    module("m3", planned=D(2026, 10, 20)),
    session("s1", D(2026, 10, 7), mentor="Priya"),
    session("s2", D(2026, 10, 21), mentor="Priya"),
    session("s3", D(2026, 10, 28), mentor="Sam"),
)


def weak_learning() -> dict[str, KpiResult]:
    return {
        # 2 active days of 22 weekdays: 0.0909 of 0.6 -> score 15, off track.
        "learning_consistency": result(
            "learning_consistency",
            "Days with learning vs weekdays",
            2 / 22,
            0.6,
            15,
            "off_track",
            active_days=2,
            weekdays=22,
        ),
        # 2 of 3 planned done: 0.667 of 0.8 -> score 83, at risk.
        "module_completion": result(
            "module_completion",
            "Modules completed vs planned",
            2 / 3,
            0.8,
            83,
            "at_risk",
            planned=3,
            done=2,
        ),
        "goal_alignment": result(
            "goal_alignment",
            "Learning linked to a goal",
            1.0,
            0.9,
            100,
            "on_track",
            aligned=2,
            completed=2,
        ),
    }


def test_when_and_mentor_read_the_period_and_the_sessions() -> None:
    index = index_of(*RECORDS)
    closed = ActionContext(index, OCT, D(2026, 10, 31), False, {}, SETTINGS)
    running = ActionContext(index, OCT, D(2026, 10, 20), True, {}, SETTINGS)
    quarter = ActionContext(index, Period.parse("2026-Q3"), D(2026, 9, 30), False, {}, SETTINGS)
    assert (closed.when(), running.when(), quarter.when()) == (
        "next month",
        "by 31 Oct",
        "next quarter",
    )
    assert closed.mentor() == "Priya"  # 2 of the 3 sessions
    assert ActionContext(index_of(), OCT, AFTER, False, {}, SETTINGS).mentor() == "your mentor"


def test_two_weak_learning_kpis_become_one_merged_action() -> None:
    actions = plan_actions(index_of(*RECORDS), OCT, AFTER, weak_learning(), [], SETTINGS)
    assert len(actions) == 1
    action = actions[0]
    # Slots: gap 0.6 - 0.0909 = 0.509, × 5 = 2.55 -> 3. Minutes: the middle of [20, 30]
    # is 30. Quiet weekdays: Wed, Thu, Fri had no learning (Mon and Tue had one each).
    assert action.text == (
        "Block three 30-minute learning slots a week, on Wednesdays, Thursdays and Fridays: "
        "2 of 22 weekdays had learning (9%, target 60%); "
        "2 of 3 planned modules are done (67%, target 80%)"
    )
    assert action.kpis == ["learning_consistency", "module_completion"]
    assert action.items == ["m3"]  # the planned module still open
    assert action.status == "off_track"
    assert action.gap == 85  # 100 - 15, the larger gap of the two
    assert action.why == f"{WHY['learning_consistency']} {WHY['module_completion']}"


def test_a_pitfall_answers_its_weak_kpi_so_the_kpi_gets_no_action_of_its_own() -> None:
    kpis = {
        "goal_alignment": result(
            "goal_alignment",
            "Learning linked to a goal",
            0.0,
            0.9,
            0,
            "off_track",
            aligned=0,
            completed=2,
        )
    }
    pitfall = Pitfall(
        code=catalog.UNALIGNED_LEARNING,
        severity="critical",
        message="Only 0 of 2 modules completed in 2026-10 are linked to a goal.",
        items=["m1", "m2"],
    )
    actions = plan_actions(index_of(*RECORDS), OCT, AFTER, kpis, [pitfall], SETTINGS)
    assert [(a.pitfall, a.kpis, a.status) for a in actions] == [
        ("unaligned-learning", ["goal_alignment"], "off_track")
    ]
    # m1 and m2 have no goal: "Link the 2 modules …", then the KPI's figures.
    assert actions[0].text == (
        "Link the 2 modules without a goal to the goal they serve, or drop them from the "
        "plan: 0 of 2 modules completed served a goal (0%, target 90%)"
    )
    assert actions[0].items == ["m1", "m2"]
    assert actions[0].why == WHY["goal_alignment"]


def test_a_pitfall_without_a_weak_kpi_ranks_after_an_off_track_kpi() -> None:
    stalled = Pitfall(
        code=catalog.STALLED_GOAL,
        severity="warning",
        message="1 goal due by 2026-12-30 had no module completed.",
        items=["Lead a team"],
    )
    kpis = {
        "mentor_cadence": result(
            "mentor_cadence",
            "Mentor sessions vs planned",
            0.5,
            1.0,
            50,
            "off_track",
            sessions=1,
            expected=2,
        )
    }
    actions = plan_actions(index_of(*RECORDS), OCT, AFTER, kpis, [stalled], SETTINGS)
    # Off track (the cadence) before at risk (the stalled goal, a warning).
    assert [(a.pitfall, a.status) for a in actions] == [
        (None, "off_track"),
        ("stalled-goal", "at_risk"),
    ]
    # Cadence: 2 expected - 1 held = 1 session to book, with the mentor of most sessions.
    assert actions[0].text == (
        "Book 1 mentor session with Priya next month and keep a recurring slot: "
        "1 of 2 planned sessions held (50%, target 100%)"
    )
    assert actions[1].text == (
        "Schedule a module or a milestone for “Lead a team” this week, or move its target "
        "date: 1 goal due by 2026-12-30 had no module completed"
    )
    assert actions[1].why == PITFALL_WHY[catalog.STALLED_GOAL]
    assert actions[1].kpis == []


def test_a_heavier_kpi_ranks_first_among_equal_statuses() -> None:
    kpis = weak_learning()
    kpis["module_completion"].status = "off_track"
    kpis["goal_alignment"] = result(
        "goal_alignment",
        "Learning linked to a goal",
        0.5,
        0.9,
        56,
        "off_track",
        aligned=1,
        completed=2,
    )
    settings = KpisConfig(weights={"goal_alignment": 3})
    actions = plan_actions(index_of(*RECORDS), OCT, AFTER, kpis, [], settings)
    # goal_alignment weighs 3 against 1: first, although its gap (44) is the smaller.
    assert [a.kpis for a in actions] == [
        ["goal_alignment"],
        ["learning_consistency", "module_completion"],
    ]
    assert [a.weight for a in actions] == [3.0, 1.0]


def test_nothing_weak_and_no_pitfall_gives_no_action() -> None:
    kpis = {
        "goal_alignment": result(
            "goal_alignment", "Learning linked to a goal", 1.0, 0.9, 100, "on_track"
        )
    }
    assert plan_actions(index_of(*RECORDS), OCT, dt.date(2026, 11, 2), kpis, [], SETTINGS) == []
