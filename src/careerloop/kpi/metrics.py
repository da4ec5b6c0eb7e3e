"""One small pure function per KPI, over an index of the workspace built once.

Every metric has the same shape, `(index, period, settings, today) -> (value, detail)`,
so the engine can list them: adding a KPI is adding a function (listed in `FUNCTIONS`), a
row in `catalog.KPIS` and a row in docs/kpis.md. The exact definitions live in
docs/kpis.md.

A running period is scored as of today: every metric reads records up to `scored_end`
(E, or today while the period runs), so nothing dated after today counts.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from careerloop.config import KpisConfig
from careerloop.kpi import catalog
from careerloop.model import (
    Advancement,
    Application,
    Goal,
    Milestone,
    Module,
    Session,
    Workspace,
    skill_key,
)
from careerloop.periods import Period

T = TypeVar("T")

Detail = dict[str, Any]
MetricValue = tuple[float | None, Detail]


class DatedList(Generic[T]):
    """Records sorted by one date, so a period's records are a bisect away."""

    __slots__ = ("dates", "items")

    def __init__(self, records: Iterable[T], date_of: Callable[[T], dt.date | None]) -> None:
        dated = [(day, record) for record in records if (day := date_of(record)) is not None]
        # Sort on the date only: records themselves are not comparable.
        dated.sort(key=lambda pair: pair[0])
        self.dates: list[dt.date] = [day for day, _ in dated]
        self.items: list[T] = [record for _, record in dated]

    def _bounds(self, start: dt.date, end: dt.date) -> tuple[int, int]:
        return bisect_left(self.dates, start), bisect_right(self.dates, end)

    def between(self, start: dt.date, end: dt.date) -> list[T]:
        """Records dated start <= date <= end, oldest first."""
        low, high = self._bounds(start, end)
        return self.items[low:high]

    def dates_between(self, start: dt.date, end: dt.date) -> list[dt.date]:
        """The dates (with repeats) in start <= date <= end."""
        low, high = self._bounds(start, end)
        return self.dates[low:high]

    def count_between(self, start: dt.date, end: dt.date) -> int:
        """How many records are dated start <= date <= end."""
        low, high = self._bounds(start, end)
        return max(high - low, 0)

    def dated_between(self, start: dt.date, end: dt.date) -> list[tuple[dt.date, T]]:
        """(date, record) pairs dated start <= date <= end, oldest first."""
        low, high = self._bounds(start, end)
        return list(zip(self.dates[low:high], self.items[low:high], strict=True))

    def last_before(self, day: dt.date) -> tuple[dt.date, T] | None:
        """The latest record dated strictly before `day`, with its date."""
        position = bisect_left(self.dates, day)
        return (self.dates[position - 1], self.items[position - 1]) if position else None

    def __len__(self) -> int:
        return len(self.items)


def _first_dates(pairs: Iterable[tuple[str, dt.date]]) -> dict[str, dt.date]:
    """The earliest date per key (blank keys ignored)."""
    first: dict[str, dt.date] = {}
    for key, day in pairs:
        if not key:
            continue
        known = first.get(key)
        if known is None or day < known:
            first[key] = day
    return first


SkillKey = Callable[[str], str]


def _first_applications(
    applications: DatedList[Application], key_of: SkillKey
) -> tuple[dict[str, dt.date], dict[str, str]]:
    """Skill key -> the date of its first application, and the spelling used there."""
    first: dict[str, dt.date] = {}
    names: dict[str, str] = {}
    for day, application in zip(applications.dates, applications.items, strict=True):
        for name in application.skills:  # oldest first: the first one stays
            key = key_of(name)
            if key and key not in first:
                first[key] = day
                names[key] = " ".join(name.split())
    return first, names


