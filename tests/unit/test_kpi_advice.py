"""The advice in a scorecard: actions, coming up, goal pace, rolling tracks, refinements,
comparisons only with real data, and a running month scored as of today.

Every expected number is worked out by hand in the comments next to it.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from careerloop.config import KpisConfig
from careerloop.kpi.engine import build_scorecard
from careerloop.model import (
    Record,
    Workspace,
)
from careerloop.periods import Period
from tests.unit.kpi_records import application, goal, milestone, module, session

D = dt.date
OCT = Period.parse("2026-10")
NOV = Period.parse("2026-11")
DEC = Period.parse("2026-12")
Q3 = Period.parse("2026-Q3")
SETTINGS = KpisConfig()


def workspace(*records: Record) -> Workspace:
    result = Workspace()
    for record in records:
        result.add(record)
    return result


# --- actions ----------------------------------------------------------------------------

# October 2026 has 22 weekdays (Thu 1, Fri 2, then four full weeks to Fri 30).
WEAK_OCTOBER = (
    module(
        "m1",
        planned=D(2026, 10, 5),
        completed=D(2026, 10, 5),
        minutes=10,
        skills=("SQL",),
        goals=("g",),
    ),
    module(
        "m2",
        planned=D(2026, 10, 6),
        completed=D(2026, 10, 6),
        minutes=20,
        skills=("Figma",),
        goals=("g",),
    ),
    module("m3", planned=D(2026, 10, 20), goals=("g",)),
    module("m4", planned=D(2026, 10, 21), goals=("g",)),
    module("m5", planned=D(2026, 10, 22), goals=("g",)),
    session("s1", D(2026, 10, 7), feedback=4, insights="Ask for the trade-off."),
    session("s2", D(2026, 10, 21), feedback=4),
)


def test_actions_answer_every_weak_kpi_ranked_and_merged() -> None:
    card = build_scorecard(workspace(*WEAK_OCTOBER), OCT, SETTINGS, D(2026, 11, 5))
    statuses = {k: card.kpis[k].status for k in card.kpis}
    # module_completion 2 / 5 = 0.4 -> score 50; learning_consistency 2 / 22 = 0.09 ->
    # score 15; skills_applied 0 of 1 -> 0: all off track. insights 1 / 2 -> 63: at risk.
    assert (
        statuses["module_completion"],
        statuses["learning_consistency"],
        statuses["skills_applied"],
        statuses["insights_documented"],
    ) == ("off_track", "off_track", "off_track", "at_risk")
    assert card.pitfalls == []  # 50% documented is not below the 0.5 pitfall threshold
    assert [a.kpis for a in card.actions] == [
        ["skills_applied"],  # off track, weight 1, gap 100
        ["learning_consistency", "module_completion"],  # off track, weight 1, gap 85 (100-15)
        ["insights_documented"],  # at risk
    ]
    skills, rhythm, insights = card.actions
    # Figma (Oct 6) is the most recently learned skill never applied.
    assert skills.text == (
        "Use Figma in a live project next month: 0 new skills applied in 2026-10 (target 1)"
    )
    # gap 0.6 - 2/22 = 0.51 of 5 weekdays -> 3 slots; median module 20 min; the three
    # weekdays without learning (Mon 5 and Tue 6 had some) are Wed, Thu and Fri.
    assert rhythm.text == (
        "Block three 20-minute learning slots a week, on Wednesdays, Thursdays and Fridays: "
        "2 of 22 weekdays had learning (9%, target 60%); 2 of 5 planned modules are done "
        "(40%, target 80%)"
    )
    assert rhythm.items == ["m3", "m4", "m5"]  # the modules left open
    assert rhythm.pitfall is None
    assert insights.items == ["s2"]
    assert insights.text.endswith(
        "1 of 2 mentor sessions have their insights written down (50%, target 80%)"
    )


def test_weight_ranks_before_the_size_of_the_gap() -> None:
    settings = KpisConfig(weights={"module_completion": 2})
    card = build_scorecard(workspace(*WEAK_OCTOBER), OCT, settings, D(2026, 11, 5))
    # The merged action carries module_completion's weight 2: it now comes first.
    assert [a.kpis[0] for a in card.actions] == [
        "learning_consistency",
        "skills_applied",
        "insights_documented",
    ]


def test_a_pitfall_on_an_off_track_kpi_is_critical_and_answers_it() -> None:
    data = workspace(
        module("m", planned=D(2026, 10, 5), completed=D(2026, 10, 5), goals=("g",)),
        *(module(f"day{n}", completed=D(2026, 10, n), goals=("g",)) for n in range(6, 20)),
        application("a", D(2026, 10, 8), "SQL"),
        session("s1", D(2026, 10, 7)),
        session("s2", D(2026, 10, 21)),
    )
    card = build_scorecard(data, OCT, SETTINGS, D(2026, 11, 5))
    # 0 of 2 sessions documented: 0% -> off track, so the pitfall is critical, not a warning.
    assert card.kpis["insights_documented"].status == "off_track"
    (pitfall,) = [p for p in card.pitfalls if p.code == "undocumented-insights"]
    assert pitfall.severity == "critical"
    (action,) = [a for a in card.actions if "insights_documented" in a.kpis]
    assert action.pitfall == "undocumented-insights"
    assert action.status == "off_track"
    assert action.items == ["s1", "s2"]
    # The KPI has no second action of its own.
    assert sum("insights_documented" in a.kpis for a in card.actions) == 1


def test_a_pitfall_never_fires_while_its_kpi_is_on_track() -> None:
    sessions = [
        session("s1", D(2026, 10, 2), insights="Noted."),
        session("s2", D(2026, 10, 9)),
        session("s3", D(2026, 10, 20)),
    ]
    # 1 of 3 documented = 0.33, below the 0.5 threshold; with a target of 0.3 it is on track.
    settings = KpisConfig(targets={"insights_documented": 0.3})
    card = build_scorecard(workspace(*sessions), OCT, settings, D(2026, 11, 5))
    assert card.kpis["insights_documented"].status == "on_track"
    assert "undocumented-insights" not in {p.code for p in card.pitfalls}


def test_no_action_when_nothing_is_weak() -> None:
    data = workspace(
        *(
            module(
                f"m{n}",
                planned=D(2026, 10, n),
                completed=D(2026, 10, n),
                goals=("g",),
                skills=(f"S{n}",),
            )
            for n in range(1, 32)
            if D(2026, 10, n).weekday() < 5
        ),
        application("a", D(2026, 10, 8), "S1"),
        session("s1", D(2026, 10, 7), feedback=5, insights="Fine."),
        session("s2", D(2026, 10, 21), feedback=5, insights="Fine."),
    )
    card = build_scorecard(data, OCT, SETTINGS, D(2026, 11, 5))
    assert not [k for k in card.kpis.values() if k.status in ("at_risk", "off_track")]
    assert card.pitfalls == [] and card.actions == []


def test_actions_and_coming_up_in_the_json() -> None:
    card = build_scorecard(
        workspace(*WEAK_OCTOBER, session("next", D(2026, 11, 4))), OCT, SETTINGS, D(2026, 11, 5)
    )
    document = json.loads(json.dumps(card.to_json()))
    assert document["actions"][0] == {
        "text": card.actions[0].text,
        "why": card.actions[0].why,
        "kpis": ["skills_applied"],
        "pitfall": None,
        "items": ["m2"],
    }
    assert document["coming_up"] == [{"date": "2026-11-04", "kind": "session", "title": "next"}]
    assert document["warnings"] == []


# --- coming up --------------------------------------------------------------------------

COMING = (
    session("on-E", D(2026, 10, 31)),
    session("first-day", D(2026, 11, 1)),
    session("last-day", D(2026, 11, 30)),
    session("day-31", D(2026, 12, 1)),
    module("open", planned=D(2026, 11, 3)),
    module("done-early", planned=D(2026, 11, 4), completed=D(2026, 10, 30)),
    module("done-after-E", planned=D(2026, 11, 5), completed=D(2026, 11, 10)),
    milestone("ms-open", D(2026, 11, 15)),
    milestone("ms-done", D(2026, 11, 16), done_on=D(2026, 10, 20)),
    goal("goal-due", D(2026, 11, 30)),
    goal("goal-done", D(2026, 11, 20), done=True),
    goal("goal-later", D(2026, 12, 5)),
)


def test_coming_up_is_the_30_days_after_the_period() -> None:
    card = build_scorecard(workspace(*COMING), OCT, SETTINGS, D(2026, 11, 20))
    # E = Oct 31: Nov 1 .. Nov 30, both ends in; done by E left out (done-early, ms-done,
    # goal-done); done-after-E was still open at E.
    assert (card.coming_from, card.coming_to) == (D(2026, 11, 1), D(2026, 11, 30))
    assert [(c.date.day, c.kind, c.title) for c in card.coming_up] == [
        (1, "session", "first-day"),
        (3, "module", "open"),
        (5, "module", "done-after-E"),
        (15, "milestone", "ms-open"),
        (30, "session", "last-day"),
        (30, "goal", "goal-due"),
    ]


def test_coming_up_of_a_running_period_starts_after_today() -> None:
    card = build_scorecard(workspace(*COMING), NOV, SETTINGS, D(2026, 11, 20))
    # Today Nov 20: Nov 21 .. Dec 20.
    assert [(c.date.isoformat(), c.title) for c in card.coming_up] == [
        ("2026-11-30", "last-day"),
        ("2026-11-30", "goal-due"),
        ("2026-12-01", "day-31"),
        ("2026-12-05", "goal-later"),
    ]


# --- goals on pace ----------------------------------------------------------------------


def test_goal_pace_milestones_against_time_gone() -> None:
    data = workspace(
        goal("pm", D(2027, 6, 30), horizon="12m"),
        module("start", planned=D(2026, 7, 1), goals=("pm", "lead")),
        milestone("pm-1", D(2026, 9, 1), D(2026, 8, 30), ("pm",)),
        milestone("pm-2", D(2026, 12, 1), None, ("pm",)),
        milestone("pm-3", D(2027, 3, 1), None, ("pm",)),
        milestone("pm-4", D(2027, 6, 1), None, ("pm",)),
        goal("lead", D(2026, 12, 31), horizon="6 months"),
        milestone("lead-1", D(2026, 9, 1), D(2026, 9, 1), ("lead",)),
        milestone("lead-2", D(2026, 11, 1), D(2026, 10, 15), ("lead",)),
        milestone("lead-3", D(2026, 12, 20), None, ("lead",)),
        *(goal(f"sprint-{n}", D(2026, 10, 10 + n), horizon="sprint", done=n < 2) for n in range(3)),
        goal("old-sprint", D(2026, 7, 10), horizon="sprint"),
    )
    card = build_scorecard(data, OCT, SETTINGS, D(2026, 11, 5))
    lead, pm = card.goal_pace  # by target date; sprint goals are not listed
    # lead: Jul 1 .. Dec 31 is 183 days, 122 gone by Oct 31 = 2/3; 2 of 3 reached = 2/3:
    # on pace (at least the share of time).
    assert (lead.milestones_done, lead.milestones_total, lead.pace) == (2, 3, "on_pace")
    assert lead.elapsed == pytest.approx(2 / 3)
    assert (lead.next_milestone, lead.next_due, lead.days_left) == ("lead-3", D(2026, 12, 20), 61)
    # pm: 122 of 364 days gone = 0.335; 1 of 4 reached = 0.25: behind.
    assert (pm.milestones_done, pm.milestones_total, pm.pace) == (1, 4, "behind")
    assert pm.elapsed == pytest.approx(122 / 364)
    assert (pm.next_milestone, pm.next_due, pm.days_left) == ("pm-2", D(2026, 12, 1), 242)
    # lead is due 61 days after Oct 31: just outside the 60 days that bring goals to a
    # monthly review.
    assert card.goals_due_soon is False
    assert [g.title for g in card.goals] == ["lead", "pm"]
    # Sprint goals due in October: sprint-0, -1 done, sprint-2 not; old-sprint is July's.
    assert card.short_goals is not None
    assert (card.short_goals.label, card.short_goals.done, card.short_goals.due) == (
        "sprint goals",
        2,
        3,
    )


def test_a_goal_due_within_60_days_is_due_soon() -> None:
    data = workspace(
        goal("lead", D(2026, 12, 30)), module("m", planned=D(2026, 10, 1), goals=("lead",))
    )
    card = build_scorecard(data, OCT, SETTINGS, D(2026, 11, 5))
    assert card.goals_due_soon is True  # Dec 30 is 60 days after Oct 31
    (row,) = card.goal_pace
    assert row.pace == "no_milestones"


# --- tracks over a rolling window -------------------------------------------------------

TRACKS = (
    # A: in the Nov window (Sep 1 .. Nov 30) 2 modules, 60 min; X applied Oct 1, Nov 15.
    module("a0", completed=D(2026, 8, 20), minutes=60, track="A", skills=("X",)),
    module("a1", completed=D(2026, 9, 10), minutes=30, track="A", skills=("X",)),
    module("a2", completed=D(2026, 11, 10), minutes=30, track="A", skills=("X",)),
    application("x-aug", D(2026, 8, 25), "X"),
    application("x-oct", D(2026, 10, 1), "X"),
    application("x-nov", D(2026, 11, 15), "X"),
    # B: one module of 20 min, 3 applications (9 an hour) but too little to judge.
    module("b1", completed=D(2026, 11, 1), minutes=20, track="B", skills=("Y",)),
    *(application(f"y{n}", D(2026, 11, 2 + n), "Y") for n in range(3)),
    # C: 2 modules but only 50 minutes: too little to judge.
    module("c1", completed=D(2026, 9, 5), minutes=25, track="C", skills=("W",)),
    module("c2", completed=D(2026, 9, 6), minutes=25, track="C", skills=("W",)),
    # D: 3 modules, 60 min, Z applied once: 1 an hour.
    *(
        module(f"d{n}", completed=D(2026, 10, n), minutes=20, track="D", skills=("Z",))
        for n in (1, 2, 3)
    ),
    application("z", D(2026, 10, 10), "Z"),
)


def test_tracks_over_three_months_with_a_minimum_sample() -> None:
    card = build_scorecard(workspace(*TRACKS), NOV, SETTINGS, D(2026, 12, 5))
    assert card.track_window == (D(2026, 9, 1), D(2026, 11, 30))
    rates = {
        row.track: (row.modules, row.minutes, row.applications, row.per_hour) for row in card.tracks
    }
    assert rates == {
        "A": (2, 60, 2, 2.0),  # a1, a2; x-oct, x-nov over 1 h
        "B": (1, 20, 3, 9.0),  # 3 / (20 / 60)
        "C": (2, 50, 0, 0.0),
        "D": (3, 60, 1, 1.0),
    }
    # B (1 module) and C (50 min) are too small to name, however high or low their rate.
    assert (card.accelerate, card.revisit) == ("A", "D")
    # Oct (Aug 1 .. Oct 31): A 90 min, 2 of 1.5 h = 1.33; D 1.0 -> A and D again.
    # Sep (Jul 1 .. Sep 30): A 1 application / 1.5 h; D nothing yet -> A, no revisit.
    # Aug (Jun 1 .. Aug 31): A has one module only -> nobody.
    assert (card.accelerate_periods, card.revisit_periods) == (3, 2)


# --- comparisons only with real data ----------------------------------------------------


def test_no_previous_period_before_the_first_record() -> None:
    first = module("first", planned=D(2026, 10, 5), completed=D(2026, 10, 5))
    card = build_scorecard(workspace(first), OCT, SETTINGS, D(2026, 11, 5))
    # September ends on Sep 30, before the first record (Oct 5): nothing to compare with.
    assert all(k.previous is None and k.delta is None for k in card.kpis.values())
    # A milestone due on Sep 30 is a record of September: now there is a comparison.
    earlier = milestone("early", D(2026, 9, 30))
    card = build_scorecard(workspace(first, earlier), OCT, SETTINGS, D(2026, 11, 5))
    assert card.kpis["learning_minutes"].previous == 0
    assert card.kpis["module_completion"].previous is None  # nothing was planned in Sep


# --- a running month as of today --------------------------------------------------------

DECEMBER = (
    module("m1", planned=D(2026, 12, 1), completed=D(2026, 12, 1)),
    module("m2", planned=D(2026, 12, 14), completed=D(2026, 12, 14)),
    module("m3", planned=D(2026, 12, 20)),
    session("s1", D(2026, 12, 10)),
    session("s2", D(2026, 12, 24)),
    application("a1", D(2026, 12, 28), "SQL"),
)


def _running(today: dt.date) -> dict[str, tuple[object, ...]]:
    card = build_scorecard(workspace(*DECEMBER), DEC, SETTINGS, today)
    assert card.running
    return {key: (k.value, k.target, k.score, k.status) for key, k in card.kpis.items()}


def test_a_running_month_on_its_first_day() -> None:
    kpis = _running(D(2026, 12, 1))
    # Only m1 is planned up to Dec 1, and it is done.
    assert kpis["module_completion"] == (1.0, 0.8, 100, "on_track")
    # 2 x 1/31 = 0.06 sessions expected and none held: too early to score.
    assert kpis["mentor_cadence"][2:] == (None, "no_data")
    # 1 x 1/31 skills expected: too early too.
    assert kpis["skills_applied"] == (0, pytest.approx(1 / 31, abs=1e-6), None, "no_data")
    # Tue Dec 1 is the only weekday so far; it counts because it already had learning.
    assert kpis["learning_consistency"] == (1.0, 0.6, 100, "on_track")


def test_the_first_morning_of_a_month_blames_nothing() -> None:
    # Dec 1, nothing done yet: m1 planned today is not missed, the day is not over.
    data = workspace(module("m1", planned=D(2026, 12, 1)), session("s0", D(2026, 11, 20)))
    card = build_scorecard(data, DEC, SETTINGS, D(2026, 12, 1))
    assert card.kpis["module_completion"].detail["planned"] == 0
    assert card.kpis["learning_consistency"].detail == {"active_days": 0, "weekdays": 0}
    assert card.score is None and card.pitfalls == [] and card.actions == []


def test_a_running_month_on_the_15th() -> None:
    kpis = _running(D(2026, 12, 15))
    # m1 and m2 planned by Dec 15, both done; m3 (Dec 20) is not due yet.
    assert kpis["module_completion"] == (1.0, 0.8, 100, "on_track")
    # s1 held; 2 x 15/31 = 0.97 expected -> 1.03, score 100. s2 (Dec 24) is not counted.
    value, _, score, status = kpis["mentor_cadence"]
    assert value == pytest.approx(31 / 30) and (score, status) == (100, "on_track")
    # a1 (Dec 28) has not happened: 0 of 15/31 = 0.48 expected: too early to score.
    assert kpis["skills_applied"] == (0, pytest.approx(15 / 31, abs=1e-6), None, "no_data")
    # Weekdays Dec 1-14: 4 + 5 + 1 = 10 (today, Tue 15, had no learning yet and is not
    # over); learning on Dec 1 and 14: 2 / 10 = 0.2 -> score 33.
    assert kpis["learning_consistency"] == (pytest.approx(0.2), 0.6, 33, "off_track")


def test_a_running_month_on_its_last_day() -> None:
    kpis = _running(D(2026, 12, 31))
    # m3 was due on the 20th and is not done: 2 of 3 -> 0.667 / 0.8 = 83.
    assert kpis["module_completion"] == (pytest.approx(2 / 3), 0.8, 83, "at_risk")
    assert kpis["mentor_cadence"] == (1.0, 1.0, 100, "on_track")  # 2 of 2
    assert kpis["skills_applied"] == (1, 1.0, 100, "on_track")  # SQL on Dec 28
    # December has 23 weekdays (4 weeks + Tue 29 to Thu 31); today, Thu 31, had no
    # learning yet, so 22 count: 2 / 22 = 0.0909 -> score 15.
    assert kpis["learning_consistency"] == (pytest.approx(2 / 22), 0.6, 15, "off_track")


# --- the plan-refinement checklist ------------------------------------------------------


def test_refinement_says_how_long_a_kpi_stayed_below_target() -> None:
    data = workspace(
        *(module(f"m{m}", completed=D(2026, m, 1 if m != 8 else 3)) for m in (7, 8, 9))
    )
    card = build_scorecard(data, Q3, SETTINGS, D(2026, 11, 5))
    # One learning day a month: Jul 1/23, Aug 1/21, Sep 1/22, mean 0.0455; June ended
    # before the first record. To reach 0.6 at that rate: 1 x 0.6 / 0.0455 = 13.2 -> 14.
    assert card.refinements[0] == (
        "Days with learning vs weekdays has been below 60% for 3 months at about 1 module "
        "a month: lower the target to 0.1 or plan 14 modules a month"
    )
    assert (
        card.refinements[-1] == "Plan the modules and dates of 2026-Q4: 0 modules are "
        "planned so far"
    )
