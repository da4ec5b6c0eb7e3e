"""The store keeps the schema of each live Notion data source, with when it was read."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from careerloop.store import Store

LOOKED_UP = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)
SCHEMA = {
    "id": "11111111-1111-1111-1111-111111111111",
    "name": "Modules",
    "database_id": None,
    "properties": {"Name": {"id": "title", "type": "title", "title": {}}},
}


def test_a_kept_schema_reads_back_with_its_lookup_time(tmp_path: Path) -> None:
    with Store(tmp_path / "state.db") as store:
        store.save_source_schema("notion:modules-db", SCHEMA, LOOKED_UP)
    with Store(tmp_path / "state.db") as store:  # kept across runs, not only in memory
        assert store.source_schema("notion:modules-db") == (SCHEMA, LOOKED_UP)


def test_an_unknown_source_has_no_schema() -> None:
    with Store(":memory:") as store:
        store.save_source_schema("notion:a", SCHEMA, LOOKED_UP)
        assert store.source_schema("notion:b") is None


def test_a_new_lookup_replaces_the_kept_one() -> None:
    later = LOOKED_UP + dt.timedelta(days=7)
    changed = {**SCHEMA, "name": "Courses"}
    with Store(":memory:") as store:
        store.save_source_schema("notion:a", SCHEMA, LOOKED_UP)
        store.save_source_schema("notion:a", changed, later)
        assert store.source_schema("notion:a") == (changed, later)
