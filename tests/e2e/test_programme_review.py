"""The programme review published to Notion and Trello end to end: the real notion-client
and py-trello over real HTTP against the fakes on 127.0.0.1.

The same publishers and upsert rules as a personal review: one page or card per period,
a second run with nothing changed writes nothing, the reader's notes are kept. With
`anonymise = true` no participant's name is in any request the fakes received.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from careerloop.config import parse_config
from careerloop.periods import Period
from careerloop.programme.config import ProgrammeConfig, load_programme
from careerloop.programme.review import pseudonyms, publish_programme_review
from careerloop.programme.rollup import Attention, KpiCounts, Quartiles, Rollup
from tests.e2e.cli import TODAY as CLI_TODAY
from tests.e2e.cli import invoke
from tests.e2e.programme import write_programme
from tests.fakes.fixtures import FakeClock
from tests.fakes.notion_api import FakeNotion, FakeNotionServer
from tests.fakes.trello_api import FakeTrello, FakeTrelloServer
from tests.fakes.trello_fixtures import fixture_board

TODAY = dt.date(2026, 11, 26)
NAMES = ("quentin", "wilhelmina", "zebedee", "ottoline")  # words no review text contains
TITLE = "Product mentoring 2026: programme review 2026-10"


def rollup(mentor_gap: int = 2) -> Rollup:
    """October: ottoline failed, zebedee synced without a score, quentin off track."""
    return Rollup(
        period=Period.parse("2026-10"),
        participants=4,
        scored=3,
        failed=("ottoline",),
        score=Quartiles(median=63.5, p25=53.75, p75=73.25),
        kpis={
            "module_completion": KpiCounts(on_track=1, at_risk=1, no_data=1, median=0.82),
            "mentor_cadence": KpiCounts(at_risk=1, off_track=1, no_data=1, median=0.375),
        },
        pitfalls={"mentor-gap": mentor_gap},
        attention=(Attention("quentin", 44, ("mentor_cadence",), ("mentor-gap",)),),
        scores={"quentin": 44, "wilhelmina": 83},
    )


def programme(
    tmp_path: Path, target: str, sources: dict[str, Any], *, anonymise: bool = False
) -> ProgrammeConfig:
    """A programme of NAMES publishing its review to `target` on a fake.

    The programme file names no sources; the publishers' connection settings (the fake's
    address, the board) go into its review config as the publishers read them.
    """
    people = tmp_path / "people"
    people.mkdir()
    for name in NAMES:
        (people / f"{name}.toml").write_text("", encoding="utf-8")
    (tmp_path / "programme.toml").write_text(
        '[workspace]\ntimezone = "UTC"\n'
        '[programme]\nname = "Product mentoring 2026"\nparticipants = ["people/*.toml"]\n'
        f"anonymise = {json.dumps(anonymise)}\n",
        encoding="utf-8",
    )
    loaded = load_programme(tmp_path / "programme.toml")
    reviews = {"targets": [target], target: sources.pop("reviews", {})}
    config = parse_config(
        {"workspace": {"timezone": "UTC"}, "sources": sources, "reviews": reviews},
        base_dir=tmp_path,
    )
    return dataclasses.replace(loaded, review_config=config)


def publish(item: ProgrammeConfig, result: Rollup | None = None) -> Any:
    (outcome,) = publish_programme_review(
        item, result or rollup(), None, to=None, dry_run=False, today=TODAY, clock=FakeClock()
    )
    return outcome


def names_sent(texts: list[str]) -> list[str]:
    joined = "\n".join(texts).casefold()
    return [name for name in NAMES if name in joined]


# -- Notion ------------------------------------------------------------------------------


@pytest.fixture
def fake(fake_notion: FakeNotionServer, notion_token: str) -> FakeNotion:
    return fake_notion.fake


def notion_programme(
    tmp_path: Path, server: FakeNotionServer, *, anonymise: bool = False
) -> ProgrammeConfig:
    parent = server.fake.add_page_container("Mentoring programme")
    return programme(
        tmp_path,
        "notion",
        {"notion": {"base_url": server.url}, "reviews": {"parent": parent}},
        anonymise=anonymise,
    )


def page_lines(fake: FakeNotion, block_id: str) -> list[str]:
    out = []
    for block in fake.block_tree(block_id):
        body = block[block["type"]]
        runs = [body.get("rich_text", []), *body.get("cells", [])]  # a table row has cells
        out.append(" | ".join("".join(i["plain_text"] for i in run) for run in runs if run))
        out += page_lines(fake, block["id"])
    return out


def notion_writes(fake: FakeNotion) -> list[str]:
    return [
        f"{r.method} {r.path}"
        for r in fake.requests
        if r.method in ("POST", "PATCH", "DELETE") and not r.path.endswith("/query")
    ]


def test_the_programme_review_in_notion_is_one_page_upserted_with_the_notes_kept(
    tmp_path: Path, fake: FakeNotion, fake_notion: FakeNotionServer
) -> None:
    item = notion_programme(tmp_path, fake_notion)
    first = publish(item)
    assert first.action == "created"
    pages = [p for p in fake.pages.values() if p.get("_data_source")]
    (page,) = pages
    assert page["_values"]["Period"] == "2026-10" and page["_values"]["Score"] == 64
    assert page["_values"]["Modules completed vs planned: % on track"] == 50
    text = page_lines(fake, page["id"])
    assert text[0] == TITLE
    assert (
        "Ask the mentors of the 2 pairs that went quiet to book a session this week. "
        "Mentor gap: 2 participants (67% of those synced)."
    ) in text
    heading = next(
        b
        for b in fake.block_tree(page["id"])
        if b["type"] == "heading_2" and b["heading_2"]["rich_text"][0]["plain_text"] == "Notes"
    )
    fake._store_blocks(
        page["id"],
        [
            {
                "type": "paragraph",
                "paragraph": {
                    "rich_text": [
                        {
                            "type": "text",
                            "text": {"content": "Call the quiet pairs' mentors on Friday"},
                        }
                    ]
                },
            }
        ],
    )

    fake.reset_log()
    again = publish(item)
    assert again.action == "unchanged"
    assert notion_writes(fake) == []

    changed = publish(item, rollup(mentor_gap=1))
    assert changed.action == "updated"
    text = page_lines(fake, page["id"])
    assert any(line.startswith("Ask the mentors of the pair that went quiet") for line in text)
    assert text[-1] == "Call the quiet pairs' mentors on Friday"
    assert heading["id"] in {b["id"] for b in fake.block_tree(page["id"])}
    assert [p["id"] for p in fake.pages.values() if p.get("_data_source")] == [page["id"]]


def test_an_anonymised_review_sends_no_name_to_notion_and_the_same_pseudonyms_twice(
    tmp_path: Path, fake: FakeNotion, fake_notion: FakeNotionServer
) -> None:
    item = notion_programme(tmp_path, fake_notion, anonymise=True)
    publish(item)
    bodies = [json.dumps(r.body, default=str) for r in fake.requests]
    assert bodies and names_sent(bodies) == []
    (page,) = [p for p in fake.pages.values() if p.get("_data_source")]
    first = page_lines(fake, page["id"])
    assert names_sent(first) == []
    assert any(line.startswith("Participant ") for line in first)  # a table row

    # A later run (a new process: nothing cached) finds the same pseudonyms: no write.
    fake.reset_log()
    assert publish(item).action == "unchanged"
    assert notion_writes(fake) == []


# -- Trello ------------------------------------------------------------------------------


@pytest.fixture
def board(fake_trello: FakeTrelloServer, trello_env: None) -> str:
    return fake_trello.fake.load_board(fixture_board())


def trello_programme(
    tmp_path: Path, server: FakeTrelloServer, board: str, *, anonymise: bool = False
) -> ProgrammeConfig:
    return programme(
        tmp_path,
        "trello",
        {"trello": {"board": board, "base_url": server.url}},
        anonymise=anonymise,
    )


def review_cards(fake: FakeTrello, board: str) -> list[dict[str, Any]]:
    lists = {x["id"] for x in fake.boards[board]["lists"] if x["name"] == "Reviews"}
    return [c for c in fake.boards[board]["cards"] if c["idList"] in lists and not c["closed"]]


def test_the_programme_review_on_trello_is_one_card_upserted_with_the_notes_kept(
    tmp_path: Path, fake_trello: FakeTrelloServer, board: str
) -> None:
    fake = fake_trello.fake
    item = trello_programme(tmp_path, fake_trello, board)
    assert publish(item).action == "created"
    (card,) = review_cards(fake, board)
    assert card["name"] == TITLE
    assert "| quentin | 44 | Mentor sessions vs planned | Mentor gap |" in card["desc"]
    card["desc"] += "\nCall the quiet pairs' mentors on Friday\n"

    fake.reset_log()
    assert publish(item).action == "unchanged"
    assert [r for r in fake.requests if r.method != "GET"] == []

    assert publish(item, rollup(mentor_gap=1)).action == "updated"
    (card,) = review_cards(fake, board)
    assert "Ask the mentors of the pair that went quiet" in card["desc"]
    assert card["desc"].endswith("Call the quiet pairs' mentors on Friday\n")


def test_an_anonymised_review_sends_no_name_to_trello(
    tmp_path: Path, fake_trello: FakeTrelloServer, board: str
) -> None:
    fake = fake_trello.fake
    item = trello_programme(tmp_path, fake_trello, board, anonymise=True)
    fake.reset_log()
    publish(item)
    sent = [
        f"{r.path}?{r.query} {json.dumps(r.params)} {r.body.decode('utf-8', 'replace')}"
        for r in fake.requests
    ]
    assert sent and names_sent(sent) == []
    (card,) = review_cards(fake, board)
    assert names_sent([card["name"], card["desc"]]) == []
    assert "| Participant " in card["desc"]


# -- the CLI, on the offline exports ---------------------------------------------------------


COHORT = ("quentin", "wilhelmina", "zebedee", "ottoline")
LAPSED = "zebedee"  # the plan stopped in the summer: off track in October


def synced_cohort(runner: CliRunner, root: Path, *, extra: str = "") -> Path:
    """The cohort synced for September and for what is due (October, Q3), no reviews."""
    path = write_programme(
        root, COHORT, dt.date.fromisoformat(CLI_TODAY), lapsed=[LAPSED], extra=extra
    )
    for more in (["--period", "2026-09"], []):
        code, _, err = invoke(runner, "-c", str(path), "programme", "sync", "--no-publish", *more)
        assert code == 0, err
    return path


def test_programme_rollup_publishes_the_review_once_with_the_trend_since_september(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = synced_cohort(runner, tmp_path / "cohort")
    code, out, err = invoke(runner, "-c", str(path), "programme", "rollup")
    assert code == 0, err
    review = tmp_path / "cohort" / "programme-reviews" / "2026-10-monthly.md"
    assert out.strip() == f"2026-10-monthly created on local: {review}"
    text = review.read_text(encoding="utf-8")
    assert "- **Synced:** 4 of 4 participants" in text
    assert "| KPI | On track | Since 2026-09 |" in text
    attention = text.split("## Participants needing attention")[1].split("##")[0]
    assert f"| {LAPSED} | 0 |" in attention  # the lapsed plan scores 0 in October
    code, summary, _ = invoke(runner, "-c", str(path), "programme", "rollup", "--json")
    rollup_json = json.loads(summary)
    assert [a["participant"] for a in rollup_json["attention"]] == [LAPSED]

    before = review.stat().st_mtime_ns
    code, out, err = invoke(runner, "-c", str(path), "programme", "rollup")
    assert code == 0, err
    assert out.strip() == f"2026-10-monthly unchanged on local: {review}"
    assert review.stat().st_mtime_ns == before


def test_an_anonymised_programme_publishes_no_name_in_any_file_and_the_same_pseudonyms(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = synced_cohort(runner, tmp_path / "cohort", extra="anonymise = true")
    folder = tmp_path / "cohort" / "programme-reviews"
    code, _, err = invoke(runner, "-c", str(path), "programme", "rollup")
    assert code == 0, err
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    assert [p.name for p in files] == ["2026-10-monthly.html", "2026-10-monthly.md", "index.html"]
    for file in files:
        text = file.read_text(encoding="utf-8").casefold()
        assert [name for name in COHORT if name in text] == [], file.name
    code, printed, _ = invoke(runner, "-c", str(path), "programme", "rollup", "--to", "stdout")
    assert [name for name in COHORT if name in printed.casefold()] == []
    lapsed = pseudonyms(COHORT, "Product mentoring 2026")[LAPSED]
    assert f"| {lapsed} | 0 |" in printed

    # Another run derives the same pseudonyms from the names: the review is unchanged.
    snapshot = {p.name: p.read_bytes() for p in files}
    code, out, err = invoke(runner, "-c", str(path), "programme", "rollup")
    assert code == 0, err
    assert "unchanged on local" in out
    assert {p.name: p.read_bytes() for p in files} == snapshot
