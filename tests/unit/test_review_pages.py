"""The demo's review pages in a real browser (headless Chromium) at desk and phone width.

Screenshots land in the test's temporary folder; the assertions come from the DOM: the
status banner, the first actions and the chart are visible, the actions start on the first
screen, no table is wider than the window, and the page fetches nothing.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from careerloop import pipeline
from careerloop.config import load_config
from careerloop.connectors.files.demo import write_demo_workspace
from tests.browser import measure
from tests.conftest import TODAY

SELECTORS = [".banner", "ol", "figure.trend svg"]


@pytest.fixture(scope="module")
def reviews(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pages")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CAREERLOOP_TODAY", TODAY)
        config = load_config(write_demo_workspace(folder, dt.date.fromisoformat(TODAY)))
        report = pipeline.sync(config, pipeline.SyncOptions(full=True))
        assert report.ok, report.failures
        assert pipeline.backfill(config).failures == []
    return config.path(config.reviews.local.dir)


@pytest.mark.parametrize("width", [1280, 420])
@pytest.mark.parametrize("name", ["2026-10-monthly.html", "2026-Q3-quarterly.html"])
def test_review_page_reads_on_desk_and_phone(reviews: Path, name: str, width: int) -> None:
    shot = reviews / f"{name}-{width}.png"
    seen = measure(reviews / name, width=width, selectors=SELECTORS, screenshot=shot)
    assert shot.stat().st_size > 0
    for selector in SELECTORS:
        assert seen.visible(selector), selector
    assert seen.above_fold(".banner")
    assert seen.above_fold("ol")  # the top actions start on the first screen
    banner = seen.selectors[".banner"][0]["text"]
    assert banner.split(" · ")[0].lower() in ("on track", "at risk", "off track")
    assert seen.overflowing_tables() == []
    assert seen.page_width <= width
    assert seen.requests == [] and seen.resources == []


def test_index_shows_status_and_first_action_on_a_phone(reviews: Path) -> None:
    page = reviews / "index.html"
    seen = measure(page, width=420, selectors=["td.action"], screenshot=reviews / "index-420.png")
    assert seen.visible("td.action")
    assert seen.overflowing_tables() == []
    text = page.read_text(encoding="utf-8")
    assert "<th>First action</th>" in text and "at risk" in text
