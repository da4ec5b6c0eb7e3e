"""The scorecard of a period: every KPI scored against its target, pitfalls, tracks, goals.

The engine knows no service: it reads a `Workspace` (through a `WorkspaceIndex` built once)
and returns a `Scorecard`, the only thing review templates see.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from careerloop.config import KpisConfig
from careerloop.errors import PeriodError
from careerloop.kpi import written
from careerloop.kpi.actions import plan_actions
from careerloop.kpi.coming import coming_up, coming_window
from careerloop.kpi.metrics import (
    Detail,
    Metric,
    WorkspaceIndex,
    count_goal_completions,
    elapsed_share,
    feedback_warnings,
    metrics,
    scored_end,
)
from careerloop.kpi.pace import due_soon, goal_pace, is_long, short_goals
from careerloop.kpi.pitfalls import detect_pitfalls
from careerloop.kpi.refine import refinements
from careerloop.kpi.scorecard import (
    GoalPace,
    GoalProgress,
    KpiResult,
    Scorecard,
    Status,
    TrackRow,
)
from careerloop.model import Workspace
from careerloop.periods import Period

__all__ = [
    "WorkspaceIndex",
    "build_scorecard",
    "period_score",
    "round_half_up",
    "score_for",
    "status_for",
    "target_for",
]


def round_half_up(number: float | Decimal) -> int:
    """Round to the nearest integer, halves away from zero (0.5 -> 1, 2.5 -> 3)."""
    # Through the decimal text of the float, so 74.99999999999999 from 0.6 / 0.8 * 100
    # is not mistaken for less than 75, and 67.5 stays a true half.
    exact = number if isinstance(number, Decimal) else Decimal(repr(number))
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def target_for(
    metric: Metric, period: Period, settings: KpisConfig, today: dt.date | None = None
) -> float | None:
    """The KPI's target for this period; None when it has none (informational).

    A count's target is per month; while the period runs (given `today`) it is pro-rated
    by the share of the period's days that have passed.
    """
    if metric.key in settings.targets:
        configured = settings.targets[metric.key]  # None in the file removes the target
    else:
        configured = metric.kpi.target
    if configured is None:
        return None
    if not metric.per_month_target:
        return configured
    share = 1.0 if today is None else elapsed_share(period, today)
    return round(configured * period.months * share, 6)


def not_due_yet(
    metric: Metric, value: float | None, target: float | None, detail: Detail, running: bool
) -> bool:
    """Whether a running period's pro-rated count expects less than one whole unit so far
    and none came.

    Early in a running month one skill or one session cannot be "late" yet: such a KPI
    gets no score rather than a 0. A KPI that pro-rates itself (catalogue `pro_rated_by`)
    is judged on its own expected and counted detail fields.
    """
    if not running:
        return False
    if metric.kpi.pro_rated_by is not None:
        expected_field, counted_field = metric.kpi.pro_rated_by
        expected = detail.get(expected_field)
        return isinstance(expected, int | float) and expected < 1 and not detail.get(counted_field)
    return metric.per_month_target and target is not None and 0 < target < 1 and value == 0


def score_for(value: float | None, target: float | None) -> int | None:
    """round_half_up(100 × min(value / target, 1)); None without a value or a target."""
    if value is None or target is None:
        return None
    if target <= 0:
        return 100  # any value meets a target of zero
    ratio = Decimal(repr(value)) / Decimal(repr(target))
    return round_half_up(min(ratio, Decimal(1)) * 100)


def status_for(score: int | None) -> Status:
    """on_track >= 90, at_risk >= 60, off_track below, no_data without a score."""
    if score is None:
        return "no_data"
    if score >= 90:
        return "on_track"
    if score >= 60:
        return "at_risk"
    return "off_track"


def period_score(kpis: Mapping[str, KpiResult], settings: KpisConfig) -> int | None:
    """Weighted mean of the KPI scores that exist, rounded half up; None when none do."""
    total = Decimal(0)
    weights = Decimal(0)
    for key, result in kpis.items():
        if result.score is None:
            continue
        weight = Decimal(repr(settings.weight(key)))
        total += weight * result.score
        weights += weight
    if weights <= 0:
        return None
    return round_half_up(total / weights)


def _delta(value: float | None, previous: float | None) -> float | None:
    if value is None or previous is None:
        return None
    # Rounded so 0.7 - 0.6 reads 0.1, not 0.09999999999999998.
    return round(value - previous, 6)


def compute_values(
    index: WorkspaceIndex, period: Period, settings: KpisConfig, today: dt.date
) -> dict[str, tuple[float | None, Detail]]:
    """Every KPI's (value, detail) for the period."""
    return {metric.key: metric.compute(index, period, settings, today) for metric in metrics()}


