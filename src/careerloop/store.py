"""Embedded state: records, sync cursors, scorecards and the ledger of published reviews.

One SQLite file (`[workspace] state`). Every write happens in a transaction, so a run that
dies halfway leaves the previous state, never half of a new one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from careerloop.errors import CareerloopError
from careerloop.model import KINDS, DataWarning, Record, Workspace, kind_of

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    origin TEXT NOT NULL,
    kind TEXT NOT NULL,
    updated_at TEXT,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_origin ON records (origin);
CREATE TABLE IF NOT EXISTS warnings (origin TEXT NOT NULL, record_id TEXT NOT NULL,
                                     message TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cursors (
    origin TEXT PRIMARY KEY,
    cursor TEXT,
    full_read_at TEXT,
    read_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS relation_titles (
    data_source_id TEXT NOT NULL,
    page_id TEXT NOT NULL,
    title TEXT NOT NULL,
    PRIMARY KEY (data_source_id, page_id)
);
CREATE TABLE IF NOT EXISTS scorecards (
    period TEXT PRIMARY KEY,
    computed_at TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS ledger (
    target TEXT NOT NULL,
    period TEXT NOT NULL,
    kind TEXT NOT NULL,
    remote_id TEXT,
    location TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    published_at TEXT NOT NULL,
    PRIMARY KEY (target, period, kind)
);
"""

_DATE_FIELDS = frozenset(
    {"target_date", "planned", "completed", "date", "due", "done_on"}
)


class StoreError(CareerloopError):
    """The state database cannot be opened or is from a newer careerloop."""


@dataclass(slots=True, frozen=True)
class Cursor:
    """Where the last read of one origin (a data source, a board, a file) stopped."""

    origin: str
    cursor: str | None
    full_read_at: dt.datetime | None
    read_at: dt.datetime


@dataclass(slots=True, frozen=True)
class LedgerEntry:
    """One published review on one target."""

    target: str
    period: str
    kind: str
    remote_id: str | None
    location: str
    content_hash: str
    published_at: dt.datetime


def record_to_json(record: Record) -> str:
    """Serialise a record (dates as ISO strings, tuples as lists)."""

    def default(value: Any) -> Any:
        if isinstance(value, dt.date | dt.datetime):
            return value.isoformat()
        raise TypeError(f"cannot store {type(value).__name__}")

    data = {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}
    return json.dumps(data, default=default, ensure_ascii=False, sort_keys=True)


