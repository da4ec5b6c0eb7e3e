"""Review Markdown from Jinja templates, in a sandbox.

Templates are looked up first in the user's `[reviews] templates` folder, file by file
(partials included), then in the shipped folder. The environment is sandboxed and
immutable: a template reads the review and cannot reach Python internals or change
anything. Every template problem becomes one TemplateError naming the file and line.

The context of `monthly.md.j2` and `quarterly.md.j2` is documented in `build_context`.
"""

from __future__ import annotations

import importlib.resources
import re
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from careerloop.config import ReviewsConfig
from careerloop.errors import CareerloopError, TemplateError
from careerloop.kpi.scorecard import KpiResult, Pitfall, Scorecard
from careerloop.periods import Period
from careerloop.report.review import Review

__all__ = [
    "MonthRow",
    "build_context",
    "format_delta",
    "format_minutes",
    "format_value",
    "kpi_cells",
    "make_environment",
    "render_markdown",
    "shipped_templates",
    "status_emoji",
    "status_label",
    "trend_arrow",
]

# KPIs whose value is a ratio (shown as a percentage) or a duration; the rest are counts
# unless listed. Unknown keys fall back to a plain number so new KPIs still render.
RATIO_KPIS = frozenset(
    {
        "module_completion",
        "learning_consistency",
        "mentor_cadence",
        "goal_alignment",
        "insights_documented",
        "milestones_on_time",
    }
)
SCORE_KPIS = frozenset({"mentor_feedback"})
MINUTE_KPIS = frozenset({"learning_minutes"})
COUNT_KPIS = frozenset({"skills_applied", "advancements"})

_STATUS_LABELS = {
    "on_track": "on track",
    "at_risk": "at risk",
    "off_track": "off track",
    "no_data": "no data",
    "info": "info",
}
_STATUS_EMOJI = {
    "on_track": "🟢",
    "at_risk": "🟡",
    "off_track": "🔴",
    "no_data": "⚪",
    "info": "🔵",
}
_SEVERITY_EMOJI = {"critical": "🔴", "warning": "🟡", "info": "🔵"}
_SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}

MINUS = "\u2212"

# --- formatting ------------------------------------------------------------------------


def _round(value: float, places: int = 0) -> Decimal:
    quantum = Decimal(1).scaleb(-places)
    return Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP)


def _plain(value: float) -> str:
    """A number without needless decimals: 3, 2.5, 2.18."""
    if float(value).is_integer():
        return str(int(value))
    text = f"{_round(value, 2):f}".rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"


def format_minutes(minutes: float | None) -> str:
    """`3 h 20 min`, `45 min`, `2 h`; `–` for None."""
    if minutes is None:
        return "–"
    total = int(_round(abs(minutes)))
    sign = MINUS if minutes < 0 and total else ""
    hours, rest = divmod(total, 60)
    if hours and rest:
        return f"{sign}{hours} h {rest} min"
    if hours:
        return f"{sign}{hours} h"
    return f"{sign}{rest} min"


def format_value(value: float | None, key: str) -> str:
    """A KPI value as a person reads it: 75%, 82/100, 3 h 20 min, 4."""
    if value is None:
        return "–"
    if key in RATIO_KPIS:
        return f"{_round(value * 100)}%"
    if key in SCORE_KPIS:
        return f"{_round(value)}/100"
    if key in MINUTE_KPIS:
        return format_minutes(value)
    if key in COUNT_KPIS:
        return str(_round(value))
    return _plain(value)


def format_delta(delta: float | None, key: str) -> str:
    """A signed change: +25 pts for ratios, +5 for feedback, +1 h 5 min; `` for None."""
    if delta is None:
        return ""
    sign = "+" if delta > 0 else MINUS if delta < 0 else "±"
    size = abs(delta)
    if key in RATIO_KPIS:
        return f"{sign}{_round(size * 100)} pts"
    if key in SCORE_KPIS or key in COUNT_KPIS:
        return f"{sign}{_round(size)}"
    if key in MINUTE_KPIS:
        return f"{sign}{format_minutes(size)}"
    return f"{sign}{_plain(size)}"


