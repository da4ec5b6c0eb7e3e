"""Goals on pace: the long-horizon goals in detail, the shorter ones as a count."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from careerloop.kpi.metrics import WorkspaceIndex, count_goal_completions
from careerloop.kpi.scorecard import GoalPace, Pace, ShortGoals
from careerloop.model import Goal, Milestone
from careerloop.periods import Period

SOON_DAYS = 60  # a monthly review shows the goals when one is due this soon

_MONTHS = re.compile(r"^(\d+)\s*(?:m|mo|mos|month|months)$")
_YEARS = re.compile(r"^(\d+)\s*(?:y|yr|yrs|year|years)$")


def horizon_key(horizon: str | None) -> str:
    """`6 months` -> `6m`, `1y` -> `12m`; other text lower-cased and trimmed."""
    text = " ".join((horizon or "").split()).casefold()
    if m := _MONTHS.match(text):
        return f"{int(m.group(1))}m"
    if m := _YEARS.match(text):
        return f"{12 * int(m.group(1))}m"
    return text


def is_long(goal: Goal, horizons: Iterable[str]) -> bool:
    """Whether the goal's horizon is one of the long horizons (config)."""
    return horizon_key(goal.horizon) in {horizon_key(h) for h in horizons}


def _pace(done: bool, reached: int, total: int, elapsed: float | None) -> Pace:
    if done:
        return "done"
    if elapsed is None:
        return "no_date"
    if total == 0:
        return "no_milestones"
    return "on_pace" if reached / total >= elapsed else "behind"


def _elapsed(start: dt.date | None, target: dt.date | None, as_of: dt.date) -> float | None:
    """The share of the time from the goal's first linked record to its target date that
    has passed by `as_of` (0 to 1); None without both dates."""
    if target is None or start is None:
        return None
    span = (target - start).days
    return 1.0 if span <= 0 else min(max((as_of - start).days / span, 0.0), 1.0)


def _row(index: WorkspaceIndex, period: Period, as_of: dt.date, goal: Goal) -> GoalPace:
    milestones = sorted(
        index.goal_milestones.get(goal.id, []),
        key=lambda m: (m.due is None, m.due or as_of, m.title.casefold()),
    )
    reached: list[Milestone] = []
    upcoming: list[Milestone] = []
    for m in milestones:
        (reached if m.done_on is not None and m.done_on <= as_of else upcoming).append(m)
    target = goal.target_date
    elapsed = _elapsed(index.goal_start.get(goal.id), target, as_of)
    following = upcoming[0] if upcoming else None
    return GoalPace(
        id=goal.id,
        title=goal.title or goal.id,
        horizon=goal.horizon,
        target_date=target,
        done=goal.done,
        milestones_done=len(reached),
        milestones_total=len(milestones),
        next_milestone=(following.title or following.id) if following else None,
        next_due=following.due if following else None,
        days_left=(target - as_of).days if target is not None else None,
        elapsed=elapsed,
        pace=_pace(goal.done, len(reached), len(milestones), elapsed),
        modules_in_period=count_goal_completions(index, goal.id, period.start, as_of),
        modules_completed=count_goal_completions(index, goal.id, dt.date.min, as_of),
    )


def goal_pace(
    index: WorkspaceIndex, period: Period, as_of: dt.date, horizons: Iterable[str]
) -> list[GoalPace]:
    """Each long-horizon goal as of `as_of`, by target date."""
    long_goals = [g for g in index.goals if is_long(g, horizons)]
    long_goals.sort(
        key=lambda g: (g.target_date is None, g.target_date or as_of, g.title.casefold())
    )
    return [_row(index, period, as_of, goal) for goal in long_goals]


def due_soon(rows: Iterable[GoalPace], as_of: dt.date) -> bool:
    """Whether a long-horizon goal not done is due in the 60 days after `as_of`."""
    limit = as_of + dt.timedelta(days=SOON_DAYS)
    return any(
        not row.done and row.target_date is not None and as_of < row.target_date <= limit
        for row in rows
    )


def short_goals(
    index: WorkspaceIndex, period: Period, as_of: dt.date, horizons: Iterable[str]
) -> ShortGoals | None:
    """The shorter goals due in the period (up to as_of): how many, and how many are done."""
    due = [
        g
        for g in index.goals
        if not is_long(g, horizons)
        and g.target_date is not None
        and period.start <= g.target_date <= as_of
    ]
    if not due:
        return None
    names = {" ".join((g.horizon or "").split()) for g in due}
    name = names.pop() if len(names) == 1 else ""
    label = f"{name} goals" if name and not name[0].isdigit() else "shorter goals"
    return ShortGoals(label=label, due=len(due), done=sum(1 for g in due if g.done))
