"""Local review files: upsert, notes kept, nothing rewritten when nothing changed."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from careerloop.config import ReviewsConfig
from careerloop.connectors.base import Publisher
from careerloop.connectors.files.local import LocalPublisher, read_meta, strip_meta, write_index
from careerloop.errors import PublishError
from careerloop.kpi.scorecard import KpiResult, Scorecard
from careerloop.periods import Period
from careerloop.report.html import markdown_to_html
from careerloop.report.render import render_markdown
from careerloop.report.review import Review, TrendPoint

REVIEWS = ReviewsConfig()


def review(
    label: str = "2026-10", *, completion: float = 0.75, score: int = 78, kind: str = "monthly"
) -> Review:
    result = KpiResult(
        key="module_completion",
        label="Module completion",
        value=completion,
        target=0.8,
        score=score,
        status="at_risk",
    )
    card = Scorecard(
        period=Period.parse(label), score=score, status="at_risk", kpis={result.key: result}
    )
    return Review(
        kind="quarterly" if kind == "quarterly" else "monthly",
        scorecard=card,
        trend=[TrendPoint("2026-09", 70), TrendPoint(label, score)],
        generated_on=dt.date(2026, 11, 2),
    )


def publish(folder: Path, item: Review, *, dry_run: bool = False) -> tuple[str, str]:
    publisher = LocalPublisher(folder, REVIEWS.notes_heading)
    outcome = publisher.publish(item, render_markdown(item, REVIEWS, None), dry_run=dry_run)
    return outcome.action, outcome.detail


def stamp(path: Path) -> tuple[int, bytes]:
    return path.stat().st_mtime_ns, path.read_bytes()


def test_first_publish_writes_markdown_html_and_index(tmp_path: Path) -> None:
    assert publish(tmp_path, review())[0] == "created"

    md = (tmp_path / "2026-10-monthly.md").read_text(encoding="utf-8")
    assert read_meta(md) == {
        "period": "2026-10",
        "kind": "monthly",
        "score": 78,
        "status": "at_risk",
        "action": "",  # the review's first action: none here
    }
    assert strip_meta(md).startswith("# Monthly review 2026-10\n")
    page = (tmp_path / "2026-10-monthly.html").read_text(encoding="utf-8")
    assert "careerloop:" not in page  # the meta line is not shown as text
    assert page.index("</h1>") < page.index('class="banner status-at_risk"') < page.index("<svg")
    assert page.index("<svg") < page.index("<h2>")
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert 'href="2026-10-monthly.html"' in index and 'href="2026-10-monthly.md"' in index
    assert "78/100" in index
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_unchanged_data_rewrites_nothing(tmp_path: Path) -> None:
    publish(tmp_path, review())
    files = sorted(tmp_path.iterdir())
    before = {p: stamp(p) for p in files}

    action, _ = publish(tmp_path, review())

    assert action == "unchanged"
    assert sorted(tmp_path.iterdir()) == files
    assert {p: stamp(p) for p in files} == before


def test_notes_survive_regeneration_byte_for_byte(tmp_path: Path) -> None:
    publish(tmp_path, review())
    md_path = tmp_path / "2026-10-monthly.md"
    original = md_path.read_bytes()
    cut = original.index(b"## Notes")
    notes = "## Notes\r\n\r\nMentor: *try window functions*   \n\n- [ ] read chapter 3\t\n\n\n"
    md_path.write_bytes(original[:cut] + notes.encode("utf-8"))

    action, _ = publish(tmp_path, review(completion=0.5, score=63))

    assert action == "updated"
    data = md_path.read_bytes()
    assert data.endswith(notes.encode("utf-8"))
    assert b"**Score 63/100**" in data
    assert read_meta(data.decode("utf-8"))["score"] == 63  # type: ignore[index]
    page = (tmp_path / "2026-10-monthly.html").read_text(encoding="utf-8")
    assert "try window functions" in page and "63/100" in page
    assert "63/100" in (tmp_path / "index.html").read_text(encoding="utf-8")


def test_edited_notes_with_same_data_refresh_only_the_page(tmp_path: Path) -> None:
    publish(tmp_path, review())
    md_path = tmp_path / "2026-10-monthly.md"
    with md_path.open("a", encoding="utf-8") as handle:
        handle.write("\nMy own note.\n")
    md_before = stamp(md_path)

    action, detail = publish(tmp_path, review())

    assert action == "updated" and "HTML" in detail
    assert stamp(md_path) == md_before
    assert "My own note." in (tmp_path / "2026-10-monthly.html").read_text(encoding="utf-8")
    assert publish(tmp_path, review())[0] == "unchanged"


def test_user_script_is_escaped_in_html(tmp_path: Path) -> None:
    publish(tmp_path, review())
    md_path = tmp_path / "2026-10-monthly.md"
    with md_path.open("a", encoding="utf-8") as handle:
        handle.write('\n<script>alert("x")</script>\n\n<img src=x onerror=alert(1)>\n')
    publish(tmp_path, review())
    page = (tmp_path / "2026-10-monthly.html").read_text(encoding="utf-8")
    assert "<script>" not in page and "<img" not in page
    assert "&lt;script&gt;" in page


def test_windows_line_endings_count_as_unchanged(tmp_path: Path) -> None:
    publish(tmp_path, review())
    md_path = tmp_path / "2026-10-monthly.md"
    md_path.write_bytes(md_path.read_bytes().replace(b"\n", b"\r\n"))
    before = stamp(md_path)
    publish(tmp_path, review())
    assert stamp(md_path) == before


def test_lost_notes_heading_keeps_the_old_text(tmp_path: Path) -> None:
    publish(tmp_path, review())
    md_path = tmp_path / "2026-10-monthly.md"
    md_path.write_text("Everything replaced by my own text.\n", encoding="utf-8")
    assert publish(tmp_path, review())[0] == "updated"
    text = md_path.read_text(encoding="utf-8")
    assert text.endswith("Everything replaced by my own text.\n")
    assert "## Notes" in text and "**Score 78/100**" in text


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "reviews"
    action, detail = publish(folder, review(), dry_run=True)
    assert action == "created" and detail.startswith("dry run")
    assert not folder.exists()

    publish(folder, review())
    before = {p: stamp(p) for p in folder.iterdir()}
    action, _ = publish(folder, review(completion=0.2, score=25), dry_run=True)
    assert action == "updated"
    assert {p: stamp(p) for p in folder.iterdir()} == before


def test_index_lists_every_review_and_ignores_other_files(tmp_path: Path) -> None:
    publish(tmp_path, review("2026-09", score=70))
    publish(tmp_path, review("2026-10"))
    publish(tmp_path, review("2026-Q3", kind="quarterly", score=64))
    (tmp_path / "README.md").write_text("not a review", encoding="utf-8")
    (tmp_path / "2026-11-monthly.md").write_text("# hand-made, no meta\n", encoding="utf-8")

    assert write_index(tmp_path) is True
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "README" not in index
    table = index[index.index("<table>") :]
    assert table.index("2026-11") < table.index("2026-10") < table.index("2026-09")  # newest first
    assert "2026-Q3" in index and "64/100" in index and index.count("<svg") == 2
    assert write_index(tmp_path) is False  # already up to date: not rewritten


def test_failed_write_leaves_the_old_file_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish(tmp_path, review())
    md_path = tmp_path / "2026-10-monthly.md"
    before = md_path.read_bytes()

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(PublishError, match="cannot write .*2026-10-monthly.md"):
        publish(tmp_path, review(completion=0.1, score=13))
    assert md_path.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_markdown_to_html_tasks_and_raw_html() -> None:
    html = markdown_to_html("- [ ] plan Q1\n- [x] done\n- <b>bold</b> | ~~old~~\n")
    assert '<li class="task"><input type="checkbox" disabled> plan Q1</li>' in html
    assert "checked disabled> done" in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "<s>old</s>" in html


def test_local_publisher_is_a_publisher(tmp_path: Path) -> None:
    publisher: Publisher = LocalPublisher(tmp_path, "Notes")
    assert publisher.name == "local"


def test_an_unchanged_review_is_not_rendered_to_html_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish(tmp_path, review())
    page = tmp_path / "2026-10-monthly.html"
    before = stamp(page)

    def no_rendering(*args: object, **kwargs: object) -> str:
        raise AssertionError("the unchanged review's page was rendered again")

    monkeypatch.setattr("careerloop.connectors.files.local.review_html", no_rendering)

    assert publish(tmp_path, review())[0] == "unchanged"
    assert stamp(page) == before


def test_a_page_from_another_review_or_version_is_rendered_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish(tmp_path, review())
    page = tmp_path / "2026-10-monthly.html"
    # A page without the digest (written by an older careerloop, or by hand) is not
    # trusted: it is rendered again and rewritten once, then recognised.
    text = page.read_text(encoding="utf-8")
    key_line = next(line for line in text.splitlines() if "careerloop-page" in line)
    page.write_text(text.replace(key_line + "\n", ""), encoding="utf-8")

    action, detail = publish(tmp_path, review())

    assert action == "updated" and "HTML" in detail
    assert key_line in page.read_text(encoding="utf-8")
    monkeypatch.setattr("careerloop.__version__", "99.0.0")
    monkeypatch.setattr("careerloop.report.html.__version__", "99.0.0")
    assert publish(tmp_path, review())[0] == "updated"  # a new careerloop redraws its pages
    assert publish(tmp_path, review())[0] == "unchanged"