def trend_arrow(delta: float | None) -> str:
    """↑ ↓ → from a delta; – when there is none."""
    if delta is None:
        return "–"
    if abs(delta) < 1e-9:
        return "→"
    return "↑" if delta > 0 else "↓"


def status_label(status: str | None) -> str:
    """`at_risk` -> `at risk`."""
    if status is None:
        return "no data"
    return _STATUS_LABELS.get(status, status.replace("_", " "))


def status_emoji(status: str | None) -> str:
    """🟢 🟡 🔴 ⚪ (no data) or 🔵 (informational)."""
    return _STATUS_EMOJI.get(status or "no_data", "⚪")


def severity_emoji(severity: str) -> str:
    """🔴 critical, 🟡 warning, 🔵 info."""
    return _SEVERITY_EMOJI.get(severity, "🔵")


def table_cell(text: object) -> str:
    """User text made safe for one Markdown table cell: one line, pipes escaped."""
    return re.sub(r"\s+", " ", str(text)).strip().replace("|", "\\|")


def inline(text: object) -> str:
    """User text on one line, so it cannot start a heading or break a list."""
    return re.sub(r"\s+", " ", str(text)).strip()


def month_name(label: str) -> str:
    """`2026-10` -> `Oct 2026`; a quarter label is returned as is."""
    try:
        period = Period.parse(label)
    except CareerloopError:
        return label
    if period.kind != "month":
        return label
    return period.start.strftime("%b %Y")


def _kpi_value(kpi: KpiResult | None) -> str:
    return "–" if kpi is None else format_value(kpi.value, kpi.key)


def _kpi_target(kpi: KpiResult | None) -> str:
    return "–" if kpi is None or kpi.target is None else format_value(kpi.target, kpi.key)


def _kpi_cell(kpi: KpiResult | None) -> str:
    """`🟢 85%`: status and value in one table cell; `–` when the KPI is missing."""
    if kpi is None:
        return "–"
    return f"{status_emoji(kpi.status)} {format_value(kpi.value, kpi.key)}"


def _kpi_trend(kpi: KpiResult | None) -> str:
    """`↑ +25 pts`, `↓ −1 h`, `→` (no change) or `–` (nothing to compare)."""
    if kpi is None or kpi.delta is None:
        return "–"
    arrow = trend_arrow(kpi.delta)
    return arrow if arrow == "→" else f"{arrow} {format_delta(kpi.delta, kpi.key)}"


def _kpi_delta(kpi: KpiResult | None) -> str:
    return "" if kpi is None else format_delta(kpi.delta, kpi.key)


def kpi_cells(kpi: KpiResult) -> tuple[str, str, str, str]:
    """Target, value, trend and status of one KPI, as the reviews' KPI table shows them."""
    return _kpi_target(kpi), _kpi_value(kpi), _kpi_trend(kpi), status_label(kpi.status)


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


def _went_well(scorecard: Scorecard) -> list[str]:
    items: list[str] = []
    for kpi in _on_track(scorecard):
        items.append(
            f"{kpi.label}: {format_value(kpi.value, kpi.key)} "
            f"(target {format_value(kpi.target, kpi.key)})"
        )
    skills = scorecard.kpis.get("skills_applied")
    if skills is not None:
        names = [inline(s) for s in skills.detail.get("skills", []) if str(s).strip()]
        if names:
            items.append("Skills applied for the first time: " + ", ".join(names))
    advancements = scorecard.kpis.get("advancements")
    if advancements is not None:
        total = int(advancements.detail.get("total", advancements.value or 0) or 0)
        linked = int(advancements.detail.get("linked", advancements.value or 0) or 0)
        described = [inline(d) for d in advancements.detail.get("descriptions", []) if d]
        if described:
            items.extend(f"Advancement: {d}" for d in described)
        elif total:
            noun = "advancement" if total == 1 else "advancements"
            items.append(f"{total} {noun}, {linked} linked to a new competency")
    if scorecard.accelerate:
        row = next((t for t in scorecard.tracks if t.track == scorecard.accelerate), None)
        rate = f" ({_plain(row.per_hour)} applications per learning hour)" if (
            row and row.per_hour
        ) else ""
        items.append(
            f"{inline(scorecard.accelerate)} turns learning into practice best{rate}"
        )
    return items


