"""Review Markdown from Jinja templates, in a jail.

Templates are looked up first in the user's `[reviews] templates` folder, file by file
(partials included), then in the shipped folder, and only `.j2` files that really lie in
those folders are read (a symlink that leads out is refused). The environment is Jinja's
immutable sandbox plus limits: a time limit, a step budget on loops and calls, an output
budget, caps on what `*`, `**`, `+`, `%` and the padding filters and methods may build,
and an include depth. Every `{{ … }}` is escaped as Markdown text (report.escape), and
configured secrets are redacted from the result. Every template problem becomes one
TemplateError naming the file and line.

The context of `monthly.md.j2` and `quarterly.md.j2` is documented in `build_context`.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.resources
import re
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, MutableMapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import nodes, pass_environment
from jinja2.exceptions import SecurityError
from jinja2.loaders import split_template_path
from jinja2.runtime import BlockReference, Context, LoopContext, Macro
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

from careerloop.config import ReviewsConfig
from careerloop.errors import TemplateError
from careerloop.kpi.scorecard import Action, ComingItem, KpiResult, Scorecard
from careerloop.kpi.words import (
    day,
    format_minutes,
    format_value,
    join_words,
    plain_number,
    plural,
    quote,
    round_to,
    sentence,
)
from careerloop.report.cells import (
    _SEVERITY_ORDER,
    _kpi_cell,
    _kpi_delta,
    _kpi_target,
    _kpi_trend,
    _kpi_value,
    _plain,
    format_delta,
    inline,
    kpi_cells,
    month_name,
    severity_emoji,
    status_emoji,
    status_label,
    trend_arrow,
)
from careerloop.report.escape import Markdown, clean_text, escape_markdown, redact
from careerloop.report.review import Review

__all__ = [
    "JailedEnvironment",
    "JailedLoader",
    "MonthRow",
    "RenderLimits",
    "Renderer",
    "build_context",
    "format_delta",
    "format_minutes",
    "format_value",
    "kpi_cells",
    "make_environment",
    "render_markdown",
    "render_template",
    "shipped_templates",
    "status_emoji",
    "status_label",
    "trend_arrow",
]

# The cells and words of a KPI table live in report/cells.py (no Jinja there, so the
# CLI's `kpis` can show a scorecard without loading the template engine).


# --- context ---------------------------------------------------------------------------


@dataclass(slots=True, frozen=True)
class MonthRow:
    """One KPI across the months of a quarter (quarterly reviews)."""

    key: str
    label: str
    months: list[KpiResult | None]
    quarter: KpiResult


def _on_track(scorecard: Scorecard) -> list[KpiResult]:
    return [k for k in scorecard.kpis.values() if k.status == "on_track"]


def _met_target(kpi: KpiResult) -> bool:
    return kpi.value is not None and kpi.target is not None and kpi.value >= kpi.target


WENT_WELL_LINES = 5


def _first_skills(scorecard: Scorecard) -> list[str]:
    """`Skills applied for the first time: …` when the period had any."""
    skills = scorecard.kpis.get("skills_applied")
    named = skills.detail.get("skills", []) if skills else []
    names = [inline(s) for s in named if str(s).strip()]
    return ["Skills applied for the first time: " + ", ".join(names)] if names else []


def _milestones_reached(scorecard: Scorecard) -> list[str]:
    """`Milestones reached: “A”, “B” and “C” and 2 more` when any was reached."""
    reached = scorecard.milestones_reached
    if not reached:
        return []
    titles = join_words([quote(m.title) for m in reached[:3]])
    more = f" and {plural(len(reached) - 3, 'more')}" if len(reached) > 3 else ""
    return [f"Milestone{'s' if len(reached) > 1 else ''} reached: {titles}{more}"]


def _targets_met(scorecard: Scorecard, room: int) -> list[str]:
    """A line per KPI at or above its target, the ones past `room` folded into one."""
    met = [k for k in scorecard.kpis.values() if _met_target(k)]
    lines = [
        f"{kpi.label}: {format_value(kpi.value, kpi.key)} "
        f"(target {format_value(kpi.target, kpi.key)})"
        for kpi in met
    ]
    if len(lines) > room and room:
        shown = lines[: room - 1]
        rest = [k.label.lower() for k in met[room - 1 :]]
        lines = [*shown, "Also at or above target: " + join_words(rest)]
    return lines[:room]


def _went_well(scorecard: Scorecard) -> list[str]:
    """KPIs that met their target, first-time skills, advancements, milestones reached."""
    items = [
        *_first_skills(scorecard),
        *(f"{inline(note.title)} ({day(note.date)})" for note in scorecard.advancement_notes),
        *_milestones_reached(scorecard),
    ]
    room = max(WENT_WELL_LINES - len(items), 0)
    return (_targets_met(scorecard, room) + items)[:WENT_WELL_LINES]


def _open_action_items(scorecard: Scorecard) -> int | None:
    """Open action items of the period's sessions; None when no session had any."""
    if not scorecard.open_items:
        return None
    return sum(item.open for item in scorecard.open_items)


QUESTIONS_MIN, QUESTIONS_MAX = 3, 5


