"""The state database in trouble: damaged, locked, read-only, full, newer, misplaced.

Each is one `error:` line that says what is wrong and what to do, exit 1 (exit 2 when the
config points the state at an impossible path), and no review written; `doctor` runs
SQLite's quick check and fails a damaged store. The conditions are real SQLite ones: a
file of garbage, a page overwritten, another process holding the write lock, a
connection opened read-only, a page budget (`max_page_count`) that fills up.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from careerloop import store as store_module
from careerloop.cli import app
from tests.faults.worlds import Run, World, local_world, sync


@pytest.fixture
def world(tmp_path: Path) -> World:
    return local_world(tmp_path)


def _synced(world: World) -> World:
    assert sync(world.config).code == 0
    assert world.state.exists()
    return world


def _one_error(run: Run, code: int, *fragments: str) -> str:
    assert run.code == code, run
    assert run.exception is None, run.exception
    assert "Traceback" not in run.stdout + run.stderr and "unexpected" not in run.stderr
    (line,) = run.error_lines()
    for fragment in fragments:
        assert fragment in line, (fragment, line)
    return line


def _connect_with(monkeypatch: pytest.MonkeyPatch, state: Path,
                  change: Callable[[str, dict[str, Any]], tuple[str, dict[str, Any]]],
                  after: Callable[[sqlite3.Connection], None] | None = None) -> None:
    """careerloop's connections to `state` opened differently (the test's own are not)."""
    real = sqlite3.connect

    def connect(database: Any, *args: Any, **kwargs: Any) -> sqlite3.Connection:
        if str(database) != str(state):
            return real(database, *args, **kwargs)
        database, kwargs = change(str(database), kwargs)
        db = real(database, *args, **kwargs)
        if after is not None:
            after(db)
        return db

    monkeypatch.setattr(store_module.sqlite3, "connect", connect)


def test_a_file_that_is_not_a_database(world: World) -> None:
    world.state.parent.mkdir(parents=True)
    world.state.write_bytes(b"these are not the bytes of an SQLite file\n" * 100)

    line = _one_error(sync(world.config), 1, str(world.state), "is damaged",
                      "restore it from a backup", "sync --full")
    assert "file is not a database" in line
    assert world.reviews() == {}


def test_a_damaged_page_is_found_by_the_run_and_by_doctor(world: World) -> None:
    _synced(world)
    with sqlite3.connect(world.state) as db:
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
        pages = db.execute("PRAGMA page_count").fetchone()[0]
    assert pages > 4
    raw = bytearray(world.state.read_bytes())
    for page in range(2, pages):  # every page but the header page: b-trees in ruins
        raw[page * page_size - page_size: page * page_size] = b"\xa5" * page_size
    world.state.write_bytes(bytes(raw))

    _one_error(sync(world.config), 1, "is damaged", "restore")
    doctor = CliRunner().invoke(app, ["-c", str(world.config), "doctor"])
    assert doctor.exit_code == 1
    row = next(line for line in doctor.stdout.splitlines() if line.startswith("│ state"))
    assert "FAIL" in row and "damaged" in doctor.stdout


def test_doctor_passes_a_sound_store(world: World) -> None:
    _synced(world)
    doctor = CliRunner().invoke(app, ["-c", str(world.config), "doctor"])
    row = next(line for line in doctor.stdout.splitlines() if line.startswith("│ state"))
    assert "ok" in row and "FAIL" not in row


@pytest.fixture
def write_lock_holder(world: World) -> Iterator[subprocess.Popen[str]]:
    """Another program (a Python process) holding SQLite's write lock on the state."""
    _synced(world)
    script = (
        "import sqlite3, sys\n"
        "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "db.execute('BEGIN EXCLUSIVE')\n"
        "print('held', flush=True)\n"
        "sys.stdin.read()\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", script, str(world.state)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    yield holder
    assert holder.stdin is not None
    holder.stdin.close()
    holder.wait(timeout=60)


def test_a_database_locked_by_another_program_names_it(
    world: World, write_lock_holder: subprocess.Popen[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQLite's own wait for the lock: short here, since the holder never lets go.
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_S", 0.2)
    before = world.published()

    line = _one_error(sync(world.config), 1, "is locked by another program",
                      f"pid {write_lock_holder.pid} (python", "wait for it to finish")
    assert str(world.state) in line
    assert world.published() == before


def test_a_read_only_database(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    _synced(world)
    before = world.published()
    # The tests run as root, whom file modes do not stop: SQLite's read-only mode does.
    _connect_with(monkeypatch, world.state,
                  lambda path, kw: (f"file:{path}?mode=ro", {**kw, "uri": True}))

    _one_error(sync(world.config, "--full"), 1, "is read-only", "make it and its folder writable")
    assert world.published() == before


def test_a_full_disk_leaves_nothing_half_written(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Room for the schema (15 pages) and a little more: the records fill it (SQLITE_FULL).
    _connect_with(monkeypatch, world.state, lambda path, kw: (path, kw),
                  after=lambda db: db.execute("PRAGMA max_page_count = 18"))

    _one_error(sync(world.config), 1, "no space left", "disk full", "free some space")
    assert world.reviews() == {}
    with sqlite3.connect(world.state) as db:  # the failed transaction left no record
        assert db.execute("SELECT COUNT(*) FROM records").fetchone() == (0,)


def test_a_database_from_a_newer_careerloop(world: World) -> None:
    _synced(world)
    with sqlite3.connect(world.state) as db:
        db.execute("UPDATE meta SET value = '7' WHERE key = 'schema_version'")

    _one_error(sync(world.config), 1, "written by a newer careerloop (schema 7",
               "upgrade careerloop")
    doctor = CliRunner().invoke(app, ["-c", str(world.config), "doctor"])
    assert doctor.exit_code == 1 and "newer careerloop" in doctor.stdout


def test_a_schema_value_careerloop_never_writes(world: World) -> None:
    _synced(world)
    with sqlite3.connect(world.state) as db:
        db.execute("UPDATE meta SET value = 'one; DROP' WHERE key = 'schema_version'")

    _one_error(sync(world.config), 1, "schema version 'one; DROP'", "never writes",
               "restore it from a backup")


def test_a_state_path_under_a_file_is_a_config_error(world: World) -> None:
    (world.config.parent / "notes.txt").write_text("a file, not a folder\n", encoding="utf-8")
    text = world.config.read_text(encoding="utf-8")
    world.config.write_text(
        text.replace("[workspace]\n", '[workspace]\nstate = "notes.txt/db/state.db"\n', 1)
        if "state =" not in text else
        "\n".join('state = "notes.txt/db/state.db"' if ln.startswith("state =") else ln
                  for ln in text.splitlines()) + "\n",
        encoding="utf-8")

    _one_error(sync(world.config), 2, "notes.txt is a file, not a folder",
               "point [workspace] state at a path inside a folder")
    assert world.reviews() == {}


def test_a_state_path_that_is_a_folder(world: World) -> None:
    world.state.mkdir(parents=True)

    _one_error(sync(world.config), 1, "is a folder", "point [workspace] state at a file")