TRACK_WINDOW_MONTHS = 3
TRACK_MIN_MODULES = 2
TRACK_MIN_MINUTES = 60.0
STREAK_LOOKBACK = 24


def track_window(period: Period, today: dt.date) -> tuple[dt.date, dt.date]:
    """The last three months ending with the period (its end: E, or today while it runs)."""
    end = scored_end(period, today)
    month = Period.containing(end, "month")
    for _ in range(TRACK_WINDOW_MONTHS - 1):
        month = month.previous()
    return month.start, end


def track_table(
    index: WorkspaceIndex, period: Period, window: tuple[dt.date, dt.date] | None = None
) -> list[TrackRow]:
    """Learning and application per track over a window (default: the period), by name.

    A track appears when at least one of its modules was completed in the window; the
    applications and the learning hours are counted over that same window.
    """
    start, end = window or (period.start, period.end)
    modules: dict[str, int] = {}
    minutes: dict[str, float] = {}
    for module in index.modules_completed(start, end):
        if module.track is None or not (track := index.skill_key(module.track)):
            continue
        modules[track] = modules.get(track, 0) + 1
        minutes[track] = minutes.get(track, 0.0) + (module.minutes or 0.0)

    applications = [
        {index.skill_key(name) for name in application.skills}
        for application in index.applications_between(start, end)
    ]
    rows = []
    for track in sorted(modules, key=lambda key: index.track_names[key].casefold()):
        learned = index.track_skill_first.get(track, {})
        applied = sum(
            1
            for skills in applications
            if any((day := learned.get(skill)) is not None and day <= end for skill in skills)
        )
        hours = minutes[track] / 60
        rows.append(
            TrackRow(
                track=index.track_names[track],
                modules=modules[track],
                minutes=minutes[track],
                applications=applied,
                per_hour=round(applied / hours, 2) if hours else None,
            )
        )
    return rows


def accelerate_and_revisit(
    rows: Iterable[TrackRow], min_minutes: float = 0.0
) -> tuple[str | None, str | None]:
    """The track with most applications per learning hour, and the one with fewest.

    Only tracks with at least 2 modules and `min_minutes` minutes are named. Accelerate
    needs a rate above zero; revisit is never the track to accelerate. Ties go to the
    track first by name.
    """
    rated = [
        row
        for row in rows
        if row.per_hour is not None
        and row.modules >= TRACK_MIN_MODULES
        and row.minutes >= min_minutes
    ]
    by_rate = sorted(rated, key=lambda row: (-(row.per_hour or 0.0), row.track.casefold()))
    accelerate = by_rate[0].track if by_rate and (by_rate[0].per_hour or 0.0) > 0 else None
    candidates = sorted(
        (row for row in rated if row.track != accelerate),
        key=lambda row: (row.per_hour or 0.0, row.track.casefold()),
    )
    return accelerate, (candidates[0].track if candidates else None)


