"""The plan-refinement checklist of a quarterly review, derived from the data.

A KPI below its target month after month says the plan, not only the effort, needs a
change: each item names how long, the typical level, and two concrete ways out.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence

from careerloop.config import KpisConfig
from careerloop.kpi.metrics import WorkspaceIndex, find_metric
from careerloop.kpi.scorecard import GoalPace, KpiResult
from careerloop.kpi.words import day, format_value, plain_number, plural, quote, round_to
from careerloop.periods import Period

LOOKBACK_MONTHS = 12


def months_below(
    index: WorkspaceIndex,
    period: Period,
    settings: KpisConfig,
    today: dt.date,
    key: str,
    target: float,
) -> list[tuple[Period, float, dict[str, object]]]:
    """The (month, value, detail) of the consecutive months, ending with the period's last
    month, in which the KPI stayed below `target`, newest first."""
    metric = find_metric(key)
    if metric is None:
        return []
    compute = metric.compute
    month = Period.containing(min(period.end, today), "month")
    found: list[tuple[Period, float, dict[str, object]]] = []
    first = index.first_date
    while len(found) < LOOKBACK_MONTHS and first is not None and month.end >= first:
        if month.start > today:
            month = month.previous()
            continue
        value, detail = compute(index, month, settings, today)
        if value is None or value >= target:
            break
        found.append((month, value, detail))
        month = month.previous()
    return found


History = Sequence[tuple[Period, float, dict[str, object]]]


def _ratio_item(
    index: WorkspaceIndex, today: dt.date, key: str, label: str, target: float, history: History
) -> str:
    months = len(history)
    mean = sum(value for _, value, _ in history) / months
    lowered = float(round_to(max(mean, 0.1), 1))
    head = f"{label} has been below {format_value(target, key)} for {plural(months, 'month')}"
    lower = f"lower the target to {plain_number(lowered)}"
    if key == "learning_consistency":
        completed = (
            sum(
                len(index.modules_completed(month.start, min(month.end, today)))
                for month, _, _ in history
            )
            / months
        )
        needed = math.ceil(round(completed * target / mean, 6)) if mean else 0
        return (
            f"{head} at about {plural(round(completed), 'module')} a month: {lower} "
            f"or plan {needed} modules a month"
        )
    if key == "module_completion":
        planned = sum(_count(d, "planned") for _, _, d in history) / months
        done = sum(_count(d, "done") for _, _, d in history) / months
        fewer = math.floor(done / target) if target else 0
        return (
            f"{head} at about {plural(round(done), 'module')} done of "
            f"{round(planned)} planned a month: {lower} or plan {fewer} modules a month"
        )
    if key == "mentor_cadence":
        held = sum(_count(d, "sessions") for _, _, d in history) / months
        return (
            f"{head} at about {plural(round(held, 1), 'session')} a month: set "
            f"sessions_per_month to {plain_number(max(round(held), 1))} or book the "
            "sessions as a recurring slot"
        )
    if key == "goal_alignment":
        return f"{head}: {lower} or link each module to a goal when you plan it"
    if key == "insights_documented":
        return f"{head}: {lower} or write the takeaways during the session itself"
    if key == "milestones_on_time":
        return f"{head}: give the next milestones more time or split them into smaller ones"
    return f"{head} (about {format_value(mean, key)}): {lower} or plan how to reach it"


def _count(detail: Mapping[str, object], name: str) -> float:
    value = detail.get(name, 0)
    return float(value) if isinstance(value, int | float) else 0.0


def _kpi_items(
    index: WorkspaceIndex,
    period: Period,
    settings: KpisConfig,
    today: dt.date,
    kpis: Mapping[str, KpiResult],
) -> list[str]:
    """An item for each weak ratio KPI that has stayed below its target for 2+ months."""
    items: list[str] = []
    for key, kpi in kpis.items():
        if kpi.status not in ("at_risk", "off_track") or kpi.target is None:
            continue
        metric = find_metric(key)
        if metric is None or metric.per_month_target:
            continue  # counts: the actions already say what to do
        history = months_below(index, period, settings, today, key, kpi.target)
        if len(history) >= 2:
            items.append(_ratio_item(index, today, key, kpi.label, kpi.target, history))
    return items


def _goal_items(goals: Sequence[GoalPace]) -> list[str]:
    """An item for each goal behind pace or without milestones."""
    items: list[str] = []
    for goal in goals:
        if goal.pace == "behind":
            gone = plain_number(float(round_to((goal.elapsed or 0) * 100)))
            following = (
                f"plan {quote(goal.next_milestone)} by {day(goal.next_due)}"
                if goal.next_milestone and goal.next_due
                else "add its next milestone"
            )
            items.append(
                f"{quote(goal.title)} is behind pace ({goal.milestones_done} of "
                f"{plural(goal.milestones_total, 'milestone')} reached, {gone}% of its time "
                f"gone): {following}, or move its target date"
            )
        elif goal.pace == "no_milestones":
            items.append(f"Give {quote(goal.title)} milestones, so its pace can be tracked")
    return items


def _track_items(period: Period, tracks: tuple[str | None, int, str | None, int]) -> list[str]:
    """The tracks to give more time and to rework, with how long they held the place."""
    accelerate, accelerate_periods, revisit, revisit_periods = tracks
    unit = "month" if period.kind == "month" else "quarter"

    def held(periods: int) -> str:
        return f"for {plural(periods, unit)} in a row" if periods > 1 else f"this {unit}"

    items: list[str] = []
    if accelerate:
        items.append(
            f"Give {accelerate} more of the next {unit}: it has turned learning into practice "
            f"best {held(accelerate_periods)}"
        )
    if revisit:
        items.append(
            f"Rework or retire the {revisit} track: it has turned the least learning into "
            f"practice {held(revisit_periods)}"
        )
    return items


def refinements(
    index: WorkspaceIndex,
    period: Period,
    settings: KpisConfig,
    today: dt.date,
    kpis: Mapping[str, KpiResult],
    goals: Sequence[GoalPace],
    tracks: tuple[str | None, int, str | None, int],
    planned_next: int,
) -> list[str]:
    """The checklist: KPIs below target for months, goals behind pace, tracks, next plan."""
    return [
        *_kpi_items(index, period, settings, today, kpis),
        *_goal_items(goals),
        *_track_items(period, tracks),
        f"Plan the modules and dates of {period.next()}: {plural(planned_next, 'module')} "
        f"{'is' if planned_next == 1 else 'are'} planned so far",
    ]
