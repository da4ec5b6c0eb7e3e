"""Concurrent runs: one page or card per review, one Reviews database, no IntegrityError.

The reproduction (issue 11): three `careerloop sync` processes started together made two
review pages or cards per review in about half the rounds, and six first syncs on a new
state file failed with `UNIQUE constraint failed: meta.key`. These runs are real
processes (`python -m careerloop`) against the fake Notion and Trello servers run by the
test, so the run lock (`<state>.lock`), SQLite and both SDKs are the real ones.

Duplicates made where the lock cannot help (runs on different machines, or by hand) are
built in the fakes, and the next run must merge them: one page or card left, the oldest,
holding every note.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from careerloop.connectors.notion.publish import REVIEWS_TITLE
from tests.fakes.fixtures import FakeClock
from tests.fakes.notion_api import FakeNotion, FakeNotionServer
from tests.fakes.trello_api import FakeTrelloServer
from tests.faults.worlds import (
    TODAY,
    World,
    local_world,
    notion_world,
    sync,
    trello_world,
)

KINDS = ("monthly", "quarterly")
REVIEWS = {"2026-10-monthly", "2026-Q3-quarterly"}
# Generous on purpose: a bound that only a hung run reaches, whatever the machine's load.
WAIT_S = 600


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NOTION_", "TRELLO_"))}
    env.update(CAREERLOOP_TODAY=TODAY, COLUMNS="200", **extra)
    return env


def _together(config: Path, count: int, env: dict[str, str]) -> list[tuple[int, str, str]]:
    """`count` syncs started at once; (exit code, stdout, stderr) of each."""
    command = [sys.executable, "-m", "careerloop", "-c", str(config), "sync"]
    runs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for _ in range(count)]
    results = []
    for run in runs:
        out, err = run.communicate(timeout=WAIT_S)
        results.append((run.returncode, out, err))
    return results


def _lock_timeout(world: World) -> None:
    text = world.config.read_text(encoding="utf-8")
    world.config.write_text(
        text.replace("[workspace]\n", f"[workspace]\nlock_timeout = {WAIT_S}\n", 1),
        encoding="utf-8")


def _actions(results: list[tuple[int, str, str]], target: str) -> dict[str, int]:
    """How many runs said created / updated / unchanged, over every review on `target`."""
    counts: dict[str, int] = {}
    for _, out, _ in results:
        for line in out.splitlines():
            words = line.split()
            if len(words) >= 4 and words[3] == f"{target}:" and words[2] == "on":
                counts[words[1]] = counts.get(words[1], 0) + 1
    return counts


def _reviews_databases(fake: FakeNotion) -> int:
    return sum(1 for db in fake.databases.values() if db["title"] == REVIEWS_TITLE)


# -- the lock: concurrent runs on one state file ---------------------------------------------


def test_three_syncs_at_once_make_one_page_per_review_and_one_database(
    tmp_path: Path, fake_notion: FakeNotionServer
) -> None:
    world = notion_world(tmp_path, fake_notion, KINDS)
    _lock_timeout(world)

    results = _together(world.config, 3, _env(NOTION_TOKEN=fake_notion.fake.token))

    assert [code for code, _, _ in results] == [0, 0, 0], results
    assert world.reviews() == {"2026-10-monthly": 1, "2026-Q3-quarterly": 1}
    assert _reviews_databases(fake_notion.fake) == 1
    # One run wrote both reviews; the two that waited found them unchanged.
    assert _actions(results, "notion") == {"created": 2, "unchanged": 4}


def test_three_syncs_at_once_make_one_card_per_review(
    tmp_path: Path, fake_trello: FakeTrelloServer
) -> None:
    world = trello_world(tmp_path, fake_trello, KINDS)
    _lock_timeout(world)
    fake = fake_trello.fake

    results = _together(world.config, 3, _env(TRELLO_API_KEY=fake.key, TRELLO_TOKEN=fake.token))

    assert [code for code, _, _ in results] == [0, 0, 0], results
    assert world.reviews() == {"Monthly review 2026-10": 1, "Quarterly review 2026-Q3": 1}
    board = fake.boards[world.extra["board"]]
    assert [x["name"] for x in board["lists"]].count("Reviews") == 1
    assert _actions(results, "trello") == {"created": 2, "unchanged": 4}


def test_six_first_syncs_on_a_new_state_file_all_succeed(tmp_path: Path) -> None:
    world = local_world(tmp_path)
    _lock_timeout(world)
    assert not world.state.exists()

    results = _together(world.config, 6, _env())

    assert [code for code, _, _ in results] == [0] * 6, results
    assert not any("IntegrityError" in err or "unexpected" in err for _, _, err in results)
    with sqlite3.connect(world.state) as db:
        assert db.execute("SELECT key, value FROM meta").fetchall() == [("schema_version", "1")]
    assert set(world.reviews()) == REVIEWS


def test_six_processes_creating_one_store_at_once_never_collide(tmp_path: Path) -> None:
    """The schema set-up alone, without the run lock: BEGIN IMMEDIATE + INSERT OR IGNORE.

    Each process imports careerloop, says so, and waits; all are let go at once, three
    rounds on three new files.
    """
    script = (
        "import sys; from careerloop.store import Store\n"
        "print('ready', flush=True); sys.stdin.read()\n"
        "Store(sys.argv[1]).close()\n"
    )
    for round_ in range(3):
        state = tmp_path / f"round{round_}" / "state.db"
        runs = [subprocess.Popen([sys.executable, "-c", script, str(state)],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, env=_env())
                for _ in range(6)]
        for run in runs:
            assert run.stdout is not None and run.stdout.readline() == "ready\n"
        for run in runs:
            assert run.stdin is not None
            run.stdin.close()
            run.stdin = None  # released: communicate() below only reads
        errors = [run.communicate(timeout=WAIT_S)[1] for run in runs]

        assert [run.returncode for run in runs] == [0] * 6, errors
        with sqlite3.connect(state) as db:
            rows = db.execute("SELECT key, value FROM meta").fetchall()
        assert rows == [("schema_version", "1")]


# -- the lock, driven by the run's virtual clock (the `clock` seam, tests/faults/worlds.py) ----


def _hold(state: Path) -> Any:
    from careerloop.store import RunLock

    lock = RunLock(state, timeout=0)
    lock.acquire()
    return lock


def test_a_second_run_waits_then_names_the_holder_and_exits_1(tmp_path: Path) -> None:
    world = local_world(tmp_path)
    holder = _hold(world.state)
    try:
        run = sync(world.config)
    finally:
        holder.release()

    assert run.code == 1, run
    assert "waiting for another careerloop run" in run.stderr
    (line,) = run.error_lines()
    assert f"pid {os.getpid()} on " in line
    assert "did not finish within 60 s" in line and "lock_timeout" in line
    # 60 s of waiting in polls of 0.5 s, all on the virtual clock: no real time passed.
    assert sum(run.slept) == pytest.approx(60.0)
    assert world.reviews() == {}  # nothing was written while another run held the state


def test_a_waiting_run_goes_on_once_the_holder_is_done(tmp_path: Path) -> None:
    world = local_world(tmp_path)
    holder = _hold(world.state)

    class HolderDoneAfter5s(FakeClock):
        def sleep(self, seconds: float) -> None:
            super().sleep(seconds)
            if len(self.slept) == 10:  # the holder finishes after 5 s
                holder.release()

    run = sync(world.config, clock=HolderDoneAfter5s())

    assert run.code == 0, run
    assert sum(run.slept) == pytest.approx(5.0)
    assert set(world.reviews()) == REVIEWS
    assert world.state.with_name("state.db.lock").read_text(encoding="utf-8") == ""


def test_the_lock_file_says_who_holds_it(tmp_path: Path) -> None:
    import json
    import socket

    from careerloop.store import RunLock, lock_path

    state = tmp_path / "state.db"
    with RunLock(state, timeout=0):
        note = json.loads(lock_path(state).read_text(encoding="utf-8"))
        assert note["pid"] == os.getpid() and note["host"] == socket.gethostname()
        assert note["started"].startswith("20")
    assert lock_path(state).read_text(encoding="utf-8") == ""  # cleared when let go


# -- duplicates made elsewhere: repaired by the next run ----------------------------------------


def _notion_copy(fake: FakeNotion, page_id: str) -> str:
    """A second page with the same properties and blocks (what another machine's run makes)."""
    page = fake.pages[page_id]

    def request_form(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for block in blocks:
            kind = block["type"]
            body = dict(block[kind])
            if block["children"]:
                body["children"] = request_form(block["children"])
            out.append({"type": kind, kind: body})
        return out

    copy_id = fake.add_page(page["_data_source"], dict(page["_values"]))
    fake.children[copy_id] = []
    fake.add_blocks(copy_id, request_form(fake.block_tree(page_id)))
    return copy_id


def _paragraph(text: str) -> dict[str, Any]:
    return {"type": "paragraph",
            "paragraph": {"rich_text": [{"type": "text", "text": {"content": text}}]}}


def test_duplicate_notion_pages_are_merged_into_the_oldest_with_every_note(
    tmp_path: Path, fake_notion: FakeNotionServer, notion_token: str
) -> None:
    fake = fake_notion.fake
    world = notion_world(tmp_path, fake_notion, ("monthly",))
    assert sync(world.config).code == 0
    (original,) = [p["id"] for p in fake.pages.values() if p["_values"].get("Period")]
    duplicate = _notion_copy(fake, original)
    fake.add_blocks(original, [_paragraph("Note written on the first page")])
    fake.add_blocks(duplicate, [_paragraph("Note written on the duplicate — «verbatim»"),
                                {"type": "bulleted_list_item", "bulleted_list_item": {
                                    "rich_text": [{"type": "text",
                                                   "text": {"content": "and a list item"}}]}}])
    assert world.reviews() == {"2026-10-monthly": 2}

    run = sync(world.config)

    assert run.code == 0, run
    assert world.reviews() == {"2026-10-monthly": 1}
    assert not fake.pages[original]["in_trash"] and fake.pages[duplicate]["in_trash"]
    notes = world.notes_of()["2026-10-monthly"].splitlines()
    assert "Note written on the first page" in notes
    assert "Note written on the duplicate — «verbatim»" in notes
    assert "and a list item" in notes
    assert "kept the oldest, moved 2 note blocks into it" in run.stdout
    assert "moved 1 duplicate to the trash" in run.stdout

    again = sync(world.config)  # nothing moves twice
    assert again.code == 0 and "unchanged" in again.stdout
    assert world.notes_of()["2026-10-monthly"].splitlines() == notes


def test_notes_moved_by_a_killed_repair_are_not_moved_twice(
    tmp_path: Path, fake_notion: FakeNotionServer, notion_token: str
) -> None:
    fake = fake_notion.fake
    world = notion_world(tmp_path, fake_notion, ("monthly",))
    assert sync(world.config).code == 0
    (original,) = [p["id"] for p in fake.pages.values() if p["_values"].get("Period")]
    duplicate = _notion_copy(fake, original)
    fake.add_blocks(duplicate, [_paragraph("Only on the duplicate")])
    fake.crash_after_writes(1)  # the notes are appended, then the process dies

    assert sync(world.config).code == 1
    fake.recover()
    assert not fake.pages[duplicate]["in_trash"]

    assert sync(world.config).code == 0
    assert world.reviews() == {"2026-10-monthly": 1}
    notes = world.notes_of()["2026-10-monthly"].splitlines()
    assert notes.count("Only on the duplicate") == 1


def test_a_second_reviews_database_is_reported_and_not_used(
    tmp_path: Path, fake_notion: FakeNotionServer, notion_token: str
) -> None:
    fake = fake_notion.fake
    world = notion_world(tmp_path, fake_notion, ("monthly",))
    assert sync(world.config).code == 0
    (first,) = [i for i, db in fake.databases.items() if db["title"] == REVIEWS_TITLE]
    parent = fake.databases[first]["parent_page"]
    source = fake.data_sources[fake.databases[first]["data_sources"][0]["id"]]
    schema = {name: spec["type"] for name, spec in source["properties"].items()}
    second, _ = fake.add_database(REVIEWS_TITLE, schema, parent_page=parent)
    world.edit()  # the review changes: the next run writes to the database it uses

    run = sync(world.config, "--full")

    assert run.code == 0, run
    assert f"not using {second}" in run.stdout
    assert _reviews_databases(fake) == 2  # reported, not deleted
    second_source = fake.databases[second]["data_sources"][0]["id"]
    assert not any(p["_data_source"] == second_source for p in fake.pages.values())
    assert world.reviews() == {"2026-10-monthly": 1}


def test_duplicate_trello_cards_are_merged_into_the_oldest_with_every_note(
    tmp_path: Path, fake_trello: FakeTrelloServer, trello_env: None
) -> None:
    fake = fake_trello.fake
    world = trello_world(tmp_path, fake_trello, ("monthly",))
    assert sync(world.config).code == 0
    board = fake.boards[world.extra["board"]]
    (original,) = [c for c in board["cards"] if c["name"] == "Monthly review 2026-10"]
    original["desc"] += "\nNote written on the first card\n"
    copy_desc = original["desc"].replace("Note written on the first card\n", "")
    copy_id = fake.add_card(original["idList"], original["name"],
                            copy_desc + "\nNote on the duplicate — «verbatim» ✓\n\n- item\n")
    assert world.reviews() == {"Monthly review 2026-10": 2}

    run = sync(world.config)

    assert run.code == 0, run
    assert world.reviews() == {"Monthly review 2026-10": 1}
    (kept,) = [c for c in board["cards"] if not c["closed"]
               and c["name"] == "Monthly review 2026-10"]
    assert kept["id"] == original["id"] < copy_id
    assert fake.find_card(copy_id)[1]["closed"] is True  # archived, not deleted
    notes = world.notes_of()["Monthly review 2026-10"]
    assert "Note written on the first card" in notes
    assert "Note on the duplicate — «verbatim» ✓\n\n- item" in notes
    assert "found 2 cards for this review: kept the oldest, moved 2 note paragraphs" in (
        run.stdout)

    again = sync(world.config)
    assert again.code == 0 and "unchanged" in again.stdout
    assert world.notes_of()["Monthly review 2026-10"] == notes