def track_places(
    index: WorkspaceIndex, period: Period, today: dt.date
) -> tuple[list[TrackRow], str | None, str | None]:
    """The rolling track table of a period and the tracks to accelerate and revisit."""
    memo_key = ("tracks", period, scored_end(period, today))
    if memo_key not in index.memo:
        rows = track_table(index, period, track_window(period, today))
        index.memo[memo_key] = (rows, *accelerate_and_revisit(rows, TRACK_MIN_MINUTES))
    cached: tuple[list[TrackRow], str | None, str | None] = index.memo[memo_key]
    return cached


def place_streak(
    index: WorkspaceIndex, period: Period, today: dt.date, place: int, track: str | None
) -> int:
    """For how many periods in a row (this one included) `track` held the place
    (1: accelerate, 2: revisit); 0 without a track."""
    if track is None:
        return 0
    streak, earlier = 1, period.previous()
    first = index.first_date
    while streak < STREAK_LOOKBACK and first is not None and earlier.end >= first:
        if track_places(index, earlier, today)[place] != track:
            break
        streak += 1
        earlier = earlier.previous()
    return streak


def goal_progress(index: WorkspaceIndex, period: Period) -> list[GoalProgress]:
    """Where each goal stands at the end of the period, by target date."""
    end = period.end
    goals = sorted(
        index.goals,
        key=lambda g: (g.target_date is None, g.target_date or end, g.title.casefold()),
    )
    progress = []
    for goal in goals:
        milestones = index.goal_milestones.get(goal.id, [])
        progress.append(
            GoalProgress(
                id=goal.id,
                title=goal.title,
                horizon=goal.horizon,
                target_date=goal.target_date.isoformat() if goal.target_date else None,
                done=goal.done,
                modules_completed=count_goal_completions(index, goal.id, dt.date.min, end),
                modules_in_period=count_goal_completions(index, goal.id, period.start, end),
                milestones_done=sum(
                    1 for m in milestones if m.done_on is not None and m.done_on <= end
                ),
                milestones_total=len(milestones),
            )
        )
    return progress


def score_kpis(
    index: WorkspaceIndex, period: Period, settings: KpisConfig, today: dt.date
) -> dict[str, KpiResult]:
    """Every KPI of the period scored against its target, with the change since the
    period before (none for a period that ended before the plan's first dated record)."""
    current = compute_values(index, period, settings, today)
    before_period = period.previous()
    first = index.first_date
    compare = first is not None and before_period.end >= first
    previous = compute_values(index, before_period, settings, today) if compare else {}
    running = period.end >= today
    kpis: dict[str, KpiResult] = {}
    for metric in metrics():
        value, detail = current[metric.key]
        before = previous[metric.key][0] if compare else None
        target = target_for(metric, period, settings, today)
        due = not not_due_yet(metric, value, target, detail, running)
        score = score_for(value, target) if due else None
        kpis[metric.key] = KpiResult(
            key=metric.key,
            label=metric.label,
            value=value,
            target=target,
            score=score,
            status="info" if target is None else status_for(score),
            previous=before,
            delta=_delta(value, before),
            detail=detail,
        )
    return kpis


@dataclass(frozen=True, slots=True)
class TrackPlaces:
    """The rolling track table and the tracks to accelerate and revisit, with for how
    many periods in a row each held its place."""

    rows: list[TrackRow]
    accelerate: str | None
    accelerate_periods: int
    revisit: str | None
    revisit_periods: int


def places_of(index: WorkspaceIndex, period: Period, today: dt.date) -> TrackPlaces:
    """The track places of a period and their streaks."""
    rows, accelerate, revisit = track_places(index, period, today)
    return TrackPlaces(
        rows=rows,
        accelerate=accelerate,
        accelerate_periods=place_streak(index, period, today, 1, accelerate),
        revisit=revisit,
        revisit_periods=place_streak(index, period, today, 2, revisit),
    )


