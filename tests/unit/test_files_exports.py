"""The offline export sources: an export that has not changed since the stored read is not
read or stored again; any change to its files or to the settings that map it is."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from careerloop import pipeline, store
from careerloop.config import Config, load_config
from careerloop.connectors.files import exports
from careerloop.connectors.files.exports import (
    NotionCsvSource,
    TrelloExportSource,
    export_cursor,
)
from careerloop.errors import SourceError
from careerloop.store import Store

FIXTURES = Path(__file__).parent.parent / "fixtures"
TODAY = dt.date(2026, 7, 15)
TABLES = ("goals", "modules", "sessions", "applications", "milestones", "advancements")


def workspace_dir(tmp_path: Path, *, more: str = "") -> Path:
    """The real Notion CSV fixtures and the Trello board export, with a careerloop.toml."""
    shutil.copytree(
        FIXTURES / "notion_csv",
        tmp_path / "notion",
        ignore=shutil.ignore_patterns("markdown_export"),
    )
    shutil.copy(FIXTURES / "trello" / "board.json", tmp_path / "board.json")
    tables = "".join(f'[sources.notion.{t}]\ncsv = "notion/{t.capitalize()}.csv"\n' for t in TABLES)
    (tmp_path / "careerloop.toml").write_text(
        '[workspace]\ntimezone = "Europe/Berlin"\n'
        f'{tables}[sources.trello]\nexport = "board.json"\n{more}'
        '[reviews]\ntargets = ["local"]\n',
        encoding="utf-8",
    )
    return tmp_path


def config_of(folder: Path) -> Config:
    return load_config(folder / "careerloop.toml")


class Counting:
    """Wraps a reader and counts its calls."""

    def __init__(self, reader: Callable[..., Any]) -> None:
        self.reader = reader
        self.calls = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self.reader(*args, **kwargs)


@pytest.fixture
def readers(monkeypatch: pytest.MonkeyPatch) -> dict[str, Counting]:
    counted = {
        "csv": Counting(exports.read_notion_exports),
        "trello": Counting(exports.read_export),
    }
    monkeypatch.setattr(exports, "read_notion_exports", counted["csv"])
    monkeypatch.setattr(exports, "read_export", counted["trello"])
    return counted


def pull(config: Config, *, full: bool = False) -> list[Any]:
    with Store(config.state_path) as state:
        reads, failures = pipeline.pull(config, state, full=full)
    assert failures == []
    return reads


def stored_rows(config: Config) -> list[tuple[int, str]]:
    """(rowid, id) of every stored record: a rewritten row gets a new rowid."""
    with closing(sqlite3.connect(config.state_path)) as db:
        return [(int(r), str(i)) for r, i in db.execute("SELECT rowid, id FROM records")]


# -- the cursor --------------------------------------------------------------------------


def test_the_cursor_is_a_hash_of_the_files_and_the_settings(tmp_path: Path) -> None:
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    one.write_bytes(b"Name\nA\n")
    two.write_bytes(b"Name\nB\n")
    cursor = export_cursor([one, two], "settings")
    assert cursor is not None and cursor.startswith("sha256:") and len(cursor) == 7 + 64
    assert export_cursor([one, two], "settings") == cursor
    assert export_cursor([two, one], "settings") != cursor
    assert export_cursor([one, two], "other settings") != cursor
    two.write_bytes(b"Name\nC\n")
    assert export_cursor([one, two], "settings") != cursor


def test_a_file_that_cannot_be_read_has_no_cursor(tmp_path: Path) -> None:
    assert export_cursor([tmp_path / "missing.csv"], "settings") is None


# -- re-syncs ------------------------------------------------------------------------------


def test_an_unchanged_export_is_not_read_or_stored_again(
    tmp_path: Path, readers: dict[str, Counting]
) -> None:
    config = config_of(workspace_dir(tmp_path))
    first = pull(config)
    assert [(r.origin, r.full) for r in first] == [
        ("file:notion-csv", True),
        ("file:trello-export", True),
    ]
    assert all(len(r.workspace.records()) > 0 for r in first)
    rows = stored_rows(config)
    with Store(config.state_path) as state:
        before = state.workspace()

    second = pull(config)

    assert (readers["csv"].calls, readers["trello"].calls) == (1, 1)
    assert [(r.origin, r.full, len(r.workspace.records())) for r in second] == [
        ("file:notion-csv", False, 0),
        ("file:trello-export", False, 0),
    ]
    assert [r.cursor for r in second] == [r.cursor for r in first]
    assert stored_rows(config) == rows
    with Store(config.state_path) as state:
        after = state.workspace()
    assert after == before  # records and warnings alike


def test_a_touched_file_with_the_same_content_is_not_read(
    tmp_path: Path, readers: dict[str, Counting]
) -> None:
    folder = workspace_dir(tmp_path)
    config = config_of(folder)
    pull(config)
    later = (folder / "notion" / "Modules.csv").stat().st_mtime + 3600
    os.utime(folder / "notion" / "Modules.csv", (later, later))
    pull(config)
    assert readers["csv"].calls == 1


def test_a_changed_file_is_read_again(tmp_path: Path, readers: dict[str, Counting]) -> None:
    folder = workspace_dir(tmp_path)
    config = config_of(folder)
    pull(config)
    modules = folder / "notion" / "Modules.csv"
    modules.write_bytes(modules.read_bytes() + b'Added later,"July 1, 2026",,,5,,,,,,,\n')
    board = folder / "board.json"
    board.write_bytes(board.read_bytes().replace(b'"name":', b'"name" :', 1))

    again = pull(config)

    assert (readers["csv"].calls, readers["trello"].calls) == (2, 2)
    assert [r.full for r in again] == [True, True]
    titles = {r.title for r in again[0].workspace.records()}
    assert "Added later" in titles
    with Store(config.state_path) as state:
        assert "Added later" in {m.title for m in state.workspace().modules}


def test_a_changed_mapping_reads_again(tmp_path: Path, readers: dict[str, Counting]) -> None:
    folder = workspace_dir(tmp_path)
    pull(config_of(folder))
    toml = folder / "careerloop.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8")
        .replace('csv = "notion/Modules.csv"\n', 'csv = "notion/Modules.csv"\nminutes = "Notes"\n')
        .replace('export = "board.json"\n', 'export = "board.json"\ndone_lists = ["Shipped"]\n'),
        encoding="utf-8",
    )
    again = pull(config_of(folder))
    assert (readers["csv"].calls, readers["trello"].calls) == (2, 2)
    assert [r.full for r in again] == [True, True]


def test_naming_a_default_property_explicitly_reads_again(
    tmp_path: Path, readers: dict[str, Counting]
) -> None:
    # `planned = "Planned"` is the default, but named in the file it must exist.
    folder = workspace_dir(tmp_path)
    pull(config_of(folder))
    toml = folder / "careerloop.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace(
            'csv = "notion/Modules.csv"\n', 'csv = "notion/Modules.csv"\nplanned = "Planned"\n'
        ),
        encoding="utf-8",
    )
    pull(config_of(folder))
    assert readers["csv"].calls == 2


def test_another_time_zone_reads_again(tmp_path: Path, readers: dict[str, Counting]) -> None:
    folder = workspace_dir(tmp_path)
    pull(config_of(folder))
    toml = folder / "careerloop.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace("Europe/Berlin", "America/New_York"),
        encoding="utf-8",
    )
    pull(config_of(folder))
    assert (readers["csv"].calls, readers["trello"].calls) == (2, 2)


def test_a_full_sync_reads_an_unchanged_export(
    tmp_path: Path, readers: dict[str, Counting]
) -> None:
    config = config_of(workspace_dir(tmp_path))
    pull(config)
    again = pull(config, full=True)
    assert (readers["csv"].calls, readers["trello"].calls) == (2, 2)
    assert [r.full for r in again] == [True, True]


def test_a_state_without_an_export_cursor_reads(
    tmp_path: Path, readers: dict[str, Counting]
) -> None:
    # A state written before exports had cursors: the origins were stored with none.
    config = config_of(workspace_dir(tmp_path))
    for result in pull(config):
        with Store(config.state_path) as state:
            state.save_read(
                result.origin,
                result.workspace.records(),
                result.workspace.warnings,
                full=True,
                cursor=None,
            )
    again = pull(config)
    assert (readers["csv"].calls, readers["trello"].calls) == (2, 2)
    assert [r.full for r in again] == [True, True]
    assert all(r.cursor and r.cursor.startswith("sha256:") for r in again)


def test_a_missing_export_still_fails_with_the_readers_message(tmp_path: Path) -> None:
    folder = workspace_dir(tmp_path)
    config = config_of(folder)
    pull(config)
    (folder / "notion" / "Sessions.csv").unlink()
    with Store(config.state_path) as state, pytest.raises(SourceError) as caught:
        NotionCsvSource(config).read(state, full=False)
    assert "Sessions.csv" in str(caught.value)
    assert "sources.notion.sessions.csv" in str(caught.value)


def test_the_trello_export_alone_is_read_once(tmp_path: Path) -> None:
    config = config_of(workspace_dir(tmp_path))
    source = TrelloExportSource(config)
    with Store(config.state_path) as state:
        (first,) = source.read(state, full=False)
        state.save_read(
            first.origin,
            first.workspace.records(),
            first.workspace.warnings,
            full=first.full,
            cursor=first.cursor,
        )
        (second,) = source.read(state, full=False)
    assert first.full and first.workspace.records()
    assert not second.full and second.workspace.records() == []


# -- the whole sync ----------------------------------------------------------------------


def test_a_no_change_resync_publishes_the_same_reviews_and_rewrites_no_record(
    tmp_path: Path, readers: dict[str, Counting]
) -> None:
    config = config_of(workspace_dir(tmp_path))
    first = pipeline.sync(config, pipeline.SyncOptions(), today=TODAY)
    rows = stored_rows(config)
    second = pipeline.sync(config, pipeline.SyncOptions(), today=TODAY)
    assert first.ok and second.ok
    assert readers["csv"].calls == 1
    assert stored_rows(config) == rows
    assert [c.to_json() for c in second.scorecards] == [c.to_json() for c in first.scorecards]
    assert {o.action for o in first.outcomes} == {"created"}
    assert {o.action for o in second.outcomes} == {"unchanged"}
    assert [w.message for w in second.warnings] == [w.message for w in first.warnings]


def test_a_first_sync_scores_what_it_read_without_decoding_it_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = config_of(workspace_dir(tmp_path))
    decoded = Counting(store.record_from_json)
    monkeypatch.setattr(store, "record_from_json", decoded)
    first = pipeline.sync(config, pipeline.SyncOptions(publish=False), today=TODAY)
    assert decoded.calls == 0
    # The next run has a new store: the records come from the database, and score alike.
    second = pipeline.sync(config, pipeline.SyncOptions(publish=False), today=TODAY)
    held = sum(len(r.workspace.records()) for r in first.reads)
    assert decoded.calls == held > 20
    assert [c.to_json() for c in second.scorecards] == [c.to_json() for c in first.scorecards]
