"""Actions: every weak KPI and every pitfall becomes one imperative sentence from the data.

An action says what to do and, after a colon, the figures that call for it; `why` says
why it matters; `items` are the records concerned. A pitfall's action answers the KPIs
the pitfall rests on (the catalogue's `pitfalls` column), and KPIs that one action
answers get no action of their own. Ranking: off track before at risk, then the heaviest
KPI weight, then the largest gap to the target (100 − score), then the engine's KPI
order.
"""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from careerloop.config import KpisConfig
from careerloop.kpi import catalog
from careerloop.kpi.metrics import WorkspaceIndex, scored_end
from careerloop.kpi.scorecard import Action, KpiResult, Pitfall, Status
from careerloop.kpi.words import (
    day,
    format_minutes,
    format_value,
    join_words,
    number_word,
    plain_number,
    plural,
    quote,
)
from careerloop.model import Module
from careerloop.periods import Period

WEAK = ("off_track", "at_risk")

# KPIs answered together: when both are weak, the first one's action carries the second.
MERGED: tuple[tuple[str, str], ...] = (("learning_consistency", "module_completion"),)

_WEEKDAYS = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays")


@dataclass(frozen=True, slots=True)
class ActionContext:
    """What the action builders read."""

    index: WorkspaceIndex
    period: Period
    as_of: dt.date
    running: bool
    kpis: Mapping[str, KpiResult]
    settings: KpisConfig

    def mentor(self) -> str:
        """The mentor of most sessions up to as_of (the latest wins a tie), or a stand-in."""
        sessions = self.index.sessions
        latest = bisect_right(sessions.dates, self.as_of)
        recent = sessions.items[max(latest - 12, 0) : latest]
        names = Counter(s.mentor.strip() for s in recent if s.mentor and s.mentor.strip())
        if not names:
            return "your mentor"
        return max(names, key=lambda name: names[name])

    def completed(self) -> list[Module]:
        return self.index.modules_completed(self.period.start, self.as_of)

    def evidence(self, key: str) -> str:
        """`9 of 22 weekdays had learning (41%, target 60%)`: the figures behind a KPI."""
        kpi = self.kpis[key]
        return EVIDENCE.get(key, _evidence_generic)(self, kpi)

    def when(self) -> str:
        """`by 30 Nov` while the period runs, `next month` once it has ended."""
        if self.running:
            return f"by {self.period.end.day} {self.period.end.strftime('%b')}"
        return "next month" if self.period.kind == "month" else "next quarter"


def _against(kpi: KpiResult) -> str:
    return f"{format_value(kpi.value, kpi.key)}, target {format_value(kpi.target, kpi.key)}"


def _evidence_generic(ctx: ActionContext, kpi: KpiResult) -> str:
    return (
        f"{kpi.label.lower()} at {format_value(kpi.value, kpi.key)} "
        f"(target {format_value(kpi.target, kpi.key)})"
    )


def _int(detail: Mapping[str, object], name: str) -> int:
    value = detail.get(name, 0)
    return int(value) if isinstance(value, int | float) else 0


