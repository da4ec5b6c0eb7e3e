"""Every KPI in one table: key, label, unit, default target, per-month counting, pitfalls.

Config (the keys a `[kpis]` table accepts, the default targets), the engine (targets,
pro-rating, what is not due yet), the renderer (how a value and a change read) and the
Notion Reviews database (each KPI column's number format) all read this table, so adding
a KPI is a function in `metrics.FUNCTIONS`, one row in `KPIS` and one row in
docs/kpis.md.

Readers look the table up when they run (`catalog.KPIS`, never a copy taken at import),
so a test may extend it. Only the standard library is imported: config reads it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Unit = Literal["ratio", "score", "count", "minutes"]
"""How a value reads: 75% (ratio), 82/100 (score), 4 (count), 3 h 20 min (minutes)."""

# The pitfall codes (kpi.pitfalls finds them; the actions answer them).
UNALIGNED_LEARNING = "unaligned-learning"
OVERLOAD_WITHOUT_APPLICATION = "overload-without-application"
MENTOR_GAP = "mentor-gap"
SKIPPED_CHECKINS = "skipped-checkins"
UNDOCUMENTED_INSIGHTS = "undocumented-insights"
UNVETTED_CONTENT = "unvetted-content"
STALLED_GOAL = "stalled-goal"

PITFALL_CODES: tuple[str, ...] = (
    UNALIGNED_LEARNING,
    OVERLOAD_WITHOUT_APPLICATION,
    MENTOR_GAP,
    SKIPPED_CHECKINS,
    UNDOCUMENTED_INSIGHTS,
    UNVETTED_CONTENT,
    STALLED_GOAL,
)
"""Every pitfall code, in the order docs/kpis.md lists the pitfalls."""


@dataclass(frozen=True, slots=True)
class Kpi:
    """One KPI as every layer knows it.

    `target` is the default target (None: informational until a target is configured);
    `per_month` says the target is per month and pro-rated while a period runs (counts
    grow with the period); `pitfalls` are the pitfalls whose action answers this KPI when
    it is weak; `pro_rated_by` names the detail fields (expected, counted) of a KPI that
    pro-rates itself, so it is not due while less than one is expected and none came.
    """

    key: str
    label: str
    unit: Unit
    target: float | None
    per_month: bool = False
    pitfalls: tuple[str, ...] = ()
    pro_rated_by: tuple[str, str] | None = None

    @property
    def number_format(self) -> str:
        """The Notion number format of the KPI's column: ratios as percentages."""
        return "percent" if self.unit == "ratio" else "number"


KPIS: tuple[Kpi, ...] = (
    Kpi("module_completion", "Modules completed vs planned", "ratio", 0.8),
    Kpi("mentor_feedback", "Mentor feedback quality", "score", 75.0),
    Kpi(
        "skills_applied",
        "New skills applied in live projects",
        "count",
        1.0,
        per_month=True,
        pitfalls=(OVERLOAD_WITHOUT_APPLICATION,),
    ),
    Kpi("advancements", "Advancements linked to new competencies", "count", None, per_month=True),
    Kpi("learning_consistency", "Days with learning vs weekdays", "ratio", 0.6),
    Kpi(
        "mentor_cadence",
        "Mentor sessions vs planned",
        "ratio",
        1.0,
        pitfalls=(MENTOR_GAP, SKIPPED_CHECKINS),
        pro_rated_by=("expected", "sessions"),
    ),
    Kpi(
        "goal_alignment", "Learning linked to a goal", "ratio", 0.9, pitfalls=(UNALIGNED_LEARNING,)
    ),
    Kpi(
        "insights_documented",
        "Mentor insights documented",
        "ratio",
        0.8,
        pitfalls=(UNDOCUMENTED_INSIGHTS,),
    ),
    Kpi("milestones_on_time", "Milestones reached on time", "ratio", 0.8),
    Kpi("learning_minutes", "Minutes of learning", "minutes", None, per_month=True),
)
"""Every KPI, in the order the engine scores them and the reviews list them."""


def keys() -> tuple[str, ...]:
    """Every KPI key, in catalogue order."""
    return tuple(kpi.key for kpi in KPIS)


def find(key: str) -> Kpi | None:
    """The catalogue row of `key`; None for a key the catalogue does not know."""
    return next((kpi for kpi in KPIS if kpi.key == key), None)


def unit(key: str) -> Unit | None:
    """The unit of `key`; None for an unknown key (it reads as a plain number)."""
    kpi = find(key)
    return kpi.unit if kpi else None


def default_targets() -> dict[str, float]:
    """KPI key -> default target, for the KPIs that have one."""
    return {kpi.key: kpi.target for kpi in KPIS if kpi.target is not None}


def number_format(key: str) -> str:
    """The Notion number format of a KPI column (`number` for an unknown key)."""
    kpi = find(key)
    return kpi.number_format if kpi else "number"


def pitfall_kpis() -> dict[str, tuple[str, ...]]:
    """Pitfall code -> the KPIs its action answers (empty for a pitfall of no KPI)."""
    answered: dict[str, tuple[str, ...]] = dict.fromkeys(PITFALL_CODES, ())
    for kpi in KPIS:
        for code in kpi.pitfalls:
            answered[code] = (*answered.get(code, ()), kpi.key)
    return answered