def _track_firsts(
    completed: Iterable[tuple[dt.date, Module]], key_of: SkillKey
) -> tuple[dict[str, str], dict[str, dict[str, dt.date]]]:
    """Track key -> display name, and per track the first completion of each skill."""
    names: dict[str, str] = {}
    firsts: dict[str, dict[str, dt.date]] = {}
    for day, module in completed:
        if module.track is None or not (track := key_of(module.track)):
            continue
        names.setdefault(track, " ".join(module.track.split()))
        skills = firsts.setdefault(track, {})
        for name in module.skills:
            if key := key_of(name):
                skills.setdefault(key, day)  # oldest first: the first date stays
    return names, firsts


def _goal_completions(completed: Iterable[tuple[dt.date, Module]]) -> dict[str, list[dt.date]]:
    """Goal id -> the completion dates of its modules, in the order given."""
    completions: dict[str, list[dt.date]] = {}
    for day, module in completed:
        for goal_id in module.goal_ids:
            completions.setdefault(goal_id, []).append(day)
    return completions


def _goal_milestones(milestones: Iterable[Milestone]) -> dict[str, list[Milestone]]:
    """Goal id -> its milestones."""
    found: dict[str, list[Milestone]] = {}
    for milestone in milestones:
        for goal_id in milestone.goal_ids:
            found.setdefault(goal_id, []).append(milestone)
    return found


def _goal_starts(workspace: Workspace) -> dict[str, dt.date]:
    """Goal id -> the earliest date of a module or milestone linked to it."""
    linked: list[tuple[tuple[str, ...], tuple[dt.date | None, ...]]] = [
        (m.goal_ids, (m.planned, m.completed)) for m in workspace.modules
    ]
    linked += [(m.goal_ids, (m.due, m.done_on)) for m in workspace.milestones]
    starts: dict[str, dt.date] = {}
    for goal_ids, dates in linked:
        known = [d for d in dates if d is not None]
        if not known:
            continue
        earliest = min(known)
        for goal_id in goal_ids:
            if goal_id not in starts or earliest < starts[goal_id]:
                starts[goal_id] = earliest
    return starts


class WorkspaceIndex:
    """The workspace sorted and pre-aggregated once, read by every metric and period.

    Building it is O(n log n); a period's records are then found by bisection, so a
    scorecard costs roughly the size of its period, not of the whole history.
    """

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        # Skill names repeat across thousands of records: normalise each spelling once.
        self._skill_keys: dict[str, str] = {}
        self.goals: list[Goal] = list(workspace.goals)
        self.modules_by_planned = DatedList(workspace.modules, lambda m: m.planned)
        self.modules_by_completed = DatedList(workspace.modules, lambda m: m.completed)
        self.sessions = DatedList(workspace.sessions, lambda s: s.date)
        self.applications = DatedList(workspace.applications, lambda a: a.date)
        self.milestones_by_due = DatedList(workspace.milestones, lambda m: m.due)
        self.milestones_by_done = DatedList(workspace.milestones, lambda m: m.done_on)
        self.advancements = DatedList(workspace.advancements, lambda a: a.date)
        self.first_date = first_dated(workspace)
        # Memos of derived per-period results (track places), filled on demand.
        self.memo: dict[tuple[str, Period, dt.date], Any] = {}

        # Skill key -> the spelling used at its first application, and that date.
        self.first_application, self.skill_names = _first_applications(
            self.applications, self.skill_key
        )
        first_application = self.first_application
        self.first_applications = DatedList(first_application, lambda key: first_application[key])
        completed = list(
            zip(self.modules_by_completed.dates, self.modules_by_completed.items, strict=True)
        )
        # A competency is "new" from the first day a module or application shows it.
        self.first_acquired = _first_dates(
            [
                *(
                    (self.skill_key(name), day)
                    for day, module in completed
                    for name in module.skills
                ),
                *first_application.items(),
            ]
        )
        # Track key -> display name, and per track the first completion of each skill.
        self.track_names, self.track_skill_first = _track_firsts(completed, self.skill_key)
        # Goal id -> completion dates of its modules (sorted: modules come in order).
        self.goal_completions = _goal_completions(completed)
        self.goal_milestones = _goal_milestones(workspace.milestones)
        # Goal id -> the earliest date of a record linked to it: when work on it began.
        self.goal_start = _goal_starts(workspace)

    def skill_key(self, name: str) -> str:
        """`model.skill_key`, remembered per spelling (tracks group the same way)."""
        key = self._skill_keys.get(name)
        if key is None:
            key = self._skill_keys[name] = skill_key(name)
        return key

    def modules_completed(self, start: dt.date, end: dt.date) -> list[Module]:
        """Modules completed start <= date <= end."""
        return self.modules_by_completed.between(start, end)

    def sessions_between(self, start: dt.date, end: dt.date) -> list[Session]:
        """Mentor sessions dated start <= date <= end."""
        return self.sessions.between(start, end)

    def applications_between(self, start: dt.date, end: dt.date) -> list[Application]:
        """Applications dated start <= date <= end."""
        return self.applications.between(start, end)