def _indexed(
    workspace: Workspace, period: Period, today: dt.date, index: WorkspaceIndex | None
) -> WorkspaceIndex:
    """The index to score with, once the period is known to have started."""
    if period.start > today:
        raise PeriodError(
            f"period {period} starts on {period.start}, after today ({today}): "
            "choose a period that has started"
        )
    if index is None:
        return WorkspaceIndex(workspace)
    if index.workspace is not workspace:
        raise ValueError("the index was built from another workspace")
    return index


def _warnings(
    index: WorkspaceIndex, period: Period, settings: KpisConfig, today: dt.date
) -> list[str]:
    """The workspace's data warnings and the period's feedback warnings, each once."""
    warnings = [warning.message for warning in index.workspace.warnings]
    warnings += feedback_warnings(index, period, settings, today)
    return list(dict.fromkeys(warnings))


def _long_goals(index: WorkspaceIndex, period: Period, settings: KpisConfig) -> list[GoalProgress]:
    long_ids = {goal.id for goal in index.goals if is_long(goal, settings.goal_horizons)}
    return [g for g in goal_progress(index, period) if g.id in long_ids]


def _refinements(
    index: WorkspaceIndex,
    period: Period,
    settings: KpisConfig,
    today: dt.date,
    kpis: Mapping[str, KpiResult],
    paces: list[GoalPace],
    places: TrackPlaces,
) -> list[str]:
    # Only quarterly reviews show the checklist; a month is spared its look-back.
    if period.kind != "quarter":
        return []
    following = period.next()
    planned_next = index.modules_by_planned.count_between(following.start, following.end)
    tracks = (places.accelerate, places.accelerate_periods, places.revisit, places.revisit_periods)
    return refinements(index, period, settings, today, kpis, paces, tracks, planned_next)


def build_scorecard(
    workspace: Workspace,
    period: Period,
    settings: KpisConfig,
    today: dt.date,
    *,
    index: WorkspaceIndex | None = None,
) -> Scorecard:
    """Score one period.

    Pass `index` (built from this same workspace) to score many periods without
    re-indexing.

    Raises:
        PeriodError: the period starts after today.
    """
    index = _indexed(workspace, period, today, index)
    kpis = score_kpis(index, period, settings, today)
    as_of = scored_end(period, today)
    total = period_score(kpis, settings)
    places = places_of(index, period, today)
    values = {key: result.value for key, result in kpis.items()}
    statuses = {key: result.status for key, result in kpis.items()}
    pitfalls = detect_pitfalls(index, period, settings, today, values, statuses)
    paces = goal_pace(index, period, as_of, settings.goal_horizons)
    coming_from, coming_to = coming_window(period, today)
    return Scorecard(
        period=period,
        score=total,
        status=status_for(total),
        kpis=kpis,
        pitfalls=pitfalls,
        tracks=places.rows,
        accelerate=places.accelerate,
        revisit=places.revisit,
        goals=_long_goals(index, period, settings),
        warnings=_warnings(index, period, settings, today),
        running=period.end >= today,
        as_of=as_of,
        actions=plan_actions(index, period, today, kpis, pitfalls, settings),
        coming_up=coming_up(index, period, today),
        coming_from=coming_from,
        coming_to=coming_to,
        insights=written.insights(index, period.start, as_of),
        open_items=written.open_items(index, period.start, as_of),
        advancement_notes=written.advancement_notes(index, period.start, as_of),
        milestones_reached=written.milestones_reached(index, period.start, as_of),
        milestones_missed=written.milestones_missed(index, period.start, as_of),
        goal_pace=paces,
        goals_due_soon=due_soon(paces, as_of),
        short_goals=short_goals(index, period, as_of, settings.goal_horizons),
        track_window=track_window(period, today),
        accelerate_periods=places.accelerate_periods,
        revisit_periods=places.revisit_periods,
        refinements=_refinements(index, period, settings, today, kpis, paces, places),
        feedback_scale=settings.feedback_scale,
    )
