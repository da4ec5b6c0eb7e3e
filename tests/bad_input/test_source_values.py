"""Values Notion or Trello can hold but the mapping cannot use.

Each becomes a data warning shown in the review (the run succeeds), or is used as it is
(long and right-to-left text, emoji) and comes out intact and escaped. Three ways in: a
Notion CSV export, the (fake) Notion API, and a Trello board (export and live).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.bad_input.cli import Run, invoke
from tests.fakes.fixtures import at
from tests.fakes.notion_api import FakeNotionServer
from tests.fakes.trello_api import FakeTrelloServer

LONG_INSIGHT = ("Ship smaller slices and ask for feedback early. " * 220)[:10_000]
RTL = "مراجعة المنتج"  # Arabic: "product review"
HEBREW = "שיחת חונך"  # Hebrew: "mentor talk"
EMOJI = "🚀 Roadmaps 👩🏽‍💻"  # astral-plane and ZWJ sequences
MIXED_TRACK = f"{RTL} 📊"


def _review(config: Path, key: str = "2026-10-monthly") -> tuple[str, str]:
    folder = config.parent / "reviews"
    return ((folder / f"{key}.md").read_text(encoding="utf-8"),
            (folder / f"{key}.html").read_text(encoding="utf-8"))


def _warnings(markdown: str) -> str:
    assert "## Data warnings" in markdown, markdown
    return markdown.split("## Data warnings", 1)[1].split("\n## ", 1)[0]


def _kpis(runner: CliRunner, config: Path) -> dict[str, Any]:
    run = invoke(runner, "-c", str(config), "kpis", "--period", "2026-10", "--json")
    assert run.code == 0, run.err
    data: dict[str, Any] = json.loads(run.out)
    return data


def _ok(run: Run) -> None:
    assert run.code == 0, (run.out, run.err)
    assert "Traceback" not in run.out + run.err
    assert "error" not in run.err.lower()


# -- a Notion CSV export ----------------------------------------------------------------------

def _append_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        columns = next(csv.reader(handle))
    with path.open("a", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in columns})


@pytest.fixture
def csv_workspace(demo: Path) -> Path:
    """The sample plus a Sessions export and module rows holding unusable values."""
    notion = demo.parent / "notion"
    (notion / "Sessions.csv").write_text(
        "\ufeffName,Date,Mentor,Feedback,Insights,Action items done,Action items total\n",
        encoding="utf-8",
    )
    _append_csv(notion / "Sessions.csv", [
        {"Name": "Feedback in words", "Date": "October 7, 2026", "Mentor": "Ana",
         "Feedback": "great", "Insights": "Scope down", "Action items done": "one",
         "Action items total": "2"},
        {"Name": "No date at all", "Date": "", "Mentor": "Ana", "Feedback": "4",
         "Insights": "Dateless"},
        {"Name": "Date in words", "Date": "next Tuesday", "Mentor": "Ana", "Feedback": "4"},
        {"Name": "A long talk", "Date": "October 14, 2026", "Mentor": "Ana", "Feedback": "5",
         "Insights": LONG_INSIGHT},
        {"Name": f"{HEBREW} {EMOJI}", "Date": "October 21, 2026", "Mentor": f"{RTL} 👩‍🏫",
         "Feedback": "4", "Insights": f"{HEBREW} — {RTL} {EMOJI}"},
    ])
    _append_csv(notion / "Modules.csv", [
        {"Name": "Minutes in words", "Planned": "October 12, 2026",
         "Completed": "October 12, 2026", "Status": "Done", "Minutes": "ten", "Track": "Product"},
        {"Name": f"{RTL} {EMOJI}", "Planned": "October 13, 2026", "Completed": "October 13, 2026",
         "Status": "Done", "Minutes": "15", "Track": MIXED_TRACK, "Skills": f"{HEBREW}, 🧭"},
        {"Name": "Planned on no date", "Planned": "", "Completed": "", "Status": "Done",
         "Minutes": "5"},
    ])
    text = demo.read_text(encoding="utf-8")
    demo.write_text(text.replace(
        "[sources.notion.milestones]",
        '[sources.notion.sessions]\ncsv = "notion/Sessions.csv"\n\n[sources.notion.milestones]',
    ), encoding="utf-8")
    return demo


def test_csv_export_values_become_data_warnings(runner: CliRunner, csv_workspace: Path) -> None:
    _ok(invoke(runner, "-c", str(csv_workspace), "sync", "--period", "2026-10"))
    markdown, _ = _review(csv_workspace)
    warnings = _warnings(markdown)
    assert "'Feedback' holds 'great', not a number" in warnings
    assert "'Minutes' holds 'ten', not a number" in warnings
    assert "'Date' holds 'next Tuesday', not a date" in warnings
    assert "'Action items done' holds 'one', not a number" in warnings


def test_csv_export_empty_dates_are_warned_about(runner: CliRunner, csv_workspace: Path) -> None:
    """A session or a done module without any date counts nowhere: the review says so."""
    _ok(invoke(runner, "-c", str(csv_workspace), "sync", "--period", "2026-10"))
    lines = _warnings(_review(csv_workspace)[0]).strip().splitlines()
    assert any("No date at all" in line for line in lines), (
        "the session with an empty Date is dropped without a warning", lines)
    assert any("Planned on no date" in line for line in lines), lines


def test_csv_export_long_rtl_and_emoji_text_survive(
    runner: CliRunner, csv_workspace: Path
) -> None:
    _ok(invoke(runner, "-c", str(csv_workspace), "sync", "--period", "2026-10"))
    data = _kpis(runner, csv_workspace)
    tracks = {t["track"] for t in data["tracks"]}
    assert MIXED_TRACK in tracks
    # The long and the RTL insights count as documented like any other.
    assert data["kpis"]["insights_documented"]["detail"]["documented"] >= 3
    markdown, page = _review(csv_workspace)
    assert MIXED_TRACK in markdown and MIXED_TRACK in page
    # The review stays a readable size: a 10,000-character insight is not pasted in.
    assert LONG_INSIGHT not in markdown


# -- the Notion API -----------------------------------------------------------------------------

@pytest.fixture
def notion_workspace(tmp_path: Path, fake_notion: FakeNotionServer, notion_token: str) -> Path:
    """Modules and sessions in the fake, with properties of types the mapping has to coerce."""
    fake = fake_notion.fake
    _, modules = fake.add_database("Modules", {
        "Name": "title", "Planned": "date", "Completed": "date", "Status": "status",
        "Minutes": "rich_text", "Track": "select", "Skills": "multi_select",
    })
    _, sessions = fake.add_database("Sessions", {
        "Name": "title", "Date": "date", "Mentor": "rich_text", "Feedback": "select",
        "Insights": "rich_text",
    })
    created = at("2026-09-20T08:00")
    for n, minutes in enumerate(["25", "about ten", "", "12 min"]):
        fake.add_page(modules, {
            "Name": f"Module {n}", "Planned": f"2026-10-{n + 5:02d}",
            "Completed": f"2026-10-{n + 5:02d}", "Status": "Done", "Minutes": minutes,
            "Track": MIXED_TRACK if n == 0 else "Product", "Skills": [EMOJI, HEBREW],
        }, created=created)
    fake.add_page(modules, {"Name": "Done, no dates", "Status": "Done", "Minutes": "5"},
                  created=created)
    fake.add_page(sessions, {"Name": "Feedback in words", "Date": "2026-10-07",
                             "Mentor": "Ana", "Feedback": "great", "Insights": "Scope"},
                  created=created)
    fake.add_page(sessions, {"Name": "Empty date", "Date": None, "Mentor": "Ana",
                             "Feedback": "4", "Insights": "x"}, created=created)
    fake.add_page(sessions, {"Name": f"{HEBREW} {EMOJI}", "Date": "2026-10-21",
                             "Mentor": f"{RTL} 👩‍🏫", "Feedback": "5",
                             "Insights": LONG_INSIGHT}, created=created)
    config = tmp_path / "careerloop.toml"
    config.write_text(
        f'[workspace]\ntimezone = "Europe/Berlin"\n\n[sources.notion]\n'
        f'base_url = "{fake_notion.url}"\nrequests_per_second = 1000\n\n'
        f'[sources.notion.modules]\ndata_source = "{modules}"\n\n'
        f'[sources.notion.sessions]\ndata_source = "{sessions}"\n\n'
        '[reviews]\nkinds = ["monthly"]\n',
        encoding="utf-8",
    )
    return config


def test_notion_api_values_become_data_warnings(
    runner: CliRunner, notion_workspace: Path
) -> None:
    _ok(invoke(runner, "-c", str(notion_workspace), "sync", "--period", "2026-10"))
    warnings = _warnings(_review(notion_workspace)[0])
    assert "'Minutes' holds 'about ten', not a number" in warnings
    assert "'Feedback' holds 'great', not a number" in warnings
    data = _kpis(runner, notion_workspace)
    # Only "25" is a number; "about ten", "12 min" and the empty one add nothing.
    assert data["kpis"]["learning_minutes"]["value"] == 25


def test_notion_api_empty_dates_are_warned_about(
    runner: CliRunner, notion_workspace: Path
) -> None:
    _ok(invoke(runner, "-c", str(notion_workspace), "sync", "--period", "2026-10"))
    lines = _warnings(_review(notion_workspace)[0]).strip().splitlines()
    assert any("Empty date" in line for line in lines), (
        "the session with an empty Date is dropped without a warning", lines)


def test_a_warning_names_the_row_it_is_about(runner: CliRunner, csv_workspace: Path) -> None:
    """"'Minutes' holds 'ten'" alone leaves the reader searching every row of the table."""
    _ok(invoke(runner, "-c", str(csv_workspace), "sync", "--period", "2026-10"))
    lines = _warnings(_review(csv_workspace)[0]).strip().splitlines()
    minutes = next(line for line in lines if "'ten'" in line)
    feedback = next(line for line in lines if "'great'" in line)
    assert "Minutes in words" in minutes, minutes
    assert "Feedback in words" in feedback, feedback


def test_notion_api_long_rtl_and_emoji_text_survive(
    runner: CliRunner, notion_workspace: Path
) -> None:
    _ok(invoke(runner, "-c", str(notion_workspace), "sync", "--period", "2026-10"))
    data = _kpis(runner, notion_workspace)
    assert MIXED_TRACK in {t["track"] for t in data["tracks"]}
    assert data["kpis"]["insights_documented"]["detail"]["documented"] == 2
    assert {s.casefold() for s in data["kpis"]["skills_applied"]["detail"]["skills"]} <= {
        EMOJI.casefold(), HEBREW.casefold()}
    markdown, page = _review(notion_workspace)
    assert MIXED_TRACK in markdown and MIXED_TRACK in page


# -- a Trello board (export and live) ------------------------------------------------------------

def _field(board: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(f for f in board["customFields"] if f["name"] == name)
    return found


def _card(board: dict[str, Any], label: str, month: str) -> dict[str, Any]:
    label_ids = {x["id"] for x in board["labels"] if x["name"] == label}
    card: dict[str, Any] = next(
        c for c in board["cards"]
        if label_ids & set(c.get("idLabels") or [x["id"] for x in c.get("labels", [])])
        and str(c.get("due") or "").startswith(month)
    )
    return card


def _spoil_board(board: dict[str, Any]) -> None:
    """A session's feedback as text, a module's minutes as text, an empty due date,
    a 10,000-character session description, emoji and right-to-left text."""
    session = _card(board, "Mentor session", "2026-10")
    feedback = _field(board, "Feedback")
    session["customFieldItems"] = [
        i for i in session.get("customFieldItems", []) if i["idCustomField"] != feedback["id"]
    ] + [{"id": "6a01f5f8ff7f8ffb3e5800aa", "idCustomField": feedback["id"],
          "idModel": session["id"], "modelType": "card", "value": {"number": "great"}}]
    session["desc"] = LONG_INSIGHT
    session["name"] = f"{HEBREW} {EMOJI}"
    dateless = next(c for c in board["cards"] if c is not session
                    and str(c.get("due") or "").startswith("2026-10")
                    and any(x["name"] == "Mentor session" for x in c["labels"]))
    dateless.update(due=None, start=None, name="Dateless session")
    module_label = next(x for x in board["labels"] if x["name"] == "Microlearning")
    for name, kind in (("Minutes", "number"), ("Track", "text")):
        if not any(f["name"] == name for f in board["customFields"]):
            board["customFields"].append({
                **board["customFields"][0], "id": f"6a01f5f8ff7f8ffb3e58{len(name):04x}",
                "name": name, "type": kind})
    minutes, track = _field(board, "Minutes"), _field(board, "Track")
    card_id = "6a01f5f8ff7f8ffb3e5800bb"
    items = [{"id": "6a01f5f8ff7f8ffb3e5800cc", "idCustomField": minutes["id"],
              "idModel": card_id, "modelType": "card", "value": {"number": "ten"}}]
    items.append({"id": "6a01f5f8ff7f8ffb3e5800dd", "idCustomField": track["id"],
                  "idModel": card_id, "modelType": "card", "value": {"text": MIXED_TRACK}})
    board["cards"].append({
        **{k: v for k, v in session.items() if k not in ("customFieldItems", "badges")},
        "id": card_id, "name": f"{RTL} {EMOJI}", "desc": f"{HEBREW} {EMOJI}",
        "due": "2026-10-15T10:00:00.000Z", "dueComplete": True,
        "labels": [module_label], "idLabels": [module_label["id"]], "idChecklists": [],
        "customFieldItems": items, "shortLink": "RtLcArD1",
    })


def _check_trello_review(runner: CliRunner, config: Path) -> None:
    # The spoilt board has Minutes and Track fields, which the sample's mapping leaves out.
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('feedback = "Feedback"',
                                   'feedback = "Feedback"\nminutes = "Minutes"\ntrack = "Track"'),
                      encoding="utf-8")
    _ok(invoke(runner, "-c", str(config), "sync", "--period", "2026-10"))
    markdown, page = _review(config)
    warnings = _warnings(markdown)
    assert "'great', not a number" in warnings
    assert "'ten', not a number" in warnings
    data = _kpis(runner, config)
    assert data["kpis"]["insights_documented"]["detail"]["sessions"] >= 1
    assert f"{RTL} {EMOJI}" not in markdown or f"{RTL} {EMOJI}" in page


def test_trello_export_values_become_data_warnings(runner: CliRunner, demo: Path) -> None:
    path = demo.parent / "trello" / "board.json"
    board = json.loads(path.read_text(encoding="utf-8"))
    _spoil_board(board)
    path.write_text(json.dumps(board, ensure_ascii=False), encoding="utf-8")
    _check_trello_review(runner, demo)


def test_live_trello_board_values_become_data_warnings(
    runner: CliRunner, demo: Path, fake_trello: FakeTrelloServer, trello_env: None
) -> None:
    board = json.loads((demo.parent / "trello" / "board.json").read_text(encoding="utf-8"))
    _spoil_board(board)
    board_id = fake_trello.fake.load_board(board)
    text = demo.read_text(encoding="utf-8").replace(
        'export = "trello/board.json"',
        f'board = "{board_id}"\nbase_url = "{fake_trello.url}"\nrequests_per_10s = 100',
    )
    demo.write_text(text, encoding="utf-8")
    _check_trello_review(runner, demo)


def test_trello_session_without_a_date_is_warned_about(runner: CliRunner, demo: Path) -> None:
    path = demo.parent / "trello" / "board.json"
    board = json.loads(path.read_text(encoding="utf-8"))
    _spoil_board(board)
    path.write_text(json.dumps(board, ensure_ascii=False), encoding="utf-8")
    _ok(invoke(runner, "-c", str(demo), "sync", "--period", "2026-10"))
    warnings = _warnings(_review(demo)[0])
    assert "Dateless session" in warnings, "a session card without due or start is dropped silently"


def test_trello_warnings_show_titles_as_written(runner: CliRunner, demo: Path) -> None:
    """A title with an emoji ZWJ sequence must not turn into `\\u200d` in the review."""
    path = demo.parent / "trello" / "board.json"
    board = json.loads(path.read_text(encoding="utf-8"))
    _spoil_board(board)
    path.write_text(json.dumps(board, ensure_ascii=False), encoding="utf-8")
    _ok(invoke(runner, "-c", str(demo), "sync", "--period", "2026-10"))
    warnings = _warnings(_review(demo)[0])
    assert "\\u200d" not in warnings, warnings
    assert EMOJI in warnings
