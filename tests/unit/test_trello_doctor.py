"""`careerloop doctor` on a Trello export: every shape people have gives clear rows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from careerloop.config import Config, parse_config
from careerloop.connectors.base import Check
from careerloop.connectors.trello.doctor import check_trello_export
from careerloop.doctor import run_checks

FIXTURES = Path(__file__).parent.parent / "fixtures" / "trello"
SPRINT = FIXTURES / "sprint_board.json"
KINDS = {"color:red": "module", "color:purple": "application", "Mentor session": "session",
         "Milestone": "milestone", "Goal": "goal"}


def config_for(tmp_path: Path, **trello: Any) -> Config:
    source: dict[str, Any] = {"export": "board.json", "done_lists": ["Done*", "Sprint * done"],
                              "kinds": KINDS,
                              "fields": {"feedback": "Feedback", "date": "Session date"}}
    source.update(trello)
    return parse_config({"workspace": {"timezone": "Europe/Berlin"},
                         "sources": {"trello": source}}, base_dir=tmp_path)


def sprint_board() -> dict[str, Any]:
    board: dict[str, Any] = json.loads(SPRINT.read_text(encoding="utf-8"))
    return board


def doctor(tmp_path: Path, content: Any, *, raw: bytes | None = None,
           **trello: Any) -> dict[str, Check]:
    path = tmp_path / "board.json"
    if raw is not None:
        path.write_bytes(raw)
    else:
        path.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
    checks = check_trello_export(config_for(tmp_path, **trello), path)
    rows = {c.name: c for c in checks}
    assert len(rows) == len(checks)  # one row per check
    return rows


def test_a_real_export_gets_every_row(tmp_path: Path) -> None:
    rows = doctor(tmp_path, sprint_board())
    assert rows["trello export"].status == "ok"
    assert rows["trello export"].detail == "board.json: board 'Sprint board 🚀', 15 cards"
    # Checked against the export's open lists as the live doctor does, by pattern.
    assert rows["trello done lists"].detail == (
        "done when in Done #3, Sprint 4 done,   done 2026  "
    )
    # "goal" matches the key "Goal"; "Milestone" is only on a card; color:red and
    # color:purple find labels without a name ("" and null).
    assert (rows["trello kind labels"].status, rows["trello kind labels"].detail) == (
        "ok", "5 kind labels found")
    assert rows["trello custom fields"].status == "ok"
    assert rows["trello dates"].status == "warn"
    assert rows["trello dates"].detail == (
        "1 session dated by the day it reached a done list (no due or start date): "
        "'Mentor chat with Priya'; 1 session dated by the card's creation (no due or start "
        "date): 'Mentor chat with Sam'; 1 application dated by the card's creation (no due "
        "or start date): 'Used window functions at work'"
    )
    assert "trello export actions" not in rows  # 25 actions: far from the cap


def test_a_byte_order_mark_is_json(tmp_path: Path) -> None:
    rows = doctor(tmp_path, None, raw=b"\xef\xbb\xbf" + SPRINT.read_bytes())
    assert rows["trello export"].status == "ok"


def test_a_bare_array_of_cards(tmp_path: Path) -> None:
    (row,) = doctor(tmp_path, sprint_board()["cards"]).values()
    assert (row.name, row.status) == ("trello export", "fail")
    assert "is a bare list of 15 items, not a board export" in row.detail
    assert "Export as JSON" in row.fix


def test_a_file_without_cards(tmp_path: Path) -> None:
    (row,) = doctor(tmp_path, {"id": "b1", "name": "Plan", "lists": []}).values()
    assert row.status == "fail" and "not a board export (no cards[])" in row.detail


def test_an_account_export_names_its_boards_and_how_to_choose(tmp_path: Path) -> None:
    boards = [{"id": "6a0000000000000000000abc", "name": "Groceries", "cards": []},
              sprint_board()]
    (row,) = doctor(tmp_path, {"username": "ada", "boards": boards}).values()
    assert row.status == "fail"
    assert "holds 2 boards ('Groceries', 'Sprint board 🚀')" in row.detail
    assert "set [sources.trello] board to the id or URL of the one to read" in row.detail
    chosen = doctor(tmp_path, {"username": "ada", "boards": boards}, board="SpRiNt42")
    assert chosen["trello export"].detail == "board.json: board 'Sprint board 🚀', 15 cards"


def test_null_labels_and_custom_fields(tmp_path: Path) -> None:
    board = sprint_board()
    board.update(labels=None, customFields=None)
    for card in board["cards"]:
        card.update(labels=None)
    rows = doctor(tmp_path, board)
    assert rows["trello kind labels"].status == "fail"
    assert rows["trello kind labels"].detail.startswith(
        "labels missing: color:red (no label of that colour without a name), color:purple")
    assert rows["trello custom fields"].status == "warn"
    assert "Power-Up" in rows["trello custom fields"].detail


@pytest.mark.parametrize(
    ("done_lists", "status", "detail"),
    [
        (["Done"], "warn", "no open list matches Done: completion then comes only from "
                           "complete due dates"),
        (["done #3"], "ok", "done when in Done #3"),
        (["Ideas*"], "warn", "no open list matches Ideas*: completion then comes only from "
                             "complete due dates"),  # "Ideas (old)" is archived
    ],
)
def test_done_lists_are_checked_against_the_exports_open_lists(
    tmp_path: Path, done_lists: list[str], status: str, detail: str
) -> None:
    row = doctor(tmp_path, sprint_board(), done_lists=done_lists)["trello done lists"]
    assert (row.status, row.detail) == (status, detail)


def test_kind_labels_found_only_on_cards_count_and_missing_ones_are_named(
    tmp_path: Path
) -> None:
    rows = doctor(tmp_path, sprint_board(), kinds={**KINDS, "Advancement": "advancement",
                                                   "color:lime": "goal"})
    row = rows["trello kind labels"]
    assert (row.status, row.detail) == (
        "warn", "labels missing: Advancement, color:lime (no label of that colour without a "
                "name) (cards of those kinds are not read)")


def test_an_export_at_the_action_cap_says_which_completions_are_guesses(
    tmp_path: Path
) -> None:
    board = sprint_board()
    chore = {"id": "6b0000000000000000000000", "name": "Chore", "idList": board["lists"][0]["id"]}
    board["cards"].append(chore)
    # 1,000 updateCard actions (position changes of one chore): every older action, the
    # arrivals of the done cards among them, fell past the export's cap.
    board["actions"] = [{"id": f"6e00000000000000000{n:05d}", "type": "updateCard",
                         "date": f"2026-12-03T10:{n // 60 % 60:02d}:{n % 60:02d}.000Z",
                         "data": {"card": {"id": chore["id"]}, "old": {"pos": n}}}
                        for n in range(1000)]
    row = doctor(tmp_path, board)["trello export actions"]
    assert row.status == "warn"
    # The five modules in done lists (swept, copied, moved, converted, returned) have no
    # arrival left; the session in "Done #3" is dated by its creation, not a completion.
    assert row.detail == (
        "the export keeps only the newest 1,000 actions of each type: 5 cards in done lists "
        "have no record of arriving there (completion guessed from the last activity)"
    )
    assert row.fix == "read the board live ([sources.trello] board) for exact completion days"
    board["actions"] = board["actions"][:999]
    assert "trello export actions" not in doctor(tmp_path, board)


def test_run_checks_uses_the_export_doctor(tmp_path: Path) -> None:
    (tmp_path / "board.json").write_bytes(b"\xef\xbb\xbf[]")
    (tmp_path / "careerloop.toml").write_text(
        '[sources.trello]\nexport = "board.json"\n', encoding="utf-8")
    rows = {c.name: c for c in run_checks(tmp_path / "careerloop.toml")}
    assert rows["trello export"].status == "fail"
    assert "bare list of 0 items" in rows["trello export"].detail
