"""`programme sync` against the fake Notion and Trello APIs (real notion-client and
py-trello over real HTTP), with participants that fail among those that do not."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from careerloop.connectors.files.demo import write_demo_workspace
from careerloop.connectors.notion.publish import REVIEWS_TITLE
from tests.e2e.cli import TODAY, invoke
from tests.e2e.programme import participant_config
from tests.fakes.fixtures import at, seed_schema
from tests.fakes.notion_api import FakeNotion, FakeNotionServer
from tests.fakes.trello_api import FakeTrelloServer

WRONG_TOKEN = "secret_" + "Wr0ng" * 9


def _notion_plan(fake: FakeNotion) -> dict[str, str]:
    """Eight October modules (six done) and two mentor sessions, in the fake."""
    ids = seed_schema(fake, ("goals", "modules", "sessions"))
    goal = fake.add_page(
        ids["goals"],
        {
            "Name": "Become a PM",
            "Horizon": "12m",
            "Target date": "2027-06-30",
            "Status": "In progress",
        },
        created=at("2026-09-01T08:00"),
    )
    for n in range(8):
        fake.add_page(
            ids["modules"],
            {
                "Name": f"Module {n}",
                "Planned": f"2026-10-{n + 1:02d}",
                "Completed": f"2026-10-{n + 1:02d}" if n < 6 else None,
                "Status": "Done" if n < 6 else "Not started",
                "Minutes": 10,
                "Skills": ["Roadmapping"],
                "Goals": [goal],
            },
            created=at("2026-09-20T08:00"),
        )
    for n in range(2):
        fake.add_page(
            ids["sessions"],
            {
                "Name": f"1:1 #{n}",
                "Date": f"2026-10-{7 + 14 * n:02d}",
                "Mentor": "Ana",
                "Feedback": 4,
            },
            created=at("2026-10-07T17:00"),
        )
    return ids


def _notion_participant(
    people: Path,
    name: str,
    server: FakeNotionServer,
    ids: dict[str, str],
    token_env: str,
    reviews: str,
) -> None:
    tables = "\n".join(f'[sources.notion.{t}]\ndata_source = "{ds}"\n' for t, ds in ids.items())
    (people / f"{name}.toml").write_text(
        f'[workspace]\ntimezone = "Europe/Berlin"\nstate = "../state/{name}.db"\n\n'
        f'[sources.notion]\ntoken_env = "{token_env}"\nbase_url = "{server.url}"\n'
        f'requests_per_second = 1000\n\n{tables}\n[reviews]\nkinds = ["monthly"]\n{reviews}',
        encoding="utf-8",
    )


@pytest.fixture
def cohort(
    tmp_path: Path,
    fake_notion: FakeNotionServer,
    fake_trello: FakeTrelloServer,
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, Any]:
    """ana (exports), nia (Notion), tom (Trello), and three that fail: kit's file is not
    TOML, mo's export is gone, rex's Notion token is refused."""
    root = tmp_path / "cohort"
    today = dt.date.fromisoformat(TODAY)
    participant_config(root, "ana", today)
    people = root / "people"
    ids = _notion_plan(fake_notion.fake)
    parent = fake_notion.fake.add_page_container("Nia's career plan")
    _notion_participant(
        people,
        "nia",
        fake_notion,
        ids,
        "NIA_NOTION_TOKEN",
        f'targets = ["notion"]\n[reviews.notion]\nparent = "{parent}"\n',
    )
    _notion_participant(
        people,
        "rex",
        fake_notion,
        ids,
        "REX_NOTION_TOKEN",
        'targets = ["local"]\n[reviews.local]\ndir = "../reviews/rex"\n',
    )
    monkeypatch.setenv("NIA_NOTION_TOKEN", fake_notion.fake.token)
    monkeypatch.setenv("REX_NOTION_TOKEN", WRONG_TOKEN)

    sample = write_demo_workspace(tmp_path / "sample", today).parent
    board = fake_trello.fake.load_board(
        json.loads((sample / "trello" / "board.json").read_text(encoding="utf-8"))
    )
    (people / "tom.toml").write_text(
        '[workspace]\ntimezone = "Europe/Berlin"\nstate = "../state/tom.db"\n\n'
        f'[sources.trello]\nboard = "{board}"\nbase_url = "{fake_trello.url}"\n'
        'key_env = "TOM_TRELLO_KEY"\ntoken_env = "TOM_TRELLO_TOKEN"\nrequests_per_10s = 100\n\n'
        '[sources.trello.fields]\nfeedback = "Feedback"\nmentor = "Mentor"\n\n'
        '[reviews]\nkinds = ["monthly"]\ntargets = ["trello"]\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("TOM_TRELLO_KEY", fake_trello.fake.key)
    monkeypatch.setenv("TOM_TRELLO_TOKEN", fake_trello.fake.token)

    (people / "kit.toml").write_text("[workspace\n", encoding="utf-8")
    participant_config(root, "mo", today)
    (root / "data" / "mo" / "trello" / "board.json").unlink()

    programme = root / "programme.toml"
    programme.write_text(
        '[programme]\nname = "Cohort"\nparticipants = ["people/*.toml"]\nworkers = 3\n',
        encoding="utf-8",
    )
    return {
        "programme": programme,
        "root": root,
        "notion": fake_notion.fake,
        "trello": fake_trello.fake,
        "board": board,
        "parent": parent,
    }


def test_failing_participants_never_stop_the_others(
    runner: CliRunner, cohort: dict[str, Any]
) -> None:
    root, notion, trello = cohort["root"], cohort["notion"], cohort["trello"]
    code, out, err = invoke(runner, "-c", str(cohort["programme"]), "programme", "sync")
    assert code == 1
    assert "3 of 6 participants synced" in out
    # The others synced and published to their own targets.
    assert (root / "reviews" / "ana" / "2026-10-monthly.md").is_file()
    reviews = {ds for ds, source in notion.data_sources.items() if source["name"] == REVIEWS_TITLE}
    pages = [p for p in notion.pages.values() if p["_data_source"] in reviews]
    assert len(pages) == 1, "nia's review is a page in her Notion"
    assert "nia: 2026-10 score" in out and "2026-10-monthly" not in err
    cards = [
        c
        for c in trello.boards[cohort["board"]]["cards"]
        if c["name"] == "Monthly review 2026-10" and not c["closed"]
    ]
    assert len(cards) == 1, "tom's review is a card on his board"
    folder = root / ".careerloop" / "scorecards"
    assert sorted(p.parent.name for p in folder.glob("*/2026-10.json")) == ["ana", "nia", "tom"]
    # Each failure is one line, at the end, in name order.
    failed = [line for line in err.splitlines() if line.startswith("failed: ")]
    assert [line.split(":")[1].strip() for line in failed] == ["kit", "mo", "rex"]
    assert err.splitlines()[-3:] == failed
    assert "is not valid TOML" in failed[0]
    assert "board.json" in failed[1]
    assert "Notion refused the token in REX_NOTION_TOKEN (401 unauthorized)" in failed[2]
    for secret in (WRONG_TOKEN, notion.token, trello.token, trello.key):
        assert secret not in out and secret not in err

    rollup = json.loads(
        invoke(runner, "-c", str(cohort["programme"]), "programme", "rollup", "--json")[1]
    )
    assert (rollup["participants"], rollup["scored"]) == (6, 3)
    assert rollup["failed"] == ["kit", "mo", "rex"]


def test_in_github_actions_each_failed_participant_is_an_error_annotation(
    runner: CliRunner, cohort: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    code, out, _ = invoke(
        runner, "-c", str(cohort["programme"]), "programme", "sync", "--no-publish"
    )
    assert code == 1
    annotations = [line for line in out.splitlines() if line.startswith("::error ")]
    assert [line.split("::")[1] for line in annotations] == [
        "error title=participant kit",
        "error title=participant mo",
        "error title=participant rex",
    ]
    assert WRONG_TOKEN not in out


def test_the_json_log_names_each_failed_participant(
    runner: CliRunner, cohort: dict[str, Any]
) -> None:
    code, _, err = invoke(
        runner,
        "--log-format",
        "json",
        "-c",
        str(cohort["programme"]),
        "programme",
        "sync",
        "--no-publish",
    )
    assert code == 1
    events = [json.loads(line) for line in err.splitlines()]
    finished = events[-1]
    assert finished["event"] == "programme.finished" and finished["ok"] is False
    assert sorted(finished["failed"]) == ["kit", "mo", "rex"]
    assert {e["participant"] for e in events if e["event"] == "source.read"} >= {"nia", "tom"}
    assert WRONG_TOKEN not in err
