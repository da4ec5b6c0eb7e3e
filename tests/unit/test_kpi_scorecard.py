"""kpi/scorecard: the shapes `kpis --json` prints, and the notes' derived figures."""

from __future__ import annotations

import json

from careerloop.kpi.scorecard import (
    Action,
    ComingItem,
    MilestoneNote,
    Pitfall,
    Scorecard,
    TrackRow,
)
from careerloop.periods import Period
from tests.unit.kpi_records import D, result


def test_the_json_of_a_scorecard() -> None:
    card = Scorecard(
        period=Period.parse("2026-Q4"),
        score=81,
        status="at_risk",
        kpis={
            "goal_alignment": result(
                "goal_alignment",
                "Learning linked to a goal",
                0.75,
                0.9,
                83,
                "at_risk",
                aligned=3,
                completed=4,
            )
        },
        pitfalls=[Pitfall(code="stalled-goal", severity="warning", message="m.", items=["G"])],
        tracks=[TrackRow(track="Data", modules=3, minutes=90.0, applications=2, per_hour=1.33)],
        actions=[
            Action(
                text="Do it",
                why="Because.",
                kpis=["goal_alignment"],
                items=["M1"],
                weight=2.0,
                gap=17,
            )
        ],
        coming_up=[ComingItem(date=D(2027, 1, 4), kind="session", title="S", detail="Priya")],
        warnings=["w"],
    )
    document = json.loads(json.dumps(card.to_json()))
    assert document == {
        "period": {
            "label": "2026-Q4",
            "kind": "quarter",
            "start": "2026-10-01",
            "end": "2026-12-31",
        },
        "score": 81,
        "kpis": {
            "goal_alignment": {
                "value": 0.75,
                "target": 0.9,
                "score": 83,
                "status": "at_risk",
                "previous": None,
                "delta": None,
                "detail": {"aligned": 3, "completed": 4},
            }
        },
        "pitfalls": [
            {"code": "stalled-goal", "severity": "warning", "message": "m.", "items": ["G"]}
        ],
        "tracks": [
            {"track": "Data", "modules": 3, "minutes": 90.0, "applications": 2, "per_hour": 1.33}
        ],
        # The ranking fields (status, weight, gap) and a coming item's detail stay inside.
        "actions": [
            {
                "text": "Do it",
                "why": "Because.",
                "kpis": ["goal_alignment"],
                "pitfall": None,
                "items": ["M1"],
            }
        ],
        "coming_up": [{"date": "2027-01-04", "kind": "session", "title": "S"}],
        "warnings": ["w"],
    }


def test_days_late_of_a_milestone() -> None:
    assert MilestoneNote(title="m", due=D(2026, 10, 5), done_on=D(2026, 10, 12)).days_late == 7
    assert MilestoneNote(title="m", due=D(2026, 10, 5), done_on=D(2026, 10, 5)).days_late is None
    assert MilestoneNote(title="m", due=D(2026, 10, 5), done_on=None).days_late is None
    assert MilestoneNote(title="m", due=None, done_on=D(2026, 10, 5)).days_late is None