def _insight_question(scorecard: Scorecard) -> list[str]:
    # The takeaways are quoted under "In your words": refer to them, do not repeat them.
    insights = scorecard.insights
    if not insights:
        return []
    dates = join_words([day(i.date) for i in insights[-3:]])
    if len(insights) > 1:
        return [f"Which takeaway of {dates} has changed how you work, and which has not yet?"]
    return [f"Has the takeaway of {dates} changed how you work yet?"]


def _open_items_question(scorecard: Scorecard) -> list[str]:
    if not scorecard.open_items:
        return []
    total = sum(item.open for item in scorecard.open_items)
    sessions = len(scorecard.open_items)
    return [
        f"{plural(total, 'action item')} from {plural(sessions, 'session')} "
        f"{'is' if total == 1 else 'are'} still open: which still matter, and which can go?"
    ]


def _weak_kpi_questions(scorecard: Scorecard) -> list[str]:
    """A question for each of the two weakest KPIs (off track first, lowest score first)."""
    weak = sorted(
        (k for k in scorecard.kpis.values() if k.status in ("off_track", "at_risk")),
        key=lambda k: (k.status != "off_track", k.score or 0),
    )
    return [
        f"{kpi.label} is at {format_value(kpi.value, kpi.key)} against "
        f"{format_value(kpi.target, kpi.key)}: what gets in the way?"
        for kpi in weak[:2]
    ]


def _plan_questions(scorecard: Scorecard) -> list[str]:
    points: list[str] = []
    behind = [g for g in scorecard.goal_pace if g.pace == "behind"]
    if behind:
        points.append(
            f"{quote(behind[0].title)} is behind pace: what would unblock the next milestone?"
        )
    if scorecard.revisit:
        points.append(f"Is the {inline(scorecard.revisit)} track still worth the time it takes?")
    return points


DISCUSSION_FILLERS = (
    "Which skill should I apply next, and on which project?",
    "What should the next period focus on, given where the goals stand?",
    "What would you do differently in my place this month?",
)


def _discussion(scorecard: Scorecard) -> list[str]:
    """3-5 questions for the mentor from this period's insights, open items and weak KPIs.

    They ask, where the actions tell: nothing here repeats an action's sentence.
    """
    points = [
        *_insight_question(scorecard),
        *_open_items_question(scorecard),
        *_weak_kpi_questions(scorecard),
        *_plan_questions(scorecard),
    ]
    for filler in DISCUSSION_FILLERS:
        if len(points) >= QUESTIONS_MIN:
            break
        points.append(filler)
    return list(dict.fromkeys(points))[:QUESTIONS_MAX]


def _checklist(review: Review) -> list[str]:
    """Plan-refinement to-dos for a quarterly review, from the scorecard's data."""
    return list(dict.fromkeys(review.scorecard.refinements))


def _coming_lines(card: Scorecard) -> list[str]:
    """Coming up as sentences: every session, milestone and goal; modules by track."""
    lines: list[str] = []
    modules: list[ComingItem] = []
    for item in card.coming_up:
        when = day(item.date)
        if item.kind == "module":
            modules.append(item)
        elif item.kind == "session":
            mentor = f" with {inline(item.detail)}" if item.detail else ""
            lines.append(f"{when}: mentor session {quote(item.title)}{mentor}")
        elif item.kind == "milestone":
            lines.append(f"{when}: milestone {quote(item.title)} is due")
        else:
            lines.append(f"{when}: target date of the goal {quote(item.title)}")
    if modules:
        tracks: dict[str, int] = {}
        for item in modules:
            name = item.detail or "no track"
            tracks[name] = tracks.get(name, 0) + 1
        by_track = join_words(
            [
                f"{count} {inline(name)}"
                for name, count in sorted(tracks.items(), key=lambda pair: (-pair[1], pair[0]))
            ]
        )
        first, last = modules[0].date, modules[-1].date
        span = f"on {day(first)}" if first == last else f"from {day(first)} to {day(last)}"
        lines.append(f"{plural(len(modules), 'module')} planned {span}: {by_track}")
    return lines


STATUS_LEGEND = (
    "On track: a score of 90 or more, the value within 10% of its target. At risk: a score "
    "of 60 to 89. Off track: below 60. No data: nothing to measure yet."
)


def _feedback_legend(card: Scorecard) -> str:
    low, high = card.feedback_scale
    span = high - low

    def point(rating: float) -> str:
        return plain_number(float(round_to((rating - low) / span * 100)))

    top = [r for r in (high - 1, high) if low <= r <= high]
    ratings = join_words([f"{plain_number(r)} is {point(r)}" for r in top])
    return (
        f"Mentor feedback turns ratings on the {plain_number(low)}–{plain_number(high)} scale "
        f"into 0–100: {plain_number(low)} is 0, {ratings}."
    )


def _month_rows(review: Review) -> list[MonthRow]:
    rows = []
    for key, quarter in review.scorecard.kpis.items():
        rows.append(
            MonthRow(
                key=key,
                label=quarter.label,
                months=[m.kpis.get(key) for m in review.months],
                quarter=quarter,
            )
        )
    return rows


def _goal_order(horizon: str | None) -> tuple[int, str]:
    text = (horizon or "").strip().lower()
    return ({"6m": 0, "12m": 1}.get(text, 2), text)


TOP_ACTIONS = 3


