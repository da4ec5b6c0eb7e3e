"""Each KPI on small hand-built workspaces; the arithmetic is worked out next to the asserts."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from careerloop.config import KPI_KEYS, KpisConfig
from careerloop.kpi import metrics
from careerloop.kpi.metrics import METRICS, WorkspaceIndex, weekdays_between
from careerloop.model import (
    Advancement,
    Application,
    Milestone,
    Module,
    Session,
    Workspace,
)
from careerloop.periods import Period, local_date
from tests.unit.kpi_records import application, module, session

D = dt.date
OCT = Period.parse("2026-10")
SEP = Period.parse("2026-09")
NOV = Period.parse("2026-11")
Q3 = Period.parse("2026-Q3")
Q4 = Period.parse("2026-Q4")
TODAY = D(2027, 1, 15)  # after every period used here unless a test says otherwise
SETTINGS = KpisConfig()


def index_of(*records: Module | Session | Application | Milestone | Advancement) -> WorkspaceIndex:
    workspace = Workspace()
    for record in records:
        workspace.add(record)
    return WorkspaceIndex(workspace)


def test_metrics_cover_every_kpi_key_in_order() -> None:
    assert tuple(metric.key for metric in METRICS) == KPI_KEYS
    assert all(metric.label for metric in METRICS)


EMPTY_OCTOBER = {
    # nothing planned, scored, completed or due -> no ratio (None) ...
    "module_completion": (None, {"planned": 0, "done": 0, "completed_total": 0, "unplanned": 0}),
    "mentor_feedback": (None, {"sessions": 0, "scored": 0}),
    "goal_alignment": (None, {"aligned": 0, "completed": 0}),
    "insights_documented": (None, {"documented": 0, "sessions": 0}),
    "milestones_on_time": (None, {"due": 0, "on_time": 0}),
    # ... while counts are zero, and ratios over the calendar are 0 / something
    "skills_applied": (0, {"skills": []}),
    "advancements": (0, {"total": 0, "linked": 0}),
    "learning_consistency": (0, {"active_days": 0, "weekdays": 22}),  # 0 / 22 weekdays
    "mentor_cadence": (0, {"sessions": 0, "expected": 2}),  # 0 / (2 x 1 month)
    "learning_minutes": (0, {}),
}


@pytest.mark.parametrize("metric", METRICS, ids=lambda m: m.key)
def test_empty_period(metric: metrics.Metric) -> None:
    assert metric.compute(index_of(), OCT, SETTINGS, TODAY) == EMPTY_OCTOBER[metric.key]


# --- module_completion ------------------------------------------------------------------


def test_module_completion_counts_planned_done_early_and_unplanned() -> None:
    index = index_of(
        module("on-time", planned=D(2026, 10, 5), completed=D(2026, 10, 6)),
        module("early", planned=D(2026, 10, 10), completed=D(2026, 9, 28)),
        module("open", planned=D(2026, 10, 20)),
        module("late", planned=D(2026, 10, 25), completed=D(2026, 11, 2)),
        module("no-plan", completed=D(2026, 10, 12)),
        module("from-sep", planned=D(2026, 9, 20), completed=D(2026, 10, 3)),
    )
    value, detail = metrics.module_completion(index, OCT, SETTINGS, TODAY)
    # 4 planned in Oct (on-time, early, open, late); done by Oct 31: on-time and early
    # (finished early still counts) -> 2/4
    assert value == 0.5
    # completed in Oct: on-time, no-plan, from-sep = 3; of them not planned in Oct:
    # no-plan (no date) and from-sep (planned in Sep) = 2
    assert detail == {"planned": 4, "done": 2, "completed_total": 3, "unplanned": 2}


def test_module_completed_late_evening_west_of_utc_counts_in_its_local_month() -> None:
    stamp = dt.datetime.fromisoformat("2026-10-31T23:30:00-07:00")
    la = ZoneInfo("America/Los_Angeles")
    completed = local_date(stamp, la)
    assert stamp.astimezone(dt.UTC).date() == D(2026, 11, 1)  # Nov 1 in UTC...
    assert completed == D(2026, 10, 31)  # ...but Oct 31 where the user lives
    index = index_of(module("late-night", planned=D(2026, 10, 31), completed=completed))

    value, detail = metrics.module_completion(index, OCT, SETTINGS, TODAY)
    assert value == 1.0  # 1 planned in Oct, completed Oct 31 local -> 1/1
    assert detail["completed_total"] == 1
    _, november = metrics.module_completion(index, NOV, SETTINGS, TODAY)
    assert november["completed_total"] == 0  # not counted again in November


def test_quarter_boundary_sep_30_is_q3_and_oct_1_is_q4() -> None:
    index = index_of(
        module("last-of-q3", planned=D(2026, 9, 30), completed=D(2026, 9, 30)),
        module("first-of-q4", planned=D(2026, 10, 1), completed=D(2026, 10, 1)),
        module("open-q4", planned=D(2026, 12, 31)),
    )
    q3, q3_detail = metrics.module_completion(index, Q3, SETTINGS, TODAY)
    q4, q4_detail = metrics.module_completion(index, Q4, SETTINGS, TODAY)
    assert q3 == 1.0  # Q3: only last-of-q3 planned, and done -> 1/1
    assert q3_detail["completed_total"] == 1
    assert q4 == 0.5  # Q4: first-of-q4 done, open-q4 not -> 1/2
    assert q4_detail["completed_total"] == 1


# --- mentor_feedback --------------------------------------------------------------------


def test_mentor_feedback_scales_to_100_and_clamps_outside_the_scale() -> None:
    index = index_of(
        session("top", D(2026, 10, 2), feedback=5),
        session("middle", D(2026, 10, 9), feedback=3),
        session("unscored", D(2026, 10, 16)),
        session("too-high", D(2026, 10, 23), feedback=7),
        session("september", D(2026, 9, 30), feedback=1),
    )
    value, detail = metrics.mentor_feedback(index, OCT, SETTINGS, TODAY)
    # scale [1, 5]: 5 -> 100, 3 -> (3-1)/4*100 = 50, 7 clamped to 5 -> 100;
    # mean (100 + 50 + 100) / 3 = 83.33
    assert value == pytest.approx(250 / 3)
    assert detail == {"sessions": 4, "scored": 3}
    warnings = metrics.feedback_warnings(index, OCT, SETTINGS)
    assert len(warnings) == 1
    assert "too-high" in warnings[0] and "outside the scale 1-5" in warnings[0]


def test_mentor_feedback_uses_the_configured_scale() -> None:
    index = index_of(
        session("s", D(2026, 10, 2), feedback=7), session("t", D(2026, 10, 3), feedback=-2)
    )
    settings = KpisConfig(feedback_scale=(0, 10))
    value, _ = metrics.mentor_feedback(index, OCT, settings, TODAY)
    assert value == pytest.approx(35.0)  # 7 -> 70; -2 clamped to 0 -> 0; mean 35


def test_mentor_feedback_without_scores_is_none() -> None:
    index = index_of(session("unscored", D(2026, 10, 2)))
    value, detail = metrics.mentor_feedback(index, OCT, SETTINGS, TODAY)
    assert value is None
    assert detail == {"sessions": 1, "scored": 0}


# --- skills_applied ---------------------------------------------------------------------


def test_skill_applied_twice_counts_once_in_the_period_of_its_first_application() -> None:
    index = index_of(
        application("a1", D(2026, 9, 15), "SQL"),
        application("a2", D(2026, 10, 3), " sql ", "Python"),
        application("a3", D(2026, 10, 20), "python", "Figma"),
        application("a4", D(2026, 11, 2), "FIGMA", "Roadmapping"),
    )
    october, detail = metrics.skills_applied(index, OCT, SETTINGS, TODAY)
    # SQL first applied in Sep; Python first Oct 3 (again Oct 20); Figma first Oct 20
    # (again Nov 2) -> Oct: Figma, Python = 2
    assert october == 2
    assert detail == {"skills": ["Figma", "Python"]}
    assert metrics.skills_applied(index, SEP, SETTINGS, TODAY)[0] == 1  # SQL
    # Nov: FIGMA is not new; Roadmapping is -> 1
    assert metrics.skills_applied(index, NOV, SETTINGS, TODAY) == (1, {"skills": ["Roadmapping"]})
    # Q4: Python, Figma, Roadmapping -> 3
    assert metrics.skills_applied(index, Q4, SETTINGS, TODAY)[0] == 3


# --- advancements -----------------------------------------------------------------------


def test_advancements_linked_to_a_competency_learned_or_applied_by_their_date() -> None:
    index = index_of(
        module("sql-course", completed=D(2026, 9, 10), skills=("SQL",)),
        application("stakeholders", D(2026, 10, 5), "Stakeholder mgmt"),
        Advancement(
            id="promo", source="file", source_id="promo", date=D(2026, 10, 1), skills=("sql",)
        ),
        Advancement(
            id="too-early",
            source="file",
            source_id="too-early",
            date=D(2026, 10, 3),
            skills=("Stakeholder Mgmt",),
        ),
        Advancement(id="no-skills", source="file", source_id="no-skills", date=D(2026, 10, 20)),
        Advancement(
            id="raise",
            source="file",
            source_id="raise",
            date=D(2026, 10, 25),
            kind="compensation",
            skills=("  stakeholder   MGMT",),
        ),
    )
    value, detail = metrics.advancements(index, OCT, SETTINGS, TODAY)
    # promo: SQL learned Sep 10 <= Oct 1 -> linked; too-early: applied Oct 5 > Oct 3 ->
    # not; no-skills: no competency -> not; raise: applied Oct 5 <= Oct 25 -> linked
    assert value == 2
    assert detail == {"total": 4, "linked": 2}


def test_advancement_on_the_day_the_skill_was_learned_is_linked() -> None:
    index = index_of(
        module("course", completed=D(2026, 10, 9), skills=("Pricing",)),
        Advancement(
            id="title",
            source="file",
            source_id="title",
            date=D(2026, 10, 9),
            kind="title",
            skills=("pricing",),
        ),
    )
    assert metrics.advancements(index, OCT, SETTINGS, TODAY)[0] == 1  # Oct 9 <= Oct 9


# --- learning_consistency ---------------------------------------------------------------


def test_weekdays_between() -> None:
    assert weekdays_between(D(2026, 10, 1), D(2026, 10, 31)) == 22  # Oct 2026: Thu 1st
    assert weekdays_between(D(2026, 10, 10), D(2026, 10, 11)) == 0  # Sat + Sun
    assert weekdays_between(D(2026, 7, 1), D(2026, 9, 30)) == 66  # 23 + 21 + 22
    assert weekdays_between(D(2026, 10, 2), D(2026, 10, 1)) == 0  # empty range


def test_learning_consistency_counts_distinct_days_weekends_too() -> None:
    index = index_of(
        module("a", completed=D(2026, 10, 5)),
        module("b", completed=D(2026, 10, 5)),  # same day: one active day
        module("saturday", completed=D(2026, 10, 10)),
        module("c", completed=D(2026, 10, 12)),
    )
    value, detail = metrics.learning_consistency(index, OCT, SETTINGS, TODAY)
    assert detail == {"active_days": 3, "weekdays": 22}  # Oct 5, 10, 12; 22 weekdays
    assert value == pytest.approx(3 / 22)


def test_learning_consistency_of_a_running_period_uses_today_as_its_end() -> None:
    index = index_of(module("a", completed=D(2026, 10, 5)), module("b", completed=D(2026, 10, 7)))
    value, detail = metrics.learning_consistency(index, OCT, SETTINGS, D(2026, 10, 7))
    # Oct 1-7: Thu 1, Fri 2, Mon 5, Tue 6, Wed 7 = 5 weekdays; active Oct 5 and 7 -> 2/5
    assert detail == {"active_days": 2, "weekdays": 5}
    assert value == 0.4


def test_learning_consistency_without_weekdays_is_none() -> None:
    # Nov 2026 starts on a Sunday: on Nov 1 no weekday of the period has passed yet
    value, detail = metrics.learning_consistency(index_of(), NOV, SETTINGS, D(2026, 11, 1))
    assert value is None
    assert detail == {"active_days": 0, "weekdays": 0}


# --- mentor_cadence ---------------------------------------------------------------------


def test_mentor_cadence_against_sessions_per_month_times_months() -> None:
    index = index_of(
        session("a", D(2026, 10, 1)),
        session("b", D(2026, 10, 15)),
        session("c", D(2026, 10, 29)),
        session("d", D(2026, 11, 30)),
    )
    assert metrics.mentor_cadence(index, OCT, SETTINGS, TODAY) == (
        1.5,
        {"sessions": 3, "expected": 2},  # 3 sessions / (2 per month x 1 month)
    )
    value, detail = metrics.mentor_cadence(index, Q4, KpisConfig(sessions_per_month=1.5), TODAY)
    assert detail == {"sessions": 4, "expected": 4.5}  # 1.5 per month x 3 months
    assert value == pytest.approx(4 / 4.5)


def test_mentor_cadence_is_pro_rated_while_the_period_runs() -> None:
    index = index_of(session("a", D(2026, 10, 1)), session("later", D(2026, 10, 20)))
    value, detail = metrics.mentor_cadence(index, OCT, SETTINGS, D(2026, 10, 3))
    # 3 of 31 days passed: 2 x 3 / 31 = 0.1935 sessions expected (shown 0.2); the session
    # planned for Oct 20 is after today and not counted: 1 / 0.1935 = 5.17
    assert detail == {"sessions": 1, "expected": 0.2}
    assert value == pytest.approx(31 / 6)


# --- goal_alignment ---------------------------------------------------------------------


def test_goal_alignment_shares_completed_modules_linked_to_a_goal() -> None:
    index = index_of(
        module("a", completed=D(2026, 10, 1), goals=("g1",)),
        module("b", completed=D(2026, 10, 2), goals=("g1", "g2")),
        module("c", completed=D(2026, 10, 3), goals=("g2",)),
        module("loose", completed=D(2026, 10, 4)),
        module("planned-only", planned=D(2026, 10, 4), goals=("g1",)),
    )
    value, detail = metrics.goal_alignment(index, OCT, SETTINGS, TODAY)
    assert detail == {"aligned": 3, "completed": 4}  # a, b, c linked; loose is not
    assert value == 0.75  # 3/4
    assert metrics.goal_alignment(index, NOV, SETTINGS, TODAY)[0] is None  # none completed


# --- insights_documented ----------------------------------------------------------------


def test_insights_documented_ignores_blank_text() -> None:
    index = index_of(
        session("written", D(2026, 10, 1), insights="Ask for the pricing scope"),
        session("spaces", D(2026, 10, 8), insights="  \n "),
        session("empty", D(2026, 10, 15)),
    )
    value, detail = metrics.insights_documented(index, OCT, SETTINGS, TODAY)
    assert detail == {"documented": 1, "sessions": 3}
    assert value == pytest.approx(1 / 3)  # only "written" has text


# --- milestones_on_time -----------------------------------------------------------------


def test_milestones_on_time_for_milestones_due_in_the_period() -> None:
    def milestone(id: str, due: dt.date, done_on: dt.date | None = None) -> Milestone:
        return Milestone(id=id, source="file", source_id=id, title=id, due=due, done_on=done_on)

    index = index_of(
        milestone("early", D(2026, 10, 10), D(2026, 10, 8)),
        milestone("on-the-day", D(2026, 10, 15), D(2026, 10, 15)),
        milestone("late", D(2026, 10, 20), D(2026, 10, 22)),
        milestone("open", D(2026, 10, 30)),
        milestone("due-in-nov", D(2026, 11, 2), D(2026, 10, 30)),
    )
    value, detail = metrics.milestones_on_time(index, OCT, SETTINGS, TODAY)
    # due in Oct: early, on-the-day, late, open = 4; done by due: early, on-the-day = 2
    assert detail == {"due": 4, "on_time": 2}
    assert value == 0.5


# --- learning_minutes -------------------------------------------------------------------


def test_learning_minutes_sums_completed_modules_missing_minutes_add_zero() -> None:
    index = index_of(
        module("a", completed=D(2026, 10, 1), minutes=15),
        module("b", completed=D(2026, 10, 2), minutes=10),
        module("no-minutes", completed=D(2026, 10, 3)),
        module("c", completed=D(2026, 10, 4), minutes=7.5),
        module("open", planned=D(2026, 10, 5), minutes=60),
    )
    value, detail = metrics.learning_minutes(index, OCT, SETTINGS, TODAY)
    assert value == 32.5  # 15 + 10 + 0 + 7.5; the open module is not completed
    assert detail == {}