def first_dated(workspace: Workspace) -> dt.date | None:
    """The earliest date of any record (any of its dates): when the plan's data begins."""
    dates: list[dt.date | None] = [g.target_date for g in workspace.goals]
    for module in workspace.modules:
        dates += (module.planned, module.completed)
    dates += [s.date for s in workspace.sessions]
    dates += [a.date for a in workspace.applications]
    for milestone in workspace.milestones:
        dates += (milestone.due, milestone.done_on)
    dates += [a.date for a in workspace.advancements]
    known = [d for d in dates if d is not None]
    return min(known) if known else None


def scored_end(period: Period, today: dt.date) -> dt.date:
    """The last day a KPI counts: E, or today while the period runs."""
    return min(period.end, today)


def is_running(period: Period, today: dt.date) -> bool:
    """Whether the period has not ended yet (today included)."""
    return period.end >= today


def _done_by(module: Module, day: dt.date) -> bool:
    return module.completed is not None and module.completed <= day


def elapsed_share(period: Period, today: dt.date) -> float:
    """The share of the period's days that have passed, today included (1 once it ended)."""
    days = (period.end - period.start).days + 1
    passed = (scored_end(period, today) - period.start).days + 1
    return min(max(passed / days, 0.0), 1.0)


def count_goal_completions(
    index: WorkspaceIndex, goal_id: str, start: dt.date, end: dt.date
) -> int:
    """Modules linked to the goal completed start <= date <= end."""
    dates = index.goal_completions.get(goal_id, [])
    return max(bisect_right(dates, end) - bisect_left(dates, start), 0)


def weekdays_between(start: dt.date, end: dt.date) -> int:
    """Mondays to Fridays in start <= day <= end (0 when end < start)."""
    if end < start:
        return 0
    weeks, rest = divmod((end - start).days + 1, 7)
    first = start.weekday()
    return weeks * 5 + sum(1 for offset in range(rest) if (first + offset) % 7 < 5)


def clamp_feedback(score: float, settings: KpisConfig) -> float:
    """A feedback score moved into the configured scale."""
    low, high = settings.feedback_scale
    return min(max(score, low), high)


def whole(number: float) -> float:
    """An integral float as an int, so details read `2`, not `2.0`."""
    return int(number) if float(number).is_integer() else number


# --- the KPIs ---------------------------------------------------------------------------


def module_completion(
    index: WorkspaceIndex, period: Period, settings: KpisConfig, today: dt.date
) -> MetricValue:
    """Modules planned in P and completed by E, over modules planned in P."""
    start, end = period.start, scored_end(period, today)
    planned = index.modules_by_planned.between(start, end)
    if is_running(period, today):
        # Today is not over: a module planned for today is not missed yet.
        planned = [m for m in planned if m.planned != today or _done_by(m, today)]
    # A module finished before its planned day still counts as done.
    done = sum(1 for m in planned if m.completed is not None and m.completed <= end)
    completed = index.modules_completed(start, end)
    unplanned = sum(1 for m in completed if m.planned is None or not start <= m.planned <= end)
    detail = {
        "planned": len(planned),
        "done": done,
        "completed_total": len(completed),
        "unplanned": unplanned,
    }
    return (done / len(planned) if planned else None), detail