def _actions(card: Scorecard) -> list[Action]:
    """The scorecard's actions; for a scorecard made without the engine (no actions but a
    pitfall or a weak KPI), one plain action per pitfall and weak KPI, so a review never
    says "keep the rhythm" next to them."""
    if card.actions:
        return list(card.actions)
    actions = [
        Action(
            text=inline(p.advice.rstrip(".") or p.message.rstrip(".")),
            why=sentence(inline(p.message)) if p.advice else "",
            pitfall=p.code,
            items=list(p.items),
            status="off_track" if p.severity == "critical" else "at_risk",
        )
        for p in card.pitfalls
    ]
    for kpi in card.kpis.values():
        if kpi.status in ("off_track", "at_risk"):
            actions.append(
                Action(
                    text=f"Bring {kpi.label.lower()} back to its target: "
                    f"{format_value(kpi.value, kpi.key)} against "
                    f"{format_value(kpi.target, kpi.key)}",
                    why="",
                    kpis=[kpi.key],
                    status=kpi.status,
                )
            )
    order = {"off_track": 0, "at_risk": 1}
    return sorted(actions, key=lambda a: order.get(a.status, 2))


def build_context(review: Review, notes_heading: str) -> dict[str, Any]:
    """The variables every template sees.

    review, scorecard, kind, title, period (label), period_start, period_end, draft,
    generated_on (ISO date), notes_heading, score, status, kpis (list, engine order),
    kpi (dict by key), on_track (count), targeted (KPIs with a target), pitfalls
    (critical first), tracks, accelerate, revisit, goals (6m, 12m, others), warnings,
    stale_sources (StaleSource list: source, last_good_read, failed_part),
    trend (list of TrendPoint), months (monthly Scorecards of a quarter), month_labels,
    month_rows (MonthRow per KPI), went_well, discussion, checklist (lists of strings);
    actions (ranked Action list), top_actions (the first three), more_actions (the rest),
    coming_up (ComingItem list), coming_lines (sentences), coming_from, coming_to,
    insights, open_items, advancements (AdvancementNote list), milestones_missed,
    goal_pace (GoalPace list), short_goals, show_goals, accelerate_periods,
    revisit_periods, track_window (start and end, ISO), status_legend, feedback_legend.
    """
    return {
        **_review_fields(review, notes_heading),
        **_score_fields(review),
        **_advice_fields(review),
        **_plan_fields(review),
    }


def _review_fields(review: Review, notes_heading: str) -> dict[str, Any]:
    """What the review is: its kind, title, period, dates and notes heading."""
    card = review.scorecard
    return {
        "review": review,
        "scorecard": card,
        "kind": review.kind,
        "title": review.title,
        "period": card.period.label,
        "period_start": card.period.start.isoformat(),
        "period_end": card.period.end.isoformat(),
        "draft": review.draft,
        "generated_on": review.generated_on.isoformat(),
        "notes_heading": Markdown(notes_heading),  # config, matched as written
    }


def _score_fields(review: Review) -> dict[str, Any]:
    """The score, the KPIs, pitfalls, tracks, goals, warnings, trend and months."""
    card = review.scorecard
    kpis = list(card.kpis.values())
    return {
        "score": card.score,
        "status": card.status,
        "kpis": kpis,
        "kpi": dict(card.kpis),
        "on_track": len(_on_track(card)),
        "targeted": sum(1 for k in kpis if k.target is not None),
        "pitfalls": sorted(card.pitfalls, key=lambda p: _SEVERITY_ORDER.get(p.severity, 3)),
        "tracks": list(card.tracks),
        "accelerate": card.accelerate,
        "revisit": card.revisit,
        "goals": sorted(card.goals, key=lambda g: _goal_order(g.horizon)),
        "warnings": list(card.warnings),
        "stale_sources": list(review.stale_sources),
        "trend": list(review.trend),
        "months": list(review.months),
        "month_labels": [m.period.label for m in review.months],
        "month_rows": _month_rows(review) if review.months else [],
    }


def _advice_fields(review: Review) -> dict[str, Any]:
    """What went well, the questions, the checklist and the ranked actions."""
    card = review.scorecard
    actions = _actions(card)
    return {
        "went_well": _went_well(card),
        "discussion": _discussion(card),
        "checklist": _checklist(review) if review.kind == "quarterly" else [],
        "actions": actions,
        "top_actions": actions[:TOP_ACTIONS],
        "more_actions": actions[TOP_ACTIONS:],
    }


def _plan_fields(review: Review) -> dict[str, Any]:
    """What is coming up, the written notes, the goals' pace and the legends."""
    card = review.scorecard
    window = card.track_window
    return {
        "coming_up": list(card.coming_up),
        "coming_lines": _coming_lines(card),
        "coming_from": card.coming_from.isoformat() if card.coming_from else None,
        "coming_to": card.coming_to.isoformat() if card.coming_to else None,
        "insights": list(card.insights),
        "open_items": list(card.open_items),
        "advancements": list(card.advancement_notes),
        "milestones_missed": list(card.milestones_missed),
        "goal_pace": list(card.goal_pace),
        "short_goals": card.short_goals,
        "show_goals": review.kind == "quarterly" or card.goals_due_soon,
        "accelerate_periods": card.accelerate_periods,
        "revisit_periods": card.revisit_periods,
        "track_window": [window[0].isoformat(), window[1].isoformat()] if window else None,
        "status_legend": STATUS_LEGEND,
        "feedback_legend": _feedback_legend(card),
    }


# --- environment -----------------------------------------------------------------------


