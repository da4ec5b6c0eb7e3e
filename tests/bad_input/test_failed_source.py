"""A source that fails part-way leaves the store as it was for that source; the others go on.

Exit 1, one `failed <source>: …` line naming the file or service, and the records, warnings
and cursor of the failed source exactly as the last good run left them.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.bad_input.cli import invoke
from tests.fakes.notion_api import FakeNotionServer


def _rows(state: Path, origin: str) -> dict[str, Any]:
    """What the store holds for one origin: records, warnings and cursor."""
    db = sqlite3.connect(state)
    try:
        return {
            "records": sorted(db.execute(
                "SELECT id, kind, data FROM records WHERE origin = ?", (origin,)).fetchall()),
            "warnings": sorted(db.execute(
                "SELECT record_id, message FROM warnings WHERE origin = ?", (origin,)).fetchall()),
            "cursor": db.execute("SELECT * FROM cursors WHERE origin = ?", (origin,)).fetchall(),
        }
    finally:
        db.close()


def _failed_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("failed")]


CORRUPTIONS = {
    "trello-truncated-json": ("trello/board.json", lambda b: b[: len(b) // 2]),
    "trello-not-a-board": ("trello/board.json", lambda b: b"[1, 2, 3]"),
    "trello-empty-file": ("trello/board.json", lambda b: b""),
    "trello-not-utf8": ("trello/board.json", lambda b: b.replace(b"Priya", b"Pr\xefya")),
    "csv-not-utf8": ("notion/Modules.csv", lambda b: b.replace(b"Scrum", b"Scr\xfcm")),
    "csv-empty-file": ("notion/Modules.csv", lambda b: b""),
    "csv-missing": ("notion/Modules.csv", None),
}
ORIGIN = {"trello": "file:trello-export", "csv": "file:notion-csv"}


@pytest.mark.parametrize("case", sorted(CORRUPTIONS))
def test_broken_export_leaves_its_records_untouched(
    runner: CliRunner, demo: Path, case: str
) -> None:
    first = invoke(runner, "-c", str(demo), "sync", "--no-publish")
    assert first.code == 0, first.err
    state = demo.parent / ".careerloop" / "state.db"
    failing, healthy = ORIGIN[case.split("-")[0]], (set(ORIGIN.values()) - {ORIGIN[
        case.split("-")[0]]}).pop()
    before = _rows(state, failing)
    name, corrupt = CORRUPTIONS[case]
    path = demo.parent / name
    if corrupt is None:
        path.unlink()
    else:
        path.write_bytes(corrupt(path.read_bytes()))

    run = invoke(runner, "-c", str(demo), "sync", "--period", "2026-10")
    assert run.code == 1, (run.out, run.err)
    assert "Traceback" not in run.out + run.err
    failed = _failed_lines(run.err)
    assert len(failed) >= 1, run.err
    assert all(Path(name).name in line for line in failed), failed
    assert _rows(state, failing) == before
    # The healthy source was read again and the review still written.
    assert _rows(state, healthy)["records"]
    assert (demo.parent / "reviews" / "2026-10-monthly.md").is_file()


def test_csv_missing_a_mapped_column_fails_only_that_source(
    runner: CliRunner, demo: Path
) -> None:
    assert invoke(runner, "-c", str(demo), "sync", "--no-publish").code == 0
    state = demo.parent / ".careerloop" / "state.db"
    before = _rows(state, "file:notion-csv")
    text = demo.read_text(encoding="utf-8")
    demo.write_text(text.replace('csv = "notion/Modules.csv"\n',
                                 'csv = "notion/Modules.csv"\nminutes = "Duration"\n'),
                    encoding="utf-8")
    run = invoke(runner, "-c", str(demo), "sync", "--no-publish")
    assert run.code == 1
    line = _failed_lines(run.err)[0]
    assert "Duration" in line and "Modules.csv" in line
    assert _rows(state, "file:notion-csv") == before


def test_notion_failure_mid_read_keeps_the_stored_pages(
    runner: CliRunner, tmp_path: Path, fake_notion: FakeNotionServer, notion_token: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The second data source fails after the first was read: nothing of the run is kept
    half-way for the failed one, and the next clean run completes."""
    from careerloop.connectors.base import Clock
    from tests.fakes.fixtures import at, seed_schema

    monkeypatch.setattr(Clock, "sleep", lambda self, seconds: None)
    fake = fake_notion.fake
    ids = seed_schema(fake, ("goals", "modules", "sessions"))
    for n in range(3):
        fake.add_page(ids["modules"], {"Name": f"M{n}", "Planned": "2026-10-05",
                                       "Completed": "2026-10-05", "Status": "Done"},
                      created=at("2026-10-01T08:00"))
    config = tmp_path / "careerloop.toml"
    tables = "\n".join(f'[sources.notion.{t}]\ndata_source = "{d}"\n' for t, d in ids.items())
    config.write_text(f'[workspace]\ntimezone = "UTC"\n\n[sources.notion]\n'
                      f'base_url = "{fake_notion.url}"\nrequests_per_second = 1000\n\n{tables}',
                      encoding="utf-8")
    assert invoke(runner, "-c", str(config), "sync", "--no-publish").code == 0
    state = tmp_path / ".careerloop" / "state.db"
    before = {o: _rows(state, f"notion:{d}") for o, d in ids.items()}
    fake.add_page(ids["modules"], {"Name": "M-new", "Planned": "2026-10-06"},
                  created=at("2026-10-02T08:00"))
    fake.fail(rf"data_sources/{ids['modules']}/query", status=500, times=50)
    run = invoke(runner, "-c", str(config), "sync", "--no-publish", "--full")
    assert run.code == 1
    line = _failed_lines(run.err)[0]
    assert "Notion" in line and "500" in line
    assert _rows(state, f"notion:{ids['modules']}") == before["modules"]
    fake.faults.clear()
    assert invoke(runner, "-c", str(config), "sync", "--no-publish").code == 0
    assert len(_rows(state, f"notion:{ids['modules']}")["records"]) == 4


