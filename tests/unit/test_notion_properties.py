"""Notion values from the API and from CSV cells, and the one row -> record mapping."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from careerloop.config import (
    AdvancementsMapping,
    ApplicationsMapping,
    GoalsMapping,
    MilestonesMapping,
    ModulesMapping,
    SessionsMapping,
)
from careerloop.connectors.notion.properties import (
    DateRange,
    PageRow,
    Relation,
    Value,
    is_empty,
    json_safe,
    nameless_people,
    parse_relation_text,
    property_value,
    record_from_row,
    to_bool,
    to_date,
    to_datetime,
    to_number,
    to_relation,
    to_strings,
    to_text,
    truncated_relations,
    truncated_rollups,
)
from careerloop.errors import SourceError
from careerloop.model import (
    Advancement,
    Application,
    DataWarning,
    Goal,
    Milestone,
    Module,
    Session,
)

BERLIN = ZoneInfo("Europe/Berlin")
UTC = dt.UTC


def rich(text: str) -> list[dict[str, Any]]:
    """A rich text array as the API sends it (split in two runs to test joining)."""
    half = len(text) // 2
    return [
        {"type": "text", "text": {"content": part}, "plain_text": part, "annotations": {}}
        for part in (text[:half], text[half:])
        if part
    ]


def prop(kind: str, value: Any, **more: Any) -> dict[str, Any]:
    return {"id": "abc%3D", "type": kind, kind: value, **more}


# --- API property values -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (prop("title", rich("📊 SQL window functions")), "📊 SQL window functions"),
        (prop("rich_text", rich("Prioritise by impact")), "Prioritise by impact"),
        (prop("rich_text", []), ""),
        (prop("number", 15), 15.0),
        (prop("number", None), None),
        (prop("select", {"id": "s1", "name": "video", "color": "blue"}), "video"),
        (prop("select", None), None),
        (prop("status", {"id": "st", "name": "Done", "color": "green"}), "Done"),
        (
            prop("multi_select", [{"id": "a", "name": "SQL"}, {"id": "b", "name": "Analytics"}]),
            ["SQL", "Analytics"],
        ),
        (
            prop("date", {"start": "2026-06-30", "end": None, "time_zone": None}),
            dt.date(2026, 6, 30),
        ),
        (
            prop("date", {"start": "2026-06-30T23:30:00.000+00:00", "end": None}),
            dt.datetime(2026, 6, 30, 23, 30, tzinfo=UTC),
        ),
        (prop("date", None), None),
        (prop("checkbox", True), True),
        (prop("checkbox", False), False),
        (prop("url", "https://example.org/course"), "https://example.org/course"),
        (prop("email", "ana@example.org"), "ana@example.org"),
        (prop("phone_number", None), None),
        (
            prop("people", [{"object": "user", "id": "u1", "name": "Ana Souza"}, {"id": "u2"}]),
            ["Ana Souza"],
        ),
        (
            prop("relation", [{"id": "g-1"}, {"id": "g-2"}], has_more=True),
            Relation(ids=("g-1", "g-2"), has_more=True),
        ),
        (prop("relation", []), Relation()),
        (prop("formula", {"type": "string", "string": "case study"}), "case study"),
        (prop("formula", {"type": "number", "number": 2}), 2.0),
        (prop("formula", {"type": "boolean", "boolean": False}), False),
        (
            prop("formula", {"type": "date", "date": {"start": "2026-07-01", "end": None}}),
            dt.date(2026, 7, 1),
        ),
        (prop("rollup", {"type": "number", "number": 42, "function": "sum"}), 42.0),
        (
            prop("rollup", {"type": "date", "date": {"start": "2026-06-02"}, "function": "latest"}),
            dt.date(2026, 6, 2),
        ),
        (
            prop(
                "rollup",
                {
                    "type": "array",
                    "function": "show_original",
                    "array": [
                        {"type": "title", "title": rich("Become PM")},
                        {"type": "title", "title": []},
                        {"type": "multi_select", "multi_select": [{"name": "SQL"}]},
                    ],
                },
            ),
            ["Become PM", ["SQL"]],
        ),
        (prop("rollup", {"type": "unsupported", "unsupported": {}, "function": "x"}), None),
        (
            prop("created_time", "2026-06-01T08:00:00.000Z"),
            dt.datetime(2026, 6, 1, 8, 0, tzinfo=UTC),
        ),
        (
            prop("last_edited_time", "2026-06-30T22:10:00.000Z"),
            dt.datetime(2026, 6, 30, 22, 10, tzinfo=UTC),
        ),
        (prop("unique_id", {"prefix": "MOD", "number": 7}), "MOD-7"),
        (prop("unique_id", {"prefix": None, "number": 7}), "7"),
        (prop("button", {}), None),
    ],
)
def test_property_value_normalises_every_api_type(given: dict[str, Any], expected: Value) -> None:
    assert property_value(given) == expected


def test_date_with_a_time_zone_but_no_offset_is_wall_time_in_that_zone() -> None:
    value = property_value(
        prop("date", {"start": "2026-06-30T23:30:00", "end": None, "time_zone": "America/New_York"})
    )
    # 23:30 in New York is 05:30 on July 1 in Berlin.
    assert to_date(value, BERLIN) == dt.date(2026, 7, 1)


def test_truncated_relations_lists_relations_cut_at_25() -> None:
    page = {
        "properties": {
            "Goals": prop("relation", [{"id": "g"}] * 25, has_more=True),
            "Skills": prop("relation", [{"id": "s"}], has_more=False),
            "Name": prop("title", rich("x")),
        }
    }
    assert truncated_relations(page) == [("Goals", "abc%3D")]


# --- coercion ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("June 30, 2026", dt.date(2026, 6, 30)),
        ("June 30, 2026 11:30 PM", dt.date(2026, 6, 30)),  # local: not shifted
        ("Jun 3, 2026 9:05 AM", dt.date(2026, 6, 3)),
        ("June 30, 2026 → July 2, 2026", dt.date(2026, 6, 30)),
        ("June 30, 2026 11:30 PM (GMT+2)", dt.date(2026, 6, 30)),
        ("2026/06/30", dt.date(2026, 6, 30)),
        ("06/30/2026", dt.date(2026, 6, 30)),
        ("2026-06-30", dt.date(2026, 6, 30)),
        ("2026-06-30T23:30:00Z", dt.date(2026, 7, 1)),  # 01:30 in Berlin
        ("2026-06-30T23:30:00", dt.date(2026, 6, 30)),  # naive: already local
        (dt.datetime(2026, 6, 30, 22, 30, tzinfo=UTC), dt.date(2026, 7, 1)),
        (dt.datetime(2026, 6, 30, 23, 59), dt.date(2026, 6, 30)),
        (dt.date(2026, 2, 1), dt.date(2026, 2, 1)),
        ([dt.date(2026, 2, 1), dt.date(2026, 3, 1)], dt.date(2026, 2, 1)),
        ("", None),
        ("next week", None),
        (3.0, None),
        (True, None),
    ],
)
def test_to_date(given: Value, expected: dt.date | None) -> None:
    assert to_date(given, BERLIN) == expected


def test_to_datetime_takes_csv_text_as_workspace_time() -> None:
    assert to_datetime("June 30, 2026 11:30 PM", BERLIN) == dt.datetime(
        2026, 6, 30, 23, 30, tzinfo=BERLIN
    )
    assert to_datetime(dt.date(2026, 6, 30), BERLIN) == dt.datetime(2026, 6, 30, tzinfo=BERLIN)
    assert to_datetime("soon", BERLIN) is None


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (15.0, 15.0),
        (3, 3.0),
        ("42", 42.0),
        (" 12.5 ", 12.5),
        ("1,234.5", 1234.5),
        ("1 234", 1234.0),
        ("75%", 0.75),
        ("$1,200", 1200.0),
        ("-3", -3.0),
        ("⭐⭐⭐⭐", 4.0),
        (["7"], 7.0),
        ("twenty", None),
        ("1,2,3", None),
        ("nan", None),
        ("", None),
        (True, None),
        (dt.date(2026, 1, 1), None),
        (["1", "2"], None),
        (None, None),
    ],
)
def test_to_number(given: Value, expected: float | None) -> None:
    assert to_number(given) == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("  video  ", "video"),
        ("", None),
        (15.0, "15"),
        (4.5, "4.5"),
        (["Ana Souza", "Ben Ode"], "Ana Souza, Ben Ode"),
        (dt.date(2026, 6, 30), "2026-06-30"),
        (Relation(ids=("x",), titles=("Churn dashboard",)), "Churn dashboard"),
        (Relation(ids=("x",)), None),
        (True, None),
    ],
)
def test_to_text(given: Value, expected: str | None) -> None:
    assert to_text(given) == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("SQL, Analytics", ("SQL", "Analytics")),
        ("SQL", ("SQL",)),
        ("", ()),
        (["SQL", "Product sense"], ("SQL", "Product sense")),
        (["Become PM", ["SQL"]], ("Become PM", "SQL")),
        (Relation(titles=("A, B", "C")), ("A, B", "C")),
        (True, None),
        (dt.date(2026, 1, 1), None),
    ],
)
def test_to_strings(given: Value, expected: tuple[str, ...] | None) -> None:
    assert to_strings(given) == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (True, True),
        (False, False),
        ("Yes", True),
        ("No", False),
        ("true", True),
        ("maybe", None),
        ("", None),
        (1.0, None),
    ],
)
def test_to_bool(given: Value, expected: bool | None) -> None:
    assert to_bool(given) == expected


HEX_A = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
HEX_B = "1b2c3d4e5f60718293a4b5c6d7e8f90a"


def test_relation_cell_splits_after_each_url_not_on_commas() -> None:
    cell = (
        f"Lead discovery, end to end (https://www.notion.so/Lead-discovery-end-to-end-{HEX_A}), "
        f"Ship v2 (beta), then iterate (https://www.notion.so/Ship-v2-beta-then-iterate-{HEX_B}"
        "?pvs=21)"
    )
    relation = parse_relation_text(cell)
    assert relation == Relation(
        ids=("0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9", "1b2c3d4e-5f60-7182-93a4-b5c6d7e8f90a"),
        titles=("Lead discovery, end to end", "Ship v2 (beta), then iterate"),
    )


@pytest.mark.parametrize(
    "text", ["", "Just a title", f"Broken (https://www.notion.so/x-{HEX_A}) trailing"]
)
def test_text_that_is_not_a_relation_cell(text: str) -> None:
    assert parse_relation_text(text) is None


def test_a_relation_cell_with_spaces_around_it_still_reads() -> None:
    # A cell is stripped before the cheap check that it ends in a link's ")".
    cell = f"  Ship it (https://www.notion.so/Ship-it-{HEX_A})\n"
    assert parse_relation_text(cell) == Relation(
        ids=("0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9",), titles=("Ship it",)
    )
    assert parse_relation_text(cell.strip()) == parse_relation_text(cell)


def test_the_same_date_text_reads_the_same_every_time() -> None:
    # Each distinct text is parsed once and kept: a repeat gives the same value back.
    first = to_date("June 30, 2026 11:30 PM", BERLIN)
    again = to_date("June 30, 2026 11:30 PM", BERLIN)
    assert first == again == dt.date(2026, 6, 30)
    assert to_date("June 30, 2026 → July 2, 2026", BERLIN, end=True) == dt.date(2026, 7, 2)
    assert to_date("June 30, 2026 → July 2, 2026", BERLIN) == dt.date(2026, 6, 30)


def test_to_relation_accepts_titles_when_no_url_is_given() -> None:
    assert to_relation("Become PM, Ship it") == Relation(titles=("Become PM", "Ship it"))
    assert to_relation(["Become PM"]) == Relation(titles=("Become PM",))
    assert to_relation(3.0) is None


def test_is_empty_and_json_safe() -> None:
    assert is_empty(None) and is_empty("  ") and is_empty([]) and is_empty(Relation())
    assert not is_empty(False) and not is_empty(0.0) and not is_empty("x")
    assert json_safe([dt.date(2026, 6, 30), Relation(ids=("a",))]) == ["2026-06-30", ["a"]]


# --- the mapping step, on API pages ------------------------------------------------------


def page(properties: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {
        "object": "page",
        "id": "7f3e2a10-4b5c-4d6e-8f90-a1b2c3d4e5f6",
        "url": "https://www.notion.so/SQL-window-functions-7f3e2a104b5c4d6e8f90a1b2c3d4e5f6",
        "created_time": "2026-05-20T08:00:00.000Z",
        "last_edited_time": "2026-06-30T22:10:00.000Z",
        "in_trash": False,
        "properties": properties,
        **more,
    }


def module_properties() -> dict[str, Any]:
    return {
        "Name": prop("title", rich("📊 SQL window functions")),
        "Planned": prop("date", {"start": "2026-06-02", "end": None}),
        "Completed": prop("date", {"start": "2026-06-03T22:30:00.000+00:00", "end": None}),
        "Status": prop("status", {"name": "Done"}),
        "Minutes": prop("number", 15),
        "Format": prop("select", {"name": "video"}),
        "Track": prop("select", {"name": "Data analytics"}),
        "Skills": prop("multi_select", [{"name": "SQL"}, {"name": "Analytics"}]),
        "Goals": prop("relation", [{"id": "goal-1"}, {"id": "goal-2"}], has_more=False),
        "Vetted": prop("checkbox", True),
        "Provider": prop("rich_text", rich("Coursera")),
        "Notes": prop("rich_text", rich("Great recap")),
        "Due soon": prop("formula", {"type": "boolean", "boolean": True}),
    }


def test_module_from_an_api_page() -> None:
    warnings: list[DataWarning] = []
    record = record_from_row(
        PageRow(page(module_properties())),
        "module",
        ModulesMapping(),
        tz=BERLIN,
        where="Notion data source Modules",
        warnings=warnings,
    )
    assert record == Module(
        id="notion:7f3e2a10-4b5c-4d6e-8f90-a1b2c3d4e5f6",
        source="notion",
        source_id="7f3e2a10-4b5c-4d6e-8f90-a1b2c3d4e5f6",
        title="📊 SQL window functions",
        url="https://www.notion.so/SQL-window-functions-7f3e2a104b5c4d6e8f90a1b2c3d4e5f6",
        updated_at=dt.datetime(2026, 6, 30, 22, 10, tzinfo=UTC),
        extra={"Notes": "Great recap", "Due soon": True},
        planned=dt.date(2026, 6, 2),
        completed=dt.date(2026, 6, 4),  # 22:30 UTC on June 3 is 00:30 on June 4 in Berlin
        minutes=15.0,
        format="video",
        track="Data analytics",
        skills=("SQL", "Analytics"),
        goal_ids=("notion:goal-1", "notion:goal-2"),
        vetted=True,
        provider="Coursera",
    )
    assert warnings == []


def test_done_module_without_completed_property_counts_on_last_edited_date() -> None:
    properties = module_properties()
    del properties["Completed"]
    record = record_from_row(
        PageRow(page(properties)), "module", ModulesMapping(), tz=BERLIN, where="M", warnings=[]
    )
    assert isinstance(record, Module)
    # last_edited_time 2026-06-30T22:10Z is July 1 in Berlin.
    assert record.completed == dt.date(2026, 7, 1)


def test_module_checkbox_status_counts_as_done() -> None:
    properties = module_properties()
    del properties["Completed"]
    properties["Finished"] = prop("checkbox", True)
    mapping = ModulesMapping(status="Finished")
    record = record_from_row(
        PageRow(page(properties)), "module", mapping, tz=BERLIN, where="M", warnings=[]
    )
    assert isinstance(record, Module) and record.completed == dt.date(2026, 7, 1)
    properties["Finished"] = prop("checkbox", False)
    record = record_from_row(
        PageRow(page(properties)), "module", mapping, tz=BERLIN, where="M", warnings=[]
    )
    assert isinstance(record, Module) and record.completed is None


def test_module_not_done_has_no_completed_date() -> None:
    properties = module_properties()
    properties["Completed"] = prop("date", None)
    properties["Status"] = prop("status", {"name": "In progress"})
    record = record_from_row(
        PageRow(page(properties)), "module", ModulesMapping(), tz=BERLIN, where="M", warnings=[]
    )
    assert isinstance(record, Module) and record.completed is None


def test_missing_explicit_property_is_an_error_naming_source_and_property() -> None:
    with pytest.raises(SourceError, match=r"Notion data source Modules.*'Finished on'.*completed"):
        record_from_row(
            PageRow(page(module_properties())),
            "module",
            ModulesMapping(completed="Finished on"),
            tz=BERLIN,
            where="Notion data source Modules",
            warnings=[],
        )


def test_missing_default_named_property_is_skipped() -> None:
    properties = module_properties()
    del properties["Provider"], properties["Vetted"], properties["Minutes"]
    record = record_from_row(
        PageRow(page(properties)), "module", ModulesMapping(), tz=BERLIN, where="M", warnings=[]
    )
    assert isinstance(record, Module)
    assert (record.provider, record.vetted, record.minutes) == (None, None, None)
    assert record.title == "📊 SQL window functions"


def test_wrong_shaped_value_becomes_a_warning_not_a_crash() -> None:
    properties = module_properties()
    properties["Minutes"] = prop("rich_text", rich("about ten"))
    properties["Planned"] = prop("checkbox", True)
    warnings: list[DataWarning] = []
    record = record_from_row(
        PageRow(page(properties)),
        "module",
        ModulesMapping(),
        tz=BERLIN,
        where="M",
        warnings=warnings,
    )
    assert isinstance(record, Module)
    assert (record.minutes, record.planned) == (None, None)
    assert [w.record_id for w in warnings] == ["notion:7f3e2a10-4b5c-4d6e-8f90-a1b2c3d4e5f6"] * 2
    assert "'Planned' holds 'True', not a date" in warnings[0].message
    assert "'Minutes' holds 'about ten', not a number" in warnings[1].message


def test_truncated_relation_warns() -> None:
    properties = module_properties()
    properties["Goals"] = prop("relation", [{"id": "goal-1"}], has_more=True)
    warnings: list[DataWarning] = []
    record_from_row(
        PageRow(page(properties)),
        "module",
        ModulesMapping(),
        tz=BERLIN,
        where="M",
        warnings=warnings,
    )
    assert len(warnings) == 1 and "cut at 25" in warnings[0].message


def test_explicit_title_property_overrides_the_title_column() -> None:
    properties = module_properties()
    properties["Short name"] = prop("rich_text", rich("SQL windows"))
    record = record_from_row(
        PageRow(page(properties)),
        "module",
        ModulesMapping(title="Short name"),
        tz=BERLIN,
        where="M",
        warnings=[],
    )
    assert record.title == "SQL windows"
    assert record.extra["Name"] == "📊 SQL window functions"  # not mapped, so kept as extra


def test_goal_done_from_checkbox_or_status() -> None:
    base = {
        "Name": prop("title", rich("Become PM")),
        "Horizon": prop("select", {"name": "12m"}),
        "Target date": prop("date", {"start": "2027-06-30"}),
        "Status": prop("status", {"name": "In progress"}),
        "Achieved": prop("checkbox", True),
    }
    ticked = record_from_row(
        PageRow(page(base)),
        "goal",
        GoalsMapping(done="Achieved"),
        tz=BERLIN,
        where="G",
        warnings=[],
    )
    assert ticked == Goal(
        id="notion:7f3e2a10-4b5c-4d6e-8f90-a1b2c3d4e5f6",
        source="notion",
        source_id="7f3e2a10-4b5c-4d6e-8f90-a1b2c3d4e5f6",
        title="Become PM",
        url=page({})["url"],
        updated_at=dt.datetime(2026, 6, 30, 22, 10, tzinfo=UTC),
        extra={},
        horizon="12m",
        target_date=dt.date(2027, 6, 30),
        done=True,
    )
    open_goal = record_from_row(
        PageRow(page(base)), "goal", GoalsMapping(), tz=BERLIN, where="G", warnings=[]
    )
    assert isinstance(open_goal, Goal) and open_goal.done is False
    assert open_goal.extra == {"Achieved": True}
    base["Status"] = prop("status", {"name": "done"})  # done_values compare case-insensitively
    closed = record_from_row(
        PageRow(page(base)), "goal", GoalsMapping(), tz=BERLIN, where="G", warnings=[]
    )
    assert isinstance(closed, Goal) and closed.done is True


def test_session_with_action_items_from_two_numbers_and_people_as_mentor() -> None:
    properties = {
        "Name": prop("title", rich("Mentor check-in #1")),
        "Date": prop("date", {"start": "2026-06-04T18:00:00.000+02:00"}),
        "Mentor": prop("people", [{"id": "u1", "name": "Ana Souza"}]),
        "Feedback": prop("select", {"name": "4"}),
        "Insights": prop("rich_text", rich("Prioritise by impact.")),
        "Action items done": prop("formula", {"type": "number", "number": 2}),
        "Action items total": prop("rollup", {"type": "number", "number": 3, "function": "count"}),
    }
    record = record_from_row(
        PageRow(page(properties)), "session", SessionsMapping(), tz=BERLIN, where="S", warnings=[]
    )
    assert isinstance(record, Session)
    assert (record.date, record.mentor, record.feedback) == (dt.date(2026, 6, 4), "Ana Souza", 4.0)
    assert record.insights == "Prioritise by impact."
    assert (record.action_items_done, record.action_items_total) == (2, 3)


def test_milestone_done_on_falls_back_to_last_edited_date() -> None:
    properties = {
        "Name": prop("title", rich("First PRD shipped")),
        "Due": prop("date", {"start": "2026-06-20"}),
        "Status": prop("select", {"name": "Done"}),
        "Goals": prop("relation", [{"id": "goal-1"}]),
    }
    record = record_from_row(
        PageRow(page(properties)), "milestone", MilestonesMapping(), tz=BERLIN, where="MS",
        warnings=[],
    )
    assert record == Milestone(
        id="notion:7f3e2a10-4b5c-4d6e-8f90-a1b2c3d4e5f6",
        source="notion",
        source_id="7f3e2a10-4b5c-4d6e-8f90-a1b2c3d4e5f6",
        title="First PRD shipped",
        url=page({})["url"],
        updated_at=dt.datetime(2026, 6, 30, 22, 10, tzinfo=UTC),
        due=dt.date(2026, 6, 20),
        done_on=dt.date(2026, 7, 1),
        goal_ids=("notion:goal-1",),
    )


def test_advancement_kind_is_lower_case_and_defaults_to_role() -> None:
    properties = {
        "Name": prop("title", rich("Associate PM")),
        "Date": prop("date", {"start": "2026-06-30"}),
        "Kind": prop("select", {"name": "Compensation"}),
        "Description": prop("rich_text", rich("Raise with the move.")),
        "Skills": prop("multi_select", [{"name": "Discovery"}]),
    }
    record = record_from_row(
        PageRow(page(properties)), "advancement", AdvancementsMapping(), tz=BERLIN, where="A",
        warnings=[],
    )
    assert isinstance(record, Advancement)
    assert (record.kind, record.description, record.skills) == (
        "compensation",
        "Raise with the move.",
        ("Discovery",),
    )
    properties["Kind"] = prop("select", None)
    record = record_from_row(
        PageRow(page(properties)), "advancement", AdvancementsMapping(), tz=BERLIN, where="A",
        warnings=[],
    )
    assert isinstance(record, Advancement) and record.kind == "role"


# --- real workspaces: shapes the API and the exports really send -------------------------


def test_md_relation_cell_splits_on_the_link_form_and_takes_the_id_from_the_file_name() -> None:
    folder = "Projects%20&%20Tasks%20c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4"
    cell = (
        f"Marketing campaign ({folder}/Marketing%20campaign%20"
        "88ac0cea4cb245efb44d63ace0a37d1e.md), "
        f"Launch v2 (beta), then iterate ({folder}/Launch%20v2%20(beta),%20then%20iterate%20"
        f"{HEX_A}.md), "
        f"Old page ({folder}/Old%20page.md)"
    )
    assert parse_relation_text(cell) == Relation(
        ids=("88ac0cea-4cb2-45ef-b44d-63ace0a37d1e", "0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9", ""),
        titles=("Marketing campaign", "Launch v2 (beta), then iterate", "Old page"),
    )
    # A link without text is named by its file name, without the id.
    assert parse_relation_text(f"({folder}/Caf%C3%A9%20talk%20{HEX_B}.md)") == Relation(
        ids=("1b2c3d4e-5f60-7182-93a4-b5c6d7e8f90a",), titles=("Café talk",)
    )


def test_md_and_url_links_mix_in_one_cell() -> None:
    cell = (f"Become PM (https://www.notion.so/Become-PM-{HEX_A}?pvs=21), "
            f"Ship it (Goals/Ship%20it%20{HEX_B}.md)")
    relation = parse_relation_text(cell)
    assert relation is not None and relation.titles == ("Become PM", "Ship it")


def test_date_property_with_an_end_is_a_range() -> None:
    value = property_value(prop("date", {"start": "2026-04-23", "end": "2026-05-22",
                                         "time_zone": None}))
    assert value == DateRange(start=dt.date(2026, 4, 23), end=dt.date(2026, 5, 22))
    assert to_date(value, BERLIN) == dt.date(2026, 4, 23)
    assert to_date(value, BERLIN, end=True) == dt.date(2026, 5, 22)
    assert to_text(value) == json_safe(value) == "2026-04-23 → 2026-05-22"
    # A CSV cell reads the same way.
    assert to_date("April 23, 2024 → May 22, 2024", BERLIN, end=True) == dt.date(2024, 5, 22)
    assert to_date("April 23, 2024 → May 22, 2024", BERLIN) == dt.date(2024, 4, 23)


def test_a_range_gives_target_date_and_due_its_end_and_other_fields_its_start() -> None:
    window = prop("date", {"start": "2026-10-05T09:00:00.000+02:00",
                           "end": "2026-12-18T17:00:00.000+01:00", "time_zone": None})
    goal = record_from_row(
        PageRow(page({"Name": prop("title", rich("Become PM")), "Target date": window})),
        "goal", GoalsMapping(), tz=BERLIN, where="G", warnings=[],
    )
    assert isinstance(goal, Goal) and goal.target_date == dt.date(2026, 12, 18)
    milestone = record_from_row(
        PageRow(page({"Name": prop("title", rich("PRD")), "Due": window})),
        "milestone", MilestonesMapping(), tz=BERLIN, where="MS", warnings=[],
    )
    assert isinstance(milestone, Milestone) and milestone.due == dt.date(2026, 12, 18)
    module = record_from_row(
        PageRow(page({"Name": prop("title", rich("SQL")), "Planned": window})),
        "module", ModulesMapping(), tz=BERLIN, where="M", warnings=[],
    )
    assert isinstance(module, Module) and module.planned == dt.date(2026, 10, 5)


def dates_rollup(*starts: str) -> dict[str, Any]:
    return prop("rollup", {
        "type": "array", "function": "show_original",
        "array": [{"type": "date", "date": {"start": s, "end": None, "time_zone": None}}
                  for s in starts],
    })


def numbers_rollup(*numbers: float | None) -> dict[str, Any]:
    return prop("rollup", {
        "type": "array", "function": "show_original",
        "array": [{"type": "number", "number": n} for n in numbers],
    })


def test_rollups_of_original_values() -> None:
    properties = {
        "Name": prop("title", rich("Interview practice")),
        "Planned": dates_rollup("2026-10-14", "2026-10-02", "2026-10-09"),
        "Completed": dates_rollup("2026-10-03", "2026-10-21", "2026-10-10"),
        "Status": prop("status", {"name": "Done"}),
        "Minutes": numbers_rollup(12, 7.5, None, 20),
        "Skills": prop("rollup", {"type": "array", "function": "show_original", "array": [
            {"type": "multi_select", "multi_select": [{"name": "Interviewing"}]},
            {"type": "multi_select", "multi_select": [{"name": "SQL"}, {"name": "Storytelling"}]},
        ]}),
        "Vetted": prop("verification", {"state": "verified", "verified_by": None,
                                        "date": {"start": "2026-09-01", "end": None}}),
    }
    warnings: list[DataWarning] = []
    module = record_from_row(
        PageRow(page(properties)), "module", ModulesMapping(), tz=BERLIN, where="M",
        warnings=warnings,
    )
    assert isinstance(module, Module)
    assert module.planned == dt.date(2026, 10, 2)  # the earliest of Oct 14, 2, 9
    assert module.completed == dt.date(2026, 10, 21)  # the latest of Oct 3, 21, 10
    assert module.minutes == 39.5  # 12 + 7.5 + 20 (an empty number adds nothing)
    assert module.skills == ("Interviewing", "SQL", "Storytelling")
    assert module.vetted is True
    assert warnings == []


def test_milestone_done_on_from_a_rollup_is_the_latest_and_due_the_earliest() -> None:
    properties = {
        "Name": prop("title", rich("Discovery sprint")),
        "Due": dates_rollup("2026-11-30", "2026-11-15"),
        "Done on": dates_rollup("2026-11-10", "2026-11-12"),
    }
    milestone = record_from_row(
        PageRow(page(properties)), "milestone", MilestonesMapping(), tz=BERLIN, where="MS",
        warnings=[],
    )
    assert isinstance(milestone, Milestone)
    assert (milestone.due, milestone.done_on) == (dt.date(2026, 11, 15), dt.date(2026, 11, 12))


@pytest.mark.parametrize(
    ("state", "vetted"), [("verified", True), ("unverified", False), ("expired", False)]
)
def test_verification_property_feeds_vetted(state: str, vetted: bool) -> None:
    value = property_value(prop("verification", {"state": state, "verified_by": None,
                                                 "date": None}))
    assert to_bool(value) is vetted


def test_rollups_cut_with_their_relation_are_found() -> None:
    schema = {
        "Sessions": {"id": "rel1", "type": "relation", "relation": {"data_source_id": "s"}},
        "Skills": {"id": "rel2", "type": "relation", "relation": {"data_source_id": "k"}},
        "Last session": {"id": "ro1", "type": "rollup", "rollup": {
            "relation_property_name": "Sessions", "relation_property_id": "rel1",
            "rollup_property_name": "Date", "rollup_property_id": "d", "function": "latest_date"}},
        "Skill count": {"id": "ro2", "type": "rollup", "rollup": {
            "relation_property_name": "Skills", "relation_property_id": "rel2",
            "rollup_property_name": "Name", "rollup_property_id": "title", "function": "count"}},
    }
    cut = page({
        "Sessions": {"id": "rel1", "type": "relation", "relation": [{"id": "x"}] * 25,
                     "has_more": True},
        "Skills": {"id": "rel2", "type": "relation", "relation": [{"id": "y"}],
                   "has_more": False},
        "Last session": {"id": "ro1", "type": "rollup", "rollup": {"type": "date"}},
        "Skill count": {"id": "ro2", "type": "rollup", "rollup": {"type": "number"}},
    })
    names = ["Last session", "Skill count"]
    assert truncated_rollups(cut, schema, names) == [("Last session", "ro1")]
    assert truncated_rollups(cut, schema, ["Skill count"]) == []


def test_relation_titles_feed_a_text_or_list_field() -> None:
    properties = {
        "Name": prop("title", rich("Roadmap review")),
        "Date": prop("date", {"start": "2026-10-07", "end": None}),
        "Mentor": prop("relation", [{"id": "m-1"}, {"id": "m-2"}], has_more=False),
    }
    titles = {"m-1": "Ana Souza", "m-2": "Bo Lindqvist", "m-3": "Chen Wei"}
    session = record_from_row(
        PageRow(page(properties), titles=titles), "session", SessionsMapping(), tz=BERLIN,
        where="S", warnings=[],
    )
    assert isinstance(session, Session) and session.mentor == "Ana Souza, Bo Lindqvist"
    application = record_from_row(
        PageRow(page({"Name": prop("title", rich("Pricing page")),
                      "Skills": prop("relation", [{"id": "m-3"}, {"id": "gone"}])}),
                titles=titles),
        "application", ApplicationsMapping(), tz=BERLIN, where="A", warnings=[],
    )
    assert isinstance(application, Application) and application.skills == ("Chen Wei",)


def test_people_without_names_are_recognised() -> None:
    # What an integration without the "Read user information" capability receives.
    hidden = prop("people", [{"object": "user", "id": "9a3f0c1e-4b2d-4e6f-8a7b-1c2d3e4f5a6b"}])
    shown = prop("people", [{"object": "user", "id": "u1", "name": "Ana Souza",
                             "type": "person", "person": {"email": "ana@example.org"}}])
    assert nameless_people(hidden) and not nameless_people(shown)
    assert not nameless_people(prop("people", []))
    assert property_value(hidden) == []


def test_done_module_without_any_completed_property_is_warned_of() -> None:
    properties = module_properties()
    del properties["Completed"]
    warnings: list[DataWarning] = []
    record = record_from_row(
        PageRow(page(properties)), "module", ModulesMapping(), tz=BERLIN, where="M",
        warnings=warnings,
    )
    assert isinstance(record, Module) and record.completed == dt.date(2026, 7, 1)
    assert [w.message for w in warnings] == [
        "M, '📊 SQL window functions': marked done with no completed date property; "
        "counted as completed on 2026-07-01, its last edit"
    ]