def _cell_filter(text: object) -> Markdown:
    """`cell`: workspace text as one escaped table cell (pipes included)."""
    if isinstance(text, Markdown):
        return Markdown(" ".join(text.split()))
    return escape_markdown(text)


def _day(value: dt.date | str) -> str:
    """`12 Oct 2026` from a date or an ISO date string."""
    return day(dt.date.fromisoformat(value) if isinstance(value, str) else value)


FILTERS: dict[str, Callable[..., Any]] = {
    "value": format_value,
    "delta": format_delta,
    "minutes": format_minutes,
    "arrow": trend_arrow,
    "status_label": status_label,
    "status_emoji": status_emoji,
    "severity_emoji": severity_emoji,
    "text": escape_markdown,
    "cell": _cell_filter,
    "inline": _cell_filter,
    "month_name": month_name,
    "number": _plain,
    "plural": plural,
    "day": _day,
    "quote": quote,
    "kpi_value": _kpi_value,
    "kpi_target": _kpi_target,
    "kpi_delta": _kpi_delta,
    "kpi_cell": _kpi_cell,
    "kpi_trend": _kpi_trend,
}

TEMPLATE_SUFFIX = ".j2"


@dataclass(slots=True, frozen=True)
class RenderLimits:
    """How much one rendering may do before it is stopped as a runaway template.

    `clock` is read at every loop step, call and output chunk against the deadline;
    tests pass a fake one instead of waiting.
    """

    seconds: float = 10.0
    steps: int = 250_000  # loop iterations, calls and filter uses
    output: int = 10_000_000  # characters produced, counted at every include level
    value: int = 1_000_000  # characters (or items) in one computed value
    int_bits: int = 4096  # bits of one computed integer (about 1,200 digits)
    include_depth: int = 16
    template_bytes: int = 256 * 1024
    clock: Callable[[], float] = time.monotonic


class _Exhausted(SecurityError):
    """A render limit was reached (a jinja2 error, so the render handlers name the file)."""


class _Budget:
    """What one rendering has used so far."""

    def __init__(self, limits: RenderLimits) -> None:
        self.limits = limits
        self.deadline = limits.clock() + limits.seconds
        self.steps = 0
        self.output = 0
        self.depth = 0

    def _in_time(self) -> None:
        if self.limits.clock() > self.deadline:
            raise _Exhausted(
                f"stopped after {self.limits.seconds:g} s: the template takes too long"
            )

    def step(self) -> None:
        """One loop iteration or call."""
        self.steps += 1
        if self.steps > self.limits.steps:
            raise _Exhausted(
                f"stopped after {self.limits.steps:,} loop steps and calls: a runaway loop?"
            )
        self._in_time()

    def produce(self, size: int) -> None:
        """`size` characters of output or of a computed value."""
        self.output += size
        if self.output > self.limits.output:
            raise _Exhausted(
                f"stopped after producing {self.limits.output:,} characters: far more than "
                "a review needs"
            )
        self._in_time()

    def check(self, value: Any) -> Any:
        """`value`, when it is not larger than one computed value may be."""
        if isinstance(value, int):
            if value.bit_length() > self.limits.int_bits:
                raise _Exhausted(f"a number of more than {self.limits.int_bits:,} bits")
        elif isinstance(value, (str, bytes, list, tuple, dict, set, frozenset)):
            self.refuse_size(len(value))
            self.produce(len(value))
        return value

    def refuse_size(self, size: int, what: str = "a value") -> None:
        """Refuse to make a value of `size` characters or items before it is made."""
        if size > self.limits.value:
            raise _Exhausted(
                f"{what} of {size:,} characters or items (at most {self.limits.value:,})"
            )

    def enter(self, name: str | None) -> None:
        self.depth += 1
        if self.depth > self.limits.include_depth:
            raise _Exhausted(
                f"templates include each other more than {self.limits.include_depth} levels "
                f"deep (does {name} include itself?)"
            )

    def leave(self) -> None:
        self.depth -= 1


def _sized(value: Any) -> int | None:
    return len(value) if isinstance(value, (str, bytes, list, tuple)) else None


def _weight(sequence: Any) -> int:
    """Characters and items a sequence holds, one level deep."""
    if isinstance(sequence, (list, tuple)):
        return len(sequence) + sum(_sized(item) or 0 for item in sequence)
    return len(sequence)


_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
_BRACE_SPEC = re.compile(r"\{[^{}]*:([^{}]*)\}|\{[^{}]*\{")
_DIGITS = re.compile(r"\d+")


def _brace_widths(fmt: str) -> tuple[list[int], bool]:
    """The numbers in `{…:spec}` fields, and whether a width comes from a nested field."""
    numbers: list[int] = []
    star = False
    for match in _BRACE_SPEC.finditer(fmt):
        numbers += [int(d) for d in _DIGITS.findall(match.group(1) or "")]
        star = star or match.group(1) is None  # a nested {width} field
    return numbers, star


def _percent_widths(fmt: str) -> tuple[list[int], bool]:
    """The widths and precisions of `%` fields, and whether one is `*` (from the args)."""
    numbers: list[int] = []
    star = False
    for match in _PERCENT_SPEC.finditer(fmt):
        for part in match.groups():
            if part == "*":
                star = True
            elif part:
                numbers.append(int(part))
    return numbers, star


