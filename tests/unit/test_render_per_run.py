"""One jailed environment per run: each template compiled once, each rendering its budget."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from careerloop import pipeline
from careerloop.config import KpisConfig, ReviewsConfig, load_config
from careerloop.kpi.engine import build_scorecard
from careerloop.model import Module, Session, Workspace
from careerloop.periods import Period
from careerloop.report import render
from careerloop.report.render import JailedEnvironment, Renderer, RenderLimits
from careerloop.report.review import Review, ReviewKind, TrendPoint

TODAY = dt.date(2026, 11, 26)


def _review(kind: ReviewKind, label: str) -> Review:
    ws = Workspace()
    for n in range(3):
        day = dt.date(2026, 10, 5 + n)
        ws.add(
            Module(
                id=f"m{n}",
                source="file",
                source_id=f"m{n}",
                title=f"M{n}",
                planned=day,
                completed=day,
                minutes=20,
            )
        )
    ws.add(
        Session(
            id="s",
            source="file",
            source_id="s",
            title="S",
            date=dt.date(2026, 10, 9),
            feedback=4,
            insights="Ship smaller pieces.",
        )
    )
    card = build_scorecard(ws, Period.parse(label), KpisConfig(), TODAY)
    return Review(
        kind=kind, scorecard=card, trend=[TrendPoint(label, card.score)], generated_on=TODAY
    )


def _count_parses(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    parsed: Counter[str] = Counter()
    original = JailedEnvironment._parse

    def counting(
        self: JailedEnvironment, source: str, name: str | None, filename: str | None
    ) -> Any:
        parsed[name or "?"] += 1
        return original(self, source, name, filename)

    monkeypatch.setattr(JailedEnvironment, "_parse", counting)
    return parsed


def test_a_renderer_compiles_each_template_once(monkeypatch: pytest.MonkeyPatch) -> None:
    parsed = _count_parses(monkeypatch)
    renderer = Renderer(ReviewsConfig(), None)
    october, september = _review("monthly", "2026-10"), _review("monthly", "2026-09")
    first = renderer.markdown(october)
    renderer.markdown(september)
    again = renderer.markdown(october)
    assert first == again  # the cached templates render the same page
    assert parsed["monthly.md.j2"] == 1
    assert parsed["partials/kpi_table.md.j2"] == 1
    assert set(parsed.values()) == {1}
    # And the shared renderer writes what a one-off rendering writes.
    assert first == render.render_markdown(october, ReviewsConfig(), None)


def test_each_rendering_starts_with_a_fresh_budget() -> None:
    review = _review("monthly", "2026-10")
    measuring = Renderer(ReviewsConfig(), None)
    measuring.markdown(review)
    used = measuring.environment.budget.steps
    assert used > 0
    # A budget that holds one rendering but not two: both renderings still pass, since
    # the budget is per rendering, not per run.
    tight = Renderer(ReviewsConfig(), None, limits=RenderLimits(steps=used + used // 2))
    tight.markdown(review)
    tight.markdown(review)
    assert tight.environment.budget.steps == used


def test_a_run_with_two_reviews_builds_the_environment_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[JailedEnvironment] = []
    original = render.make_environment

    def counting(
        user_templates: Path | None, limits: RenderLimits | None = None
    ) -> JailedEnvironment:
        built.append(original(user_templates, limits))
        return built[-1]

    monkeypatch.setattr(render, "make_environment", counting)
    parsed = _count_parses(monkeypatch)
    export = tmp_path / "Modules.csv"
    export.write_text(
        "Name,Planned,Completed,Status\nM1,2026-09-03,2026-09-03,Done\n", encoding="utf-8"
    )
    (tmp_path / "careerloop.toml").write_text(
        '[workspace]\ntimezone = "UTC"\n\n[sources.notion.modules]\ncsv = "Modules.csv"\n',
        encoding="utf-8",
    )
    config = load_config(tmp_path / "careerloop.toml")
    report = pipeline.sync(config, pipeline.SyncOptions(), today=dt.date(2026, 10, 15))
    # 15 October: the September review and the Q3 review, both written locally.
    assert sorted(p.name for p in (tmp_path / "reviews").glob("*.md") if p.name != "index.md") == [
        "2026-09-monthly.md",
        "2026-Q3-quarterly.md",
    ]
    assert report.ok
    assert len(built) == 1
    # The partials both reviews include were compiled once for the two of them.
    assert parsed["partials/header.md.j2"] == 1
    assert parsed["monthly.md.j2"] == parsed["quarterly.md.j2"] == 1
