"""KPI engine over 100,000 generated records spanning 24 months: time and peak memory."""

from __future__ import annotations

import datetime as dt
import random
import resource
import tempfile
import time

from careerloop import pipeline
from careerloop.config import Config, KpisConfig
from careerloop.kpi.engine import WorkspaceIndex, build_scorecard
from careerloop.model import Application, Goal, Milestone, Module, Session, Workspace
from careerloop.periods import Period
from careerloop.store import Store

RECORDS = 100_000
START = dt.date(2024, 11, 1)
DAYS = 730  # 24 months
TRACKS = ["Agile delivery", "UX research", "Data analytics", "Stakeholder management"]
SKILLS = [f"Skill {i}" for i in range(400)]


def generate(records: int = RECORDS, seed: int = 7) -> Workspace:
    """A large synthetic plan: 70% modules, 12% sessions, 12% applications, the rest."""
    rng = random.Random(seed)
    ws = Workspace()
    goals = [Goal(id=f"file:goal:{i}", source="file", source_id=str(i), title=f"Goal {i}",
                  horizon="12m", target_date=START + dt.timedelta(days=rng.randrange(DAYS)))
             for i in range(50)]
    for goal in goals:
        ws.add(goal)

    def day() -> dt.date:
        return START + dt.timedelta(days=rng.randrange(DAYS))

    for i in range(records - len(goals)):
        roll = rng.random()
        rid = str(i)
        if roll < 0.70:
            planned = day()
            late = dt.timedelta(days=rng.randrange(-3, 10))
            done = planned + late if rng.random() < 0.8 else None
            ws.add(Module(id=f"file:module:{rid}", source="file", source_id=rid,
                          title=f"Module {rid}", planned=planned, completed=done,
                          minutes=rng.randrange(5, 30), track=rng.choice(TRACKS),
                          skills=(rng.choice(SKILLS),),
                          goal_ids=(rng.choice(goals).id,) if rng.random() < 0.85 else (),
                          vetted=rng.random() < 0.9))
        elif roll < 0.82:
            ws.add(Session(id=f"file:session:{rid}", source="file", source_id=rid,
                           title=f"Session {rid}", date=day(), feedback=rng.randint(1, 5),
                           insights="Notes" if rng.random() < 0.8 else ""))
        elif roll < 0.94:
            ws.add(Application(id=f"file:application:{rid}", source="file", source_id=rid,
                               title=f"Application {rid}", date=day(),
                               skills=(rng.choice(SKILLS),), project="Project"))
        else:
            due = day()
            ws.add(Milestone(id=f"file:milestone:{rid}", source="file", source_id=rid,
                             title=f"Milestone {rid}", due=due,
                             done_on=due if rng.random() < 0.7 else None,
                             goal_ids=(rng.choice(goals).id,)))
    return ws


def build_scorecards(ws: Workspace, periods: list[Period], settings: KpisConfig,
                     today: dt.date) -> None:
    """Score the periods over one index, as the pipeline's Scorer does."""
    index = WorkspaceIndex(ws)
    for period in periods:
        build_scorecard(ws, period, settings, today, index=index)


def run() -> list[tuple[str, str]]:
    """Figures: generation, one monthly and one quarterly scorecard, peak memory."""
    started = time.perf_counter()
    ws = generate()
    generated = time.perf_counter() - started
    today = START + dt.timedelta(days=DAYS + 5)
    month = Period.last_closed("month", today)
    quarter = Period.last_closed("quarter", today)
    settings = KpisConfig()
    timings = []
    for period in (month, quarter):
        started = time.perf_counter()
        build_scorecards(ws, [period], settings, today)
        timings.append(time.perf_counter() - started)
    started = time.perf_counter()
    history = [month]
    for _ in range(23):
        history.insert(0, history[0].previous())
    build_scorecards(ws, history, settings, today)
    all_months = time.perf_counter() - started
    config = Config()
    due = pipeline.due_periods(config, today, period=None, draft=True)
    started = time.perf_counter()
    scorer = pipeline.Scorer(ws, config, today)
    for kind, period in due:
        pipeline.build_review(ws, config, kind, period, today, scorer=scorer)
    reviews = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder, Store(f"{folder}/state.db") as store:
        started = time.perf_counter()
        store.save_read("bench", ws.records(), full=True)
        saved = time.perf_counter() - started
        started = time.perf_counter()
        build_scorecards(store.workspace(), [month], settings, today)
        from_store = time.perf_counter() - started
    rss_peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return [
        (f"records generated ({RECORDS:,} over 24 months)", f"{generated:.2f} s"),
        (f"kpis for {month.label} (with previous period)", f"{timings[0]:.3f} s"),
        (f"kpis for {quarter.label} (with previous period)", f"{timings[1]:.3f} s"),
        ("kpis for all 24 months (trend)", f"{all_months:.3f} s"),
        (f"a sync's {len(due)} due reviews with trends and months (one index)",
         f"{reviews:.2f} s"),
        ("store: save all records (one transaction)", f"{saved:.2f} s"),
        ("`careerloop kpis` path: load from the store + score a month", f"{from_store:.2f} s"),
        ("peak resident memory of the whole process (ru_maxrss)", f"{rss_peak_mb:.0f} MB"),
    ]


if __name__ == "__main__":
    for label, figure in run():
        print(f"{label:<60} {figure}")
