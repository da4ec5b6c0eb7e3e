"""Notion CSV exports through the shared mapping (fixtures in tests/fixtures/notion_csv)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from careerloop.config import GoalsMapping, ModulesMapping, NotionSource, SessionsMapping
from careerloop.connectors.files.notion_csv import read_notion_csv, read_notion_exports, slugify
from careerloop.errors import SourceError
from careerloop.model import (
    Advancement,
    Application,
    Goal,
    Module,
    Session,
    Workspace,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "notion_csv"
BERLIN = ZoneInfo("Europe/Berlin")

PM = "file:goal:move-into-product-management"
DISCOVERY = "file:goal:lead-discovery-end-to-end"


def all_tables() -> NotionSource:
    return NotionSource(
        goals={"csv": "Goals.csv"},
        modules={"csv": "Modules.csv"},
        sessions={"csv": "Sessions.csv"},
        applications={"csv": "Applications.csv"},
        milestones={"csv": "Milestones.csv"},
        advancements={"csv": "Advancements.csv"},
    )


@pytest.fixture(scope="module")
def workspace() -> Workspace:
    return read_notion_exports(all_tables(), lambda p: FIXTURES / p, BERLIN)


def test_fixture_files_are_realistic_exports() -> None:
    # Guards the fixtures themselves: a BOM, CRLF in one file, a quoted newline.
    assert (FIXTURES / "Modules.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in (FIXTURES / "Sessions.csv").read_bytes()
    assert not (FIXTURES / "Applications.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_goals(workspace: Workspace) -> None:
    assert workspace.goals == [
        Goal(
            id=PM,
            source="file",
            source_id="goal:move-into-product-management",
            title="🚀 Move into product management",
            horizon="12m",
            target_date=dt.date(2027, 6, 30),
            done=False,
        ),
        Goal(
            id=DISCOVERY,
            source="file",
            source_id="goal:lead-discovery-end-to-end",
            title="Lead discovery, end to end",
            horizon="6m",
            target_date=dt.date(2026, 12, 31),
            done=False,
        ),
        Goal(
            id="file:goal:ship-a-side-project",
            source="file",
            source_id="goal:ship-a-side-project",
            title="Ship a side project",
            horizon="6m",
            target_date=dt.date(2026, 9, 30),  # written 2026/09/30
            done=True,
        ),
    ]


def test_module_with_bom_title_emoji_datetime_and_multiline_extra(workspace: Workspace) -> None:
    first = workspace.modules[0]
    assert first == Module(
        id="file:module:sql-window-functions",
        source="file",
        source_id="module:sql-window-functions",
        title="📊 SQL window functions",
        extra={"Notes": "Great, short\nrecap with examples"},
        planned=dt.date(2026, 6, 2),
        completed=dt.date(2026, 6, 3),  # "June 3, 2026 11:30 PM" is local: stays June 3
        minutes=15.0,
        format="video",
        track="Data analytics",
        skills=("SQL", "Analytics"),
        goal_ids=(PM,),
        vetted=True,
        provider="Coursera",
    )


def test_relations_with_commas_in_titles_resolve_to_goal_ids(workspace: Workspace) -> None:
    discovery = workspace.modules[1]
    assert discovery.title == "Product discovery basics"
    assert discovery.goal_ids == (DISCOVERY, PM)
    assert discovery.vetted is False  # "No"
    goal_ids = {g.id for g in workspace.goals}
    linked = {i for m in workspace.modules for i in m.goal_ids}
    linked |= {i for m in workspace.milestones for i in m.goal_ids}
    assert linked <= goal_ids


def test_done_without_completed_date_uses_planned_date_and_warns(workspace: Workspace) -> None:
    discovery = workspace.modules[1]
    assert discovery.completed == dt.date(2026, 6, 5)  # its planned date
    messages = [w.message for w in workspace.warnings if w.record_id == discovery.id]
    assert messages == [
        "Notion CSV export Modules.csv, 'Product discovery basics': marked done without a "
        "'Completed' date; "
        "counted as completed on 2026-06-05"
    ]


def test_range_empty_cells_and_bad_values(workspace: Workspace) -> None:
    interviews = workspace.modules[2]
    assert interviews.id == "file:module:stakeholder-interviews"
    assert interviews.planned == dt.date(2026, 6, 30)  # start of "June 30 → July 2"
    assert interviews.completed is None
    assert interviews.minutes is None  # "twenty"
    assert interviews.vetted is None  # empty cell
    assert interviews.provider is None
    assert interviews.goal_ids == ()  # "Become CTO" is not a goal
    assert sorted(w.message.split(": ", 1)[1] for w in workspace.warnings
                  if w.record_id == interviews.id) == [
        "'Minutes' holds 'twenty', not a number; minutes left empty",
        "goal 'Become CTO' is not among the goals read; link left out",
    ]


def test_duplicate_titles_get_distinct_ids(workspace: Workspace) -> None:
    drills = [m for m in workspace.modules if m.title == "Daily SQL drill"]
    assert [(m.id, m.planned, m.completed) for m in drills] == [
        ("file:module:daily-sql-drill", dt.date(2026, 6, 10), dt.date(2026, 6, 10)),
        ("file:module:daily-sql-drill-2", dt.date(2026, 6, 11), None),
    ]


def test_sessions_with_crlf_and_empty_numbers(workspace: Workspace) -> None:
    assert workspace.sessions == [
        Session(
            id="file:session:mentor-check-in-1",
            source="file",
            source_id="session:mentor-check-in-1",
            title="Mentor check-in #1",
            date=dt.date(2026, 6, 4),
            mentor="Ana Souza",
            feedback=4.0,
            insights="Prioritise by impact, not effort.\nWrite the PRD before the designs.",
            action_items_done=2,
            action_items_total=3,
        ),
        Session(
            id="file:session:mentor-check-in-2",
            source="file",
            source_id="session:mentor-check-in-2",
            title="Mentor check-in #2",
            date=dt.date(2026, 6, 18),
            mentor="Ana Souza",
            feedback=4.5,
            insights="",
            action_items_done=0,
            action_items_total=0,
        ),
    ]


def test_applications_milestones_advancements(workspace: Workspace) -> None:
    assert workspace.applications == [
        Application(
            id="file:application:cohort-analysis-for-churn",
            source="file",
            source_id="application:cohort-analysis-for-churn",
            title="Cohort analysis for churn",
            date=dt.date(2026, 6, 12),
            skills=("SQL", "Analytics"),
            project="Churn dashboard",  # a relation cell: its title, not the URL
        )
    ]
    assert [(m.title, m.due, m.done_on, m.goal_ids) for m in workspace.milestones] == [
        ("First PRD shipped", dt.date(2026, 6, 20), dt.date(2026, 6, 19), (PM,)),
        # Done without a "Done on" date: its due date stands in.
        ("Run five customer interviews", dt.date(2026, 6, 30), dt.date(2026, 6, 30), (DISCOVERY,)),
    ]
    assert workspace.advancements == [
        Advancement(
            id="file:advancement:associate-pm",
            source="file",
            source_id="advancement:associate-pm",
            title="Associate PM 🎉",
            date=dt.date(2026, 6, 30),
            kind="role",
            description="Moved to the product team, reporting to the CPO.",
            skills=("Discovery", "SQL"),
        )
    ]


def test_last_edited_column_gives_updated_at_and_completion_date(tmp_path: Path) -> None:
    path = tmp_path / "Modules.csv"
    path.write_text(
        "Name,Planned,Status,Last edited time\n"
        'Roadmapping,"June 12, 2026",Done,"June 14, 2026 9:15 AM"\n',
        encoding="utf-8",
    )
    records, warnings = read_notion_csv(path, "module", ModulesMapping(), tz=BERLIN)
    assert len(records) == 1 and isinstance(records[0], Module)
    assert records[0].completed == dt.date(2026, 6, 14)
    assert records[0].updated_at == dt.datetime(2026, 6, 14, 9, 15, tzinfo=BERLIN)
    # No Completed column at all: the date used is still said.
    assert [w.message for w in warnings] == [
        "Notion CSV export Modules.csv, 'Roadmapping': marked done with no completed date "
        "property; counted as completed on 2026-06-14, its last edit"
    ]


def test_goal_done_checkbox_column(tmp_path: Path) -> None:
    path = tmp_path / "Goals.csv"
    path.write_text("Name,Achieved\nBecome PM,Yes\nShip it,No\n", encoding="utf-8")
    records, _ = read_notion_csv(path, "goal", GoalsMapping(done="Achieved"), tz=BERLIN)
    assert [(r.title, isinstance(r, Goal) and r.done) for r in records] == [
        ("Become PM", True),
        ("Ship it", False),
    ]


def test_explicit_column_missing_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "Sessions.csv"
    path.write_text("Name,Date\nCheck-in,2026-06-01\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"Sessions\.csv.*'Score'.*feedback"):
        read_notion_csv(path, "session", SessionsMapping(feedback="Score"), tz=BERLIN)
    records, _ = read_notion_csv(path, "session", SessionsMapping(), tz=BERLIN)
    assert isinstance(records[0], Session) and records[0].feedback is None


def test_missing_file_names_path_and_config_key(tmp_path: Path) -> None:
    source = NotionSource(modules={"csv": "exports/Modules.csv"})
    with pytest.raises(SourceError) as info:
        read_notion_exports(source, lambda p: tmp_path / p, BERLIN)
    message = str(info.value)
    assert str(tmp_path / "exports/Modules.csv") in message
    assert "Export" in message and "sources.notion.modules.csv" in message


def test_not_utf8_and_empty_files(tmp_path: Path) -> None:
    latin = tmp_path / "Goals.csv"
    latin.write_bytes("Name\nCaf\xe9 goal\n".encode("latin-1"))
    with pytest.raises(SourceError, match="not UTF-8"):
        read_notion_csv(latin, "goal", GoalsMapping(), tz=BERLIN)
    empty = tmp_path / "Empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(SourceError, match="no header row"):
        read_notion_csv(empty, "goal", GoalsMapping(), tz=BERLIN)


def test_tables_with_a_data_source_are_left_to_the_live_connector() -> None:
    source = NotionSource(
        goals={"csv": "Goals.csv"},
        modules={"csv": "Modules.csv", "data_source": "abc"},
    )
    workspace = read_notion_exports(source, lambda p: FIXTURES / p, BERLIN)
    assert len(workspace.goals) == 3 and workspace.modules == []


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("📊 SQL window functions", "sql-window-functions"),
        ("Café au lait", "cafe-au-lait"),
        ("Mentor check-in #1", "mentor-check-in-1"),
        ("", "untitled"),
        ("🎉", "untitled"),
    ],
)
def test_slugify(title: str, slug: str) -> None:
    assert slugify(title) == slug


# --- a real "Markdown & CSV" export (tests/fixtures/notion_csv/markdown_export) ---------

MARKDOWN_EXPORT = FIXTURES / "markdown_export"
GOALS_CSV = "Career goals 2b1e4f0a9c3d4e7f8a6b5c4d3e2f1a0b_all.csv"
MODULES_CSV = "Learning modules 71c5e2d8b4a94f0e9d3c2b1a0f9e8d7c_all.csv"
SESSIONS_CSV = "Mentor sessions 5d4c3b2a19f8e7d6c5b4a3928170f6e5.csv"


@pytest.fixture(scope="module")
def exported() -> Workspace:
    source = NotionSource(
        goals={"csv": GOALS_CSV},
        modules={"csv": MODULES_CSV, "vetted": "Verification"},
        sessions={"csv": SESSIONS_CSV},
    )
    return read_notion_exports(source, lambda p: MARKDOWN_EXPORT / p, BERLIN)


def test_md_relation_links_are_goal_links(exported: Workspace) -> None:
    pm = "file:goal:move-into-product-management"
    loop = "file:goal:ship-measure-learn-the-pm-loop"
    assert [g.id for g in exported.goals] == [pm, loop]
    assert [m.goal_ids for m in exported.modules] == [
        (pm, loop),  # two links; the second title holds commas and parentheses
        (loop,),
        (),  # no goal
        (pm,),  # a link without text: the title comes from the file name
    ]
    # Four modules completed in February 2025, three linked to a goal: alignment 3/4,
    # where the same links read as plain text gave 0/4.
    february = [m for m in exported.modules
                if m.completed and (m.completed.year, m.completed.month) == (2025, 2)]
    assert sum(1 for m in february if m.goal_ids) / len(february) == 0.75
    assert not [w for w in exported.warnings if "not among the goals" in w.message]


def test_md_relation_feeds_text_fields_with_the_link_text(exported: Workspace) -> None:
    assert [m.track for m in exported.modules] == ["Product", "Data & analytics", "Product", None]
    assert [s.mentor for s in exported.sessions] == [
        "Ana Souza", "Bo Lindqvist, Ana Souza", "Bo Lindqvist",
    ]


def test_date_ranges_give_deadlines_their_end_and_other_dates_their_start(
    exported: Workspace,
) -> None:
    goal = exported.goals[0]
    assert isinstance(goal, Goal)
    assert goal.target_date == dt.date(2025, 6, 30)  # "January 6, 2025 → June 30, 2025"
    metrics = exported.modules[1]
    assert metrics.planned == dt.date(2025, 2, 10)  # "February 10, 2025 → February 14, 2025"
    # Done with an empty Completed cell: its planned date, said in a warning.
    assert metrics.completed == dt.date(2025, 2, 10)
    assert [w.message for w in exported.warnings if w.record_id == metrics.id] == [
        f"Notion CSV export {MODULES_CSV}, 'Metrics that matter (AARRR, North Star)': marked "
        "done without a 'Completed' date; counted as completed on 2025-02-10"
    ]


def test_verification_column_feeds_vetted(exported: Workspace) -> None:
    assert [m.vetted for m in exported.modules] == [True, False, None, True]


def test_slashed_dates_read_day_first_when_one_cell_says_so(exported: Workspace) -> None:
    # "17/02/2025" only makes sense day-first, so "03/02/2025" is February 3 and
    # "04/03/2025" March 4, not March 2 and April 3.
    assert [s.date for s in exported.sessions] == [
        dt.date(2025, 2, 3), dt.date(2025, 2, 17), dt.date(2025, 3, 4),
    ]
    assert [s.feedback for s in exported.sessions] == [4.0, 3.0, 5.0]  # star selects
    assert not [w for w in exported.warnings if "slashed" in w.message]


def write_sessions(tmp_path: Path, dates: list[str]) -> Path:
    path = tmp_path / "Sessions.csv"
    rows = "".join(f"Session {n},{day}\n" for n, day in enumerate(dates, 1))
    path.write_text("Name,Date\n" + rows, encoding="utf-8-sig")
    return path


def test_slashed_dates_read_month_first_when_one_cell_says_so(tmp_path: Path) -> None:
    path = write_sessions(tmp_path, ["03/02/2025", "02/17/2025 4:30 PM", "04/03/2025"])
    records, warnings = read_notion_csv(path, "session", SessionsMapping(), tz=BERLIN)
    assert [r.date for r in records if isinstance(r, Session)] == [
        dt.date(2025, 3, 2), dt.date(2025, 2, 17), dt.date(2025, 4, 3),
    ]
    assert warnings == []


def test_an_ambiguous_slashed_column_is_read_month_first_with_one_warning(
    tmp_path: Path,
) -> None:
    path = write_sessions(tmp_path, ["03/02/2025", "04/03/2025", "05/05/2025", ""])
    records, warnings = read_notion_csv(path, "session", SessionsMapping(), tz=BERLIN)
    assert [r.date for r in records if isinstance(r, Session)][:3] == [
        dt.date(2025, 3, 2), dt.date(2025, 4, 3), dt.date(2025, 5, 5),
    ]
    column = [w for w in warnings if "slashed" in w.message]
    assert [(w.record_id, w.message) for w in column] == [(
        "file:session",
        "Notion CSV export Sessions.csv: column 'Date' has slashed dates that read either way "
        "(03/02); read month-first (month/day/year). Export with Notion's \"Full date\" "
        "format to be sure",
    )]


def test_a_slashed_column_of_both_orders_is_named(tmp_path: Path) -> None:
    path = write_sessions(tmp_path, ["23/04/2025", "04/23/2025", "01/02/2025"])
    records, warnings = read_notion_csv(path, "session", SessionsMapping(), tz=BERLIN)
    # Day-first where it makes sense (23/04, 01/02), month-first where only that does.
    assert [r.date for r in records if isinstance(r, Session)] == [
        dt.date(2025, 4, 23), dt.date(2025, 4, 23), dt.date(2025, 2, 1),
    ]
    assert [w.message for w in warnings if "slashed" in w.message] == [
        "Notion CSV export Sessions.csv: column 'Date' mixes day-first and month-first "
        "slashed dates; read day-first where that makes sense, the others month-first"
    ]


def test_slashes_inside_text_are_not_dates(tmp_path: Path) -> None:
    path = tmp_path / "Sessions.csv"
    path.write_text(
        "Name,Date,Insights\nCheck-in,12/31/2025,Ship 1/2 of the scope by 3/4/2026 latest\n",
        encoding="utf-8",
    )
    records, _ = read_notion_csv(path, "session", SessionsMapping(), tz=BERLIN)
    session = records[0]
    assert isinstance(session, Session) and session.date == dt.date(2025, 12, 31)
    assert session.insights == "Ship 1/2 of the scope by 3/4/2026 latest"


def test_a_note_ending_in_a_file_link_is_text_not_a_relation(tmp_path: Path) -> None:
    mentors = "Mentors%209f8e7d6c5b4a39281706f5e4d3c2b1a0"
    path = tmp_path / "Sessions.csv"
    path.write_text(
        "Name,Date,Mentor,Insights\n"
        f"Check-in,\"June 2, 2026\",Ana Souza ({mentors}/Ana%20Souza.md),"
        "Wrote the decision record (docs/adr/0001.md)\n"
        f"Retro,\"June 9, 2026\",Ana Souza ({mentors}/Ana%20Souza.md),Keep the demo short\n",
        encoding="utf-8",
    )
    records, _ = read_notion_csv(path, "session", SessionsMapping(), tz=BERLIN)
    assert [(r.mentor, r.insights) for r in records if isinstance(r, Session)] == [
        ("Ana Souza", "Wrote the decision record (docs/adr/0001.md)"),
        ("Ana Souza", "Keep the demo short"),
    ]