def _int_args(args: Any) -> list[int]:
    """The integers among format arguments (a mapping's values, a sequence, or one value)."""
    if isinstance(args, dict):
        values = list(args.values())
    else:
        values = list(args) if isinstance(args, (list, tuple)) else [args]
    return [abs(v) for v in values if isinstance(v, int)]


def _check_format(budget: _Budget, fmt: str, args: Any, *, braces: bool) -> None:
    """Refuse a format string whose field widths would make a huge string."""
    numbers, star = _brace_widths(fmt) if braces else _percent_widths(fmt)
    if star:
        numbers += _int_args(args)
    for number in numbers:
        budget.refuse_size(number, "a formatted field")


def _check_replace(budget: _Budget, text: Any, old: Any, new: Any, count: Any = -1) -> None:
    if isinstance(text, str) and isinstance(old, str) and isinstance(new, str):
        found = text.count(old) if old else len(text) + 1
        if isinstance(count, int) and count >= 0:
            found = min(found, count)
        budget.refuse_size(len(text) + found * (len(new) - len(old)), "a replaced string")


def _check_width(budget: _Budget, text: Any, width: Any, *, per_line: bool = False) -> None:
    """Padding to `width` (`per_line`: `width` more on every line)."""
    if isinstance(width, int) and not isinstance(width, bool):
        size = _sized(text) or 0
        if per_line:
            lines = text.count("\n") + 1 if isinstance(text, str) else 1
            size += abs(width) * lines
        else:
            size = max(size, abs(width))
        budget.refuse_size(size, "a padded string")


def _check_string_method(budget: _Budget, method: Any, args: Sequence[Any]) -> None:
    """Refuse str methods whose arguments would make a huge string."""
    target = getattr(method, "__wrapped__", method)  # the sandbox wraps str.format
    text = getattr(target, "__self__", None)
    if not isinstance(text, str):
        return
    name = getattr(target, "__name__", "")
    if name in ("center", "ljust", "rjust", "zfill") and args:
        _check_width(budget, text, args[0])
    elif name == "expandtabs":
        size = args[0] if args and isinstance(args[0], int) else 8
        budget.refuse_size(len(text) + text.count("\t") * abs(size), "an expanded string")
    elif name == "replace" and len(args) >= 2:
        _check_replace(budget, text, *args[:3])
    elif name in ("format", "format_map"):
        _check_format(budget, text, list(args), braces=True)


FilterCheck = Callable[["_Budget", Any, list[Any], dict[str, Any]], None]


def _arg(rest: list[Any], kwargs: dict[str, Any], index: int, key: str) -> Any:
    """A filter argument given by position or by keyword (None when absent)."""
    return rest[index] if len(rest) > index else kwargs.get(key)


def _replace_filter(budget: _Budget, value: Any, rest: list[Any], kwargs: dict[str, Any]) -> None:
    if len(rest) >= 2:
        _check_replace(budget, str(value), rest[0], rest[1], _arg(rest, kwargs, 2, "count") or -1)


def _format_filter(budget: _Budget, value: Any, rest: list[Any], kwargs: dict[str, Any]) -> None:
    if isinstance(value, str):
        _check_format(budget, value, rest or kwargs, braces=False)


