"""The one Trello board parser (fixtures in tests/fixtures/trello)."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from careerloop.config import TrelloSource
from careerloop.connectors.trello.read import parse_board, read_export
from careerloop.errors import SourceError
from careerloop.model import Advancement, Application, Goal, Milestone, Module, Session, Workspace

FIXTURES = Path(__file__).parent.parent / "fixtures" / "trello"
BERLIN = ZoneInfo("Europe/Berlin")
UTC = dt.UTC


def cid(n: int) -> str:
    """Card ids in the fixture: 6650a1b2c3d4e5f6a7b804xx."""
    return f"6650a1b2c3d4e5f6a7b8{0x400 + n:04x}"


G1, G2, M1, M2, M3, M4, M5, M6, M7, C1, S1, S2, A1, MS1, AD1, AD2 = (cid(n) for n in range(16))


def settings(**more: Any) -> TrelloSource:
    fields = {
        "minutes": "Minutes",
        "feedback": "Feedback",
        "track": "Track",
        "goal": "Goal",
        "kind": "Type",
        "vetted": "Vetted",
    }
    return TrelloSource(export="board.json", fields=fields, **more)


def load(name: str = "board.json") -> dict[str, Any]:
    board: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return board


@pytest.fixture(scope="module")
def workspace() -> Workspace:
    return read_export(FIXTURES / "board.json", settings(), BERLIN)


def by_id(workspace: Workspace) -> dict[str, Any]:
    return {r.source_id: r for r in workspace.records()}


def test_only_plan_cards_are_read(workspace: Workspace) -> None:
    ids = set(by_id(workspace))
    # M6 is archived, M7 sits in an archived list, C1 has no kind label.
    assert ids == {G1, G2, M1, M2, M3, M4, M5, S1, S2, A1, MS1, AD1, AD2}
    assert [m.source_id for m in workspace.modules] == [M1, M2, M3, M4, M5]


def test_goals(workspace: Workspace) -> None:
    assert workspace.goals == [
        Goal(
            id=f"trello:{G1}",
            source="trello",
            source_id=G1,
            title="Move into product management",
            url="https://trello.com/c/gOaL0001/move-into-product-management",
            updated_at=dt.datetime(2026, 6, 20, 8, 0, tzinfo=UTC),
            extra={"Effort": "high", "list": "Backlog"},
            target_date=dt.date(2027, 6, 30),
            done=False,
        ),
        Goal(
            id=f"trello:{G2}",
            source="trello",
            source_id=G2,
            title="Ship a side project",
            updated_at=dt.datetime(2026, 6, 20, 8, 0, tzinfo=UTC),
            extra={"list": "Done"},
            target_date=dt.date(2026, 5, 31),
            done=True,  # sits in Done
        ),
    ]


def test_module_moved_into_out_of_and_back_into_done(workspace: Workspace) -> None:
    assert by_id(workspace)[M1] == Module(
        id=f"trello:{M1}",
        source="trello",
        source_id=M1,
        title="SQL window functions 📊",
        url="https://trello.com/c/mOdL0001/sql-window-functions-📊",
        updated_at=dt.datetime(2026, 6, 20, 8, 0, tzinfo=UTC),
        # Effort is unmapped; the item of a deleted field is dropped; Urgent is no kind.
        extra={"Effort": "low", "labels": ["Urgent"], "list": "Done"},
        planned=dt.date(2026, 6, 3),  # due 22:30 UTC on June 2 is June 3 in Berlin
        completed=dt.date(2026, 6, 6),  # last move into Done: 22:30 UTC on June 5
        minutes=15.0,
        track="Data analytics",  # a list field: the option's text
        skills=("SQL",),
        goal_ids=(f"trello:{G1}",),  # "move into PRODUCT management", case-insensitive
        vetted=True,
    )


@pytest.mark.parametrize(
    ("card", "planned", "completed"),
    [
        (M2, dt.date(2026, 6, 10), None),  # moved into Done, then out again
        (M3, dt.date(2026, 6, 12), dt.date(2026, 6, 12)),  # dueComplete: its due date
        (M4, dt.date(2026, 6, 13), dt.date(2026, 6, 14)),  # start; in Done: last activity
        (M5, dt.date(2026, 6, 16), dt.date(2026, 6, 15)),  # created straight into Done
    ],
)
def test_module_dates(
    workspace: Workspace, card: str, planned: dt.date, completed: dt.date | None
) -> None:
    module = by_id(workspace)[card]
    assert (module.planned, module.completed) == (planned, completed)


def test_module_fields_and_checkbox_semantics(workspace: Workspace) -> None:
    records = by_id(workspace)
    m2, m3, m4 = records[M2], records[M3], records[M4]
    assert (m2.minutes, m2.track, m2.skills) == (10.0, "Product", ("Discovery",))
    assert m2.vetted is False  # checkbox field defined, no item: unticked
    assert (m3.minutes, m3.vetted, m3.goal_ids) == (12.5, False, ())
    assert (m4.minutes, m4.track, m4.updated_at) == (
        None,
        None,
        dt.datetime(2026, 6, 14, 9, 0, tzinfo=UTC),
    )


def test_unknown_goal_is_the_only_warning(workspace: Workspace) -> None:
    assert [(w.record_id, w.message) for w in workspace.warnings] == [
        (
            f"trello:{M3}",
            "Trello card 'Prioritisation frameworks': goal 'Become CTO' is not the title of a "
            "goal card; link left out",
        )
    ]


def test_sessions(workspace: Workspace) -> None:
    assert [
        (s.source_id, s.date, s.feedback, s.insights, s.action_items_done, s.action_items_total)
        for s in workspace.sessions
    ] == [
        (
            S1,
            dt.date(2026, 6, 4),
            4.0,
            # description, then comments oldest first (the API lists them newest first)
            "Focus on discovery before delivery.\n\nFollow up on the PRD template.\n\n"
            "Shared an interview script.",
            2,
            3,
        ),
        (S2, dt.date(2026, 6, 18), None, "", 0, 1),
    ]
    assert all(isinstance(s, Session) for s in workspace.sessions)


def test_applications_milestones_advancements(workspace: Workspace) -> None:
    records = by_id(workspace)
    application = records[A1]
    assert isinstance(application, Application)
    assert (application.date, application.skills) == (dt.date(2026, 6, 12), ("SQL", "Discovery"))
    milestone = records[MS1]
    assert isinstance(milestone, Milestone)
    assert (milestone.due, milestone.done_on, milestone.goal_ids) == (
        dt.date(2026, 6, 20),
        dt.date(2026, 6, 19),
        (f"trello:{G1}",),
    )
    assert workspace.advancements == [
        Advancement(
            id=f"trello:{AD1}",
            source="trello",
            source_id=AD1,
            title="Associate PM",
            updated_at=dt.datetime(2026, 6, 20, 8, 0, tzinfo=UTC),
            extra={"list": "Done"},
            date=dt.date(2026, 6, 30),
            kind="compensation",
            description="Moved to the product team.",
            skills=("Discovery",),
        ),
        Advancement(
            id=f"trello:{AD2}",
            source="trello",
            source_id=AD2,
            title="Product title",
            updated_at=dt.datetime(2026, 6, 20, 8, 0, tzinfo=UTC),
            extra={"list": "Done"},
            date=dt.date(2026, 6, 29),
            kind="role",  # no Type: the default
        ),
    ]


def test_appended_older_actions_and_duplicates_change_nothing() -> None:
    board = load()
    before = parse_board(board, settings(), BERLIN)
    merged = copy.deepcopy(board)
    older_move = copy.deepcopy(next(a for a in merged["actions"] if a["id"].endswith("0804")))
    older_move.update(id="6650a1b2c3d4e5f6a7b80799", date="2026-05-30T08:00:00.000Z")
    # The live connector appends an older page, which overlaps the first one.
    merged["actions"] += [copy.deepcopy(merged["actions"][0]), older_move]
    after = parse_board(merged, settings(), BERLIN)
    assert after.modules == before.modules
    assert after.sessions == before.sessions
    assert after.sessions[0].insights.count("Shared an interview script.") == 1


def test_board_without_custom_fields_checklists_or_actions() -> None:
    workspace = read_export(FIXTURES / "board_no_custom_fields.json", settings(), BERLIN)
    assert [r.source_id for r in workspace.records()] == [G1, M1, S1, MS1]
    module = workspace.modules[0]
    assert (module.minutes, module.track, module.vetted, module.goal_ids) == (None, None, None, ())
    # No actions: in Done, so its last activity.
    assert module.completed == dt.date(2026, 6, 20)
    session = workspace.sessions[0]
    assert (session.feedback, session.insights, session.action_items_total) == (
        None,
        "Focus on discovery before delivery.",
        0,
    )
    assert workspace.warnings == []


def tiny_board(card: dict[str, Any], **more: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "b1",
        "lists": [{"id": "l-todo", "name": "To do", "closed": False},
                  {"id": "l-done", "name": "Done", "closed": False}],
        "labels": [
            {"id": "lab-m", "name": "Microlearning"},
            {"id": "lab-s", "name": "Mentor session"},
            {"id": "lab-sql", "name": "Skill:SQL"},
        ],
        "customFields": [
            {"id": "cf-track", "name": "Track", "type": "list",
             "options": [{"id": "o1", "value": {"text": "Data"}}]},
            {"id": "cf-min", "name": "Minutes", "type": "number"},
        ],
        "cards": [{"id": "c1", "name": "Card", "idList": "l-todo", "closed": False, **card}],
    }
    base.update(more)
    return base


def test_labels_by_id_and_prefix_case() -> None:
    board = tiny_board({"idLabels": ["lab-m", "lab-sql"], "due": "2026-06-01"})
    [module] = parse_board(board, settings(), BERLIN).modules
    assert (module.skills, module.planned) == (("SQL",), dt.date(2026, 6, 1))


def test_several_kind_labels_and_bad_field_values_warn() -> None:
    card = {
        "labels": [{"name": "Microlearning"}, {"name": "Mentor session"}],
        "customFieldItems": [
            {"idCustomField": "cf-track", "idValue": "o-gone"},
            {"idCustomField": "cf-min", "value": {"number": "ten"}},
        ],
    }
    workspace = parse_board(tiny_board(card), settings(), BERLIN)
    [module] = workspace.modules
    assert (module.track, module.minutes) == (None, None)
    assert [w.message.split(": ", 1)[1] for w in workspace.warnings] == [
        "custom field 'Track' names an option that is gone",
        "custom field 'Minutes' holds 'ten', not a number",
        "has labels of several kinds (module, session); read as a module",
        # The card has neither due nor start date: no period can count it.
        "it counts in no period",
    ]


def test_move_into_a_done_list_that_is_no_longer_on_the_board_counts_by_name() -> None:
    card = {"labels": [{"name": "Microlearning"}], "idList": "l-done"}
    action = {
        "id": "a1",
        "type": "updateCard",
        "date": "2026-06-07T10:00:00.000Z",
        "data": {"card": {"id": "c1"}, "listBefore": {"id": "l-x", "name": "Doing"},
                 "listAfter": {"id": "l-old-done", "name": "Done"}},
    }
    board = tiny_board(card, actions=[action])
    [module] = parse_board(board, settings(), BERLIN).modules
    assert module.completed == dt.date(2026, 6, 7)


def test_custom_done_lists() -> None:
    card = {"labels": [{"name": "Microlearning"}], "dateLastActivity": "2026-06-09T10:00:00Z"}
    board = tiny_board(card)
    assert parse_board(board, settings(), BERLIN).modules[0].completed is None
    [module] = parse_board(board, settings(done_lists=["to do"]), BERLIN).modules
    assert module.completed == dt.date(2026, 6, 9)


def test_read_export_errors_name_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "board.json"
    with pytest.raises(SourceError, match=r"board\.json not found.*Export as JSON"):
        read_export(missing, settings(), BERLIN)
    missing.write_text('{"cards": [', encoding="utf-8")
    with pytest.raises(SourceError, match=r"board\.json is not valid JSON \(line 1"):
        read_export(missing, settings(), BERLIN)
    missing.write_text("[]", encoding="utf-8")
    with pytest.raises(SourceError, match="not a board export"):
        read_export(missing, settings(), BERLIN)