def record_from_json(kind: str, text: str) -> Record:
    """Rebuild a record stored by `record_to_json`."""
    data: dict[str, Any] = json.loads(text)
    for name, value in data.items():
        if value is None:
            continue
        if name in _DATE_FIELDS:
            data[name] = dt.date.fromisoformat(value)
        elif name == "updated_at":
            data[name] = dt.datetime.fromisoformat(value)
        elif isinstance(value, list):
            data[name] = tuple(value)
    return KINDS[kind](**data)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Store:
    """The state database of one workspace."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(str(path), isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the state database {path}: {exc}") from None
        self._check_schema(path)

    def _check_schema(self, path: Path | str) -> None:
        version = self._meta("schema_version")
        if version is None:
            self._db.execute(
                "INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )
        elif int(version) > SCHEMA_VERSION:
            raise StoreError(
                f"{path} was written by a newer careerloop (schema {version}); upgrade careerloop"
            )

    @classmethod
    def scratch_copy(cls, path: Path | str) -> Store:
        """An in-memory copy of the state at `path` (empty when there is none yet).

        A dry run reads and writes it like the real state, and nothing reaches the disk:
        no database file, no folder.
        """
        store = cls(":memory:")
        source = Path(path)
        if not source.exists():
            return store
        # A cleanly closed database is all in its file: open it as immutable, which takes no
        # lock and creates no -wal/-shm files. A leftover -wal (a run that died, or one
        # running now) holds recent writes: read through it, read-only.
        wal = source.with_name(source.name + "-wal")
        mode = "mode=ro" if wal.exists() else "immutable=1"
        try:
            disk = sqlite3.connect(f"{source.resolve().as_uri()}?{mode}", uri=True)
            try:
                disk.backup(store._db)
            finally:
                disk.close()
        except sqlite3.Error as exc:
            store.close()
            raise StoreError(f"cannot read the state database {source}: {exc}") from None
        store._check_schema(source)
        return store

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All writes inside happen, or none."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    # -- records -----------------------------------------------------------------------

    def save_read(
        self,
        origin: str,
        records: Iterable[Record],
        warnings: Iterable[DataWarning] = (),
        *,
        full: bool,
        deleted_ids: Iterable[str] = (),
        cursor: str | None = None,
    ) -> int:
        """Store what one origin gave, with its cursor, in one transaction.

        A full read replaces every record of the origin (so deleted ones disappear); an
        incremental read upserts the changed records and removes `deleted_ids`.
        Returns the number of records written.
        """
        now = _now().isoformat()
        rows = [
            (
                r.id,
                r.source,
                origin,
                kind_of(r),
                r.updated_at.isoformat() if r.updated_at else None,
                record_to_json(r),
            )
            for r in records
        ]
        with self.transaction() as db:
            if full:
                db.execute("DELETE FROM records WHERE origin = ?", (origin,))
                db.execute("DELETE FROM warnings WHERE origin = ?", (origin,))
            db.executemany(
                "DELETE FROM records WHERE id = ?", [(i,) for i in deleted_ids]
            )
            db.executemany("INSERT OR REPLACE INTO records VALUES (?, ?, ?, ?, ?, ?)", rows)
            if not full:
                db.executemany(
                    "DELETE FROM warnings WHERE origin = ? AND record_id = ?",
                    [(origin, row[0]) for row in rows],
                )
                # A warning about the whole origin comes again with each read: keep one.
                db.executemany(
                    "DELETE FROM warnings WHERE origin = ? AND record_id = ? AND message = ?",
                    [(origin, w.record_id, w.message) for w in warnings],
                )
            db.executemany(
                "INSERT INTO warnings VALUES (?, ?, ?)",
                [(origin, w.record_id, w.message) for w in warnings],
            )
            previous = self.cursor(origin)
            full_read_at = now if full else (
                previous.full_read_at.isoformat() if previous and previous.full_read_at else None
            )
            db.execute(
                "INSERT OR REPLACE INTO cursors VALUES (?, ?, ?, ?)",
                (origin, cursor, full_read_at, now),
            )
        return len(rows)

    def workspace(self) -> Workspace:
        """Every stored record as one workspace."""
        workspace = Workspace()
        for kind, data in self._db.execute("SELECT kind, data FROM records ORDER BY id"):
            workspace.add(record_from_json(kind, data))
        workspace.warnings.extend(
            DataWarning(record_id=rid, message=msg)
            for rid, msg in self._db.execute(
                "SELECT record_id, message FROM warnings ORDER BY rowid"
            )
        )
        return workspace

    def record_ids(self, origin: str) -> set[str]:
        """Ids of the records stored for one origin."""
        rows = self._db.execute("SELECT id FROM records WHERE origin = ?", (origin,))
        return {str(r[0]) for r in rows}

    def count_records(self) -> int:
        """How many records are stored."""
        return int(self._db.execute("SELECT COUNT(*) FROM records").fetchone()[0])

    def cursor(self, origin: str) -> Cursor | None:
        """The cursor of one origin, if it was read before."""
        row = self._db.execute(
            "SELECT origin, cursor, full_read_at, read_at FROM cursors WHERE origin = ?",
            (origin,),
        ).fetchone()
        if row is None:
            return None
        return Cursor(
            origin=row[0],
            cursor=row[1],
            full_read_at=dt.datetime.fromisoformat(row[2]) if row[2] else None,
            read_at=dt.datetime.fromisoformat(row[3]),
        )

    def cursors(self) -> list[Cursor]:
        """Every origin read so far."""
        rows = self._db.execute("SELECT origin FROM cursors ORDER BY origin").fetchall()
        return [c for (origin,) in rows if (c := self.cursor(origin)) is not None]

    # -- titles of related pages -----------------------------------------------------------

    def save_relation_titles(self, data_source_id: str, titles: Mapping[str, str]) -> None:
        """Keep the page titles of a related data source, replacing those kept before."""
        with self.transaction() as db:
            db.execute("DELETE FROM relation_titles WHERE data_source_id = ?", (data_source_id,))
            db.executemany(
                "INSERT INTO relation_titles VALUES (?, ?, ?)",
                [(data_source_id, page_id, title) for page_id, title in titles.items()],
            )

    def relation_titles(self, data_source_id: str) -> dict[str, str]:
        """The page titles last kept for a related data source (page id -> title)."""
        rows = self._db.execute(
            "SELECT page_id, title FROM relation_titles WHERE data_source_id = ?",
            (data_source_id,),
        )
        return {str(page_id): str(title) for page_id, title in rows}

    # -- scorecards ----------------------------------------------------------------------

    def save_scorecard(self, period: str, data: dict[str, Any]) -> None:
        """Keep the computed scorecard of a period (its `kpis --json` object)."""
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO scorecards VALUES (?, ?, ?)",
                (period, _now().isoformat(), json.dumps(data, sort_keys=True)),
            )

    def scorecard(self, period: str) -> dict[str, Any] | None:
        """The last computed scorecard of a period."""
        row = self._db.execute(
            "SELECT data FROM scorecards WHERE period = ?", (period,)
        ).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    # -- ledger ----------------------------------------------------------------------------

    def record_publish(
        self,
        *,
        target: str,
        period: str,
        kind: str,
        remote_id: str | None,
        location: str,
        content_hash: str,
    ) -> None:
        """Note that a review was published (or found unchanged) on a target."""
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO ledger VALUES (?, ?, ?, ?, ?, ?, ?)",
                (target, period, kind, remote_id, location, content_hash, _now().isoformat()),
            )

    def published(self, target: str, period: str, kind: str) -> LedgerEntry | None:
        """The ledger entry of one review on one target."""
        row = self._db.execute(
            "SELECT * FROM ledger WHERE target = ? AND period = ? AND kind = ?",
            (target, period, kind),
        ).fetchone()
        return None if row is None else _ledger_entry(row)

    def ledger(self) -> list[LedgerEntry]:
        """Every published review, oldest period first."""
        rows = self._db.execute("SELECT * FROM ledger ORDER BY period, kind, target")
        return [_ledger_entry(row) for row in rows]


def _ledger_entry(row: tuple[Any, ...]) -> LedgerEntry:
    return LedgerEntry(
        target=row[0],
        period=row[1],
        kind=row[2],
        remote_id=row[3],
        location=row[4],
        content_hash=row[5],
        published_at=dt.datetime.fromisoformat(row[6]),
    )
