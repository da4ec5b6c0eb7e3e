"""Nothing confident from a failed or empty read, and data warnings where a user looks.

- A source that fails on its first read leaves nothing to score: no review is rendered
  or published, the failure is the first thing printed, exit 1.
- A source that fails after a good read: the reviews are published from its stored data
  and each says so at the top, with the day of that read and what failed this run.
- A read where no source gives a record: one line with the likely cause, exit 1, nothing
  stored or published.
- Data warnings: counted and listed by `sync` (all with --verbose), one JSON log event
  each, in `kpis --json` and in `doctor`.

docs/decisions.md ("Failed and empty reads") states the rules.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import sqlite3
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.faults.worlds import (
    NOTES_HEADING,
    World,
    careerloop,
    local_world,
    store_rows,
    sync,
    world_for,
)

TZ = ZoneInfo("Europe/Berlin")  # the worlds' workspace time zone

# Every attempt of the source's read fails (a persistent 500).
READ_FAULTS = {
    "notion": ("data_sources/{modules}/query", "POST"),
    "trello": ("boards/[^/]+", "GET"),
}




def _break_read(world: World) -> None:
    route, method = READ_FAULTS[world.kind]
    route = route.replace("{modules}", str(world.extra.get("ids", {}).get("modules")))
    world.fake.fail(route, status=500, method=method, times=10_000)


def _last_read_day(state: Path, prefix: str) -> str:
    """The day (workspace time) the store last read the origins starting with `prefix`."""
    with sqlite3.connect(state) as db:
        rows = db.execute("SELECT read_at FROM cursors WHERE origin LIKE ?", (f"{prefix}%",))
        moments = [dt.datetime.fromisoformat(r[0]) for r in rows]
    assert moments, f"no stored read of {prefix}"
    return min(moments).astimezone(TZ).date().isoformat()


def _review_texts(world: World) -> dict[str, str]:
    """Review key -> the published text (file, card description or page blocks)."""
    if world.kind == "local":
        folder: Path = world.extra["dir"]
        return {p.stem: p.read_text("utf-8") for p in sorted(folder.glob("*.md"))}
    if world.kind == "trello":
        return {name: desc for name, desc, _ in world.published()}
    return {key: json.dumps(blocks, ensure_ascii=False) for key, _, blocks in world.published()}


# -- a failed first read -------------------------------------------------------------------


@pytest.mark.parametrize("service", ["notion", "trello"])
def test_a_failed_first_read_publishes_nothing_and_says_so_first(
    service: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    world = world_for(service, tmp_path, request)
    _break_read(world)

    run = sync(world.config)

    assert run.code == 1, run.output
    assert "Traceback" not in run.output
    lines = run.output.splitlines()
    assert lines[0].startswith(f"failed: {service}: "), run.output
    assert "500" in lines[0]
    assert any(line.startswith("nothing scored or published: ") for line in lines)
    assert world.reviews() == {}  # no page or card
    assert "score" not in run.stdout  # no scorecard line either
    rows = store_rows(world.state)
    assert rows["records"] == {} and rows["scorecards"] == {} and rows["ledger"] == {}

    # Once the source answers, the next run publishes as a first run would.
    world.fake.faults.clear()
    again = sync(world.config)
    assert again.code == 0, again.output
    assert set(world.reviews().values()) == {1}


def test_a_first_sync_with_one_source_failing_writes_no_review_file(tmp_path: Path) -> None:
    """The sample workspace reads two exports; without the board no review is confident."""
    world = local_world(tmp_path)
    (world.config.parent / "trello" / "board.json").unlink()

    run = sync(world.config)

    assert run.code == 1
    failed = [line for line in run.stderr.splitlines() if line.startswith("failed")]
    assert len(failed) == 1 and "board.json" in failed[0], run.stderr
    # The CSV export was read and kept; only the board is missing.
    assert "read file:notion-csv" in run.output
    assert not world.extra["dir"].exists()
    assert store_rows(world.state)["scorecards"] == {}


# -- a failed read after a good one --------------------------------------------------------


def test_a_failed_read_after_a_good_one_publishes_from_the_last_good_read(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    world = world_for("trello", tmp_path, request)
    first = sync(world.config)
    assert first.code == 0, first.output
    good = _review_texts(world)
    day = _last_read_day(world.state, "trello:")
    records = store_rows(world.state)["records"]
    _break_read(world)

    run = sync(world.config)

    assert run.code == 1, run.output
    assert run.output.splitlines()[0].startswith("failed: trello: "), run.output
    assert store_rows(world.state)["records"] == records  # the stored data stood in
    texts = _review_texts(world)
    assert set(texts) == set(good) and set(world.reviews().values()) == {1}
    for text in texts.values():
        top = text.split("## KPIs")[0]  # the note sits at the top, above the KPI table
        assert "**Stale data:** trello could not be read this run" in top, top
        assert f"from the last good read on {day}" in top
        assert "What failed: " in top and "GET /1/boards/" in top  # the failed request

    # The source is back: the note goes, the reviews are as before.
    world.fake.faults.clear()
    again = sync(world.config)
    assert again.code == 0, again.output
    assert _review_texts(world) == good


def test_a_broken_export_after_a_good_read_marks_every_review_file(tmp_path: Path) -> None:
    world = local_world(tmp_path)
    assert sync(world.config).code == 0
    day = _last_read_day(world.state, "file:trello-export")
    (world.config.parent / "trello" / "board.json").write_text("{", encoding="utf-8")

    run = sync(world.config)

    assert run.code == 1
    texts = _review_texts(world)
    assert set(texts) == {"2026-10-monthly", "2026-Q3-quarterly"}
    note = (f"> **Stale data:** trello-export could not be read this run, so this review "
            f"uses its data from the last good read on {day}. What failed: ")
    for text in texts.values():
        assert note in text and text.index(note) < text.index("## KPIs")
        assert "board.json" in text.split(note, 1)[1].splitlines()[0]
        assert text.count(f"\n## {NOTES_HEADING}\n") == 1  # the notes heading, once


# -- an empty read ------------------------------------------------------------------------


def _match_no_label(world: World) -> None:
    """Map the kinds to a label no card carries: the read finds no record."""
    with world.config.open("a", encoding="utf-8") as handle:
        handle.write('\n[sources.trello.kinds]\n"No such label" = "module"\n')


def test_an_empty_first_read_says_why_in_one_line(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    world = world_for("trello", tmp_path, request)
    _match_no_label(world)

    run = sync(world.config)

    assert run.code == 1, run.output
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    # The read's progress line ("read trello:…: 0 records"), then one error line.
    assert all(line.startswith("read trello:") for line in lines[:-1]), run.stderr
    error = lines[-1]
    assert error.startswith("error: nothing to score: "), run.stderr
    assert "kind label ('No such label')" in error
    assert "undated" in error and "done_lists ('Done')" in error
    assert world.reviews() == {}
    rows = store_rows(world.state)
    assert rows["records"] == {} and rows["cursors"] == {} and rows["scorecards"] == {}


def test_an_empty_read_after_a_good_one_keeps_the_stored_records(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    world = world_for("trello", tmp_path, request)
    assert sync(world.config).code == 0
    before, published = store_rows(world.state), world.published()
    _match_no_label(world)

    run = sync(world.config)

    assert run.code == 1
    assert "error: nothing to score: " in run.stderr
    assert store_rows(world.state) == before  # the empty read replaced nothing
    assert world.published() == published


# -- data warnings ----------------------------------------------------------------------------


def _link_unknown_goals(world: World, count: int) -> list[str]:
    """Link `count` modules of the CSV export to goals that do not exist; their titles.

    Each unmatched goal is one data warning ("goal … is not among the goals read").
    """
    export = world.config.parent / "notion" / "Modules.csv"
    with export.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    column = rows[0].index("Goals")
    ghosts = [f"Ghost goal {n}" for n in range(count)]
    for row, ghost in zip(rows[1:], ghosts, strict=False):
        page = f"https://www.notion.so/{ghost.replace(' ', '-')}-{'0' * 31}{len(ghost) % 10}"
        row[column] = f"{ghost} ({page})"
    with export.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return ghosts


def test_data_warnings_reach_sync_the_json_log_kpis_and_doctor(tmp_path: Path) -> None:
    world = local_world(tmp_path)
    titles = _link_unknown_goals(world, 7)

    logged = sync(world.config, "--no-publish", options=("--log-format", "json"))
    assert logged.code == 0, logged.stderr
    events = [json.loads(line) for line in logged.stderr.splitlines()]
    warnings = [e["message"] for e in events if e["event"] == "data.warning"]
    # One event per warning; each undated card is among them.
    assert len(warnings) == len(set(warnings))
    for title in titles:
        assert any(f"goal {title!r} is not among the goals read" in w for w in warnings), title
    count = len(warnings)
    assert events[-1]["event"] == "run.finished" and events[-1]["warnings"] == count

    # sync: the count and the first five; --verbose lists all.
    plain = sync(world.config, "--no-publish")
    assert plain.code == 0
    listed = [line.strip()[len("warning: "):] for line in plain.stderr.splitlines()
              if line.strip().startswith("warning: ")]
    assert f"{count} data warnings:" in plain.stderr
    assert listed == warnings[:5]
    assert f"… and {count - 5} more (--verbose lists all)" in plain.stderr
    verbose = sync(world.config, "--no-publish", options=("--verbose",))
    assert [line.strip()[len("warning: "):] for line in verbose.stderr.splitlines()
            if line.strip().startswith("warning: ")] == warnings

    # kpis --json after the sync: the scorecard carries them.
    kpis = careerloop(world.config, "kpis", "--period", "2026-10", "--json")
    assert kpis.code == 0, kpis.output
    assert set(warnings) <= set(json.loads(kpis.stdout)["warnings"])
    table = careerloop(world.config, "kpis", "--period", "2026-10")
    shown = [line[len("[warning] "):] for line in table.stdout.splitlines()
             if line.startswith("[warning] ")]
    assert set(warnings) <= set(shown)

    # doctor: from the store's last sync, one row each (ten at most, then a count).
    doctor = careerloop(world.config, "doctor")
    assert doctor.code == 0, doctor.output
    rows = [line for line in doctor.stdout.splitlines() if "data warning " in line]
    assert len(rows) == min(count, 10)
    for message in warnings[:10]:
        assert any(message[:60] in row for row in rows), message