def mentor_feedback(
    index: WorkspaceIndex, period: Period, settings: KpisConfig, today: dt.date
) -> MetricValue:
    """Mean feedback in P on a 0-100 scale, scores outside the scale clamped."""
    sessions = index.sessions_between(period.start, scored_end(period, today))
    low, high = settings.feedback_scale
    scores = [
        (clamp_feedback(s.feedback, settings) - low) / (high - low) * 100
        for s in sessions
        if s.feedback is not None
    ]
    detail = {"sessions": len(sessions), "scored": len(scores)}
    return (sum(scores) / len(scores) if scores else None), detail


def skills_applied(
    index: WorkspaceIndex, period: Period, settings: KpisConfig, today: dt.date
) -> MetricValue:
    """Distinct skills whose first application over all history falls in P."""
    keys = index.first_applications.between(period.start, scored_end(period, today))
    names = sorted((index.skill_names[key] for key in keys), key=str.casefold)
    return len(names), {"skills": names}


def advancements(
    index: WorkspaceIndex, period: Period, settings: KpisConfig, today: dt.date
) -> MetricValue:
    """Advancements in P whose skills were learned or applied on or before them."""
    found = index.advancements.between(period.start, scored_end(period, today))
    linked = sum(1 for advancement in found if is_linked(index, advancement))
    return linked, {"total": len(found), "linked": linked}


def is_linked(index: WorkspaceIndex, advancement: Advancement) -> bool:
    """Whether an advancement rests on a competency acquired by its date."""
    if advancement.date is None:
        return False
    for name in advancement.skills:
        acquired = index.first_acquired.get(index.skill_key(name))
        if acquired is not None and acquired <= advancement.date:
            return True
    return False


def learning_consistency(
    index: WorkspaceIndex, period: Period, settings: KpisConfig, today: dt.date
) -> MetricValue:
    """Distinct days with a completed module over the weekdays of P (up to today)."""
    end = scored_end(period, today)
    learned = set(index.modules_by_completed.dates_between(period.start, end))
    if is_running(period, today):
        # Measured against the weekdays that have passed; today counts once it had
        # learning, since the day is not over.
        weekdays = weekdays_between(period.start, end - dt.timedelta(days=1))
        weekdays += 1 if end.weekday() < 5 and end in learned else 0
    else:
        weekdays = weekdays_between(period.start, end)
    active_days = len(learned)
    detail = {"active_days": active_days, "weekdays": weekdays}
    return (active_days / weekdays if weekdays else None), detail


def mentor_cadence(
    index: WorkspaceIndex, period: Period, settings: KpisConfig, today: dt.date
) -> MetricValue:
    """Sessions in P over the sessions planned for P, pro-rated while P runs."""
    sessions = index.sessions.count_between(period.start, scored_end(period, today))
    expected = settings.sessions_per_month * period.months * elapsed_share(period, today)
    return sessions / expected, {"sessions": sessions, "expected": whole(round(expected, 1))}


def goal_alignment(
    index: WorkspaceIndex, period: Period, settings: KpisConfig, today: dt.date
) -> MetricValue:
    """Share of modules completed in P that are linked to at least one goal."""
    completed = index.modules_completed(period.start, scored_end(period, today))
    aligned = sum(1 for m in completed if m.goal_ids)
    detail = {"aligned": aligned, "completed": len(completed)}
    return (aligned / len(completed) if completed else None), detail


