"""The state store: records in and out of JSON, full and incremental saves, and the
records a full read saved coming back without being decoded again."""

from __future__ import annotations

import datetime as dt
import math
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from careerloop import errors, store
from careerloop.config import NotionSource, TrelloSource
from careerloop.connectors.files.notion_csv import read_notion_exports
from careerloop.connectors.trello.read import read_export
from careerloop.model import (
    KINDS,
    Advancement,
    Application,
    DataWarning,
    Goal,
    Milestone,
    Module,
    Record,
    Session,
    kind_of,
)
from careerloop.store import Store, record_from_json, record_to_json, survives_json

FIXTURES = Path(__file__).parent.parent / "fixtures"
BERLIN = ZoneInfo("Europe/Berlin")
EDITED = dt.datetime(2026, 11, 3, 9, 30, tzinfo=dt.UTC)


@dataclass(slots=True, kw_only=True)
class ReviewedModule(Module):
    """A model record with a date field the store has never heard of."""

    reviewed_on: dt.date | None = None
    reviewers: tuple[str, ...] = ()


def module(n: int, **more: object) -> Module:
    fields: dict[str, object] = {
        "id": f"file:module:{n}",
        "source": "file",
        "source_id": str(n),
        "title": f"Module {n}",
        "planned": dt.date(2026, 11, n),
    }
    return Module(**(fields | more))  # type: ignore[arg-type]


def one_of_each() -> list[Record]:
    common = {"source": "notion", "updated_at": EDITED, "extra": {"Status": "Done"}}
    return [
        Goal(id="g", source_id="g", target_date=dt.date(2027, 6, 30), **common),  # type: ignore[arg-type]
        Module(
            id="m",
            source_id="m",
            planned=dt.date(2026, 11, 2),
            completed=dt.date(2026, 11, 3),
            skills=("SQL",),
            goal_ids=("g",),
            **common,
        ),  # type: ignore[arg-type]
        Session(id="s", source_id="s", date=dt.date(2026, 11, 4), feedback=4.5, **common),  # type: ignore[arg-type]
        Application(id="a", source_id="a", date=dt.date(2026, 11, 5), skills=("SQL",), **common),  # type: ignore[arg-type]
        Milestone(
            id="ms",
            source_id="ms",
            due=dt.date(2026, 11, 30),
            done_on=dt.date(2026, 11, 28),
            goal_ids=("g",),
            **common,
        ),  # type: ignore[arg-type]
        Advancement(id="ad", source_id="ad", date=dt.date(2026, 11, 20), skills=("SQL",), **common),  # type: ignore[arg-type]
    ]


def max_rowid(path: Path) -> int:
    with closing(sqlite3.connect(path)) as db:
        return int(db.execute("SELECT COALESCE(MAX(rowid), 0) FROM records").fetchone()[0])


# -- JSON and the model's field types ------------------------------------------------------


def test_every_kind_comes_back_equal_with_dates_datetimes_and_tuples() -> None:
    for record in one_of_each():
        back = record_from_json(kind_of(record), record_to_json(record))
        assert back == record
        assert type(back) is type(record)
        assert back.updated_at == EDITED


def test_a_number_only_the_standard_library_writes_comes_back() -> None:
    # "1e999" in a minutes column is infinity; json.dumps writes it as `Infinity`, which
    # the fast decoder refuses, so the record is read back by the standard library.
    record = module(3, minutes=math.inf)
    text = record_to_json(record)
    assert "Infinity" in text

    back = record_from_json(kind_of(record), text)

    assert back == record and back.minutes == math.inf  # type: ignore[attr-defined]


def test_the_fields_to_decode_are_read_from_the_model() -> None:
    # Milestone: due and done_on are `dt.date | None`, goal_ids a tuple, updated_at a
    # datetime (from Record); title, url and extra are as JSON holds them.
    assert store._decoded_fields(Milestone) == {
        "due": dt.date,
        "done_on": dt.date,
        "goal_ids": tuple,
        "updated_at": dt.datetime,
    }
    assert store._decoded_fields(Session) == {"date": dt.date, "updated_at": dt.datetime}


