"""The orchestration's own logic: reviews built over one shared scorer."""

from __future__ import annotations

import datetime as dt

from careerloop import pipeline
from careerloop.config import Config
from careerloop.model import Module, Session, Workspace
from careerloop.periods import Period

TODAY = dt.date(2026, 11, 26)


def plan() -> Workspace:
    ws = Workspace()
    for month in range(6, 11):
        for n in range(month - 5):  # June 1 module, July 2, … October 5
            day = dt.date(2026, month, 2 + n)
            ws.add(Module(id=f"m{month}-{n}", source="file", source_id="x", title="M",
                          planned=day, completed=day, goal_ids=("g",), minutes=10))
        ws.add(Session(id=f"s{month}", source="file", source_id="x", title="S",
                       date=dt.date(2026, month, 10), feedback=4, insights="ok"))
    return ws


def test_a_shared_scorer_gives_the_same_reviews_as_separate_ones() -> None:
    ws, config = plan(), Config()
    due = pipeline.due_periods(config, TODAY, period=None, draft=True)
    assert [(k, p.label) for k, p in due] == [
        ("monthly", "2026-10"), ("quarterly", "2026-Q3"), ("monthly", "2026-11")]
    scorer = pipeline.Scorer(ws, config, TODAY)
    shared = [pipeline.build_review(ws, config, k, p, TODAY, scorer=scorer) for k, p in due]
    alone = [pipeline.build_review(ws, config, k, p, TODAY) for k, p in due]
    assert shared == alone
    # The plan began in June: October's trend runs June..October (5 points, not 6), and
    # each month's completion is its modules / the same modules planned -> 1.0.
    october = shared[0]
    assert [t.label for t in october.trend] == ["2026-06", "2026-07", "2026-08", "2026-09",
                                                 "2026-10"]
    assert october.scorecard.kpis["module_completion"].value == 1.0
    assert [m.period.label for m in shared[1].months] == ["2026-07", "2026-08", "2026-09"]
    assert shared[2].draft and not shared[0].draft


def test_the_scorer_scores_each_period_once() -> None:
    scorer = pipeline.Scorer(plan(), Config(), TODAY)
    october = Period.parse("2026-10")
    assert scorer.card(october) is scorer.card(october)