def test_a_failed_source_is_reported_once(runner: CliRunner, demo: Path) -> None:
    """One failure, one line: not once as it happens and again in the summary."""
    (demo.parent / "trello" / "board.json").unlink()
    run = invoke(runner, "-c", str(demo), "sync", "--no-publish")
    assert run.code == 1
    failed = _failed_lines(run.err)
    assert len(failed) == 1, run.err


def test_json_log_format_stays_json_when_a_source_fails(runner: CliRunner, demo: Path) -> None:
    """`--log-format json`: every stderr line is one JSON object, failures included."""
    import json

    (demo.parent / "trello" / "board.json").unlink()
    run = invoke(runner, "--log-format", "json", "-c", str(demo), "sync", "--no-publish")
    assert run.code == 1
    events = []
    for line in run.err.splitlines():
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            raise AssertionError(f"not JSON on stderr: {line!r}") from None
    assert events[-1]["event"] == "run.finished" and events[-1]["ok"] is False


def test_trello_rate_limit_message_names_the_trello_setting(
    runner: CliRunner, demo: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Persistent 429 from Trello: the advice must name `requests_per_10s`, the key that
    exists in [sources.trello], not Notion's `requests_per_second`."""
    import json

    from careerloop.connectors.base import Clock
    from tests.fakes.trello_api import FakeTrello, FakeTrelloServer

    monkeypatch.setattr(Clock, "sleep", lambda self, seconds: None)
    with FakeTrelloServer(FakeTrello()) as server:
        monkeypatch.setenv("TRELLO_API_KEY", server.fake.key)
        monkeypatch.setenv("TRELLO_TOKEN", server.fake.token)
        board = server.fake.load_board(
            json.loads((demo.parent / "trello" / "board.json").read_text(encoding="utf-8")))
        demo.write_text(demo.read_text(encoding="utf-8").replace(
            'export = "trello/board.json"',
            f'board = "{board}"\nbase_url = "{server.url}"\nrequests_per_10s = 100'),
            encoding="utf-8")
        server.fake.fail(".*", 429, times=1000)
        run = invoke(runner, "-c", str(demo), "sync", "--no-publish")
    assert run.code == 1
    line = _failed_lines(run.err)[0]
    assert "429" in line and "requests_per_10s" in line, line
