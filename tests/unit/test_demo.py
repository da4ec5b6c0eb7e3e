"""The embedded sample workspace that `careerloop demo` runs on."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from careerloop.config import parse_config
from careerloop.connectors.files.demo import plan_months, write_demo_workspace
from careerloop.periods import Period

TODAYS = [
    dt.date(2026, 10, 14),  # first month of a quarter
    dt.date(2026, 12, 31),  # last day of a quarter
    dt.date(2027, 1, 1),  # first day of a year
    dt.date(2026, 2, 28),
    dt.date(2026, 8, 3),
]

COLUMNS = {
    "Goals": ["Name", "Horizon", "Target date", "Status"],
    "Modules": [
        "Name", "Planned", "Completed", "Status", "Minutes", "Format", "Track", "Skills",
        "Goals", "Vetted", "Provider", "Notes",
    ],
    "Milestones": ["Name", "Due", "Done on", "Status", "Goals"],
    "Advancements": ["Name", "Date", "Kind", "Description", "Skills"],
}  # fmt: skip

RELATION = re.compile(r"^[^,()]+ \(https://www\.notion\.so/[A-Za-z0-9-]+-[0-9a-f]{32}\)$")
TRELLO_ID = re.compile(r"^[0-9a-f]{24}$")


def notion_date(text: str) -> dt.date | None:
    """A date cell of a Notion export, with or without a time."""
    if not text:
        return None
    for pattern in ("%B %d, %Y %I:%M %p", "%B %d, %Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise AssertionError(f"not a Notion date: {text!r}")


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def trello_day(timestamp: str) -> dt.date:
    """The Berlin date of a Trello timestamp."""
    from zoneinfo import ZoneInfo

    moment = dt.datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    return moment.astimezone(ZoneInfo("Europe/Berlin")).date()


class Demo:
    """The files of one generated sample, parsed just enough to check them."""

    def __init__(self, root: Path, today: dt.date) -> None:
        self.root, self.today = root, today
        self.toml = write_demo_workspace(root, today)
        self.csv = {name: read_csv(root / "notion" / f"{name}.csv") for name in COLUMNS}
        self.board: dict[str, Any] = json.loads((root / "trello" / "board.json").read_text())

    def completed_modules(self) -> list[dict[str, str]]:
        return [row for row in self.csv["Modules"] if row["Completed"]]

    def plan_cards(self, label: str) -> list[dict[str, Any]]:
        """Cards of a kind that are part of the plan (not archived, not in an archived list)."""
        archived = {lst["id"] for lst in self.board["lists"] if lst["closed"]}
        return [
            card
            for card in self.board["cards"]
            if not card["closed"]
            and card["idList"] not in archived
            and label in {lab["name"] for lab in card["labels"]}
        ]

    def commented_cards(self) -> set[str]:
        actions = self.board["actions"]
        return {a["data"]["card"]["id"] for a in actions if a["type"] == "commentCard"}

    def sessions(self) -> list[dict[str, Any]]:
        return self.plan_cards("Mentor session")

    def applications(self) -> list[dict[str, Any]]:
        return self.plan_cards("Skill applied")


@pytest.fixture(params=TODAYS, ids=str)
def demo(request: pytest.FixtureRequest, tmp_path: Path) -> Demo:
    return Demo(tmp_path, request.param)


def files_of(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_same_today_gives_identical_files(tmp_path: Path) -> None:
    today = dt.date(2026, 10, 14)
    write_demo_workspace(tmp_path / "a", today)
    write_demo_workspace(tmp_path / "b", today)
    first, second = files_of(tmp_path / "a"), files_of(tmp_path / "b")
    assert set(first) == {
        "careerloop.toml",
        "notion/Goals.csv",
        "notion/Modules.csv",
        "notion/Milestones.csv",
        "notion/Advancements.csv",
        "trello/board.json",
    }
    assert first == second


def test_another_today_gives_other_dates(tmp_path: Path) -> None:
    early = Demo(tmp_path / "a", dt.date(2026, 10, 14))
    late = Demo(tmp_path / "b", dt.date(2027, 3, 2))
    assert [r["Planned"] for r in early.csv["Modules"]] != [
        r["Planned"] for r in late.csv["Modules"]
    ]
    assert early.board["cards"][0]["due"] != late.board["cards"][0]["due"]


def test_plan_months_cover_six_closed_months_and_the_next_one() -> None:
    months = plan_months(dt.date(2026, 10, 14))
    assert months[0] == dt.date(2026, 4, 1)
    assert months[-2:] == [dt.date(2026, 10, 1), dt.date(2026, 11, 1)]
    assert len(months) == 8


@pytest.mark.parametrize("name", sorted(COLUMNS))
def test_csv_export_shape(tmp_path: Path, name: str) -> None:
    demo = Demo(tmp_path, dt.date(2026, 10, 14))
    raw = (tmp_path / "notion" / f"{name}.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = demo.csv[name]
    assert rows
    assert list(rows[0]) == COLUMNS[name]
    for row in rows:
        assert row["Name"].strip()
        for column, value in row.items():
            if column in {"Planned", "Completed", "Target date", "Due", "Done on", "Date"}:
                notion_date(value)
            if column == "Goals" and value:
                for entry in re.split(r"(?<=\)), ", value):
                    assert RELATION.match(entry), entry
            if column == "Vetted":
                assert value in {"Yes", "No"}
            if column == "Status":
                assert value in {"Done", "In progress", "Not started"}


def test_module_content(demo: Demo) -> None:
    modules = demo.csv["Modules"]
    assert {m["Track"] for m in modules} == {
        "Agile delivery", "UX research", "Data analytics", "Stakeholder management",
    }  # fmt: skip
    assert all(5 <= int(m["Minutes"]) <= 25 for m in modules)
    assert any("," in m["Skills"] for m in modules)
    assert any(m["Vetted"] == "No" for m in modules)
    assert any(not m["Goals"] for m in modules)
    assert any(not m["Planned"] and m["Completed"] for m in modules)
    assert any(re.search(r"\d{1,2}:\d{2} [AP]M$", m["Completed"]) for m in modules)
    for module in modules:
        planned, completed = notion_date(module["Planned"]), notion_date(module["Completed"])
        if planned is not None:
            assert planned.weekday() < 5
        if completed is not None:
            assert completed < demo.today
            assert module["Status"] == "Done"
        else:
            assert module["Status"] != "Done"
    planned_days = [(notion_date(m["Planned"]), m) for m in modules if m["Planned"]]
    ahead = [m for day, m in planned_days if day is not None and day >= demo.today]
    assert ahead and not any(m["Completed"] for m in ahead)
    next_month = plan_months(demo.today)[-1]
    assert any(day is not None and day >= next_month for day, _ in planned_days)


def test_last_closed_month_and_quarter_are_covered(demo: Demo) -> None:
    for kind in ("month", "quarter"):
        period = Period.last_closed(kind, demo.today)  # type: ignore[arg-type]
        completed = [
            m for m in demo.completed_modules() if period.contains(notion_date(m["Completed"]))
        ]
        assert len(completed) >= 4 * period.months
        planned = [m for m in demo.csv["Modules"] if period.contains(notion_date(m["Planned"]))]
        assert len(planned) >= 6 * period.months
        for month in period.month_periods():
            sessions = [s for s in demo.sessions() if month.contains(trello_day(s["due"]))]
            assert len(sessions) == 2
            assert all(s["dueComplete"] for s in sessions)
            apps = [a for a in demo.applications() if month.contains(trello_day(a["due"]))]
            assert 1 <= len(apps) <= 3


def test_sessions_and_feedback(demo: Demo) -> None:
    feedback_id = next(f["id"] for f in demo.board["customFields"] if f["name"] == "Feedback")
    done = [s for s in demo.sessions() if s["dueComplete"]]
    scores = []
    for card in done:
        item = next(i for i in card["customFieldItems"] if i["idCustomField"] == feedback_id)
        assert isinstance(item["value"]["number"], str)
        scores.append(int(item["value"]["number"]))
        assert card["idChecklists"]
    assert set(scores) <= {1, 2, 3, 4, 5} and min(scores) == 3
    comments = demo.commented_cards()
    blank = [s for s in done if not s["desc"] and s["id"] not in comments]
    assert 1 <= len(blank) <= 2
    assert all(trello_day(s["due"]).weekday() < 5 for s in demo.sessions())
    assert any(not s["dueComplete"] for s in demo.sessions())  # some still planned


def test_applications_rest_on_learning(demo: Demo) -> None:
    """Every applied skill and every advancement skill was learned first."""
    learned: list[tuple[dt.date, str]] = []
    for module in demo.completed_modules():
        day = notion_date(module["Completed"])
        assert day is not None
        learned += [(day, skill.strip().casefold()) for skill in module["Skills"].split(",")]
    first_use: dict[str, dt.date] = {}
    for card in demo.applications():
        day = trello_day(card["due"])
        skills = [lab["name"][6:] for lab in card["labels"] if lab["name"].startswith("skill:")]
        assert skills
        for skill in skills:
            assert any(d < day and s == skill.casefold() for d, s in learned), skill
            first_use[skill] = min(day, first_use.get(skill, day))
    assert len({d.month for d in first_use.values()}) >= 5  # new skills spread over months
    used = [lab["name"] for card in demo.applications() for lab in card["labels"]]
    assert sum(1 for name in set(used) if used.count(name) == 2 and "skill:" in name) == 1
    for advancement in demo.csv["Advancements"]:
        day = notion_date(advancement["Date"])
        assert day is not None
        skills = {s.strip().casefold() for s in advancement["Skills"].split(",")}
        assert skills <= {s for d, s in learned if d <= day}
    kinds = [a["Kind"] for a in demo.csv["Advancements"]]
    assert "role" in kinds
    promotion = next(a for a in demo.csv["Advancements"] if a["Kind"] == "role")
    fifth = plan_months(demo.today)[4]
    assert Period("month", fifth.year, fifth.month).contains(notion_date(promotion["Date"]))


def test_goals_and_milestones(demo: Demo) -> None:
    goals = demo.csv["Goals"]
    assert [g["Horizon"] for g in goals] == ["12m", "6m"]
    assert all(notion_date(g["Target date"]) for g in goals)
    titles = {g["Name"] for g in goals}
    on_time = late = open_ = 0
    for milestone in demo.csv["Milestones"]:
        assert milestone["Goals"].split(" (https://")[0] in titles
        due, done_on = notion_date(milestone["Due"]), notion_date(milestone["Done on"])
        assert due is not None
        if done_on is None:
            open_ += 1
        elif done_on <= due:
            on_time += 1
        else:
            late += 1
    assert on_time >= 3 and late == 1 and open_ >= 1


def test_some_month_shows_the_pitfalls(demo: Demo) -> None:
    """Unaligned learning and undocumented insights each happen in some closed month."""
    months = [Period("month", m.year, m.month) for m in plan_months(demo.today)[:6]]
    alignment = []
    for month in months:
        done = [m for m in demo.completed_modules() if month.contains(notion_date(m["Completed"]))]
        alignment.append(sum(bool(m["Goals"]) for m in done) / len(done))
    assert min(alignment) < 0.8 and max(alignment) == 1.0
    comments = demo.commented_cards()
    undocumented = [
        month
        for month in months
        if all(
            not s["desc"] and s["id"] not in comments
            for s in demo.sessions()
            if month.contains(trello_day(s["due"]))
        )
    ]
    assert len(undocumented) == 1


def test_board_export_shape(demo: Demo) -> None:
    board = demo.board
    for key in ("lists", "cards", "labels", "customFields", "actions", "checklists", "members"):
        assert board[key], key
    assert TRELLO_ID.match(board["id"])
    lists = {lst["id"]: lst for lst in board["lists"]}
    assert {lst["name"] for lst in board["lists"]} >= {"Planned", "Done"}
    assert any(lst["closed"] for lst in board["lists"])
    labels = {label["id"]: label["name"] for label in board["labels"]}
    assert {"Mentor session", "Skill applied", "skill:SQL"} <= set(labels.values())
    checklists = {c["id"]: c for c in board["checklists"]}
    states = {item["state"] for c in board["checklists"] for item in c["checkItems"]}
    assert states == {"complete", "incomplete"}
    field_types = {f["id"]: f["type"] for f in board["customFields"]}
    for card in board["cards"]:
        assert TRELLO_ID.match(card["id"]) and card["idList"] in lists
        assert card["idLabels"] == [label["id"] for label in card["labels"]]
        assert all(label_id in labels for label_id in card["idLabels"])
        assert all(checklists[c]["idCard"] == card["id"] for c in card["idChecklists"])
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z", card["due"])
        for item in card["customFieldItems"]:
            kind = field_types[item["idCustomField"]]
            if kind == "list":
                assert "idValue" in item
            else:
                assert isinstance(item["value"][kind], str)
    assert any(card["closed"] for card in board["cards"])
    assert any(lists[card["idList"]]["closed"] for card in board["cards"])
    kind_labels = {"Mentor session", "Skill applied"}
    assert any(not kind_labels & {lab["name"] for lab in c["labels"]} for c in board["cards"])
    types = {action["type"] for action in board["actions"]}
    assert types == {"createCard", "updateCard", "commentCard"}
    dates = [action["date"] for action in board["actions"]]
    assert dates == sorted(dates, reverse=True)
    done_id = next(lst["id"] for lst in board["lists"] if lst["name"] == "Done")
    moved = {
        a["data"]["card"]["id"]
        for a in board["actions"]
        if a["type"] == "updateCard" and a["data"]["listAfter"]["id"] == done_id
    }
    assert moved >= {s["id"] for s in demo.sessions() if s["idList"] == done_id}


def test_config_points_at_the_exports(demo: Demo) -> None:
    data = tomllib.loads(demo.toml.read_text(encoding="utf-8"))
    config = parse_config(data, base_dir=demo.root)
    assert config.workspace.timezone == "Europe/Berlin"
    assert config.reviews.targets == ["local"] and config.reviews.local.dir == "reviews"
    notion, trello = config.sources.notion, config.sources.trello
    assert notion is not None and trello is not None
    assert not notion.live and trello.board is None
    tables = notion.tables()
    assert set(tables) == {"goal", "module", "milestone", "advancement"}
    for mapping in tables.values():
        assert mapping.csv and config.path(mapping.csv).is_file()
    assert trello.export and config.path(trello.export).is_file()
    assert trello.kinds["Mentor session"] == "session"
    assert trello.fields["feedback"] == "Feedback"


def test_the_story_holds_all_year_round(tmp_path: Path) -> None:
    """Coverage, learning before applying, and the pitfalls, for many a today."""
    start = dt.date(2026, 1, 1)
    for offset in range(0, 3 * 365, 17):
        today = start + dt.timedelta(days=offset)
        demo = Demo(tmp_path / today.isoformat(), today)
        test_last_closed_month_and_quarter_are_covered(demo)
        test_applications_rest_on_learning(demo)
        test_goals_and_milestones(demo)
        test_some_month_shows_the_pitfalls(demo)


def test_the_readers_take_the_sample_as_it_is(demo: Demo) -> None:
    """Read through the Notion CSV and Trello export readers: counts per kind, no warnings."""
    from careerloop.config import load_config
    from careerloop.connectors.files.notion_csv import read_notion_exports
    from careerloop.connectors.trello.read import read_export

    config = load_config(demo.toml)
    tz = config.workspace.tz
    notion, trello = config.sources.notion, config.sources.trello
    assert notion is not None and trello is not None and trello.export
    plan = read_notion_exports(notion, config.path, tz)
    board = read_export(config.path(trello.export), trello, tz)
    assert [w.message for w in plan.warnings + board.warnings] == []

    assert len(plan.goals) == 2 and len(plan.advancements) == 2
    assert len(plan.modules) == len(demo.csv["Modules"])
    assert len(plan.milestones) == len(demo.csv["Milestones"])
    assert not (plan.sessions or plan.applications)
    assert len(board.sessions) == len(demo.sessions()) == 16
    assert len(board.applications) == len(demo.applications())
    assert not (board.modules or board.goals or board.milestones or board.advancements)

    goal_ids = {goal.id for goal in plan.goals}
    completed = [m for m in plan.modules if m.completed]
    assert len(completed) == len(demo.completed_modules())
    assert all(set(m.goal_ids) <= goal_ids for m in plan.modules)
    assert sum(bool(m.goal_ids) for m in plan.modules) > 0.8 * len(plan.modules)
    assert all(m.goal_ids for m in plan.milestones)
    done = [s for s in board.sessions if s.feedback is not None]
    assert done and all(s.mentor == "Priya Raman" for s in board.sessions)
    assert all(s.action_items_total >= 2 for s in done)
    assert any(s.action_items_done < s.action_items_total for s in done)
    assert sum(not s.insights.strip() for s in done) == 2
    assert all(a.project and a.skills for a in board.applications)