def insights_documented(
    index: WorkspaceIndex, period: Period, settings: KpisConfig, today: dt.date
) -> MetricValue:
    """Share of sessions in P with non-blank insights."""
    sessions = index.sessions_between(period.start, scored_end(period, today))
    documented = sum(1 for s in sessions if s.insights.strip())
    detail = {"documented": documented, "sessions": len(sessions)}
    return (documented / len(sessions) if sessions else None), detail


def milestones_on_time(
    index: WorkspaceIndex, period: Period, settings: KpisConfig, today: dt.date
) -> MetricValue:
    """Share of milestones due in P that were done on or before their due date."""
    due = index.milestones_by_due.between(period.start, scored_end(period, today))
    on_time = sum(
        1 for m in due if m.done_on is not None and m.due is not None and m.done_on <= m.due
    )
    detail = {"due": len(due), "on_time": on_time}
    return (on_time / len(due) if due else None), detail


def learning_minutes(
    index: WorkspaceIndex, period: Period, settings: KpisConfig, today: dt.date
) -> MetricValue:
    """Minutes of the modules completed in P (a module without minutes adds 0)."""
    completed = index.modules_completed(period.start, scored_end(period, today))
    return whole(sum(m.minutes or 0.0 for m in completed)), {}


# --- the list the engine reads ----------------------------------------------------------

MetricFn = Callable[[WorkspaceIndex, Period, KpisConfig, dt.date], MetricValue]

FUNCTIONS: dict[str, MetricFn] = {
    "module_completion": module_completion,
    "mentor_feedback": mentor_feedback,
    "skills_applied": skills_applied,
    "advancements": advancements,
    "learning_consistency": learning_consistency,
    "mentor_cadence": mentor_cadence,
    "goal_alignment": goal_alignment,
    "insights_documented": insights_documented,
    "milestones_on_time": milestones_on_time,
    "learning_minutes": learning_minutes,
}
"""KPI key -> the function that measures it; every key of the catalogue has one."""


@dataclass(frozen=True, slots=True)
class Metric:
    """A KPI as the engine lists it: its catalogue row and the function that measures it."""

    kpi: catalog.Kpi
    compute: MetricFn

    @property
    def key(self) -> str:
        """The KPI's key."""
        return self.kpi.key

    @property
    def label(self) -> str:
        """The KPI's label."""
        return self.kpi.label

    @property
    def per_month_target(self) -> bool:
        """Whether the target is per month (counts grow with the period)."""
        return self.kpi.per_month


def metric_of(kpi: catalog.Kpi) -> Metric:
    """The catalogue row with its function."""
    return Metric(kpi, FUNCTIONS[kpi.key])


def metrics() -> tuple[Metric, ...]:
    """Every KPI of the catalogue with its function, in catalogue order (read per call, so
    an extended catalogue is scored too)."""
    return tuple(metric_of(kpi) for kpi in catalog.KPIS)


def find_metric(key: str) -> Metric | None:
    """The metric of `key`; None for a key the catalogue does not know."""
    kpi = catalog.find(key)
    return metric_of(kpi) if kpi else None


METRICS: tuple[Metric, ...] = metrics()
"""Every shipped KPI, in the order of config.KPI_KEYS."""

LABELS: dict[str, str] = {kpi.key: kpi.label for kpi in catalog.KPIS}
"""KPI key -> label, of the shipped catalogue."""


def feedback_warnings(
    index: WorkspaceIndex, period: Period, settings: KpisConfig, today: dt.date | None = None
) -> list[str]:
    """A data warning for each feedback score in P outside the scale (it is clamped)."""
    low, high = settings.feedback_scale
    warnings = []
    end = period.end if today is None else scored_end(period, today)
    for session in index.sessions_between(period.start, end):
        if session.feedback is None or low <= session.feedback <= high:
            continue
        name = session.title or session.id
        warnings.append(
            f"Session {name!r} on {session.date}: feedback {whole(session.feedback)} is "
            f"outside the scale {whole(low)}-{whole(high)} and was counted as "
            f"{whole(clamp_feedback(session.feedback, settings))}."
        )
    return warnings