def _open_action_items(scorecard: Scorecard) -> int | None:
    # The scorecard has no sessions, so open action items come from a KPI's detail when
    # the engine reports them (`action_items_open`, or done/total).
    for kpi in scorecard.kpis.values():
        detail = kpi.detail
        if "action_items_open" in detail:
            return int(detail["action_items_open"] or 0)
        if "action_items_total" in detail and "action_items_done" in detail:
            return int(detail["action_items_total"] or 0) - int(detail["action_items_done"] or 0)
    return None


def _discussion(scorecard: Scorecard) -> list[str]:
    points: list[str] = []
    for pitfall in sorted(scorecard.pitfalls, key=lambda p: _SEVERITY_ORDER.get(p.severity, 3)):
        points.append(inline(pitfall.message))
    for kpi in scorecard.kpis.values():
        if kpi.status == "off_track":
            points.append(
                f"{kpi.label} is off track ({format_value(kpi.value, kpi.key)} against "
                f"{format_value(kpi.target, kpi.key)}): what got in the way?"
            )
    open_items = _open_action_items(scorecard)
    if open_items:
        noun = "action item is" if open_items == 1 else "action items are"
        points.append(f"{open_items} {noun} still open from earlier sessions: close or drop them")
    if scorecard.revisit:
        points.append(
            f"Is the {inline(scorecard.revisit)} track still worth the time it takes?"
        )
    if not points:
        points.append("Everything is on track: agree on the next stretch goal")
    return points


def _checklist(review: Review) -> list[str]:
    """Plan-refinement to-dos for a quarterly review."""
    card = review.scorecard
    items: list[str] = []
    codes = {p.code for p in card.pitfalls}
    if "unaligned-learning" in codes:
        items.append("Link every planned module to a goal, or drop it")
    if "overload-without-application" in codes:
        items.append("Plan one live project to apply what was learned before adding modules")
    if "mentor-gap" in codes or "skipped-checkins" in codes:
        items.append("Book next quarter's mentor sessions now")
    if "undocumented-insights" in codes:
        items.append("Write down the insights of each mentor session the same day")
    if "unvetted-content" in codes:
        items.append("Replace unvetted content with modules a mentor or provider vouches for")
    for goal in card.goals:
        if not goal.done and goal.modules_in_period == 0:
            items.append(f"Add modules for the goal “{inline(goal.title)}” or reconsider it")
    for kpi in card.kpis.values():
        if kpi.status == "off_track" and kpi.target is not None:
            items.append(
                f"Decide whether the {kpi.label.lower()} target "
                f"({format_value(kpi.target, kpi.key)}) is right, or how to reach it"
            )
    if card.accelerate:
        items.append(f"Give the {inline(card.accelerate)} track more of next quarter")
    if card.revisit:
        items.append(f"Rework or retire the {inline(card.revisit)} track")
    items.append("Confirm the 6- and 12-month goals still say where you want to go")
    items.append("Plan next quarter's modules and dates")
    return list(dict.fromkeys(items))


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


