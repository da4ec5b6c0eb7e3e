"""Config that used to slip through or crash: notes headings, a BOM, deep or huge TOML, years.

- A notes heading the finder can never find again made a review grow by a full copy per
  run; one equal to a template heading (`KPIs`) froze it. Both are refused up front.
- A UTF-8 byte-order mark (Windows editors) is read as the text it marks.
- Deeply nested or huge TOML is a config error (exit 2), not a crash.
- Years 0 and 10000 (a period, or a date in the data) get one clear line or a warning.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.bad_input.cli import assert_one_line, invoke, snapshot


def _set_heading(config: Path, heading: str) -> None:
    text = config.read_text(encoding="utf-8")
    line = f"notes_heading = {json.dumps(heading, ensure_ascii=False)}\n"
    if "notes_heading" in text:
        text = "\n".join(line.rstrip("\n") if ln.startswith("notes_heading") else ln
                         for ln in text.splitlines()) + "\n"
    else:
        text = text.replace("[reviews]\n", f"[reviews]\n{line}", 1)
    config.write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    ("heading", "fragment"),
    [
        ("Notes #", "must be plain text: #"),
        ("Notes\nmore", "one line of text"),
        ("Notes\tmore", "one line of text"),
        ("*Notes*", "must be plain text: *"),
        ("[Notes](https://example.org)", "must be plain text: [ ]"),
        ("`Notes`", "must be plain text: `"),
        ("KPIs", "is a heading of the review templates"),
        ("  kpis ", "is a heading of the review templates"),
        ("What to do next", "is a heading of the review templates"),
        ("Month by month", "is a heading of the review templates"),
        ("N" * 101, "longer than 100 characters"),
        ("   ", "must not be blank"),
    ],
    ids=["closing-hash", "newline", "tab", "emphasis", "link", "code", "kpis", "kpis-case",
         "what-next", "months", "long", "blank"],
)
def test_a_notes_heading_that_cannot_be_found_again_is_refused(
    runner: CliRunner, demo: Path, heading: str, fragment: str
) -> None:
    _set_heading(demo, heading)
    before = snapshot(demo.parent)

    assert_one_line(invoke(runner, "-c", str(demo), "sync"), 2, "reviews.notes_heading",
                    fragment)
    assert snapshot(demo.parent) == before


def test_an_unusual_but_plain_heading_keeps_the_review_the_same_size(
    runner: CliRunner, demo: Path
) -> None:
    """The reproduction: 4.4 → 11.3 KB over four runs. A heading that works stays put."""
    heading = "Mentor's notes & next steps (Q4) ✍"
    _set_heading(demo, heading)
    review = demo.parent / "reviews" / "2026-10-monthly.md"
    sizes = []
    for _ in range(4):
        run = invoke(runner, "-c", str(demo), "sync")
        assert run.code == 0, run
        sizes.append(review.stat().st_size)
    assert len(set(sizes)) == 1, sizes
    assert review.read_text(encoding="utf-8").count(f"## {heading}\n") == 1


def test_a_byte_order_mark_is_accepted(runner: CliRunner, demo: Path) -> None:
    demo.write_bytes(b"\xef\xbb\xbf" + demo.read_bytes())

    run = invoke(runner, "-c", str(demo), "sync")

    assert run.code == 0, run
    assert (demo.parent / "reviews" / "2026-10-monthly.md").exists()


@pytest.mark.parametrize(
    "text",
    [
        "x = " + "[" * 5000 + "]" * 5000 + "\n",  # past Python's recursion limit
        "x = " + "[" * 30 + "]" * 30 + "\n",  # parses, but no setting is that deep
        "x = " + "{ a = " * 40 + "1" + " }" * 40 + "\n",
    ],
    ids=["arrays-5000", "arrays-30", "inline-tables-40"],
)
def test_deeply_nested_toml_is_a_config_error(
    runner: CliRunner, tmp_path: Path, text: str
) -> None:
    config = tmp_path / "careerloop.toml"
    config.write_text(text, encoding="utf-8")

    line = assert_one_line(invoke(runner, "-c", str(config), "sync"), 2,
                           "nests tables or arrays more than 8 levels deep")
    assert len(line) < 300


def test_a_huge_toml_is_a_config_error(runner: CliRunner, tmp_path: Path) -> None:
    config = tmp_path / "careerloop.toml"
    config.write_text("# padding\n" * 200_000, encoding="utf-8")  # 2 MB

    assert_one_line(invoke(runner, "-c", str(config), "sync"), 2, "larger than 1024 KB",
                    "is this the right file?")


@pytest.mark.parametrize("label", ["0000-10", "0000-Q4", "10000-10", "0001-01", "9999-12"])
@pytest.mark.parametrize("command", [("sync", "--period"), ("kpis", "--period"),
                                     ("report", "--period")])
def test_periods_outside_the_calendar(
    runner: CliRunner, demo: Path, label: str, command: tuple[str, str]
) -> None:
    assert invoke(runner, "-c", str(demo), "sync").code == 0
    before = snapshot(demo.parent / "reviews")

    line = assert_one_line(invoke(runner, "-c", str(demo), *command, label), 2, label)
    assert "out of range" in line or "is not a month like 2026-10" in line
    assert snapshot(demo.parent / "reviews") == before


def test_dates_in_years_0_and_10000_in_the_data_are_warnings(
    runner: CliRunner, demo: Path
) -> None:
    board_path = demo.parent / "trello" / "board.json"
    board = json.loads(board_path.read_text(encoding="utf-8"))
    cards = board["cards"]
    # 9999-12-31 23:30 UTC is already year 10000 in Berlin, the workspace time zone.
    cards[0]["due"] = "9999-12-31T23:30:00.000Z"
    cards[1]["due"] = "0000-01-01T00:00:00.000Z"
    cards[2]["due"] = "10000-01-01T00:00:00.000Z"
    board_path.write_text(json.dumps(board), encoding="utf-8")

    run = invoke(runner, "-c", str(demo), "sync")
    assert run.code == 0, run
    assert invoke(runner, "-c", str(demo), "kpis").code == 0
    with sqlite3.connect(demo.parent / ".careerloop" / "state.db") as db:
        warnings = [row[0] for row in db.execute("SELECT message FROM warnings")]
    for card in cards[:3]:
        assert f"Trello card {card['name']!r}: due {card['due']!r} is not a date" in warnings
