"""The cells and words of a KPI table: labels, emoji, signed changes, trend arrows.

Shared by the review templates (render.py), the CLI's `kpis` table and the GitHub step
summary. Plain functions over the scorecard, with no template engine behind them.
"""

from __future__ import annotations

import re

from careerloop.errors import CareerloopError
from careerloop.kpi import catalog
from careerloop.kpi.scorecard import KpiResult
from careerloop.kpi.words import MINUS, format_minutes, format_value, plain_number, round_to
from careerloop.periods import Period

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

# --- formatting ------------------------------------------------------------------------

_round = round_to
_plain = plain_number


def format_delta(delta: float | None, key: str) -> str:
    """A signed change by the KPI's catalogue unit: +25 pts for ratios, +5 for feedback and
    counts, +1 h 5 min; `` for None."""
    if delta is None:
        return ""
    sign = "+" if delta > 0 else MINUS if delta < 0 else "±"
    size = abs(delta)
    unit = catalog.unit(key)
    if unit == "ratio":
        return f"{sign}{_round(size * 100)} pts"
    if unit in ("score", "count"):
        return f"{sign}{_round(size)}"
    if unit == "minutes":
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
