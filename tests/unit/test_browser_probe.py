"""The browser probe itself: it must see what a page fetches and how wide it is."""

from __future__ import annotations

from pathlib import Path

from tests.browser import measure


def test_probe_records_a_remote_fetch_and_an_overflowing_table(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        "<!doctype html><html><body><h1 id='t'>Title</h1>"
        "<img src='http://example.invalid/pixel.png' alt=''>"
        "<table><tr><td style='min-width:900px'>wide</td></tr></table>"
        "</body></html>",
        encoding="utf-8",
    )
    seen = measure(page, width=420, selectors=["#t", "#missing"])
    assert seen.visible("#t") and seen.above_fold("#t")
    assert not seen.visible("#missing")
    assert seen.images == ["http://example.invalid/pixel.png"]
    assert any("example.invalid" in request for request in seen.requests)
    assert len(seen.overflowing_tables()) == 1
    assert seen.page_width > 420


def test_probe_sees_a_self_contained_page_fetch_nothing(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        "<!doctype html><html><body><p>plain</p><table><tr><td>narrow</td></tr></table>"
        "</body></html>",
        encoding="utf-8",
    )
    shot = tmp_path / "shot.png"
    seen = measure(page, width=1280, screenshot=shot)
    assert seen.requests == [] and seen.resources == []
    assert seen.overflowing_tables() == []
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
