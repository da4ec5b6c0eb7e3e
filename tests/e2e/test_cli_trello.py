"""`careerloop` commands against the fake Trello API: the real py-trello, real HTTP."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from careerloop.connectors.files.demo import write_demo_workspace
from tests.e2e.cli import TODAY, invoke
from tests.fakes.trello_api import FakeTrelloServer


@pytest.fixture
def workspace(tmp_path: Path, fake_trello: FakeTrelloServer, trello_env: None) -> dict[str, Any]:
    """The sample board served live by the fake, and a config that reads and publishes there."""
    sample = write_demo_workspace(tmp_path / "sample", dt.date.fromisoformat(TODAY)).parent
    export = json.loads((sample / "trello" / "board.json").read_text(encoding="utf-8"))
    board = fake_trello.fake.load_board(export)
    config = tmp_path / "careerloop.toml"
    config.write_text(
        '[workspace]\ntimezone = "Europe/Berlin"\n\n'
        f'[sources.trello]\nboard = "{board}"\nbase_url = "{fake_trello.url}"\n'
        'requests_per_10s = 100\n\n'
        '[sources.trello.fields]\nfeedback = "Feedback"\nmentor = "Mentor"\n'
        'project = "Project"\n\n'
        '[reviews]\nkinds = ["monthly"]\ntargets = ["trello", "local"]\n',
        encoding="utf-8",
    )
    return {"config": config, "fake": fake_trello.fake, "board": board, "export": export}


def review_card(fake: Any, board: str, name: str) -> dict[str, Any]:
    (card,) = [c for c in fake.boards[board]["cards"] if c["name"] == name and not c["closed"]]
    return dict(card)


def test_sync_reads_the_board_and_publishes_a_review_card(
    runner: CliRunner, workspace: dict[str, Any]
) -> None:
    config, fake, board = workspace["config"], workspace["fake"], workspace["board"]
    code, out, err = invoke(runner, "-c", str(config), "sync")
    assert code == 0, err
    assert "2026-10-monthly created on trello" in out
    card = review_card(fake, board, "Monthly review 2026-10")
    assert card["desc"].startswith("# Monthly review 2026-10")
    assert any(a["name"].endswith(".png") for a in card["attachments"])  # the trend chart

    data = json.loads(invoke(runner, "-c", str(config), "kpis", "--json")[1])
    # The sample board holds two mentor sessions in October 2026: cadence 2 / 2 = 1.0.
    assert data["kpis"]["mentor_cadence"]["detail"]["sessions"] == 2

    # The reader adds a note under the heading and a comment; a second sync writes nothing.
    note = "\n- Agreed: one stakeholder interview a week.\n"
    fake.find_card(card["id"])[1]["desc"] = card["desc"] + note
    fake.add_comment(card["id"], "Great progress!")
    fake.reset_log()
    code, out, err = invoke(runner, "-c", str(config), "sync", "--period", "2026-10")
    assert code == 0, err
    assert "2026-10-monthly unchanged on trello" in out
    writes = [r for r in fake.requests if r.method != "GET"]
    assert writes == []
    after = review_card(fake, board, "Monthly review 2026-10")
    assert after["desc"].endswith(note)
    assert fake.comments(card["id"]) == ["Great progress!"]


def test_a_revoked_token_is_one_line_exit_1_without_secrets(
    runner: CliRunner, workspace: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "f" * 64
    monkeypatch.setenv("TRELLO_TOKEN", secret)
    for debug in ([], ["--debug"]):
        code, out, err = invoke(runner, *debug, "-c", str(workspace["config"]), "sync",
                                "--no-publish")
        assert code == 1
        assert secret not in out + err
        assert "Trello" in err


def test_doctor_checks_the_live_board(runner: CliRunner, workspace: dict[str, Any]) -> None:
    code, out, err = invoke(runner, "-c", str(workspace["config"]), "doctor")
    assert "FAIL" not in out, out
    assert code == 0, err
    assert "trello" in out.lower()


def test_init_trello_sets_up_a_board_once(
    runner: CliRunner, tmp_path: Path, fake_trello: FakeTrelloServer, trello_env: None
) -> None:
    fake = fake_trello.fake
    board = fake.add_board("My plan", short_link="PlAn0001")
    config = tmp_path / "careerloop.toml"
    code, out, err = invoke(runner, "-c", str(config), "init", "--trello", board,
                            "--trello-base-url", fake_trello.url)
    assert code == 0, err
    lists = {x["name"] for x in fake.boards[board]["lists"]}
    assert {"Done", "Reviews"} <= lists
    labels = {x["name"] for x in fake.boards[board]["labels"]}
    assert {"Microlearning", "Mentor session"} <= labels
    first = (len(fake.boards[board]["lists"]), len(fake.boards[board]["labels"]))

    code, _, err = invoke(runner, "-c", str(config), "init", "--force", "--trello", board,
                          "--trello-base-url", fake_trello.url)
    assert code == 0, err
    assert (len(fake.boards[board]["lists"]), len(fake.boards[board]["labels"])) == first
    # The written config reads the board; with no card on it there is nothing to score:
    # one line saying so, exit 1 (docs/decisions.md, "Failed and empty reads").
    code, _, err = invoke(runner, "-c", str(config), "sync", "--no-publish")
    assert code == 1, err
    lines = err.splitlines()  # the reads' progress lines, then the one error line
    assert lines[-1].startswith("error: nothing to score: ")
    assert all(line.startswith("read ") for line in lines[:-1]), err