EVIDENCE: dict[str, Callable[[ActionContext, KpiResult], str]] = {
    "learning_consistency": lambda ctx, k: (
        f"{_int(k.detail, 'active_days')} of {plural(_int(k.detail, 'weekdays'), 'weekday')} "
        f"had learning ({_against(k)})"
    ),
    "module_completion": lambda ctx, k: (
        f"{_int(k.detail, 'done')} of {plural(_int(k.detail, 'planned'), 'planned module')} "
        f"{'is' if _int(k.detail, 'planned') == 1 else 'are'} done ({_against(k)})"
    ),
    "mentor_feedback": lambda ctx, k: (
        f"feedback averaged {format_value(k.value, k.key)} over "
        f"{plural(_int(k.detail, 'scored'), 'scored session')} "
        f"(target {format_value(k.target, k.key)})"
    ),
    "skills_applied": lambda ctx, k: (
        f"{plural(k.value or 0, 'new skill')} applied in {ctx.period} "
        f"(target {format_value(k.target, k.key)})"
    ),
    "mentor_cadence": lambda ctx, k: (
        f"{k.detail.get('sessions', 0)} of {plural(float(k.detail.get('expected', 0)), 'planned session')} "  # noqa: E501
        f"held ({_against(k)})"
    ),
    "goal_alignment": lambda ctx, k: (
        f"{_int(k.detail, 'aligned')} of {plural(_int(k.detail, 'completed'), 'module')} "
        f"completed served a goal ({_against(k)})"
    ),
    "insights_documented": lambda ctx, k: (
        f"{_int(k.detail, 'documented')} of {plural(_int(k.detail, 'sessions'), 'mentor session')} "  # noqa: E501
        f"{'has its' if _int(k.detail, 'sessions') == 1 else 'have their'} insights written "
        f"down ({_against(k)})"
    ),
    "milestones_on_time": lambda ctx, k: (
        f"{_int(k.detail, 'on_time')} of {plural(_int(k.detail, 'due'), 'milestone')} due in "
        f"{ctx.period} {'was' if _int(k.detail, 'due') == 1 else 'were'} reached on time "
        f"({_against(k)})"
    ),
}

WHY: dict[str, str] = {
    "learning_consistency": "Short learning on most weekdays is what makes it stick; a long "
    "session now and then fades.",
    "module_completion": "Modules left open push the plan back and hide which ones matter.",
    "mentor_feedback": "Sessions the mentor rates low rarely change what you do next.",
    "skills_applied": "A skill counts once it is used on real work; until then it is reading.",
    "mentor_cadence": "Regular sessions catch drift early; a skipped one costs a month.",
    "goal_alignment": "Learning that serves no goal takes the time the goals need.",
    "insights_documented": "Takeaways not written down are mostly gone within a week.",
    "milestones_on_time": "A late milestone moves every goal it leads to.",
    "learning_minutes": "The plan's goals need the learning time it sets aside.",
    "advancements": "Advancements show the plan paying off; agree on the next one.",
}

PITFALL_WHY: dict[str, str] = {
    catalog.MENTOR_GAP: "Without a recent session nobody checks the plan against what happens.",
    catalog.SKIPPED_CHECKINS: "A long gap between sessions lets small problems grow for weeks.",
    catalog.OVERLOAD_WITHOUT_APPLICATION: "Modules piled up without practice are mostly forgotten.",
    catalog.UNVETTED_CONTENT: "Unvetted content can teach the wrong thing confidently.",
    catalog.STALLED_GOAL: "A goal due soon with no recent work will slip unless something "
    "moves now.",
    catalog.UNALIGNED_LEARNING: WHY["goal_alignment"],
    catalog.UNDOCUMENTED_INSIGHTS: WHY["insights_documented"],
}


# --- imperative sentences per KPI -------------------------------------------------------


