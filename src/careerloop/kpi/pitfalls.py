"""The known pitfalls of a mentorship and microlearning plan, found in one period.

Each detector is a small function of a `PitfallContext` that returns a `Pitfall` or None;
`DETECTORS` lists them and the thresholds come from `[kpis.pitfalls]`. Windows that reach
"up to E" end on `as_of` — E, or today while the period runs — so a draft is not flagged
for days that have not happened yet.

A pitfall that rests on a KPI agrees with the KPI table: it never fires while that KPI is
on track, always fires when it is off track, and is critical exactly when it is off track.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from careerloop.config import KpisConfig
from careerloop.kpi import catalog
from careerloop.kpi.metrics import WorkspaceIndex, count_goal_completions, whole
from careerloop.kpi.scorecard import Pitfall, Severity, Status
from careerloop.kpi.words import plural
from careerloop.model import Module, Session
from careerloop.periods import Period


@dataclass(frozen=True, slots=True)
class PitfallContext:
    """What every detector reads: the index, the period and its KPI values."""

    index: WorkspaceIndex
    period: Period
    settings: KpisConfig
    as_of: dt.date
    values: Mapping[str, float | None]
    statuses: Mapping[str, Status]

    def window(self, days: int) -> tuple[dt.date, dt.date]:
        """The `days` days up to and including `as_of`."""
        return self.as_of - dt.timedelta(days=days - 1), self.as_of

    def completed(self) -> list[Module]:
        """Modules completed in the period (up to as_of)."""
        return self.index.modules_completed(self.period.start, self.as_of)

    def sessions(self) -> list[Session]:
        """Mentor sessions in the period (up to as_of)."""
        return self.index.sessions_between(self.period.start, self.as_of)

    def weak(self, key: str, value: float | None, threshold: float) -> bool:
        """Whether a KPI-backed pitfall fires: below its threshold or off track, never
        while the KPI table says on track."""
        status = self.statuses.get(key)
        if value is None or (self.statuses and status not in ("at_risk", "off_track")):
            return False  # on track, or not due yet: the table shows no weakness
        return value < threshold or status == "off_track"

    def severity(self, key: str) -> Severity:
        """Critical exactly when the KPI behind the pitfall is off track."""
        return "critical" if self.statuses.get(key) == "off_track" else "warning"


def _name(record: Module | Session) -> str:
    return record.title or record.id


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def _share(value: float) -> str:
    return f"{value:.0%}"


def unaligned_learning(ctx: PitfallContext) -> Pitfall | None:
    """Too much of the learning serves no goal."""
    threshold = ctx.settings.pitfalls.unaligned_learning
    alignment = ctx.values.get("goal_alignment")
    if alignment is None or not ctx.weak("goal_alignment", alignment, threshold):
        return None
    loose = [m for m in ctx.completed() if not m.goal_ids]
    total = len(ctx.completed())
    return Pitfall(
        code=catalog.UNALIGNED_LEARNING,
        severity=ctx.severity("goal_alignment"),
        message=(
            f"Only {total - len(loose)} of {total} modules completed in {ctx.period} are "
            f"linked to a goal ({_share(alignment)})."
        ),
        items=[_name(m) for m in loose],
        advice="Link each module to the goal it serves, and drop the ones that serve none.",
    )


def overload_without_application(ctx: PitfallContext) -> Pitfall | None:
    """Many modules finished, nothing applied in a live project."""
    completed = ctx.completed()
    limit = ctx.settings.pitfalls.overload_modules_per_month * ctx.period.months
    applied = ctx.index.applications.count_between(ctx.period.start, ctx.as_of)
    if len(completed) < limit or applied:
        return None
    return Pitfall(
        code=catalog.OVERLOAD_WITHOUT_APPLICATION,
        severity="warning",
        message=(
            f"{len(completed)} modules were completed in {ctx.period} but no skill was "
            "applied in a live project."
        ),
        items=[_name(m) for m in completed],
        advice=(
            "Pick one skill from these modules and use it in a live project before "
            "starting new ones."
        ),
    )


def mentor_gap(ctx: PitfallContext) -> Pitfall | None:
    """No recent mentor session, or far fewer sessions than planned."""
    thresholds = ctx.settings.pitfalls
    start, end = ctx.window(thresholds.mentor_gap_days)
    recent = ctx.index.sessions.count_between(start, end)
    cadence = ctx.values.get("mentor_cadence")
    low_cadence = ctx.weak("mentor_cadence", cadence, thresholds.mentor_gap_cadence)
    if recent and not low_cadence:
        return None
    last = ctx.index.sessions.last_before(end + dt.timedelta(days=1))
    reasons = []
    if not recent:
        since = f" (the last one was on {last[0]})" if last else ""
        reasons.append(
            f"no mentor session in the {thresholds.mentor_gap_days} days up to {end}{since}"
        )
    if low_cadence:
        sessions = len(ctx.sessions())
        expected = (
            whole(round(sessions / cadence, 1))
            if cadence
            else whole(ctx.settings.sessions_per_month * ctx.period.months)
        )
        reasons.append(f"only {sessions} of {expected} planned sessions in {ctx.period}")
    both = len(reasons) == 2
    return Pitfall(
        code=catalog.MENTOR_GAP,
        severity="critical" if both or ctx.severity("mentor_cadence") == "critical" else "warning",
        message=_sentence(" and ".join(reasons)),
        items=[_name(last[1])] if last else [],
        advice="Book the next mentor session now and keep a recurring slot for the rest.",
    )


def skipped_checkins(ctx: PitfallContext) -> Pitfall | None:
    """A gap between consecutive sessions in or just before P is too long."""
    interval = 30 / ctx.settings.sessions_per_month
    limit = ctx.settings.pitfalls.skipped_checkins_factor * interval
    chain = ctx.index.sessions.dated_between(ctx.period.start, ctx.as_of)
    if before := ctx.index.sessions.last_before(ctx.period.start):
        chain.insert(0, before)
    gaps = []
    for (earlier_day, earlier), (later_day, later) in zip(chain, chain[1:], strict=False):
        days = (later_day - earlier_day).days
        if days > limit:
            gaps.append(f"{_name(earlier)} -> {_name(later)}: {days} days")
    if not gaps:
        return None
    return Pitfall(
        code=catalog.SKIPPED_CHECKINS,
        severity="warning",
        message=(
            f"{plural(len(gaps), 'gap')} between mentor sessions "
            f"{'was' if len(gaps) == 1 else 'were'} longer than "
            f"{whole(round(limit, 1))} days (the plan is one every {whole(round(interval, 1))})."
        ),
        items=gaps,
        advice="Put the sessions on a recurring calendar slot so a busy week does not skip one.",
    )


def undocumented_insights(ctx: PitfallContext) -> Pitfall | None:
    """Mentor sessions whose takeaways were never written down."""
    threshold = ctx.settings.pitfalls.undocumented_insights
    documented = ctx.values.get("insights_documented")
    if documented is None or not ctx.weak("insights_documented", documented, threshold):
        return None
    sessions = ctx.sessions()
    blank = [s for s in sessions if not s.insights.strip()]
    return Pitfall(
        code=catalog.UNDOCUMENTED_INSIGHTS,
        severity=ctx.severity("insights_documented"),
        message=(
            f"Only {len(sessions) - len(blank)} of {len(sessions)} mentor sessions in "
            f"{ctx.period} have their insights written down."
        ),
        items=[_name(s) for s in blank],
        advice="Write down the three main takeaways within a day of each session.",
    )


def unvetted_content(ctx: PitfallContext) -> Pitfall | None:
    """Most of the learning came from content nobody vetted."""
    completed = ctx.completed()
    unvetted = [m for m in completed if m.vetted is False]
    share = ctx.settings.pitfalls.unvetted_share
    if not completed or len(unvetted) / len(completed) <= share:
        return None
    return Pitfall(
        code=catalog.UNVETTED_CONTENT,
        severity="warning",
        message=(
            f"{len(unvetted)} of {len(completed)} modules completed in {ctx.period} came "
            f"from unvetted content (more than {_share(share)})."
        ),
        items=[_name(m) for m in unvetted],
        advice="Ask your mentor to vet the sources before you spend time on them.",
    )


def stalled_goal(ctx: PitfallContext) -> Pitfall | None:
    """Goals due soon that saw no module and no milestone lately."""
    thresholds = ctx.settings.pitfalls
    horizon = ctx.as_of + dt.timedelta(days=thresholds.stalled_goal_ahead_days)
    start, end = ctx.window(thresholds.stalled_goal_lookback_days)
    stalled = []
    for goal in sorted(ctx.index.goals, key=lambda g: (g.target_date or horizon, g.title)):
        due = goal.target_date
        if goal.done or due is None or not ctx.as_of < due <= horizon:
            continue
        if count_goal_completions(ctx.index, goal.id, start, end):
            continue
        milestones = ctx.index.goal_milestones.get(goal.id, [])
        if any(m.done_on is not None and start <= m.done_on <= end for m in milestones):
            continue
        stalled.append(goal)
    if not stalled:
        return None
    return Pitfall(
        code=catalog.STALLED_GOAL,
        severity="warning",
        message=(
            f"{plural(len(stalled), 'goal')} due by {horizon} had no module completed and no "
            f"milestone reached in the {thresholds.stalled_goal_lookback_days} days up to "
            f"{end}."
        ),
        items=[goal.title or goal.id for goal in stalled],
        advice="Schedule one module or milestone for each of these goals this week, or move "
        "its target date.",
    )


Detector = Callable[[PitfallContext], Pitfall | None]

DETECTORS: tuple[Detector, ...] = (
    unaligned_learning,
    overload_without_application,
    mentor_gap,
    skipped_checkins,
    undocumented_insights,
    unvetted_content,
    stalled_goal,
)
"""Every pitfall detector, in the order docs/kpis.md lists them."""


def detect_pitfalls(
    index: WorkspaceIndex,
    period: Period,
    settings: KpisConfig,
    today: dt.date,
    values: Mapping[str, float | None],
    statuses: Mapping[str, Status] | None = None,
) -> list[Pitfall]:
    """Every pitfall found in the period, given the period's KPI values and statuses."""
    ctx = PitfallContext(index, period, settings, min(period.end, today), values, statuses or {})
    return [pitfall for detect in DETECTORS if (pitfall := detect(ctx)) is not None]
