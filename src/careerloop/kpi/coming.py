"""What is coming up: the dated plan in the 30 days after the period (or after today)."""

from __future__ import annotations

import datetime as dt

from careerloop.kpi.metrics import WorkspaceIndex, scored_end
from careerloop.kpi.scorecard import ComingItem
from careerloop.periods import Period

COMING_DAYS = 30
_KIND_ORDER = {"session": 0, "milestone": 1, "goal": 2, "module": 3}


def coming_window(period: Period, today: dt.date) -> tuple[dt.date, dt.date]:
    """The 30 days after E, or after today while the period runs (both ends included)."""
    after = scored_end(period, today)
    return after + dt.timedelta(days=1), after + dt.timedelta(days=COMING_DAYS)


def _sessions(index: WorkspaceIndex, start: dt.date, end: dt.date) -> list[ComingItem]:
    return [
        ComingItem(
            date=day,
            kind="session",
            title=session.title or "Mentor session",
            detail=session.mentor or "",
        )
        for day, session in index.sessions.dated_between(start, end)
    ]


def _modules(
    index: WorkspaceIndex, start: dt.date, end: dt.date, as_of: dt.date
) -> list[ComingItem]:
    return [
        ComingItem(
            date=day,
            kind="module",
            title=module.title or module.id,
            detail=" ".join((module.track or "").split()),
        )
        for day, module in index.modules_by_planned.dated_between(start, end)
        if module.completed is None or module.completed > as_of
    ]


def _milestones(
    index: WorkspaceIndex, start: dt.date, end: dt.date, as_of: dt.date
) -> list[ComingItem]:
    return [
        ComingItem(date=day, kind="milestone", title=milestone.title or milestone.id)
        for day, milestone in index.milestones_by_due.dated_between(start, end)
        if milestone.done_on is None or milestone.done_on > as_of
    ]


def _goals(index: WorkspaceIndex, start: dt.date, end: dt.date) -> list[ComingItem]:
    return [
        ComingItem(date=goal.target_date, kind="goal", title=goal.title or goal.id)
        for goal in index.goals
        if not goal.done and goal.target_date is not None and start <= goal.target_date <= end
    ]


def coming_up(index: WorkspaceIndex, period: Period, today: dt.date) -> list[ComingItem]:
    """Sessions, planned modules not completed, milestones not reached and target dates of
    goals not done in the coming window, by date.

    "Not completed" is judged as of E (today while the period runs), so the review of a
    closed period reads the same whenever it is rendered.
    """
    as_of = scored_end(period, today)
    start, end = coming_window(period, today)
    items = [
        *_sessions(index, start, end),
        *_modules(index, start, end, as_of),
        *_milestones(index, start, end, as_of),
        *_goals(index, start, end),
    ]
    items.sort(key=lambda item: (item.date, _KIND_ORDER[item.kind], item.title.casefold()))
    return items
