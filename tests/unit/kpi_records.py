"""Small record builders for the KPI unit tests (one place, so each test reads its data)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from careerloop.kpi.metrics import WorkspaceIndex
from careerloop.kpi.scorecard import KpiResult, Status
from careerloop.model import (
    Advancement,
    Application,
    Goal,
    Milestone,
    Module,
    Record,
    Session,
    Workspace,
)

D = dt.date


def index_of(*records: Record) -> WorkspaceIndex:
    workspace = Workspace()
    for record in records:
        workspace.add(record)
    return WorkspaceIndex(workspace)


def module(
    id: str,
    *,
    planned: dt.date | None = None,
    completed: dt.date | None = None,
    minutes: float | None = None,
    track: str | None = None,
    skills: tuple[str, ...] = (),
    goals: tuple[str, ...] = (),
    vetted: bool | None = None,
    provider: str | None = None,
) -> Module:
    return Module(
        id=id,
        source="file",
        source_id=id,
        title=id,
        planned=planned,
        completed=completed,
        minutes=minutes,
        track=track,
        skills=skills,
        goal_ids=goals,
        vetted=vetted,
        provider=provider,
    )


def session(
    id: str,
    day: dt.date,
    *,
    mentor: str | None = "Priya",
    insights: str = "",
    feedback: float | None = None,
    done: int = 0,
    total: int = 0,
) -> Session:
    return Session(
        id=id,
        source="file",
        source_id=id,
        title=id,
        date=day,
        mentor=mentor,
        insights=insights,
        feedback=feedback,
        action_items_done=done,
        action_items_total=total,
    )


def application(id: str, day: dt.date, *skills: str) -> Application:
    return Application(id=id, source="file", source_id=id, date=day, skills=skills)


def goal(
    id: str, target: dt.date | None, *, horizon: str | None = "6m", done: bool = False
) -> Goal:
    return Goal(
        id=id, source="file", source_id=id, title=id, horizon=horizon, target_date=target, done=done
    )


def milestone(
    id: str, due: dt.date | None, done_on: dt.date | None = None, goals: tuple[str, ...] = ()
) -> Milestone:
    return Milestone(
        id=id, source="file", source_id=id, title=id, due=due, done_on=done_on, goal_ids=goals
    )


def advancement(id: str, day: dt.date, *skills: str, description: str = "") -> Advancement:
    return Advancement(
        id=id,
        source="file",
        source_id=id,
        title=id,
        date=day,
        skills=skills,
        description=description,
    )


def result(
    key: str,
    label: str,
    value: float | None,
    target: float | None,
    score: int | None,
    status: Status,
    **detail: Any,
) -> KpiResult:
    return KpiResult(
        key=key,
        label=label,
        value=value,
        target=target,
        score=score,
        status=status,
        detail=dict(detail),
    )