def build_context(review: Review, notes_heading: str) -> dict[str, Any]:
    """The variables every template sees.

    review, scorecard, kind, title, period (label), period_start, period_end, draft,
    generated_on (ISO date), notes_heading, score, status, kpis (list, engine order),
    kpi (dict by key), on_track (count), targeted (KPIs with a target), pitfalls
    (critical first), tracks, accelerate, revisit, goals (6m, 12m, others), warnings,
    trend (list of TrendPoint), months (monthly Scorecards of a quarter), month_labels,
    month_rows (MonthRow per KPI), went_well, discussion, checklist (lists of strings).
    """
    card = review.scorecard
    kpis = list(card.kpis.values())
    pitfalls: list[Pitfall] = sorted(
        card.pitfalls, key=lambda p: _SEVERITY_ORDER.get(p.severity, 3)
    )
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
        "notes_heading": notes_heading,
        "score": card.score,
        "status": card.status,
        "kpis": kpis,
        "kpi": dict(card.kpis),
        "on_track": len(_on_track(card)),
        "targeted": sum(1 for k in kpis if k.target is not None),
        "pitfalls": pitfalls,
        "tracks": list(card.tracks),
        "accelerate": card.accelerate,
        "revisit": card.revisit,
        "goals": sorted(card.goals, key=lambda g: _goal_order(g.horizon)),
        "warnings": list(card.warnings),
        "trend": list(review.trend),
        "months": list(review.months),
        "month_labels": [m.period.label for m in review.months],
        "month_rows": _month_rows(review) if review.months else [],
        "went_well": _went_well(card),
        "discussion": _discussion(card),
        "checklist": _checklist(review) if review.kind == "quarterly" else [],
    }


# --- environment -----------------------------------------------------------------------

FILTERS: dict[str, Callable[..., Any]] = {
    "value": format_value,
    "delta": format_delta,
    "minutes": format_minutes,
    "arrow": trend_arrow,
    "status_label": status_label,
    "status_emoji": status_emoji,
    "severity_emoji": severity_emoji,
    "cell": table_cell,
    "inline": inline,
    "month_name": month_name,
    "number": _plain,
    "kpi_value": _kpi_value,
    "kpi_target": _kpi_target,
    "kpi_delta": _kpi_delta,
    "kpi_cell": _kpi_cell,
    "kpi_trend": _kpi_trend,
}


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


def make_environment(user_templates: Path | None) -> jinja2.Environment:
    """A sandboxed, immutable environment: user folder first, then the shipped one."""
    loaders: list[jinja2.BaseLoader] = []
    if user_templates is not None:
        if not user_templates.is_dir():
            raise TemplateError(
                f"the templates folder {user_templates} does not exist: create it or "
                "remove `templates` from [reviews]"
            )
        loaders.append(jinja2.FileSystemLoader(user_templates))
    loaders.append(jinja2.FileSystemLoader(shipped_templates()))
    env = ImmutableSandboxedEnvironment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # Markdown, not HTML; the HTML converter escapes user text
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    return env


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
    if isinstance(exc, SecurityError):
        return f"not allowed in a template: {exc}"
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return f"syntax error: {exc.message}"
    message = getattr(exc, "message", None) or str(exc)
    if isinstance(exc, jinja2.TemplateError):
        return message
    return f"{type(exc).__name__}: {message}"


def render_markdown(review: Review, reviews: ReviewsConfig, user_templates: Path | None) -> str:
    """The review's Markdown from `monthly.md.j2` or `quarterly.md.j2`.

    `user_templates` is the resolved `[reviews] templates` folder (Config.path), if any.

    Raises:
        TemplateError: a template is missing, malformed, uses an undefined variable or
            tries something the sandbox forbids; the message names the file and line.
    """
    env = make_environment(user_templates)
    roots = ([user_templates] if user_templates is not None else []) + [shipped_templates()]
    name = f"{review.kind}.md.j2"
    context = build_context(review, reviews.notes_heading)
    try:
        template = env.get_template(name)
        text = template.render(context)
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(
            f"template {exc.name} not found in {', '.join(str(r) for r in roots)}"
        ) from None
    except jinja2.TemplateSyntaxError as exc:
        where = _where(exc.filename, exc.name, roots)
        raise TemplateError(f"template {where}, line {exc.lineno}: {_describe(exc)}") from None
    except (
        jinja2.TemplateError,
        TypeError,
        ValueError,
        AttributeError,
        LookupError,
        ArithmeticError,
    ) as exc:
        filename, line = _template_frame(exc)
        where = _where(filename, name, roots)
        at = f", line {line}" if line else ""
        raise TemplateError(f"template {where}{at}: {_describe(exc)}") from None
    return _tidy(text)


def _tidy(text: str) -> str:
    """At most one blank line in a row, and exactly one newline at the end."""
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n") + "\n"
