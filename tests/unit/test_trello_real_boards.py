"""Real Trello boards: swept done lists, unnamed labels, undated cards, capped exports.

Most cases read tests/fixtures/trello/sprint_board.json, a board export shaped like the
ones Trello writes: sprint done lists ("Done #3", "Sprint 4 done") and an archive list
("  done 2026  ") the finished cards are swept into on 31 December; kind labels with a
colour and no name ("" and null); cards copied, moved from another board and converted
from a checklist item straight into a done list; sessions without due or start dates;
noise actions (`addMemberToCard`, `updateCard` of `pos`) that the live read never asks
for. The workspace is in Europe/Berlin (UTC+2 until 25 October 2026, then UTC+1).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from careerloop.config import TrelloSource, parse_config
from careerloop.connectors.trello.read import (
    DoneLists,
    actions_at_cap,
    parse_board,
    read_board,
    read_export,
)
from careerloop.errors import ConfigError, SourceError
from careerloop.model import Application, Goal, Milestone, Module, Workspace

FIXTURES = Path(__file__).parent.parent / "fixtures" / "trello"
SPRINT = FIXTURES / "sprint_board.json"
BERLIN = ZoneInfo("Europe/Berlin")
BOARD_ID = "6a9677f000005e1a00000001"
KINDS = {"color:red": "module", "color:purple": "application", "Mentor session": "session",
         "Milestone": "milestone", "Goal": "goal"}
FIELDS = {"feedback": "Feedback", "date": "Session date", "minutes": "Minutes"}


def sprint_settings(**more: Any) -> TrelloSource:
    values: dict[str, Any] = {"export": "sprint_board.json",
                              "done_lists": ["Done*", "Sprint * done"],
                              "kinds": KINDS, "fields": FIELDS}
    values.update(more)
    return TrelloSource(**values)


def sprint_board() -> dict[str, Any]:
    board: dict[str, Any] = json.loads(SPRINT.read_text(encoding="utf-8"))
    return board


@pytest.fixture(scope="module")
def workspace() -> Workspace:
    return read_export(SPRINT, sprint_settings(), BERLIN)


def titled(workspace: Workspace, title: str) -> Any:
    (record,) = [r for r in workspace.records() if r.title == title]
    return record


# -- completion: the first arrival in the done lists --------------------------------------


def test_a_sweep_into_an_archive_done_list_keeps_the_day_the_card_was_done(
    workspace: Workspace,
) -> None:
    # Doing → "Done #3" at 16:00 UTC on 3 November, "Done #3" → "done 2026" on
    # 31 December: the card was done on 3 November.
    module = titled(workspace, "Window functions course")
    assert isinstance(module, Module)
    assert module.completed == dt.date(2026, 11, 3)
    assert module.extra["list"] == "  done 2026  "


def test_leaving_the_done_lists_and_coming_back_dates_the_return(workspace: Workspace) -> None:
    # Into "Done #3" on 5 October, back to Doing on 8 October, into "Sprint 4 done" at
    # 22:30 UTC on 19 October (00:30 on 20 October in Berlin), swept on 31 December.
    assert titled(workspace, "Statistics refresher").completed == dt.date(2026, 10, 20)


@pytest.mark.parametrize(
    ("title", "completed"),
    [
        ("Pricing course (copy)", dt.date(2026, 10, 10)),  # copyCard into "Done #3"
        ("Negotiation workshop", dt.date(2026, 10, 12)),  # moveCardToBoard into Sprint 4 done
        ("Read the SRE book ch. 4", dt.date(2026, 10, 15)),  # convertToCardFromCheckItem
    ],
)
def test_cards_copied_moved_or_converted_into_a_done_list_are_done_that_day(
    workspace: Workspace, title: str, completed: dt.date
) -> None:
    # Their last activity (21 October, 30 October, 2 November) is not their completion.
    assert titled(workspace, title).completed == completed


def test_due_complete_without_a_due_date_outside_the_done_lists_completes_nothing(
    workspace: Workspace,
) -> None:
    module = titled(workspace, "Half-finished course")  # dueComplete: true, due: null, Doing
    assert (module.planned, module.completed) == (None, None)
    board = tiny_board([{"id": "c1", "name": "Someday", "idList": "l-todo",
                         "labels": [{"name": "Goal"}], "dueComplete": True, "due": None}])
    (goal,) = parse_board(board, TrelloSource(export="x"), BERLIN).goals
    assert goal.done is False


def test_a_move_between_done_lists_with_its_arrival_lost_is_not_an_arrival() -> None:
    # Only the sweep survives (an export at the cap lost the older moves): the card's
    # completion falls back to its due date when complete, not to the sweep.
    card = {"id": "c1", "name": "Course", "idList": "l-arch", "labels": [{"name": "Microlearning"}],
            "due": "2026-11-02T10:00:00.000Z", "dueComplete": True,
            "dateLastActivity": "2026-12-31T09:00:00.000Z"}
    sweep = move("a1", "c1", "2026-12-31T09:00:00.000Z", ("l-done", "Done"),
                 ("l-arch", "Done 2026"))
    board = tiny_board([card], actions=[sweep])
    (module,) = parse_board(board, TrelloSource(export="x", done_lists=["Done*"]), BERLIN).modules
    assert module.completed == dt.date(2026, 11, 2)


# -- done lists by pattern -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("patterns", "name", "done"),
    [
        (["Done*"], "Done", True),
        (["Done*"], "  done   2026 ", True),  # trimmed, inner spaces collapsed, any case
        (["Done*"], "DONE! 🙌🏽", True),
        (["Done*"], "Undone", False),
        (["Sprint * done"], "Sprint 4 Done", True),
        (["Sprint * done"], "Sprint 4 doing", False),
        ([" done "], "Done", True),  # a plain name: trimmed and case-insensitive
        (["Done"], "Done 2022", False),  # a plain name is matched whole
        (["Done [2022]"], "done [2022]", True),  # brackets in a plain name are no class
    ],
)
def test_done_list_patterns(patterns: list[str], name: str, done: bool) -> None:
    assert DoneLists.of(TrelloSource(export="x", done_lists=patterns)).match(name) is done


# -- labels without a name -----------------------------------------------------------------


def test_color_kinds_match_labels_without_a_name_only(workspace: Workspace) -> None:
    titles = {r.title for r in workspace.records()}
    # "Fix the fence" has a red label named "Urgent": a named label is not color:red.
    assert "Fix the fence" not in titles
    # Unnamed red ("name": "") are modules; unnamed purple ("name": null) an application.
    assert [m.title for m in workspace.modules] == [
        "Window functions course", "Pricing course (copy)", "Negotiation workshop",
        "Read the SRE book ch. 4", "Statistics refresher", "Half-finished course",
    ]
    application = titled(workspace, "Used window functions at work")
    assert isinstance(application, Application) and application.skills == ("SQL",)


def test_kind_labels_match_case_insensitively_and_labels_found_only_on_cards(
    workspace: Workspace,
) -> None:
    # The board's label is "goal" and the key "Goal"; the "Milestone" label sits only on
    # its card (the board's labels[] lacks it).
    assert isinstance(titled(workspace, "Become a staff engineer"), Goal)
    assert isinstance(titled(workspace, "Promotion packet sent"), Milestone)
    # A card that carries only idLabels finds that label through the other card.
    board = sprint_board()
    milestone = next(c for c in board["cards"] if c["name"] == "Promotion packet sent")
    board["cards"].append({**{k: v for k, v in milestone.items() if k != "labels"},
                           "id": "6ad0000000005e1a00000099", "name": "Talk accepted"})
    assert [m.title for m in parse_board(board, sprint_settings(), BERLIN).milestones] == [
        "Promotion packet sent", "Talk accepted"
    ]


def test_unnamed_labels_stay_out_of_extra_and_skills(workspace: Workspace) -> None:
    module = titled(workspace, "Pricing course (copy)")
    assert "labels" not in module.extra and module.skills == ()


def test_a_color_key_must_name_a_trello_colour() -> None:
    with pytest.raises(ConfigError, match=r"'redd' is not a Trello label colour.*'red'"):
        parse_config({"sources": {"trello": {"export": "b.json",
                                             "kinds": {"color:redd": "module"}}}})
    source = TrelloSource(export="x", kinds={"Color: Sky_Dark": "goal"})
    board = tiny_board([{"id": "c1", "name": "Lead a team", "idList": "l-todo",
                         "labels": [{"id": "x", "name": None, "color": "sky_dark"}]}])
    assert [g.title for g in parse_board(board, source, BERLIN).goals] == ["Lead a team"]


# -- undated cards -------------------------------------------------------------------------


def test_undated_sessions_take_their_arrival_then_their_creation(workspace: Workspace) -> None:
    sessions = {s.title: s for s in workspace.sessions}
    # Moved into "Done #3" at 23:30 UTC on 22 October: 23 October in Berlin (UTC+2).
    assert sessions["Mentor chat with Priya"].date == dt.date(2026, 10, 23)
    # In Doing, never done: its id starts 6ac57668 = 1791325800 s = 22:30 UTC on
    # 6 October, 00:30 on 7 October in Berlin.
    assert sessions["Mentor chat with Sam"].date == dt.date(2026, 10, 7)
    # A "Session date" date custom field (mapped as `date`) comes before any fallback.
    assert sessions["Mentor chat with Lee"].date == dt.date(2026, 10, 9)
    # An undated application in To do: id 6acdf310 = 1791882000 s = 09:00 UTC, 13 Oct.
    assert titled(workspace, "Used window functions at work").date == dt.date(2026, 10, 13)


def test_one_warning_per_fallback_and_kind_names_the_cards(workspace: Workspace) -> None:
    board_warnings = [w.message for w in workspace.warnings if w.record_id == f"trello:{BOARD_ID}"]
    assert board_warnings == [
        "1 session dated by the day it reached a done list (no due or start date): "
        "'Mentor chat with Priya'",
        "1 session dated by the card's creation (no due or start date): 'Mentor chat with Sam'",
        "1 application dated by the card's creation (no due or start date): "
        "'Used window functions at work'",
    ]
    plan = read_board(sprint_board(), sprint_settings(), BERLIN)
    assert {key: len(titles) for key, titles in plan.dated_by.items()} == {
        ("session", "done"): 1, ("session", "created"): 1, ("application", "created"): 1,
    }


def test_fallback_counts_are_plural_and_list_three_cards() -> None:
    cards = [{"id": f"6a0000000000000000000{n:03d}", "name": f"Chat {n}", "idList": "l-done",
              "labels": [{"name": "Mentor session"}]} for n in range(4)]
    actions = [move(f"a{n}", c["id"], f"2026-10-0{n + 1}T10:00:00.000Z", ("l-todo", "To do"),
                    ("l-done", "Done")) for n, c in enumerate(cards)]
    workspace = parse_board(tiny_board(cards, actions=actions), TrelloSource(export="x"), BERLIN)
    assert [s.date for s in workspace.sessions] == [dt.date(2026, 10, d) for d in (1, 2, 3, 4)]
    assert [w.message for w in workspace.warnings] == [
        "4 sessions dated by the day they reached a done list (no due or start date): "
        "'Chat 0', 'Chat 1', 'Chat 2', …"
    ]


def test_milestones_and_goals_are_never_given_a_guessed_date(workspace: Workspace) -> None:
    milestone = titled(workspace, "Promotion packet sent")
    goal = titled(workspace, "Become a staff engineer")
    assert (milestone.due, milestone.done_on, goal.target_date) == (None, None, None)
    warnings = {w.record_id: w.message for w in workspace.warnings}
    assert warnings[milestone.id] == (
        "milestone 'Promotion packet sent' has no due date: it counts in no period"
    )
    assert warnings[goal.id] == (
        "Trello card 'Become a staff engineer': no due or start date, so the goal has no "
        "target date"
    )


# -- custom fields -------------------------------------------------------------------------


def test_a_star_dropdown_is_a_number(workspace: Workspace) -> None:
    sessions = {s.title: s for s in workspace.sessions}
    assert sessions["Mentor chat with Priya"].feedback == 4.0  # option "⭐⭐⭐⭐"
    assert sessions["Mentor chat with Lee"].feedback == 2.0  # option "⭐⭐"
    card = {"id": "c1", "name": "Chat", "idList": "l-todo", "due": "2026-10-01",
            "labels": [{"name": "Mentor session"}],
            "customFieldItems": [{"idCustomField": "cf-fb", "value": {"text": "★★★"}}]}
    fields = [{"id": "cf-fb", "name": "Feedback", "type": "text"}]
    (session,) = parse_board(tiny_board([card], customFields=fields),
                             TrelloSource(export="x"), BERLIN).sessions
    assert session.feedback == 3.0


def test_a_date_custom_field_feeds_any_date_field() -> None:
    fields = [{"id": "cf-p", "name": "Planned for", "type": "date"},
              {"id": "cf-c", "name": "Finished on", "type": "date"},
              {"id": "cf-t", "name": "Deadline", "type": "text"}]
    module = {"id": "c1", "name": "Course", "idList": "l-todo",
              "due": "2026-12-01T10:00:00.000Z", "labels": [{"name": "Microlearning"}],
              "customFieldItems": [
                  {"idCustomField": "cf-p", "value": {"date": "2026-10-31T23:30:00.000Z"}},
                  {"idCustomField": "cf-c", "value": {"date": "2026-11-04T09:00:00.000Z"}}]}
    milestone = {"id": "c2", "name": "Talk", "idList": "l-todo", "labels": [{"name": "Milestone"}],
                 "customFieldItems": [{"idCustomField": "cf-t", "value": {"text": "2026-11-20"}}]}
    goal = {"id": "c3", "name": "Staff", "idList": "l-todo", "labels": [{"name": "Goal"}],
            "customFieldItems": [{"idCustomField": "cf-t", "value": {"text": "next year"}}]}
    source = TrelloSource(export="x", fields={"planned": "Planned for", "completed": "Finished on",
                                              "due": "Deadline", "target_date": "Deadline"})
    workspace = parse_board(tiny_board([module, milestone, goal], customFields=fields),
                            source, BERLIN)
    (read,) = workspace.modules
    # 23:30 UTC on 31 October is 00:30 on 1 November in Berlin (UTC+1 after 25 October);
    # the field wins over the due date, and a completion date completes the card in To do.
    assert (read.planned, read.completed) == (dt.date(2026, 11, 1), dt.date(2026, 11, 4))
    assert workspace.milestones[0].due == dt.date(2026, 11, 20)
    assert workspace.goals[0].target_date is None
    assert "Trello card 'Staff': custom field 'Deadline' 'next year' is not a date" in [
        w.message for w in workspace.warnings
    ]


# -- exports at the 1,000-actions cap ------------------------------------------------------


def capped_board(moves: int) -> dict[str, Any]:
    """A card in Done with no arrival action, and `moves` list moves of other cards."""
    done = {"id": "6a0000000000000000000001", "name": "Old course", "idList": "l-done",
            "labels": [{"name": "Microlearning"}], "dateLastActivity": "2026-12-31T09:00:00.000Z"}
    others = [{"id": f"6b00000000000000000{n:05d}", "name": f"Chore {n}", "idList": "l-todo"}
              for n in range(moves)]
    actions = [move(f"6c00000000000000000{n:05d}", others[n]["id"],
                    (dt.datetime(2026, 12, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=n))
                    .strftime("%Y-%m-%dT%H:%M:%S.000Z"), ("l-done", "Done"), ("l-todo", "To do"))
               for n in range(moves)]
    return tiny_board([done, *others], actions=actions)


def test_an_export_at_the_action_cap_says_a_completion_is_a_guess(tmp_path: Path) -> None:
    path = tmp_path / "board.json"
    path.write_text(json.dumps(capped_board(1000)), encoding="utf-8")
    workspace = read_export(path, TrelloSource(export="board.json"), BERLIN)
    (module,) = workspace.modules
    assert module.completed == dt.date(2026, 12, 31)  # its last activity: a guess
    (warning,) = workspace.warnings
    assert warning.message == (
        "1 card in a done list ('Old course') has no record of arriving there: the export "
        "keeps only the newest 1,000 actions of each type, so the completion day is a guess "
        "from the last activity; read the board live ([sources.trello] board) for exact days"
    )


def test_an_export_under_the_cap_or_a_live_read_guesses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "board.json"
    path.write_text(json.dumps(capped_board(999)), encoding="utf-8")
    assert not actions_at_cap(capped_board(999)) and actions_at_cap(capped_board(1000))
    assert read_export(path, TrelloSource(export="board.json"), BERLIN).warnings == []
    # The live read pages every action: the same board read live warns of nothing.
    assert parse_board(capped_board(1000), TrelloSource(export="x"), BERLIN).warnings == []


# -- export files --------------------------------------------------------------------------


def test_an_export_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    path = tmp_path / "board.json"
    path.write_bytes(b"\xef\xbb\xbf" + SPRINT.read_bytes())
    assert read_export(path, sprint_settings(), BERLIN).records() == read_export(
        SPRINT, sprint_settings(), BERLIN).records()


def account_export() -> dict[str, Any]:
    groceries = {"id": "6a0000000000000000000abc", "name": "Groceries", "shortLink": "GrOcEr1e",
                 "lists": [], "cards": [], "labels": []}
    return {"id": "member1", "username": "ada", "boards": [groceries, sprint_board()]}


def test_an_account_export_needs_its_board_named(tmp_path: Path) -> None:
    path = tmp_path / "account.json"
    path.write_text(json.dumps(account_export(), ensure_ascii=False), encoding="utf-8")
    with pytest.raises(SourceError) as caught:
        read_export(path, sprint_settings(), BERLIN)
    assert str(caught.value) == (
        f"Trello export {path} holds 2 boards ('Groceries', 'Sprint board 🚀'): set "
        "[sources.trello] board to the id or URL of the one to read, or export that board alone"
    )
    chosen = read_export(path, sprint_settings(board="https://trello.com/b/SpRiNt42/sprint"),
                         BERLIN)
    assert chosen.records() == read_export(SPRINT, sprint_settings(), BERLIN).records()
    with pytest.raises(SourceError, match=r"\('Groceries', 'Sprint board 🚀'\), none of them"):
        read_export(path, sprint_settings(board="AbCd1234"), BERLIN)
    single = copy.deepcopy(account_export())
    single["boards"] = single["boards"][1:]
    path.write_text(json.dumps(single), encoding="utf-8")
    assert len(read_export(path, sprint_settings(), BERLIN).modules) == 6


def test_a_bare_array_of_cards_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "cards.json"
    path.write_text(json.dumps(sprint_board()["cards"]), encoding="utf-8")
    with pytest.raises(SourceError) as caught:
        read_export(path, sprint_settings(), BERLIN)
    assert str(caught.value) == (
        f"Trello export {path} is a bare list of 15 items, not a board export (its lists and "
        "labels are needed): export the board from its menu (Print, export and share → "
        "Export as JSON)"
    )


def test_null_labels_and_custom_fields_read_as_none(tmp_path: Path) -> None:
    board = sprint_board()
    board.update(labels=None, customFields=None, checklists=None)
    workspace = parse_board(board, sprint_settings(), BERLIN)
    # Labels still come from the cards; without definitions no custom field is read.
    assert len(workspace.modules) == 6
    assert all(s.feedback is None for s in workspace.sessions)


# -- helpers -------------------------------------------------------------------------------


def move(action_id: str, card_id: str, when: str, before: tuple[str, str],
         after: tuple[str, str]) -> dict[str, Any]:
    """An `updateCard` list move as Trello records it."""
    return {"id": action_id, "type": "updateCard", "date": when,
            "data": {"card": {"id": card_id, "idList": after[0]}, "old": {"idList": before[0]},
                     "listBefore": {"id": before[0], "name": before[1]},
                     "listAfter": {"id": after[0], "name": after[1]}}}


def tiny_board(cards: list[dict[str, Any]], **more: Any) -> dict[str, Any]:
    board: dict[str, Any] = {
        "id": "b1",
        "lists": [{"id": "l-todo", "name": "To do", "closed": False},
                  {"id": "l-done", "name": "Done", "closed": False},
                  {"id": "l-arch", "name": "Done 2026", "closed": False}],
        "labels": [],
        "cards": [{"closed": False, **card} for card in cards],
    }
    board.update(more)
    return board