def _slot_minutes(modules: Sequence[Module]) -> int:
    """A typical module's minutes, to the nearest 5 (10 when unknown)."""
    minutes = sorted(m.minutes for m in modules if m.minutes)
    if not minutes:
        return 10
    middle = minutes[len(minutes) // 2]
    return max(5, int(5 * round(middle / 5)))


def _quiet_weekdays(ctx: ActionContext, count: int) -> list[str]:
    """The `count` weekdays with the fewest learning days in the period (Monday first on ties)."""
    learned = Counter(
        day.weekday()
        for day in set(ctx.index.modules_by_completed.dates_between(ctx.period.start, ctx.as_of))
    )
    order = sorted(range(5), key=lambda weekday: (learned[weekday], weekday))
    return [_WEEKDAYS[weekday] for weekday in sorted(order[:count])]


def _learning_consistency(ctx: ActionContext) -> tuple[str, list[str]]:
    kpi = ctx.kpis["learning_consistency"]
    gap = (kpi.target or 0) - (kpi.value or 0)
    slots = min(max(math.ceil(round(gap * 5, 6)), 1), 5)
    minutes = _slot_minutes(ctx.completed() or ctx.index.workspace.modules)
    noun = "slot" if slots == 1 else "slots"
    days = join_words(_quiet_weekdays(ctx, slots))
    return f"Block {number_word(slots)} {minutes}-minute learning {noun} a week, on {days}", []


def _open_planned(ctx: ActionContext) -> list[Module]:
    planned = ctx.index.modules_by_planned.between(ctx.period.start, ctx.as_of)
    return [m for m in planned if m.completed is None or m.completed > ctx.as_of]


def _module_completion(ctx: ActionContext) -> tuple[str, list[str]]:
    kpi = ctx.kpis["module_completion"]
    planned, done = _int(kpi.detail, "planned"), _int(kpi.detail, "done")
    needed = max(math.ceil(round((kpi.target or 0) * planned, 6)) - done, 1)
    still_open = _open_planned(ctx)
    titles = [m.title or m.id for m in still_open]
    if ctx.running:
        first = f", starting with {quote(titles[0])}" if titles else ""
        text = f"Finish {plural(needed, 'more planned module')} {ctx.when()}{first}"
    else:
        text = (
            f"Reschedule the {plural(len(still_open), 'module')} left open in {ctx.period} "
            "or drop the ones that no longer serve a goal"
        )
    return text, titles


def _mentor_feedback(ctx: ActionContext) -> tuple[str, list[str]]:
    kpi = ctx.kpis["mentor_feedback"]
    low, high = ctx.settings.feedback_scale
    target = kpi.target or 0
    sessions = ctx.index.sessions_between(ctx.period.start, ctx.as_of)
    weak = [
        s.title or s.id
        for s in sessions
        if s.feedback is not None
        and (min(max(s.feedback, low), high) - low) / (high - low) * 100 < target
    ]
    return (
        f"Ask {ctx.mentor()} what would make the next session more useful, and agree on one change",
        weak,
    )


def _unapplied_skill(ctx: ActionContext) -> tuple[str, list[str]] | None:
    """The skill learned most recently by as_of and never applied, with (up to three of)
    the modules that taught it, newest first."""
    index = ctx.index
    unapplied = [
        (first, key)
        for key, first in index.first_acquired.items()
        if first <= ctx.as_of
        and not ((applied := index.first_application.get(key)) and applied <= ctx.as_of)
    ]
    if not unapplied:
        return None
    first, key = max(unapplied)
    dates, modules = index.modules_by_completed.dates, index.modules_by_completed.items
    position = bisect_right(dates, ctx.as_of)
    name: str = key
    titles: list[str] = []
    # Walk back from as_of to the skill's first module: its latest modules come first.
    while position > 0 and dates[position - 1] >= first and len(titles) < 3:
        position -= 1
        module = modules[position]
        spelled = [s for s in module.skills if index.skill_key(s) == key]
        if spelled:
            name = " ".join(spelled[0].split())
            titles.append(module.title or module.id)
    return name, titles


def _skills_applied(ctx: ActionContext) -> tuple[str, list[str]]:
    candidate = _unapplied_skill(ctx)
    if candidate:
        skill, modules = candidate
        return f"Use {skill} in a live project {ctx.when()}", modules
    return f"Pick one skill from your recent modules and use it in a live project {ctx.when()}", []


def _mentor_cadence(ctx: ActionContext) -> tuple[str, list[str]]:
    kpi = ctx.kpis["mentor_cadence"]
    expected = float(kpi.detail.get("expected", 0) or 0)
    missing = max(math.ceil(round(expected - _int(kpi.detail, "sessions"), 6)), 1)
    last = ctx.index.sessions.last_before(ctx.as_of + dt.timedelta(days=1))
    items = [last[1].title or last[1].id] if last else []
    return (
        f"Book {plural(missing, 'mentor session')} with {ctx.mentor()} {ctx.when()} and keep "
        "a recurring slot",
        items,
    )


def _goal_alignment(ctx: ActionContext) -> tuple[str, list[str]]:
    loose = [m.title or m.id for m in ctx.completed() if not m.goal_ids]
    return (
        f"Link the {plural(len(loose), 'module')} without a goal to the goal "
        f"{'it serves' if len(loose) == 1 else 'they serve'}, or drop "
        f"{'it' if len(loose) == 1 else 'them'} from the plan",
        loose,
    )


def _insights_documented(ctx: ActionContext) -> tuple[str, list[str]]:
    sessions = ctx.index.sessions_between(ctx.period.start, ctx.as_of)
    blank = [s.title or s.id for s in sessions if not s.insights.strip()]
    return (
        f"Write down the takeaways of the {plural(len(blank), 'session')} without insights, "
        "and of each next session within a day",
        blank,
    )


def _milestones_on_time(ctx: ActionContext) -> tuple[str, list[str]]:
    due = ctx.index.milestones_by_due.between(ctx.period.start, ctx.as_of)
    late = [m for m in due if m.done_on is None or (m.due is not None and m.done_on > m.due)]
    still_open = [m for m in late if m.done_on is None or m.done_on > ctx.as_of]
    titles = [m.title or m.id for m in late]
    if still_open:
        first = still_open[0]
        due_on = f" (due {day(first.due)})" if first.due else ""
        others = len(still_open) - 1
        more = f" and {plural(others, 'other open milestone')}" if others else ""
        return (
            f"Reach {quote(first.title or first.id)}{due_on}{more}, or agree new dates with "
            f"{ctx.mentor()}",
            titles,
        )
    return (
        "Give the next milestones realistic dates and check them at every mentor session",
        titles,
    )


def _learning_minutes(ctx: ActionContext) -> tuple[str, list[str]]:
    kpi = ctx.kpis["learning_minutes"]
    weeks = max(((ctx.as_of - ctx.period.start).days + 1) / 7, 1.0)
    more = max(((kpi.target or 0) - (kpi.value or 0)) / weeks, 5.0)
    return f"Plan {format_minutes(5 * math.ceil(more / 5))} more learning a week", []


def _advancements(ctx: ActionContext) -> tuple[str, list[str]]:
    return (
        f"Agree with {ctx.mentor()} on your next step and the competencies it needs",
        [],
    )


def _generic(key: str) -> Callable[[ActionContext], tuple[str, list[str]]]:
    def build(ctx: ActionContext) -> tuple[str, list[str]]:
        return f"Plan what will move {ctx.kpis[key].label.lower()} towards its target", []

    return build


BUILDERS: dict[str, Callable[[ActionContext], tuple[str, list[str]]]] = {
    "learning_consistency": _learning_consistency,
    "module_completion": _module_completion,
    "mentor_feedback": _mentor_feedback,
    "skills_applied": _skills_applied,
    "mentor_cadence": _mentor_cadence,
    "goal_alignment": _goal_alignment,
    "insights_documented": _insights_documented,
    "milestones_on_time": _milestones_on_time,
    "learning_minutes": _learning_minutes,
    "advancements": _advancements,
}


# --- imperative sentences per pitfall ---------------------------------------------------


def _pitfall_text(ctx: ActionContext, pitfall: Pitfall) -> str:
    """The imperative of a pitfall without a weak KPI of its own to speak for it."""
    match pitfall.code:
        case catalog.MENTOR_GAP:
            return f"Book the next session with {ctx.mentor()} now and keep a recurring slot"
        case catalog.SKIPPED_CHECKINS:
            every = plain_number(round(30 / ctx.settings.sessions_per_month))
            return f"Put the mentor sessions on a recurring slot every {every} days"
        case catalog.OVERLOAD_WITHOUT_APPLICATION:
            candidate = _unapplied_skill(ctx)
            skill = f", such as {candidate[0]}," if candidate else ""
            return (
                f"Use one skill from these modules{skill} in a live project before "
                "starting new ones"
            )
        case catalog.UNVETTED_CONTENT:
            providers = sorted(
                {m.provider for m in ctx.completed() if m.vetted is False and m.provider}
            )
            names = f" ({join_words(providers[:3])})" if providers else ""
            return (
                f"Ask {ctx.mentor()} to vet the sources{names} before you spend more time on them"
            )
        case catalog.STALLED_GOAL:
            first = quote(pitfall.items[0]) if pitfall.items else "the goals due soon"
            return (
                f"Schedule a module or a milestone for {first} this week, or move its target date"
            )
        case catalog.UNALIGNED_LEARNING:
            return _goal_alignment(ctx)[0]
        case catalog.UNDOCUMENTED_INSIGHTS:
            return _insights_documented(ctx)[0]
    return pitfall.advice.rstrip(".") or f"Deal with {pitfall.code.replace('-', ' ')}"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def _ranked(actions: list[Action]) -> list[Action]:
    order = {"off_track": 0, "at_risk": 1}
    indexed = list(enumerate(actions))
    indexed.sort(
        key=lambda pair: (order.get(pair[1].status, 2), -pair[1].weight, -pair[1].gap, pair[0])
    )
    return [action for _, action in indexed]


def _rank_fields(ctx: ActionContext, keys: Sequence[str]) -> tuple[Status, float, int]:
    """Status, weight and gap of an action answering `keys` (weak KPIs)."""
    statuses = [ctx.kpis[k].status for k in keys]
    status: Status = "off_track" if "off_track" in statuses else "at_risk"
    weight = max((ctx.settings.weight(k) for k in keys), default=1.0)
    gap = max((100 - (ctx.kpis[k].score or 0) for k in keys), default=0)
    return status, weight, gap


def _pitfall_action(
    ctx: ActionContext, pitfall: Pitfall, answers: Sequence[str], weak: Sequence[str]
) -> Action:
    """The action of a pitfall, answering its weak KPIs (`answers`: the KPIs it rests on)."""
    keys = [k for k in answers if k in weak]
    status, weight, gap = _rank_fields(ctx, keys)
    if pitfall.severity == "critical" or not keys:
        status = "off_track" if pitfall.severity == "critical" else "at_risk"
    evidence = "; ".join(ctx.evidence(k) for k in keys) or _lower_first(pitfall.message.rstrip("."))
    return Action(
        text=f"{_pitfall_text(ctx, pitfall)}: {evidence}",
        why=WHY.get(keys[0], "") if keys else PITFALL_WHY.get(pitfall.code, pitfall.advice),
        kpis=keys,
        pitfall=pitfall.code,
        items=list(pitfall.items),
        status=status,
        weight=weight,
        gap=gap,
    )


def _kpi_action(ctx: ActionContext, keys: Sequence[str]) -> Action:
    """The action of a weak KPI (`keys[0]`) and of the KPIs merged into it."""
    key = keys[0]
    text, items = BUILDERS.get(key, _generic(key))(ctx)
    for other in keys[1:]:
        items = items + BUILDERS.get(other, _generic(other))(ctx)[1]
    status, weight, gap = _rank_fields(ctx, keys)
    return Action(
        text=f"{text}: {'; '.join(ctx.evidence(k) for k in keys)}",
        why=" ".join(WHY.get(k, "") for k in keys).strip() or ctx.kpis[key].label,
        kpis=list(keys),
        pitfall=None,
        items=items,
        status=status,
        weight=weight,
        gap=gap,
    )


def plan_actions(
    index: WorkspaceIndex,
    period: Period,
    today: dt.date,
    kpis: Mapping[str, KpiResult],
    pitfalls: Sequence[Pitfall],
    settings: KpisConfig,
) -> list[Action]:
    """One action per pitfall and per weak KPI no pitfall answers, ranked."""
    ctx = ActionContext(
        index, period, scored_end(period, today), period.end >= today, kpis, settings
    )
    weak = [key for key, kpi in kpis.items() if kpi.status in WEAK]
    answers = catalog.pitfall_kpis()
    actions = [_pitfall_action(ctx, p, answers.get(p.code, ()), weak) for p in pitfalls]
    answered = {key for action in actions for key in action.kpis}
    merged_into = {second: first for first, second in MERGED if first in weak and second in weak}
    for key in weak:
        if key in answered or key in merged_into:
            continue
        merged = [
            other for other, first in merged_into.items() if first == key and other not in answered
        ]
        actions.append(_kpi_action(ctx, [key, *merged]))
    return _ranked(actions)
