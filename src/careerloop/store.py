"""Embedded state: records, sync cursors, scorecards and the ledger of published reviews.

One SQLite file (`[workspace] state`). Every write happens in a transaction, so a run that
dies halfway leaves the previous state, never half of a new one. `RunLock` lets one run
at a time work on a state file; SQLite's own failures (damaged, locked, read-only, full)
become one `StoreError` that says what to do.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import errno
import fcntl
import functools
import json
import operator
import os
import socket
import sqlite3
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Concatenate, ParamSpec, TypeVar

import orjson

from careerloop.clock import Clock
from careerloop.errors import ConfigError, StoreError
from careerloop.model import KINDS, DataWarning, Record, Workspace, kind_of

__all__ = [
    "Cursor",
    "LedgerEntry",
    "RunLock",
    "Store",
    "check_state",
    "lock_path",
    "record_from_json",
    "record_to_json",
]

SCHEMA_VERSION = 1
BUSY_TIMEOUT_S = 30.0
"""How long SQLite waits for another connection's write lock before it gives up."""
LOCK_POLL_S = 0.5
"""How often a run waiting for the run lock tries again."""

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
CREATE TABLE IF NOT EXISTS source_schemas (
    ref TEXT PRIMARY KEY,
    read_at TEXT NOT NULL,
    data TEXT NOT NULL
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


def _record_row(origin: str, record: Record) -> tuple[str, str, str, str, str | None, str]:
    """The `records` row of a record."""
    updated = record.updated_at.isoformat() if record.updated_at else None
    return (record.id, record.source, origin, kind_of(record), updated, record_to_json(record))


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
    cls = KINDS[kind]
    try:
        data: dict[str, Any] = orjson.loads(text)
    except orjson.JSONDecodeError:
        # json.dumps writes NaN and Infinity (a "1e999" in a number column); orjson does
        # not read them back.
        data = json.loads(text)
    for name, decoded in _decoded_fields(cls).items():
        value = data.get(name)
        if value is not None:
            data[name] = _DECODE[decoded](value)
    return cls(**data)


# JSON holds these as text or lists; the field's annotated type says which comes back.
_DECODE: dict[type, Callable[[Any], Any]] = {
    dt.datetime: dt.datetime.fromisoformat,
    dt.date: dt.date.fromisoformat,
    tuple: tuple,
}


_DECODED_FIELDS: dict[type[Record], dict[str, type]] = {}


def _decoded_fields(cls: type[Record]) -> dict[str, type]:
    """The fields of a record class that JSON cannot hold as they are, with their type.

    Read from the dataclass's annotations (`dt.date | None` is a date field), so a new
    date or tuple field in the model needs no change here.
    """
    if (known := _DECODED_FIELDS.get(cls)) is not None:
        return known
    found: dict[str, type] = {}
    for name, hint in typing.get_type_hints(cls).items():
        union = typing.get_origin(hint) in (typing.Union, types.UnionType)
        for option in typing.get_args(hint) if union else (hint,):
            base = typing.get_origin(option) or option
            if base in _DECODE:
                found[name] = base
    _DECODED_FIELDS[cls] = found
    return found


def survives_json(record: Record) -> bool:
    """Whether `record_from_json(record_to_json(record))` gives back an equal record.

    True for what the connectors build; False e.g. for a list in a tuple field, a datetime
    in a date field, or a tuple or a date inside `extra`. (A datetime in a named zone comes
    back with its offset only: equal, and only the store reads `updated_at`.)
    """
    for name, decoded in _decoded_fields(type(record)).items():
        value = getattr(record, name)
        if value is None:
            continue
        if type(value) is not decoded:
            return False
    return _json_native(record.extra)


def _json_native(value: Any) -> bool:
    if value is None or type(value) in (str, int, float, bool):
        return True
    if type(value) is list:
        return all(_json_native(v) for v in value)
    if type(value) is dict:
        return all(type(k) is str and _json_native(v) for k, v in value.items())
    return False


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# -- what went wrong, in plain words -----------------------------------------------------------

_P = ParamSpec("_P")
_T = TypeVar("_T")


def lock_path(state: Path) -> Path:
    """The run lock of a state database: `<state>.lock` beside it."""
    return state.with_name(state.name + ".lock")


def _holders(path: Path) -> list[str]:
    """Other processes that have the database open (`pid 123 (sqlite3)`), where /proc says.

    Best effort: empty on systems without /proc or when nothing can be read.
    """
    wanted = {str(path.resolve()) + suffix for suffix in ("", "-wal", "-shm", "-journal")}
    found: list[str] = []
    try:
        pids = [p for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()]
    except OSError:
        return []
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
            if any(os.readlink(f"/proc/{pid}/fd/{fd}") in wanted for fd in fds):
                name = Path(f"/proc/{pid}/comm").read_text(encoding="utf-8").strip()
                found.append(f"pid {pid} ({name})")
        except OSError:
            continue  # gone, or not ours to look at
    return found


def describe_sqlite_error(exc: sqlite3.Error | OSError, path: Path) -> str:
    """One line saying what is wrong with the state database and what to do."""
    text = str(exc).casefold()
    code = exc.errno if isinstance(exc, OSError) else None
    if any(w in text for w in ("not a database", "malformed", "disk image", "corrupt")):
        return (
            f"the state database {path} is damaged ({exc}): restore it from a backup, or "
            "move it aside and run `careerloop sync --full` to rebuild it from the sources"
        )
    if "locked" in text or "busy" in text:
        holders = _holders(path)
        who = f" ({', '.join(holders)})" if holders else " (not a careerloop run)"
        return (
            f"the state database {path} is locked by another program{who}: wait for it "
            "to finish or close it, then run again"
        )
    if "readonly" in text or "read-only" in text or code in (errno.EACCES, errno.EROFS,
                                                               errno.EPERM):
        return (
            f"the state database {path} is read-only: make it and its folder writable, or "
            "point [workspace] state at a writable place"
        )
    if "full" in text or code == errno.ENOSPC:
        return (
            f"no space left for the state database {path} (disk full): free some space, "
            "then run again; nothing of this run was half-written"
        )
    if "unable to open" in text and path.is_dir():
        return (
            f"the state database {path} is a folder: point [workspace] state at a file, "
            "like .careerloop/state.db"
        )
    return f"the state database {path} failed ({exc}): check the file and its folder"


def _guarded(
    method: Callable[Concatenate[Store, _P], _T],
) -> Callable[Concatenate[Store, _P], _T]:
    """SQLite failures of a Store method become one StoreError in plain words."""

    @functools.wraps(method)
    def wrapper(self: Store, /, *args: _P.args, **kwargs: _P.kwargs) -> _T:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as exc:
            raise StoreError(describe_sqlite_error(exc, self.path)) from None

    return wrapper


def _prepare_folder(path: Path) -> None:
    """Create the folder of the state database (or its lock).

    Raises:
        ConfigError: a parent of the path is a file (the path in the config is wrong).
        StoreError: the folder cannot be created (read-only, disk full).
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        blocker = next((p for p in [path.parent, *path.parent.parents] if p.is_file()),
                       path.parent)
        raise ConfigError(
            f"workspace.state: {path} cannot be created because {blocker} is a file, not a "
            "folder; point [workspace] state at a path inside a folder"
        ) from None
    except OSError as exc:
        raise StoreError(describe_sqlite_error(exc, path)) from None


def _schema_version(raw: str | None, path: Path) -> int | None:
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise StoreError(
            f"the state database {path} holds schema version {raw[:20]!r}, which careerloop "
            "never writes: the file is damaged or not careerloop's; restore it from a backup "
            "or move it aside (the next sync rebuilds it)"
        ) from None


def _newer_schema(version: int, path: Path) -> StoreError:
    return StoreError(
        f"the state database {path} was written by a newer careerloop (schema {version}; "
        f"this one knows {SCHEMA_VERSION}): upgrade careerloop (pip install -U careerloop)"
    )


def check_state(path: Path) -> str | None:
    """What is wrong with an existing state database (SQLite's quick check), or None.

    Opens it read-only: nothing is created or changed.
    """
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True,
                             timeout=BUSY_TIMEOUT_S)
    except sqlite3.Error as exc:
        return describe_sqlite_error(exc, path)
    try:
        problems = [str(row[0]) for row in db.execute("PRAGMA quick_check")]
        if problems != ["ok"]:
            detail = "; ".join(problems[:3])
            return describe_sqlite_error(sqlite3.DatabaseError(f"malformed: {detail}"), path)
        has_meta = db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
        ).fetchone()
        if has_meta:
            row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            version = _schema_version(None if row is None else str(row[0]), path)
            if version is not None and version > SCHEMA_VERSION:
                return str(_newer_schema(version, path))
    except sqlite3.Error as exc:
        return describe_sqlite_error(exc, path)
    except StoreError as exc:
        return str(exc)
    finally:
        db.close()
    return None


# -- one run at a time -------------------------------------------------------------------------


class RunLock:
    """One careerloop run at a time per state file: an exclusive `flock` on `<state>.lock`.

    The holder writes its pid, host and start time into the file, so a run that waits in
    vain can say who holds it. The wait is bounded (`timeout` seconds on `clock`, trying
    every `poll` seconds); the OS drops the lock when the holder dies, however it dies.
    """

    def __init__(self, state: Path, *, timeout: float, clock: Clock | None = None,
                 poll: float = LOCK_POLL_S,
                 on_wait: Callable[[str], None] | None = None) -> None:
        self.state = state
        self.path = lock_path(state)
        self.timeout = timeout
        self._clock = clock or Clock()
        self._poll = poll
        self._on_wait = on_wait
        self._file: IO[str] | None = None

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def acquire(self) -> None:
        """Take the lock, waiting up to `timeout` seconds for another run to finish.

        Raises:
            StoreError: another run still holds it, or the lock file cannot be made.
            ConfigError: the state path lies under a file.
        """
        _prepare_folder(self.path)
        try:
            handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 (held open)
        except OSError as exc:
            raise StoreError(describe_sqlite_error(exc, self.path)) from None
        start = self._clock.monotonic()
        told = False
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                pass
            except OSError as exc:
                handle.close()
                raise StoreError(
                    f"cannot lock {self.path} ({exc.strerror}): keep [workspace] state on a "
                    "local disk that supports file locks"
                ) from None
            if not told and self._on_wait is not None:
                self._on_wait(self._holder(handle))
                told = True
            if self._clock.monotonic() - start >= self.timeout:
                holder = self._holder(handle)
                handle.close()
                raise StoreError(
                    f"another careerloop run ({holder}) is using the state database "
                    f"{self.state} and did not finish within {self.timeout:g} s: wait for "
                    "it to end and run again, or raise [workspace] lock_timeout"
                )
            self._clock.sleep(self._poll)
        try:
            handle.seek(0)
            handle.truncate()
            started = _now().isoformat(timespec="seconds")
            handle.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                                     "started": started}) + "\n")
            handle.flush()
        except OSError as exc:  # the lock still holds; only the note of who holds it failed
            if exc.errno != errno.ENOSPC:
                handle.close()
                raise StoreError(describe_sqlite_error(exc, self.path)) from None
        self._file = handle

    def release(self) -> None:
        """Let the next run in (the note of who held it is cleared first)."""
        handle, self._file = self._file, None
        if handle is None:
            return
        try:
            handle.seek(0)
            handle.truncate()
        except OSError:
            pass  # a stale note is harmless: only a held lock is believed
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            handle.close()

    @staticmethod
    def _holder(handle: IO[str]) -> str:
        """`pid 123 on host ci-7, started 2026-12-01T10:00:00+00:00`, as far as known."""
        try:
            handle.seek(0)
            note = json.loads(handle.read() or "{}")
            return (f"pid {int(note['pid'])} on {str(note['host'])[:64]}, "
                    f"started {str(note['started'])[:32]}")
        except (OSError, ValueError, KeyError, TypeError):
            return "holder unknown"


# -- the store -----------------------------------------------------------------------------------


class Store:
    """The state database of one workspace."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        # Records of full reads saved through this store, by origin (see `workspace`).
        self._decoded: dict[str, list[Record]] = {}
        memory = str(path) == ":memory:"
        if not memory:
            _prepare_folder(self.path)
        try:
            self._db = sqlite3.connect(str(path), isolation_level=None,
                                       timeout=BUSY_TIMEOUT_S)
        except sqlite3.Error as exc:
            raise StoreError(describe_sqlite_error(exc, self.path)) from None
        try:
            self._set_up()
        except BaseException:
            self._db.close()
            raise

    @_guarded
    def _set_up(self) -> None:
        """WAL and the schema; safe when several processes create the same file at once."""
        self._wal()
        # BEGIN IMMEDIATE takes the write lock first (others wait on busy_timeout), and
        # INSERT OR IGNORE lets the second creator find the row the first one wrote.
        self._db.executescript(
            f"BEGIN IMMEDIATE;{_SCHEMA}"
            f"INSERT OR IGNORE INTO meta VALUES ('schema_version', '{SCHEMA_VERSION}');"
            "COMMIT;"
        )
        self._check_schema(self.path)

    def _check_schema(self, path: Path) -> None:
        """Refuse a state from a newer careerloop, or one whose version careerloop never wrote."""
        version = _schema_version(self._meta("schema_version"), path)
        if version is not None and version > SCHEMA_VERSION:
            raise _newer_schema(version, path)

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
            raise StoreError(describe_sqlite_error(exc, source)) from None
        try:
            store._check_schema(source)
        except StoreError:
            store.close()
            raise
        return store

    def _wal(self) -> None:
        """Switch to WAL, retrying while another process holds the new file.

        SQLite answers a journal-mode change with "database is locked" at once, without
        waiting on busy_timeout, while another connection sets up the same new file.
        """
        clock = Clock()
        deadline = clock.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                self._db.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or clock.monotonic() >= deadline:
                    raise
                clock.sleep(0.05)

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
            if self._db.in_transaction:  # SQLite rolls back by itself on some errors (full)
                self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    # -- records -----------------------------------------------------------------------

    @_guarded
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
        given = list(records)
        deleted = [(i,) for i in deleted_ids]
        rows = [_record_row(origin, r) for r in given]
        with self.transaction() as db:
            if full:
                db.execute("DELETE FROM records WHERE origin = ?", (origin,))
                db.execute("DELETE FROM warnings WHERE origin = ?", (origin,))
            db.executemany("DELETE FROM records WHERE id = ?", deleted)
            db.executemany("INSERT OR REPLACE INTO records VALUES (?, ?, ?, ?, ?, ?)", rows)
            self._save_warnings(origin, [row[0] for row in rows], list(warnings), full=full)
            self._save_cursor(origin, cursor, full=full)
        self._keep_decoded(origin, given, full=full, changed=bool(rows or deleted))
        return len(rows)

    def _save_warnings(
        self, origin: str, record_ids: list[str], warnings: list[DataWarning], *, full: bool
    ) -> None:
        """Replace the warnings of the records just written (a full read: of the origin)."""
        if not full:
            self._db.executemany(
                "DELETE FROM warnings WHERE origin = ? AND record_id = ?",
                [(origin, record_id) for record_id in record_ids],
            )
            # A warning about the whole origin comes again with each read: keep one.
            self._db.executemany(
                "DELETE FROM warnings WHERE origin = ? AND record_id = ? AND message = ?",
                [(origin, w.record_id, w.message) for w in warnings],
            )
        self._db.executemany(
            "INSERT INTO warnings VALUES (?, ?, ?)",
            [(origin, w.record_id, w.message) for w in warnings],
        )

    def _save_cursor(self, origin: str, cursor: str | None, *, full: bool) -> None:
        now = _now().isoformat()
        previous = self.cursor(origin)
        full_read_at = now if full else (
            previous.full_read_at.isoformat() if previous and previous.full_read_at else None
        )
        self._db.execute(
            "INSERT OR REPLACE INTO cursors VALUES (?, ?, ?, ?)",
            (origin, cursor, full_read_at, now),
        )

    def _keep_decoded(self, origin: str, records: list[Record], *, full: bool,
                      changed: bool) -> None:
        """Keep the records of a full read for `workspace()`, when JSON would give them back
        equal; an incremental read that changed the origin makes them stale."""
        if full and all(survives_json(r) for r in records):
            self._decoded[origin] = records
        elif full or changed:
            self._decoded.pop(origin, None)

    @_guarded
    def workspace(self) -> Workspace:
        """Every stored record as one workspace, in the order of their ids.

        The records this store saved from a full read come as they were given instead of
        being decoded from their JSON again (a third of a large re-sync), as long as the
        database holds as many records for their origin as were saved.
        """
        kept = self._intact_origins()
        records = self._decode_records(exclude=kept)
        if kept:
            records.extend(r for origin in kept for r in self._decoded[origin])
            records.sort(key=operator.attrgetter("id"))  # as SQLite orders TEXT: by code point
        workspace = Workspace()
        for record in records:
            workspace.add(record)
        workspace.warnings.extend(
            DataWarning(record_id=rid, message=msg)
            for rid, msg in self._db.execute(
                "SELECT record_id, message FROM warnings ORDER BY rowid"
            )
        )
        return workspace

    def _intact_origins(self) -> list[str]:
        """Origins whose kept records are still exactly what the database holds.

        A record that another origin took over (same id) or that a read deleted lowers the
        count, and then the origin is decoded from the database like any other.
        """
        if not self._decoded:
            return []
        counts = dict(self._db.execute("SELECT origin, COUNT(*) FROM records GROUP BY origin"))
        return sorted(o for o, records in self._decoded.items() if counts.get(o) == len(records))

    def _decode_records(self, *, exclude: list[str]) -> list[Record]:
        marks = ", ".join("?" * len(exclude))
        query = f"SELECT kind, data FROM records WHERE origin NOT IN ({marks}) ORDER BY id"
        try:
            return [record_from_json(kind, data) for kind, data in self._db.execute(query, exclude)]
        except (ValueError, TypeError, KeyError) as exc:  # edited or damaged by hand
            raise StoreError(describe_sqlite_error(
                sqlite3.DatabaseError(f"malformed record: {type(exc).__name__}"),
                self.path)) from None


    @_guarded
    def record_ids(self, origin: str) -> set[str]:
        """Ids of the records stored for one origin."""
        rows = self._db.execute("SELECT id FROM records WHERE origin = ?", (origin,))
        return {str(r[0]) for r in rows}

    @_guarded
    def count_records(self) -> int:
        """How many records are stored."""
        return int(self._db.execute("SELECT COUNT(*) FROM records").fetchone()[0])

    @_guarded
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

    @_guarded
    def cursors(self) -> list[Cursor]:
        """Every origin read so far."""
        rows = self._db.execute("SELECT origin FROM cursors ORDER BY origin").fetchall()
        return [c for (origin,) in rows if (c := self.cursor(origin)) is not None]

    # -- titles of related pages -----------------------------------------------------------

    @_guarded
    def save_relation_titles(self, data_source_id: str, titles: Mapping[str, str]) -> None:
        """Keep the page titles of a related data source, replacing those kept before."""
        with self.transaction() as db:
            db.execute("DELETE FROM relation_titles WHERE data_source_id = ?", (data_source_id,))
            db.executemany(
                "INSERT INTO relation_titles VALUES (?, ?, ?)",
                [(data_source_id, page_id, title) for page_id, title in titles.items()],
            )

    @_guarded
    def relation_titles(self, data_source_id: str) -> dict[str, str]:
        """The page titles last kept for a related data source (page id -> title)."""
        rows = self._db.execute(
            "SELECT page_id, title FROM relation_titles WHERE data_source_id = ?",
            (data_source_id,),
        )
        return {str(page_id): str(title) for page_id, title in rows}

    # -- schemas of live sources -----------------------------------------------------------

    @_guarded
    def save_source_schema(self, ref: str, data: Mapping[str, Any], read_at: dt.datetime) -> None:
        """Keep what a source's schema lookup found (`notion:<data_source as configured>`)."""
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO source_schemas VALUES (?, ?, ?)",
                (ref, read_at.isoformat(), json.dumps(data, sort_keys=True)),
            )

    @_guarded
    def source_schema(self, ref: str) -> tuple[dict[str, Any], dt.datetime] | None:
        """The schema last kept for a source and when it was looked up, if any."""
        row = self._db.execute(
            "SELECT data, read_at FROM source_schemas WHERE ref = ?", (ref,)
        ).fetchone()
        if row is None:
            return None
        return dict(json.loads(row[0])), dt.datetime.fromisoformat(row[1])

    # -- scorecards ----------------------------------------------------------------------

    @_guarded
    def save_scorecard(self, period: str, data: dict[str, Any]) -> None:
        """Keep the computed scorecard of a period (its `kpis --json` object)."""
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO scorecards VALUES (?, ?, ?)",
                (period, _now().isoformat(), json.dumps(data, sort_keys=True)),
            )

    @_guarded
    def scorecard(self, period: str) -> dict[str, Any] | None:
        """The last computed scorecard of a period."""
        row = self._db.execute(
            "SELECT data FROM scorecards WHERE period = ?", (period,)
        ).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    # -- ledger ----------------------------------------------------------------------------

    @_guarded
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

    @_guarded
    def published(self, target: str, period: str, kind: str) -> LedgerEntry | None:
        """The ledger entry of one review on one target."""
        row = self._db.execute(
            "SELECT * FROM ledger WHERE target = ? AND period = ? AND kind = ?",
            (target, period, kind),
        ).fetchone()
        return None if row is None else _ledger_entry(row)

    @_guarded
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
