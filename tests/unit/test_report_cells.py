"""report/cells.py: the words and cells of a KPI table, worked out by hand."""

from __future__ import annotations

from careerloop.kpi.scorecard import KpiResult
from careerloop.report.cells import (
    format_delta,
    inline,
    kpi_cells,
    month_name,
    severity_emoji,
    status_emoji,
    status_label,
    table_cell,
    trend_arrow,
)


def test_statuses_read_as_words_and_emoji() -> None:
    assert status_label("at_risk") == "at risk"
    assert status_label(None) == "no data"
    assert status_label("half_way") == "half way"  # an unknown status still reads
    assert [status_emoji(s) for s in ("on_track", "at_risk", "off_track", None)] == [
        "🟢", "🟡", "🔴", "⚪"]
    assert severity_emoji("critical") == "🔴" and severity_emoji("odd") == "🔵"


def test_changes_by_unit() -> None:
    # 0.60 -> 0.85 is +25 points of a ratio; 75 -> 70 feedback is -5; 65 minutes 1 h 5 min.
    assert format_delta(0.25, "module_completion") == "+25 pts"
    assert format_delta(-5.0, "mentor_feedback") == "−5"
    assert format_delta(65.0, "learning_minutes") == "+1 h 5 min"
    assert format_delta(0.0, "advancements") == "±0"
    assert format_delta(None, "advancements") == ""
    assert [trend_arrow(d) for d in (0.1, -0.1, 0.0, None)] == ["↑", "↓", "→", "–"]


def test_the_cells_of_a_kpi_row() -> None:
    # 75% of an 80% target, up 10 points from 65%.
    kpi = KpiResult(key="module_completion", label="Module completion", value=0.75,
                    target=0.8, score=94, status="at_risk", previous=0.65, delta=0.1)
    target, value, trend, status = kpi_cells(kpi)
    assert (target, value, status) == ("80%", "75%", "at risk")
    assert "+10 pts" in trend and "↑" in trend


def test_user_text_stays_on_one_line_and_in_its_cell() -> None:
    assert table_cell("a | b\n c") == "a \\| b c"
    assert inline("  # not\na heading ") == "# not a heading"
    assert month_name("2026-10") == "Oct 2026"
    assert month_name("2026-Q4") == "2026-Q4"
