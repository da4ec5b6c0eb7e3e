"""The KPI catalogue: one row per KPI, read by config, the engine, the reviews and Notion."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest

from careerloop.config import DEFAULT_TARGETS, KPI_KEYS, KpisConfig, parse_config
from careerloop.connectors.notion.publish import reviews_schema
from careerloop.errors import ConfigError
from careerloop.kpi import catalog, metrics, pitfalls
from careerloop.kpi.engine import build_scorecard
from careerloop.kpi.metrics import MetricValue, WorkspaceIndex, scored_end
from careerloop.model import Module, Workspace
from careerloop.periods import Period
from careerloop.report.render import format_delta, render_markdown
from careerloop.report.review import Review

TODAY = dt.date(2026, 11, 26)
OCT = Period.parse("2026-10")


def test_every_kpi_has_one_row_and_one_function() -> None:
    keys = catalog.keys()
    assert len(keys) == len(set(keys)) == 10
    assert keys == KPI_KEYS
    assert set(metrics.FUNCTIONS) == set(keys)
    assert [m.key for m in metrics.metrics()] == list(keys)
    assert catalog.find("no_such_kpi") is None


def test_the_default_targets_come_from_the_rows() -> None:
    # The counts skills_applied (1 a month) has a default; advancements and
    # learning_minutes are informational until a target is configured.
    assert DEFAULT_TARGETS == {
        "module_completion": 0.8,
        "mentor_feedback": 75.0,
        "skills_applied": 1.0,
        "learning_consistency": 0.6,
        "mentor_cadence": 1.0,
        "goal_alignment": 0.9,
        "insights_documented": 0.8,
        "milestones_on_time": 0.8,
    }
    assert [k.key for k in catalog.KPIS if k.per_month] == [
        "skills_applied",
        "advancements",
        "learning_minutes",
    ]


def test_units_drive_the_notion_number_formats() -> None:
    percent = [key for key in catalog.keys() if catalog.number_format(key) == "percent"]
    assert percent == [
        "module_completion",
        "learning_consistency",
        "mentor_cadence",
        "goal_alignment",
        "insights_documented",
        "milestones_on_time",
    ]
    assert catalog.number_format("mentor_feedback") == "number"  # a score out of 100
    assert catalog.number_format("learning_minutes") == "number"
    assert catalog.number_format("unknown") == "number"
    assert catalog.unit("learning_minutes") == "minutes"
    assert catalog.unit("unknown") is None


def test_pitfalls_answer_the_kpis_their_rows_name() -> None:
    assert catalog.pitfall_kpis() == {
        "unaligned-learning": ("goal_alignment",),
        "overload-without-application": ("skills_applied",),
        "mentor-gap": ("mentor_cadence",),
        "skipped-checkins": ("mentor_cadence",),
        "undocumented-insights": ("insights_documented",),
        "unvetted-content": (),
        "stalled-goal": (),
    }


def test_every_detector_reports_a_catalogued_code() -> None:
    # The detectors name their codes through the catalogue's constants, one each.
    source = Path(pitfalls.__file__).read_text(encoding="utf-8")
    codes = [
        node.value.attr
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.keyword)
        and node.arg == "code"
        and isinstance(node.value, ast.Attribute)
    ]
    assert len(codes) == len(pitfalls.DETECTORS) == len(catalog.PITFALL_CODES)
    assert sorted(getattr(catalog, name) for name in codes) == sorted(catalog.PITFALL_CODES)


def test_the_catalogue_imports_only_the_standard_library() -> None:
    tree = ast.parse(Path(catalog.__file__).read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert imported == {"__future__", "dataclasses", "typing"}


# --- adding a KPI: one function, one row ----------------------------------------------

VETTED = catalog.Kpi("vetted_share", "Vetted content share", "ratio", 0.5)


def vetted_share(
    index: WorkspaceIndex, period: Period, settings: KpisConfig, today: dt.date
) -> MetricValue:
    """Share of the modules completed in P whose content was vetted."""
    completed = index.modules_completed(period.start, scored_end(period, today))
    vetted = sum(1 for m in completed if m.vetted)
    return (vetted / len(completed) if completed else None), {"vetted": vetted}


@pytest.fixture
def with_vetted_share(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalog, "KPIS", (*catalog.KPIS, VETTED))
    monkeypatch.setitem(metrics.FUNCTIONS, "vetted_share", vetted_share)


def _plan() -> Workspace:
    ws = Workspace()
    # September: 1 of 2 modules vetted (0.5). October: 2 of 3 vetted (2/3).
    rows = [
        (dt.date(2026, 9, 8), True),
        (dt.date(2026, 9, 9), False),
        (dt.date(2026, 10, 6), True),
        (dt.date(2026, 10, 7), True),
        (dt.date(2026, 10, 8), False),
    ]
    for n, (day, vetted) in enumerate(rows):
        ws.add(
            Module(
                id=f"m{n}",
                source="file",
                source_id=f"m{n}",
                title=f"M{n}",
                planned=day,
                completed=day,
                vetted=vetted,
            )
        )
    return ws


def test_without_its_row_a_kpi_is_an_unknown_key() -> None:
    with pytest.raises(ConfigError, match="unknown KPI 'vetted_share'"):
        parse_config({"kpis": {"targets": {"vetted_share": 0.8}}})


@pytest.mark.usefixtures("with_vetted_share")
def test_a_kpi_added_by_a_row_and_a_function_is_scored_rendered_and_published() -> None:
    config = parse_config({"kpis": {"targets": {"vetted_share": 0.8}}})
    assert config.kpis.targets == {"vetted_share": 0.8}

    card = build_scorecard(_plan(), OCT, config.kpis, TODAY)
    kpi = card.kpis["vetted_share"]
    assert list(card.kpis)[-1] == "vetted_share"
    # October: 2/3 against 0.8 -> 100 x 0.6667 / 0.8 = 83.3 -> 83, at risk (60-89).
    assert kpi.value == pytest.approx(2 / 3)
    assert kpi.target == 0.8
    assert (kpi.score, kpi.status) == (83, "at_risk")
    # September had 0.5: the change is 2/3 - 1/2 = 0.1667 -> +17 pts.
    assert kpi.previous == 0.5
    assert format_delta(kpi.delta, "vetted_share") == "+17 pts"

    review = Review(kind="monthly", scorecard=card, generated_on=TODAY)
    markdown = render_markdown(review, config.reviews, None)
    row = next(line for line in markdown.splitlines() if line.startswith("| Vetted content"))
    assert row == "| Vetted content share | 80% | 67% | ↑ +17 pts | 🟡 at risk |"

    assert reviews_schema(review)["Vetted content share"] == {"number": {"format": "percent"}}


@pytest.mark.usefixtures("with_vetted_share")
def test_an_added_kpi_uses_its_default_target() -> None:
    card = build_scorecard(_plan(), OCT, KpisConfig(), TODAY)
    # The row's default 0.5: 2/3 meets it, so the score is 100, on track.
    assert card.kpis["vetted_share"].target == 0.5
    assert (card.kpis["vetted_share"].score, card.kpis["vetted_share"].status) == (100, "on_track")


def test_docs_kpis_has_one_row_per_kpi_with_its_unit() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "kpis.md"
    text = docs.read_text(encoding="utf-8")
    table = text[text.index("| key | value | unit | target | detail |") :].split("\n\n")[0]
    rows = [line.split("|") for line in table.splitlines() if line.startswith("| `")]
    documented = {cells[1].strip().strip("`"): cells[3].strip() for cells in rows}
    assert len(rows) == len(documented) == len(catalog.KPIS)
    assert documented == {kpi.key: kpi.unit for kpi in catalog.KPIS}