def test_a_date_field_added_to_the_model_is_stored_and_read_back_as_a_date(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(KINDS, "reviewed_module", ReviewedModule)
    record = ReviewedModule(
        id="file:module:1",
        source="file",
        source_id="1",
        planned=dt.date(2026, 11, 2),
        reviewed_on=dt.date(2026, 11, 9),
        reviewers=("Ana", "Bo"),
    )
    with Store(tmp_path / "state.db") as first:
        first.save_read("file:x", [record], full=True)
    with Store(tmp_path / "state.db") as again:  # a new store decodes from the database
        (back,) = again.workspace().modules
    assert type(back) is ReviewedModule
    assert back.reviewed_on == dt.date(2026, 11, 9)
    assert type(back.reviewed_on) is dt.date
    assert back.reviewers == ("Ana", "Bo")
    assert back == record


def test_the_real_exports_survive_json() -> None:
    notion = NotionSource(
        goals={"csv": "Goals.csv"},
        modules={"csv": "Modules.csv"},
        sessions={"csv": "Sessions.csv"},
        applications={"csv": "Applications.csv"},
        milestones={"csv": "Milestones.csv"},
        advancements={"csv": "Advancements.csv"},
    )
    csv = read_notion_exports(notion, lambda p: FIXTURES / "notion_csv" / p, BERLIN)
    board = read_export(FIXTURES / "trello" / "board.json", TrelloSource(export="x"), BERLIN)
    records = [*csv.records(), *board.records()]
    assert len(records) > 20
    for record in records:
        assert survives_json(record), record.id
        assert record_from_json(kind_of(record), record_to_json(record)) == record


def test_what_json_would_change_does_not_survive_it() -> None:
    assert survives_json(module(1))
    assert not survives_json(module(1, skills=["SQL"]))  # a list in a tuple field
    assert not survives_json(module(1, planned=dt.datetime(2026, 11, 1, 9, 0)))
    assert not survives_json(module(1, extra={"When": dt.date(2026, 11, 1)}))
    assert not survives_json(module(1, extra={"Pair": ("a", "b")}))
    assert not survives_json(module(1, extra={1: "a"}))
    assert survives_json(module(1, extra={"Tags": ["a", 1, 2.5, True, None, {"k": "v"}]}))


# -- saving reads ------------------------------------------------------------------------


def test_a_full_read_replaces_the_origin_and_an_incremental_one_upserts(
    tmp_path: Path,
) -> None:
    with Store(tmp_path / "state.db") as state:
        state.save_read("file:a", [module(1), module(2)], full=True)
        state.save_read("file:b", [module(3)], full=True)
        state.save_read("file:a", [module(2, title="Renamed"), module(4)], full=True)
        assert state.record_ids("file:a") == {"file:module:2", "file:module:4"}
        state.save_read("file:b", [module(5)], full=False, deleted_ids=["file:module:3"])
        assert state.record_ids("file:b") == {"file:module:5"}
        titles = [m.title for m in state.workspace().modules]
    assert titles == ["Renamed", "Module 4", "Module 5"]


def test_an_incremental_read_keeps_the_last_full_read_time(tmp_path: Path) -> None:
    with Store(tmp_path / "state.db") as state:
        state.save_read("file:a", [module(1)], full=True, cursor="c1")
        first = state.cursor("file:a")
        state.save_read("file:a", [], full=False, cursor="c2")
        second = state.cursor("file:a")
    assert first is not None and second is not None
    assert second.cursor == "c2"
    assert second.full_read_at == first.full_read_at
    assert second.read_at >= first.read_at


def test_an_incremental_read_with_nothing_rewrites_no_row(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    with Store(path) as state:
        state.save_read(
            "file:a",
            [module(n) for n in range(1, 11)],
            [DataWarning(record_id="file:module:1", message="odd")],
            full=True,
        )
    before = max_rowid(path)
    with Store(path) as state:
        state.save_read("file:a", [], full=False, cursor="same")
        workspace = state.workspace()
    assert max_rowid(path) == before == 10
    assert len(workspace.modules) == 10
    assert [w.message for w in workspace.warnings] == ["odd"]


# -- records just saved are not decoded again ----------------------------------------------


def test_the_records_of_a_full_read_come_back_as_they_were_saved(tmp_path: Path) -> None:
    saved = [module(2), module(1), module(3)]
    with Store(tmp_path / "state.db") as state:
        state.save_read("file:a", saved, full=True)
        kept = state.workspace().modules
    with Store(tmp_path / "state.db") as fresh:
        decoded = fresh.workspace().modules
    assert [m.id for m in kept] == ["file:module:1", "file:module:2", "file:module:3"]
    assert kept == decoded
    assert all(any(k is s for s in saved) for k in kept)
    assert not any(d is s for d in decoded for s in saved)


def test_kept_and_decoded_origins_merge_in_id_order(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    with Store(path) as state:
        state.save_read("file:old", [module(1), module(4)], full=True)
    with Store(path) as state:
        state.save_read("file:new", [module(3), module(2)], full=True)
        merged = state.workspace().modules
    assert [m.id for m in merged] == [f"file:module:{n}" for n in (1, 2, 3, 4)]


def test_an_incremental_change_makes_the_kept_records_stale(tmp_path: Path) -> None:
    saved = [module(1), module(2)]
    with Store(tmp_path / "state.db") as state:
        state.save_read("file:a", saved, full=True)
        state.save_read("file:a", [module(2, title="Changed")], full=False)
        modules = state.workspace().modules
    assert [m.title for m in modules] == ["Module 1", "Changed"]
    assert not any(m is s for m in modules for s in saved)


def test_an_id_another_origin_took_over_is_held_once(tmp_path: Path) -> None:
    with Store(tmp_path / "state.db") as state:
        state.save_read("file:a", [module(1), module(2)], full=True)
        state.save_read("file:b", [module(2, title="From b")], full=True)
        modules = state.workspace().modules
    assert [(m.id, m.title) for m in modules] == [
        ("file:module:1", "Module 1"),
        ("file:module:2", "From b"),
    ]


def test_a_deletion_through_another_origin_is_seen(tmp_path: Path) -> None:
    with Store(tmp_path / "state.db") as state:
        state.save_read("file:a", [module(1), module(2)], full=True)
        state.save_read("file:b", [], full=False, deleted_ids=["file:module:1"])
        assert [m.id for m in state.workspace().modules] == ["file:module:2"]


def test_records_json_would_change_are_decoded_from_the_database(tmp_path: Path) -> None:
    odd = module(1, extra={"Pair": ("a", "b")})
    with Store(tmp_path / "state.db") as state:
        state.save_read("file:a", [odd], full=True)
        (back,) = state.workspace().modules
    assert back is not odd
    assert back.extra == {"Pair": ["a", "b"]}


def test_a_store_error_is_the_one_from_errors() -> None:
    assert store.StoreError is errors.StoreError
    assert "StoreError" not in store.__all__