def _wordwrap_filter(budget: _Budget, value: Any, rest: list[Any], kwargs: dict[str, Any]) -> None:
    wrap = _arg(rest, kwargs, 2, "wrapstring")
    width = _arg(rest, kwargs, 0, "width")
    if isinstance(wrap, str) and isinstance(width, int) and isinstance(value, str):
        budget.refuse_size(len(value) * (1 + len(wrap) // max(width, 1)), "a wrapped string")


_FILTER_CHECKS: dict[str, FilterCheck] = {
    "center": lambda budget, value, rest, kwargs: _check_width(
        budget, value, _arg(rest, kwargs, 0, "width")
    ),
    "indent": lambda budget, value, rest, kwargs: _check_width(
        budget, value, _arg(rest, kwargs, 0, "width"), per_line=True
    ),
    "replace": _replace_filter,
    "format": _format_filter,
    "batch": lambda budget, value, rest, kwargs: _check_width(
        budget, None, _arg(rest, kwargs, 0, "linecount")
    ),
    "slice": lambda budget, value, rest, kwargs: _check_width(
        budget, None, _arg(rest, kwargs, 0, "slices")
    ),
    "tojson": lambda budget, value, rest, kwargs: _check_width(
        budget, None, _arg(rest, kwargs, 0, "indent")
    ),
    "wordwrap": _wordwrap_filter,
}
"""Built-in filters whose arguments could make a huge value, and the check of each."""


def _check_filter(budget: _Budget, name: str, args: Sequence[Any], kwargs: dict[str, Any]) -> None:
    """Refuse built-in filter uses whose arguments would make a huge value."""
    check = _FILTER_CHECKS.get(name)
    if check is not None and args:
        check(budget, args[0], list(args[1:]), kwargs)


class _GuardedTemplate(jinja2.Template):
    """A template whose rendering counts include depth and output against the budget."""

    @classmethod
    def _from_namespace(
        cls,
        environment: jinja2.Environment,
        namespace: MutableMapping[str, Any],
        globals: MutableMapping[str, Any],
    ) -> jinja2.Template:
        template = super()._from_namespace(environment, namespace, globals)
        if isinstance(environment, JailedEnvironment):
            template.root_render_func = _guarded_root(
                environment, template.name, template.root_render_func
            )
        return template


def _guarded_root(
    env: JailedEnvironment, name: str | None, root: Callable[[Context], Iterator[str]]
) -> Callable[[Context], Iterator[str]]:
    def render(context: Context) -> Iterator[str]:
        budget = env.budget
        budget.enter(name)
        try:
            for chunk in root(context):
                budget.produce(len(chunk))
                yield chunk
        finally:
            budget.leave()

    return render


# Filters the guards below add to every template; a template may not name them itself.
_LOOP_FILTER = "_careerloop_loop"
_VALUE_FILTER = "_careerloop_value"
_BLOCK_FILTER = "_careerloop_block"
_INTERNAL = frozenset({_LOOP_FILTER, _VALUE_FILTER, _BLOCK_FILTER})


def _literal_size(body: Sequence[nodes.Node]) -> int:
    """Characters of template text one pass of a loop body writes at most (inner loops,
    macros and call blocks count for themselves)."""
    size = 0
    stack: list[nodes.Node] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, nodes.TemplateData):
            size += len(node.data)
        elif not isinstance(node, (nodes.For, nodes.Macro, nodes.CallBlock)):
            stack.extend(node.iter_child_nodes())
    return size


class _AddGuards(NodeTransformer):
    """Wrap every loop, concatenation and captured block of a parsed template."""

    def __init__(self, environment: jinja2.Environment) -> None:
        self.environment = environment

    def _wrap(self, node: nodes.Node | None, name: str, *args: nodes.Expr) -> nodes.Filter:
        wrapped = nodes.Filter(node, name, list(args), [], None, None)
        wrapped.set_lineno(node.lineno if node is not None else 1)
        wrapped.set_environment(self.environment)
        return wrapped

    def visit_Filter(self, node: nodes.Filter) -> nodes.Node:
        if node.name in _INTERNAL:
            raise jinja2.TemplateSyntaxError(f"no filter named {node.name!r}", node.lineno)
        return self.generic_visit(node)

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = self._wrap(node.iter, _LOOP_FILTER, nodes.Const(_literal_size(node.body)))
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return self._wrap(node, _VALUE_FILTER)

    def visit_AssignBlock(self, node: nodes.AssignBlock) -> nodes.Node:
        self.generic_visit(node)
        # `{% set x %}…{% endset %}` captures rendered (already escaped) output.
        node.filter = self._wrap(node.filter, _BLOCK_FILTER)
        return node


@pass_environment
def _loop_steps(env: JailedEnvironment, iterable: Iterable[Any], text_size: int) -> Iterator[Any]:
    budget = env.budget
    for item in iterable:
        budget.step()
        budget.produce(text_size)
        yield item


@pass_environment
def _checked_value(env: JailedEnvironment, value: Any) -> Any:
    return env.budget.check(value)


def _captured_block(value: Any) -> Any:
    return Markdown(value) if isinstance(value, str) else value


@pass_environment
def _finalize(env: JailedEnvironment, value: Any) -> Any:
    """Every `{{ … }}` output: workspace text escaped, the renderer's Markdown kept."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = escape_markdown(value)
    env.budget.produce(len(text))
    return text


def _guarded_filter(env: JailedEnvironment, name: str, func: Callable[..., Any]) -> Any:
    skip = 1 if hasattr(func, "jinja_pass_arg") else 0  # context or environment first

    @functools.wraps(func)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        budget = env.budget
        budget.step()
        _check_filter(budget, name, args[skip:], kwargs)
        return budget.check(func(*args, **kwargs))

    return guarded


def _check_power(budget: _Budget, left: Any, right: Any) -> None:
    """Refuse `left ** right` when the result would have more bits than allowed."""
    bits = budget.limits.int_bits
    if not (isinstance(left, int) and isinstance(right, int) and abs(left) > 1 and right > 0):
        return
    if right > bits or (abs(left).bit_length() - 1) * right > bits:
        raise _Exhausted(f"{left} ** {right} has more than {bits:,} bits")


def _check_product(budget: _Budget, left: Any, right: Any) -> None:
    """Refuse a repeated sequence or an integer product larger than allowed."""
    for seq, times in ((left, right), (right, left)):
        if _sized(seq) is not None and isinstance(times, int):
            budget.refuse_size(_weight(seq) * max(times, 0), "a repeated value")
    if isinstance(left, int) and isinstance(right, int):
        if left.bit_length() + right.bit_length() > budget.limits.int_bits + 1:
            raise _Exhausted(f"a product of more than {budget.limits.int_bits:,} bits")


class JailedEnvironment(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox with limits on time, size, arithmetic and include depth.

    Every `{{ … }}` is escaped as Markdown text unless it is `Markdown` (a macro's, a
    captured block's or the renderer's own output).
    """

    intercepted_binops = frozenset({"*", "**", "+", "%"})
    template_class = _GuardedTemplate

    def __init__(self, loader: jinja2.BaseLoader, limits: RenderLimits) -> None:
        super().__init__(
            loader=loader,
            undefined=jinja2.StrictUndefined,
            autoescape=False,  # Markdown, not HTML: _finalize escapes for Markdown
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            finalize=_finalize,
        )
        self.limits = limits
        self.budget = _Budget(limits)
        self.globals["range"] = self._range
        self.filters.update(FILTERS)
        for name, func in list(self.filters.items()):
            self.filters[name] = _guarded_filter(self, name, func)
        self.filters.update(
            {
                _LOOP_FILTER: _loop_steps,
                _VALUE_FILTER: _checked_value,
                _BLOCK_FILTER: _captured_block,
            }
        )

    def start(self) -> None:
        """A fresh budget for the next rendering (a new environment starts with one)."""
        self.budget = _Budget(self.limits)

    def _range(self, *args: int) -> range:
        numbers = range(*args)
        self.budget.refuse_size(len(numbers), "a range")
        return numbers

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        try:
            _AddGuards(self).visit(tree)
        except jinja2.TemplateSyntaxError as exc:
            exc.name, exc.filename = name, filename
            raise
        return tree

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        budget = self.budget
        if operator == "**":
            _check_power(budget, left, right)
        elif operator == "*":
            _check_product(budget, left, right)
        elif operator == "+":
            left_size, right_size = _sized(left), _sized(right)
            if left_size is not None and right_size is not None:
                budget.refuse_size(left_size + right_size, "a joined value")
        elif operator == "%" and isinstance(left, str):
            _check_format(budget, left, right, braces=False)
        return budget.check(self.binop_table[operator](left, right))

    def call(
        __self,  # noqa: N805 - the sandbox's own signature: keyword arguments pass through
        __context: Context,
        __obj: Any,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        budget = __self.budget
        budget.step()
        _check_string_method(budget, __obj, args)
        result = super().call(__context, __obj, *args, **kwargs)
        if isinstance(__obj, (Macro, BlockReference, LoopContext)) and isinstance(result, str):
            result = Markdown(result)  # rendered template output, escaped already
        return budget.check(result)


class JailedLoader(jinja2.BaseLoader):
    """`.j2` files from the given folders, first match wins, never from outside them.

    A file is resolved (symlinks followed) and must still lie inside the folder it was
    found in, so a link to `/proc/self/environ` or `~/.ssh` is refused, not read.
    """

    def __init__(self, roots: Sequence[Path], max_bytes: int) -> None:
        self.roots = list(roots)
        self.max_bytes = max_bytes

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        pieces = split_template_path(template)
        if not template.endswith(TEMPLATE_SUFFIX):
            raise SecurityError(f"{template} is not a template: templates are .j2 files")
        for root in self.roots:
            path = root.joinpath(*pieces)
            if not (path.exists() or path.is_symlink()):
                continue
            real_root, real = root.resolve(), path.resolve()
            if not real.is_relative_to(real_root):
                raise SecurityError(
                    f"{template} (in {root}) leads to {real}, outside the templates folder"
                )
            if not real.is_file():  # a folder, or a pipe that would block the read
                raise SecurityError(f"{template} (in {root}) is not a regular file")
            try:
                with real.open("rb") as handle:
                    data = handle.read(self.max_bytes + 1)
            except OSError as exc:
                raise SecurityError(
                    f"{template} (in {root}) cannot be read: {exc.strerror}"
                ) from None
            if len(data) > self.max_bytes:
                raise SecurityError(
                    f"{template} (in {root}) is larger than {self.max_bytes // 1024} KiB"
                )
            try:
                source = data.decode("utf-8")
            except UnicodeDecodeError:
                raise SecurityError(f"{template} (in {root}) is not UTF-8 text") from None
            return source, str(path), lambda: True
        raise jinja2.TemplateNotFound(template)


def shipped_templates() -> Path:
    """The folder of the shipped templates, in an installed wheel or a source checkout.

    Raises:
        TemplateError: neither place has them (a broken install).
    """
    # In a wheel, pyproject force-includes templates/ as careerloop/templates.
    packaged = importlib.resources.files("careerloop").joinpath("templates")
    if isinstance(packaged, Path) and packaged.is_dir():
        return packaged
    # In a source checkout: src/careerloop/report/render.py -> repo root.
    checkout = Path(__file__).resolve().parents[3] / "templates"
    if checkout.is_dir():
        return checkout
    raise TemplateError(
        "the shipped review templates are missing (neither careerloop/templates nor "
        "templates/ exists): reinstall careerloop"
    )


def _roots(user_templates: Path | None) -> list[Path]:
    return ([user_templates] if user_templates is not None else []) + [shipped_templates()]


def make_environment(
    user_templates: Path | None, limits: RenderLimits | None = None
) -> JailedEnvironment:
    """The jailed environment: user folder first, then the shipped one."""
    if user_templates is not None and not user_templates.is_dir():
        raise TemplateError(
            f"the templates folder {user_templates} does not exist: create it or "
            "remove `templates` from [reviews]"
        )
    limits = limits or RenderLimits()
    loader = JailedLoader(_roots(user_templates), limits.template_bytes)
    return JailedEnvironment(loader, limits)


def _where(filename: str | None, name: str | None, roots: Sequence[Path]) -> str:
    """`partials/kpi_table.md.j2` (with the user folder named when it came from there)."""
    if filename:
        path = Path(filename)
        for index, root in enumerate(roots):
            try:
                relative = path.resolve().relative_to(root.resolve()).as_posix()
            except ValueError:
                continue
            return relative if index == len(roots) - 1 else f"{relative} (in {root})"
        return name or path.name
    return name or "?"


def _template_frame(exc: BaseException) -> tuple[str | None, int | None]:
    """The innermost traceback frame that belongs to a template (Jinja rewrites them)."""
    found: tuple[str | None, int | None] = (None, None)
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.endswith(".j2") or "<template>" in frame.filename:
            found = (frame.filename, frame.lineno)
    return found


def _describe(exc: BaseException) -> str:
    if isinstance(exc, _Exhausted):
        return str(exc)
    if isinstance(exc, SecurityError):
        return f"not allowed in a template: {exc}"
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return f"syntax error: {exc.message}"
    if isinstance(exc, RecursionError):
        return "macros or loops call themselves too deeply"
    if isinstance(exc, MemoryError):
        return "ran out of memory"
    message = getattr(exc, "message", None) or str(exc)
    if isinstance(exc, jinja2.TemplateError):
        return message
    return f"{type(exc).__name__}: {message}"


class Renderer:
    """Renders every review and template of one run with one jailed environment.

    Jinja compiles a template once per environment, so one environment per run (not one
    per review) parses each template and partial once. Every rendering starts with a
    fresh budget, so the limits hold per rendering as before.

    Raises:
        TemplateError: the `[reviews] templates` folder does not exist.
    """

    def __init__(
        self,
        reviews: ReviewsConfig,
        user_templates: Path | None,
        *,
        secrets: Iterable[str] = (),
        limits: RenderLimits | None = None,
    ) -> None:
        self.reviews = reviews
        self.secrets = list(secrets)
        self.roots = _roots(user_templates)
        self._renderings = 0
        try:
            self.environment = make_environment(user_templates, limits)
        except TemplateError as exc:
            raise TemplateError(redact(str(exc), self.secrets)) from None

    def render(self, review: Review, name: str, *, context: dict[str, Any] | None = None) -> str:
        """The review rendered with the template file `name` (user folder first), secrets
        redacted; `context` replaces the variables of `build_context` (the programme
        review has its own).

        Raises:
            TemplateError: a template is missing, malformed, uses an undefined variable,
                tries something the sandbox forbids or runs past a limit; the message
                names the file and line.
        """
        try:
            text = self._render(review, name, context)
        except TemplateError as exc:
            raise TemplateError(redact(str(exc), self.secrets)) from None
        return redact(_tidy(clean_text(text)), self.secrets)

    def markdown(self, review: Review) -> str:
        """The review's Markdown from `monthly.md.j2` or `quarterly.md.j2`."""
        return self.render(review, f"{review.kind}.md.j2")

    def _render(self, review: Review, name: str, context: dict[str, Any] | None) -> str:
        env, roots = self.environment, self.roots
        if self._renderings:  # the environment's own budget is fresh for the first one
            env.start()
        self._renderings += 1
        if context is None:
            context = build_context(review, self.reviews.notes_heading)
        template: jinja2.Template | None = None
        try:
            template = env.get_template(name)
            return "".join(template.generate(context))
        except jinja2.TemplateNotFound as exc:
            raise TemplateError(
                f"template {exc.name} not found in {', '.join(str(r) for r in roots)}"
            ) from None
        except jinja2.TemplateSyntaxError as exc:
            where = _where(exc.filename, exc.name, roots)
            raise TemplateError(f"template {where}, line {exc.lineno}: {_describe(exc)}") from None
        except _RENDER_ERRORS as exc:
            filename, line = _template_frame(exc)
            if filename is None and template is not None:
                filename = template.filename  # stopped between two chunks of its output
            where = _where(filename, name, roots)
            at = f", line {line}" if line else ""
            raise TemplateError(f"template {where}{at}: {_describe(exc)}") from None


# What a template's rendering may raise: each becomes a TemplateError naming file and line.
_RENDER_ERRORS = (
    jinja2.TemplateError,
    TypeError,
    ValueError,
    AttributeError,
    LookupError,
    ArithmeticError,
    RecursionError,
    MemoryError,
)


def render_template(
    review: Review,
    reviews: ReviewsConfig,
    user_templates: Path | None,
    name: str,
    *,
    secrets: Iterable[str] = (),
    limits: RenderLimits | None = None,
    context: dict[str, Any] | None = None,
) -> str:
    """The review rendered with the template file `name` (user folder first), by a
    `Renderer` of its own; a run rendering several reviews keeps one Renderer instead.

    `user_templates` is the resolved `[reviews] templates` folder (Config.path), if any;
    every value in `secrets` is redacted from the result and from any error message.
    `context` replaces the variables of `build_context` (the programme review has its own).

    Raises:
        TemplateError: a template is missing, malformed, uses an undefined variable,
            tries something the sandbox forbids or runs past a limit; the message names
            the file and line.
    """
    renderer = Renderer(reviews, user_templates, secrets=secrets, limits=limits)
    return renderer.render(review, name, context=context)


def render_markdown(
    review: Review,
    reviews: ReviewsConfig,
    user_templates: Path | None,
    *,
    secrets: Iterable[str] = (),
    limits: RenderLimits | None = None,
) -> str:
    """The review's Markdown from `monthly.md.j2` or `quarterly.md.j2` (see render_template).

    Raises:
        TemplateError: the template fails; the message names the file and line.
    """
    return render_template(
        review, reviews, user_templates, f"{review.kind}.md.j2", secrets=secrets, limits=limits
    )


def _tidy(text: str) -> str:
    """At most one blank line in a row, and exactly one newline at the end."""
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n") + "\n"
