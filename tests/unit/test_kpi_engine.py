"""The scorecard: targets, scores, statuses, the period score, previous/delta, tracks, goals."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from careerloop.config import KPI_KEYS, KpisConfig
from careerloop.errors import PeriodError
from careerloop.kpi.engine import (
    WorkspaceIndex,
    accelerate_and_revisit,
    build_scorecard,
    period_score,
    round_half_up,
    score_for,
    status_for,
    target_for,
)
from careerloop.kpi.metrics import METRICS
from careerloop.kpi.scorecard import KpiResult, TrackRow
from careerloop.model import (
    DataWarning,
    Goal,
    Milestone,
    Record,
    Workspace,
)
from careerloop.periods import Period
from tests.unit.kpi_records import application, module, session

D = dt.date
SEP = Period.parse("2026-09")
OCT = Period.parse("2026-10")
NOV = Period.parse("2026-11")
DEC = Period.parse("2026-12")
Q3 = Period.parse("2026-Q3")
Q4 = Period.parse("2026-Q4")
TODAY = D(2026, 11, 5)
SETTINGS = KpisConfig()
METRIC = {metric.key: metric for metric in METRICS}


def workspace(*records: Record) -> Workspace:
    result = Workspace()
    for record in records:
        result.add(record)
    return result


# --- rounding, scores, statuses ---------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "expected"),
    [(0.5, 1), (1.5, 2), (2.5, 3), (0.49, 0), (62.5, 63), (93.75, 94), (74.99999999999999, 75)],
)
def test_round_half_up(number: float, expected: int) -> None:
    assert round_half_up(number) == expected  # round() would give 0 for 0.5 and 2 for 2.5


@pytest.mark.parametrize(
    ("value", "target", "expected"),
    [
        (0.75, 0.8, 94),  # 100 x 0.75 / 0.8 = 93.75 -> 94
        (0.6, 0.8, 75),  # 75 exactly, though 0.6 / 0.8 is 0.7499999999999999 in floats
        (0.405, 0.6, 68),  # 67.5 -> 68 (half up)
        (0.5, 0.8, 63),  # 62.5 -> 63
        (1.5, 1.0, 100),  # capped at 1
        (0, 0.8, 0),
        (None, 0.8, None),  # no value
        (0.5, None, None),  # no target
    ],
)
def test_score_for(value: float | None, target: float | None, expected: int | None) -> None:
    assert score_for(value, target) == expected


@pytest.mark.parametrize(
    ("score", "status"),
    [
        (100, "on_track"),
        (90, "on_track"),
        (89, "at_risk"),
        (60, "at_risk"),
        (59, "off_track"),
        (0, "off_track"),
        (None, "no_data"),
    ],
)
def test_status_for(score: int | None, status: str) -> None:
    assert status_for(score) == status


# --- targets ----------------------------------------------------------------------------


def test_default_targets() -> None:
    assert target_for(METRIC["module_completion"], OCT, SETTINGS) == 0.8
    assert target_for(METRIC["mentor_feedback"], Q4, SETTINGS) == 75
    assert target_for(METRIC["skills_applied"], OCT, SETTINGS) == 1  # 1 x 1 month
    assert target_for(METRIC["skills_applied"], Q4, SETTINGS) == 3  # 1 x 3 months
    assert target_for(METRIC["advancements"], OCT, SETTINGS) is None  # informational
    assert target_for(METRIC["learning_minutes"], OCT, SETTINGS) is None


def test_configured_targets_override_remove_and_scale_counts() -> None:
    settings = KpisConfig(
        targets={
            "module_completion": 0.9,
            "mentor_feedback": None,
            "skills_applied": 2,
            "learning_minutes": 300,
        }
    )
    assert target_for(METRIC["module_completion"], Q4, settings) == 0.9  # a ratio: as is
    assert target_for(METRIC["mentor_feedback"], OCT, settings) is None  # removed
    assert target_for(METRIC["skills_applied"], Q4, settings) == 6  # 2 per month x 3
    assert target_for(METRIC["learning_minutes"], Q4, settings) == 900  # 300 per month x 3


def test_a_removed_target_makes_the_kpi_informational() -> None:
    settings = KpisConfig(targets={"mentor_cadence": None})
    card = build_scorecard(workspace(session("s", D(2026, 10, 2))), OCT, settings, TODAY)
    result = card.kpis["mentor_cadence"]
    assert (result.value, result.target, result.score, result.status) == (0.5, None, None, "info")


# --- period score -----------------------------------------------------------------------


def _result(key: str, score: int | None) -> KpiResult:
    return KpiResult(
        key=key, label=key, value=None, target=None, score=score, status=status_for(score)
    )


def test_period_score_rounds_the_weighted_mean_half_up() -> None:
    kpis = {
        "module_completion": _result("module_completion", 50),
        "goal_alignment": _result("goal_alignment", 51),
        "learning_minutes": _result("learning_minutes", None),
    }
    assert period_score(kpis, SETTINGS) == 51  # (50 + 51) / 2 = 50.5 -> 51; None skipped
    weighted = KpisConfig(weights={"module_completion": 2})
    assert period_score(kpis, weighted) == 50  # (2 x 50 + 51) / 3 = 50.33 -> 50
    assert period_score({"a": _result("a", None)}, SETTINGS) is None  # nothing scored
    zero = KpisConfig(weights={"module_completion": 0, "goal_alignment": 0})
    assert period_score(kpis, zero) is None  # every weight zero: nothing to average


# --- a whole month ----------------------------------------------------------------------

OCTOBER = (
    module(
        "m1",
        planned=D(2026, 10, 5),
        completed=D(2026, 10, 5),
        minutes=30,
        track="Data",
        skills=("SQL",),
        goals=("g",),
    ),
    module("m2", planned=D(2026, 10, 12)),
    session("s1", D(2026, 10, 8), feedback=4, insights="Scope the pricing work"),
    session("s2", D(2026, 10, 22), feedback=9),
    application("a1", D(2026, 10, 20), "sql"),
    Goal(
        id="g",
        source="file",
        source_id="g",
        title="Become a PM",
        horizon="12m",
        target_date=D(2027, 6, 1),
    ),
)


def test_scorecard_of_a_month() -> None:
    card = build_scorecard(workspace(*OCTOBER), OCT, SETTINGS, TODAY)
    scores = {key: result.score for key, result in card.kpis.items()}
    assert scores == {
        "module_completion": 63,  # 1 of 2 planned done = 0.5; 100 x 0.5 / 0.8 = 62.5 -> 63
        "mentor_feedback": 100,  # 4 -> 75, 9 clamped to 5 -> 100; mean 87.5 >= 75 -> 100
        "skills_applied": 100,  # SQL first applied Oct 20: 1 / 1
        "advancements": None,  # informational
        "learning_consistency": 8,  # 1 day / 22 weekdays = 0.04545; / 0.6 = 7.58 -> 8
        "mentor_cadence": 100,  # 2 / 2
        "goal_alignment": 100,  # m1 linked: 1 / 1
        "insights_documented": 63,  # 1 / 2 = 0.5; / 0.8 = 62.5 -> 63
        "milestones_on_time": None,  # none due
        "learning_minutes": None,  # informational
    }
    statuses = {key: result.status for key, result in card.kpis.items()}
    assert statuses["module_completion"] == "at_risk"
    assert statuses["learning_consistency"] == "off_track"
    assert statuses["milestones_on_time"] == "no_data"
    assert statuses["advancements"] == statuses["learning_minutes"] == "info"
    # (63 + 100 + 100 + 8 + 100 + 100 + 63) / 7 = 534 / 7 = 76.29 -> 76
    assert card.score == 76
    assert card.status == "at_risk"
    assert card.running is False
    assert card.pitfalls == []
    assert card.kpis["learning_minutes"].value == 30
    assert list(card.kpis) == list(KPI_KEYS)
    assert card.kpis["module_completion"].label == "Modules completed vs planned"


def test_weights_change_the_period_score() -> None:
    settings = KpisConfig(weights={"module_completion": 2})
    card = build_scorecard(workspace(*OCTOBER), OCT, settings, TODAY)
    # (2 x 63 + 100 + 100 + 8 + 100 + 100 + 63) / 8 = 597 / 8 = 74.625 -> 75
    assert card.score == 75


def test_feedback_outside_the_scale_is_a_data_warning() -> None:
    data = workspace(*OCTOBER)
    data.warnings.append(DataWarning(record_id="x", message="Module 'x' has no date."))
    card = build_scorecard(data, OCT, SETTINGS, TODAY)
    assert card.warnings == [
        "Module 'x' has no date.",
        "Session 's2' on 2026-10-22: feedback 9 is outside the scale 1-5 and was counted as 5.",
    ]
    assert build_scorecard(data, SEP, SETTINGS, TODAY).warnings == ["Module 'x' has no date."]


def test_empty_workspace() -> None:
    card = build_scorecard(Workspace(), OCT, SETTINGS, TODAY)
    assert card.kpis["module_completion"].value is None
    assert card.kpis["module_completion"].status == "no_data"
    # the counts still score: 0 skills / 1, 0 sessions / 2, 0 days / 22 -> 0 each
    assert card.score == 0
    assert card.status == "off_track"
    assert (card.tracks, card.accelerate, card.revisit, card.goals) == ([], None, None, [])


def test_empty_period_without_any_scored_kpi_has_no_score() -> None:
    counts: dict[str, float | None] = dict.fromkeys(
        ("skills_applied", "mentor_cadence", "learning_consistency")
    )
    card = build_scorecard(Workspace(), OCT, KpisConfig(targets=counts), TODAY)
    assert card.score is None  # every KPI with a target has no value
    assert card.status == "no_data"
    assert all(result.status in ("no_data", "info") for result in card.kpis.values())


# --- previous and delta -----------------------------------------------------------------


def test_previous_and_delta_from_the_preceding_month() -> None:
    data = workspace(
        module("sep-done", planned=D(2026, 9, 3), completed=D(2026, 9, 3)),
        module("sep-open", planned=D(2026, 9, 10)),
        *(
            module(f"oct-{i}", planned=D(2026, 10, 1 + i), completed=D(2026, 10, 1 + i))
            for i in range(3)
        ),
        module("oct-open", planned=D(2026, 10, 20)),
        session("oct", D(2026, 10, 9), feedback=5),
    )
    card = build_scorecard(data, OCT, SETTINGS, TODAY)
    completion = card.kpis["module_completion"]
    # Sep: 1 of 2 = 0.5; Oct: 3 of 4 = 0.75; delta 0.25; 93.75 -> 94
    assert (completion.value, completion.previous, completion.delta, completion.score) == (
        0.75,
        0.5,
        0.25,
        94,
    )
    feedback = card.kpis["mentor_feedback"]
    assert (feedback.value, feedback.previous, feedback.delta) == (100, None, None)  # Sep: none
    minutes = card.kpis["learning_minutes"]
    assert (minutes.previous, minutes.delta) == (0, 0)  # no minutes in either month


def test_previous_of_a_quarter_is_the_preceding_quarter() -> None:
    data = workspace(
        application("aug", D(2026, 8, 14), "SQL"),
        application("oct", D(2026, 10, 2), "Python", "sql"),
        application("dec", D(2026, 12, 2), "Figma"),
    )
    skills = build_scorecard(data, Q4, SETTINGS, D(2027, 1, 10)).kpis["skills_applied"]
    # Q3: SQL = 1; Q4: Python, Figma = 2 (sql is not new); delta +1; 2 / 3 -> 67
    assert (skills.value, skills.previous, skills.delta, skills.score) == (2, 1, 1, 67)
    assert skills.detail == {"skills": ["Figma", "Python"]}


# --- running and future periods ---------------------------------------------------------


def test_running_period_uses_today_for_weekdays() -> None:
    data = workspace(module("a", completed=D(2026, 10, 5)), module("b", completed=D(2026, 10, 14)))
    card = build_scorecard(data, OCT, SETTINGS, D(2026, 10, 15))
    assert card.running is True
    consistency = card.kpis["learning_consistency"]
    # weekdays Oct 1-14: Thu 1, Fri 2, Mon 5 .. Fri 9, Mon 12 .. Wed 14 = 10; today (Thu 15)
    # had no learning yet and is not over, so it does not count: 2 / 10
    assert consistency.detail == {"active_days": 2, "weekdays": 10}
    assert consistency.value == pytest.approx(2 / 10)
    # Expected sessions are pro-rated: 2 x 15 of 31 days = 0.97, shown rounded as 1.
    assert card.kpis["mentor_cadence"].detail["expected"] == 1


def test_period_ending_today_is_still_running() -> None:
    assert build_scorecard(Workspace(), OCT, SETTINGS, D(2026, 10, 31)).running is True
    assert build_scorecard(Workspace(), OCT, SETTINGS, D(2026, 11, 1)).running is False


def test_period_starting_after_today_is_an_error() -> None:
    with pytest.raises(PeriodError, match="2026-12 starts on 2026-12-01, after today"):
        build_scorecard(Workspace(), DEC, SETTINGS, TODAY)
    assert build_scorecard(Workspace(), NOV, SETTINGS, TODAY).running  # started Nov 1


# --- tracks -----------------------------------------------------------------------------


def test_tracks_with_accelerate_and_revisit() -> None:
    data = workspace(
        module("d0", completed=D(2026, 9, 10), minutes=30, track="Data", skills=("Spark",)),
        module("d1", completed=D(2026, 10, 3), minutes=20, track="Data", skills=("SQL",)),
        module("d2", completed=D(2026, 10, 10), minutes=40, track="Data", skills=("Python",)),
        module("d3", completed=D(2026, 10, 12), track=" data "),  # same track, no minutes
        module(
            "p1", completed=D(2026, 10, 5), minutes=30, track="Product", skills=("Roadmapping",)
        ),
        module("p2", completed=D(2026, 10, 6), minutes=30, track="Product", skills=("Figma",)),
        module(
            "p-late", completed=D(2026, 11, 3), minutes=30, track="Product", skills=("Pricing",)
        ),
        module("x1", completed=D(2026, 10, 7), minutes=15, track="Design", skills=("Sketch",)),
        module("no-track", completed=D(2026, 10, 8), minutes=99, skills=("SQL",)),
        application("sep", D(2026, 9, 20), "SQL"),
        application("a1", D(2026, 10, 11), "sql"),
        application("a2", D(2026, 10, 12), "Python", "Excel"),
        application("a3", D(2026, 10, 13), "spark"),
        application("a4", D(2026, 10, 14), "Roadmapping"),
        application("a5", D(2026, 10, 15), "Pricing"),
        application("a6", D(2026, 10, 16), "Unrelated"),
    )
    card = build_scorecard(data, OCT, SETTINGS, TODAY)
    # The window is the three months Aug 1 .. Oct 31, for modules and applications alike.
    assert card.track_window == (D(2026, 8, 1), D(2026, 10, 31))
    assert [row.to_json() for row in card.tracks] == [
        # d0 (Sep), d1, d2, d3: 30 + 20 + 40 + 0 = 90 min; sep and a1 (SQL), a2 (Python),
        # a3 (Spark) meet its skills -> 4 / 1.5 h = 2.67
        {"track": "Data", "modules": 4, "minutes": 90, "applications": 4, "per_hour": 2.67},
        # x1: 15 min, nobody applied Sketch -> 0 per hour
        {"track": "Design", "modules": 1, "minutes": 15, "applications": 0, "per_hour": 0.0},
        # p1, p2: 60 min; a4 (Roadmapping); a5 (Pricing) only learned Nov 3 -> 1 per hour
        {"track": "Product", "modules": 2, "minutes": 60, "applications": 1, "per_hour": 1.0},
    ]
    assert card.accelerate == "Data"  # highest: 2.67
    assert card.revisit == "Product"  # lowest with >= 2 modules and 60 min (Design: 1, 15)


def test_track_rate_is_rounded_to_two_decimals() -> None:
    data = workspace(
        module("a", completed=D(2026, 10, 1), minutes=25, track="Data", skills=("SQL",)),
        module("b", completed=D(2026, 10, 2), minutes=30, track="Data", skills=("R",)),
        application("x", D(2026, 10, 3), "SQL"),
        application("y", D(2026, 10, 4), "R"),
    )
    (row,) = build_scorecard(data, OCT, SETTINGS, TODAY).tracks
    assert row.per_hour == 2.18  # 2 applications / (55 / 60) h = 2.1818 -> 2.18


def _row(track: str, modules: int, per_hour: float | None) -> TrackRow:
    return TrackRow(track=track, modules=modules, minutes=60, applications=0, per_hour=per_hour)


def test_accelerate_and_revisit_edge_cases() -> None:
    # a single track is not also the one to revisit
    assert accelerate_and_revisit([_row("Data", 3, 2.0)]) == ("Data", None)
    # nothing applied anywhere: nothing to accelerate; the lowest with 2 modules to revisit
    assert accelerate_and_revisit([_row("A", 2, 0.0), _row("B", 1, 0.0)]) == (None, "A")
    # ties go to the first name; a track without minutes has no rate
    rows = [_row("B", 2, 1.0), _row("A", 2, 1.0), _row("C", 2, None), _row("D", 2, 0.5)]
    assert accelerate_and_revisit(rows) == ("A", "D")
    assert accelerate_and_revisit([]) == (None, None)


# --- goals ------------------------------------------------------------------------------


def test_goal_progress_at_the_end_of_the_period() -> None:
    def milestone(id: str, done_on: dt.date | None) -> Milestone:
        return Milestone(
            id=id,
            source="file",
            source_id=id,
            due=D(2026, 12, 1),
            done_on=done_on,
            goal_ids=("pm",),
        )

    data = workspace(
        Goal(id="later", source="file", source_id="later", title="Speak at a meetup"),
        Goal(
            id="pm",
            source="file",
            source_id="pm",
            title="Move into product",
            horizon="6m",
            target_date=D(2027, 3, 1),
        ),
        module("sep", completed=D(2026, 9, 5), goals=("pm",)),
        module("oct", completed=D(2026, 10, 10), goals=("pm",)),
        module("nov", completed=D(2026, 11, 3), goals=("pm",)),
        milestone("ms1", D(2026, 10, 1)),
        milestone("ms2", D(2026, 11, 2)),
        milestone("ms3", None),
    )
    # Only the long-horizon (6m, 12m) goals are listed: "later" has no horizon.
    (pm,) = build_scorecard(data, OCT, SETTINGS, TODAY).goals
    # modules up to Oct 31: sep, oct = 2, of them in Oct: 1; milestones done by Oct 31: ms1
    assert (pm.title, pm.horizon, pm.target_date, pm.done) == (
        "Move into product",
        "6m",
        "2027-03-01",
        False,
    )
    assert (pm.modules_completed, pm.modules_in_period) == (2, 1)
    assert (pm.milestones_done, pm.milestones_total) == (1, 3)


# --- many periods, one index ------------------------------------------------------------


def test_scorecards_over_one_index_match_one_by_one() -> None:
    data = workspace(*OCTOBER)
    index = WorkspaceIndex(data)
    cards = [build_scorecard(data, p, SETTINGS, TODAY, index=index) for p in (SEP, OCT, Q4)]
    assert [card.period.label for card in cards] == ["2026-09", "2026-10", "2026-Q4"]
    for card in cards:
        alone = build_scorecard(data, card.period, SETTINGS, TODAY)
        assert card.to_json() == alone.to_json()


def test_an_index_of_another_workspace_is_refused() -> None:
    with pytest.raises(ValueError, match="another workspace"):
        build_scorecard(Workspace(), OCT, SETTINGS, TODAY, index=WorkspaceIndex(Workspace()))


def test_scorecard_json_shape() -> None:
    card = build_scorecard(workspace(*OCTOBER), OCT, SETTINGS, TODAY)
    document = json.loads(json.dumps(card.to_json()))
    assert document["period"] == {
        "label": "2026-10",
        "kind": "month",
        "start": "2026-10-01",
        "end": "2026-10-31",
    }
    assert document["score"] == 76
    assert document["kpis"]["module_completion"] == {
        "value": 0.5,
        "target": 0.8,
        "score": 63,
        "status": "at_risk",
        "previous": None,
        "delta": None,
        "detail": {"planned": 2, "done": 1, "completed_total": 1, "unplanned": 0},
    }
