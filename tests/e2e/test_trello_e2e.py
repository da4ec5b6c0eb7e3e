"""The Trello connector end to end: real py-trello, real HTTP, the stateful fake on 127.0.0.1.

Reading (one request for a board, actions paged, live == export), publishing review
cards (requests per case, notes kept word for word, comments untouched, long reviews,
drafts, failures halfway), doctor and init --trello.
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from careerloop.config import Config, parse_config
from careerloop.connectors.base import Publisher, Source
from careerloop.connectors.trello.doctor import check_trello
from careerloop.connectors.trello.live import BOARD_PARAMS, TrelloReader
from careerloop.connectors.trello.provision import provision_board
from careerloop.connectors.trello.publish import DESC_LIMIT, TrelloPublisher, trello_length
from careerloop.connectors.trello.read import parse_board, read_export
from careerloop.errors import AuthError, PublishError
from careerloop.kpi.scorecard import KpiResult, Scorecard
from careerloop.periods import Period
from careerloop.report.charts import trend_png
from careerloop.report.notes import split_notes
from careerloop.report.render import render_markdown
from careerloop.report.review import Review, TrendPoint
from careerloop.store import Store
from tests.fakes.fixtures import FakeClock
from tests.fakes.trello_api import FakeTrello, FakeTrelloServer, big_board
from tests.fakes.trello_fixtures import FIXTURES, fast_api, fixture_board, trello_config

BOARD_ID = "6650a1b2c3d4e5f6a7b80000"


def review(label: str = "2026-10", *, score: int = 78, completion: float = 0.75,
           draft: bool = False) -> Review:
    result = KpiResult(key="module_completion", label="Module completion", value=completion,
                       target=0.8, score=score, status="at_risk")
    card = Scorecard(period=Period.parse(label), score=score, status="at_risk",
                     kpis={result.key: result})
    return Review(kind="monthly", scorecard=card, generated_on=dt.date(2026, 11, 2),
                  trend=[TrendPoint("2026-09", 70), TrendPoint(label, score)], draft=draft)


def markdown_of(item: Review, config: Config) -> str:
    return render_markdown(item, config.reviews, None)


def reader(config: Config, clock: FakeClock | None = None) -> TrelloReader:
    return TrelloReader(config, api=fast_api(config, clock))


def publisher(config: Config, store: Store | None = None) -> TrelloPublisher:
    return TrelloPublisher(config, store=store, api=fast_api(config))


def review_cards(fake: FakeTrello, board: str, list_name: str = "Reviews") -> list[dict[str, Any]]:
    lists = {x["id"] for x in fake.boards[board]["lists"]
             if x["name"] == list_name and not x["closed"]}
    return [c for c in fake.boards[board]["cards"] if c["idList"] in lists and not c["closed"]]


@pytest.fixture
def board(fake_trello: FakeTrelloServer, trello_env: None) -> str:
    return fake_trello.fake.load_board(fixture_board())


@pytest.fixture
def config(fake_trello: FakeTrelloServer, board: str) -> Config:
    return trello_config(fake_trello, "https://trello.com/b/CaReEr01/career-plan")


def test_reader_and_publisher_meet_the_protocols(config: Config) -> None:
    source: Source = reader(config)
    target: Publisher = publisher(config)
    assert (source.name, target.name) == ("trello", "trello")


# -- reading --------------------------------------------------------------------------------


def test_a_board_is_read_in_one_nested_request(
    config: Config, fake_trello: FakeTrelloServer, tmp_path: Path
) -> None:
    with Store(tmp_path / "state.db") as store:
        (result,) = reader(config).read(store, full=False)

    (logged,) = fake_trello.fake.requests
    assert (logged.method, logged.path) == ("GET", "boards/CaReEr01")
    assert {k: v[-1] for k, v in parse_qs(logged.query).items()} == BOARD_PARAMS
    assert logged.body == b""
    assert result.origin == f"trello:{BOARD_ID}"
    assert result.full is True and result.requests == 1


def test_live_board_and_its_export_give_identical_records(
    config: Config, fake_trello: FakeTrelloServer, tmp_path: Path
) -> None:
    assert config.sources.trello is not None
    with Store(tmp_path / "state.db") as store:
        (live,) = reader(config).read(store, full=True)
    exported = read_export(FIXTURES / "board.json", config.sources.trello, config.workspace.tz)

    assert live.workspace.records() == exported.records()
    assert live.workspace.warnings == exported.warnings
    titles = {r.title for r in live.workspace.records()}
    archived = [c["name"] for c in fixture_board()["cards"] if c["closed"]]
    assert archived and not titles & set(archived)  # archived cards stay out
    closed_lists = {x["id"] for x in fixture_board()["lists"] if x["closed"]}
    in_closed = [c["name"] for c in fixture_board()["cards"] if c["idList"] in closed_lists]
    assert in_closed and not titles & set(in_closed)  # and cards in archived lists


def test_a_board_without_the_custom_fields_power_up(
    fake_trello: FakeTrelloServer, trello_env: None, tmp_path: Path
) -> None:
    export = fixture_board("board_no_custom_fields.json")
    fake_trello.fake.load_board(export, custom_fields=False)
    config = trello_config(fake_trello, str(export["id"]))
    assert config.sources.trello is not None

    with Store(tmp_path / "state.db") as store:
        (live,) = reader(config).read(store, full=True)

    expected = parse_board(export, config.sources.trello, config.workspace.tz)
    assert live.workspace.records() == expected.records() and expected.records()


@pytest.mark.parametrize(("actions", "requests"), [(999, 1), (1000, 2), (1500, 2), (2500, 3)])
def test_older_actions_are_paged_only_when_1000_came_back(
    fake_trello: FakeTrelloServer, trello_env: None, tmp_path: Path, actions: int,
    requests: int
) -> None:
    board_id = fake_trello.fake.load_board(big_board(cards=60, actions=actions))
    config = trello_config(fake_trello, "BiGpLaN1")
    assert config.sources.trello is not None

    with Store(tmp_path / "state.db") as store:
        (live,) = reader(config).read(store, full=True)

    assert fake_trello.fake.count() == requests == live.requests
    pages = [r for r in fake_trello.fake.requests if r.path.endswith("/actions")]
    for page in pages:
        assert page.params["limit"] == "1000"
        assert page.params["filter"] == (
            "updateCard:idList,commentCard,createCard,copyCard,moveCardToBoard,"
            "convertToCardFromCheckItem"
        )
        assert page.params["before"]
    export = fake_trello.fake.export(board_id)
    expected = parse_board(export, config.sources.trello, config.workspace.tz)
    assert live.workspace.records() == expected.records()


SPRINT_KINDS = {"color:red": "module", "color:purple": "application",
                "Mentor session": "session", "Milestone": "milestone", "Goal": "goal"}


def sprint_config(server: FakeTrelloServer) -> Config:
    """The swept sprint board of tests/fixtures/trello/sprint_board.json, read live."""
    return trello_config(server, "SpRiNt42", done_lists=["Done*", "Sprint * done"],
                         kinds=SPRINT_KINDS,
                         fields={"feedback": "Feedback", "date": "Session date"})


def test_cards_copied_moved_and_converted_into_done_are_dated_alike_live_and_exported(
    fake_trello: FakeTrelloServer, trello_env: None, tmp_path: Path
) -> None:
    export = fixture_board("sprint_board.json")
    fake_trello.fake.load_board(export)
    config = sprint_config(fake_trello)
    source = config.sources.trello
    assert source is not None

    with Store(tmp_path / "state.db") as store:
        (live,) = reader(config).read(store, full=True)
    exported = read_export(FIXTURES / "sprint_board.json", source, config.workspace.tz)

    assert live.workspace.records() == exported.records()
    assert live.workspace.warnings == exported.warnings
    completed = {m.title: m.completed for m in live.workspace.modules}
    assert completed == {
        "Window functions course": dt.date(2026, 11, 3),  # swept on 31 December
        "Pricing course (copy)": dt.date(2026, 10, 10),  # copyCard
        "Negotiation workshop": dt.date(2026, 10, 12),  # moveCardToBoard
        "Read the SRE book ch. 4": dt.date(2026, 10, 15),  # convertToCardFromCheckItem
        "Statistics refresher": dt.date(2026, 10, 20),  # left Done, came back
        "Half-finished course": None,  # dueComplete without a due date, in Doing
    }
    # The fake filters actions as Trello does: with the old filter, the copied, moved
    # and converted cards would have no arrival and take their last activity instead.
    old = fast_api(config).fetch("old filter", "/boards/SpRiNt42", params={
        **BOARD_PARAMS, "actions": "updateCard:idList,commentCard,createCard"})
    older = {m.title: m.completed for m in parse_board(old, source, config.workspace.tz).modules}
    assert [older[t] for t in ("Pricing course (copy)", "Negotiation workshop",
                               "Read the SRE book ch. 4")] == [
        dt.date(2026, 10, 21), dt.date(2026, 10, 30), dt.date(2026, 11, 2)]


def test_doctor_on_the_live_sprint_board_counts_the_dating_fallbacks(
    fake_trello: FakeTrelloServer, trello_env: None
) -> None:
    fake_trello.fake.load_board(fixture_board("sprint_board.json"))
    checks = {c.name: c for c in check_trello(sprint_config(fake_trello))}

    assert checks["trello done lists"].detail == (
        "done when in Done #3, Sprint 4 done,   done 2026  ")
    assert (checks["trello kind labels"].status, checks["trello kind labels"].detail) == (
        "ok", "5 kind labels found")
    assert checks["trello dates"].status == "warn"
    assert checks["trello dates"].detail.startswith(
        "1 session dated by the day it reached a done list (no due or start date): "
        "'Mentor chat with Priya'; 1 session dated by the card's creation")
    assert fake_trello.fake.count() == 2  # members/me and the board read


@pytest.mark.parametrize("fault", [{"status": 502}, {"status": 500, "times": 2},
                                   {"drop": True}, {"status": 429}])
def test_a_read_recovers_from_5xx_drops_and_429(
    config: Config, fake_trello: FakeTrelloServer, tmp_path: Path, fault: dict[str, Any]
) -> None:
    fake_trello.fake.fail("boards/CaReEr01", **fault)
    clock = FakeClock()

    with Store(tmp_path / "state.db") as store:
        (live,) = reader(config, clock).read(store, full=True)

    assert len(live.workspace.records()) > 10
    assert live.requests == 1 + fault.get("times", 1)
    assert clock.slept  # it backed off before trying again


def test_a_revoked_token_fails_the_read_in_one_clear_line(
    config: Config, fake_trello: FakeTrelloServer, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRELLO_TOKEN", "ATTArevoked0000000000000000000000")
    with Store(tmp_path / "state.db") as store, pytest.raises(AuthError) as caught:
        TrelloReader(config).read(store, full=True)

    message = str(caught.value)
    assert message.startswith("Trello board CaReEr01: ") and "\n" not in message
    assert "ATTArevoked" not in message


# -- publishing -----------------------------------------------------------------------------


def test_a_new_review_card_takes_at_most_4_requests(
    config: Config, fake_trello: FakeTrelloServer, board: str
) -> None:
    item = review()
    markdown = markdown_of(item, config)

    outcome = publisher(config).publish(item, markdown, dry_run=False)

    assert outcome.action == "created"
    assert outcome.requests == fake_trello.fake.count() == 3
    (card,) = review_cards(fake_trello.fake, board)
    assert card["name"] == "Monthly review 2026-10" and card["desc"] == markdown
    (chart,) = card["attachments"]
    assert chart["name"].startswith("2026-10-monthly-trend-") and chart["mimeType"] == "image/png"
    assert chart["content"] == trend_png(item.trend)
    assert outcome.remote_id == card["id"] and outcome.location == card["shortUrl"]
    assert fake_trello.fake.count(status=403) == 0  # no GET carried a body


def test_the_reviews_list_is_created_when_missing_or_archived(
    fake_trello: FakeTrelloServer, board: str
) -> None:
    config = trello_config(fake_trello, "CaReEr01", reviews_list="Old sprint")  # archived

    outcome = publisher(config).publish(review(), markdown_of(review(), config), dry_run=False)

    assert outcome.requests == fake_trello.fake.count() == 4
    lists = [x for x in fake_trello.fake.boards[board]["lists"] if x["name"] == "Old sprint"]
    assert [x["closed"] for x in lists] == [True, False]
    assert len(review_cards(fake_trello.fake, board, "Old sprint")) == 1


def test_an_unchanged_review_takes_two_reads_and_writes_nothing(
    config: Config, fake_trello: FakeTrelloServer, board: str, tmp_path: Path
) -> None:
    item = review()
    markdown = markdown_of(item, config)
    with Store(tmp_path / "state.db") as store:
        first = publisher(config, store).publish(item, markdown, dry_run=False)
        store.record_publish(target="trello", period="2026-10", kind="monthly",
                             remote_id=first.remote_id, location=first.location,
                             content_hash=first.content_hash)
        fake_trello.fake.reset_log()

        again = publisher(config, store).publish(item, markdown, dry_run=False)

    # The board's open lists (one listing per run: it shows a duplicate made elsewhere),
    # then the card itself.
    assert again.action == "unchanged" and again.requests == 2
    assert [(r.method, r.path) for r in fake_trello.fake.requests] == [
        ("GET", "boards/CaReEr01/lists"), ("GET", f"cards/{first.remote_id}")
    ]
    # Without the ledger the card is found by name in the same listing: still no write.
    fake_trello.fake.reset_log()
    assert publisher(config).publish(item, markdown, dry_run=False).action == "unchanged"
    assert fake_trello.fake.count() == 2 and fake_trello.fake.count("GET") == 2


def test_a_changed_review_keeps_notes_word_for_word_and_comments(
    config: Config, fake_trello: FakeTrelloServer, board: str
) -> None:
    target = publisher(config)
    target.publish(review(), markdown_of(review(), config), dry_run=False)
    (card,) = review_cards(fake_trello.fake, board)
    notes_before = split_notes(card["desc"], "Notes")[1]
    card["desc"] += "\nMentor: *great* progress —  keep   SQL going.\n\n  - [ ] book Q4 slot  \n"
    notes = split_notes(card["desc"], "Notes")[1]
    assert notes != notes_before
    fake_trello.fake.add_comment(card["id"], "Nice work on the roadmap!")
    old_chart = card["attachments"][0]["name"]
    fake_trello.fake.reset_log()

    changed = review(score=90, completion=0.9)
    outcome = target.publish(changed, markdown_of(changed, config), dry_run=False)

    assert outcome.action == "updated"
    generated, kept = split_notes(card["desc"], "Notes")
    assert kept == notes  # byte for byte
    assert generated == split_notes(markdown_of(changed, config), "Notes")[0]
    assert fake_trello.fake.comments(card["id"]) == ["Nice work on the roadmap!"]
    assert not any("comments" in r.path for r in fake_trello.fake.requests)
    (chart,) = card["attachments"]  # replaced, not piled up
    assert chart["name"] != old_chart and chart["content"] == trend_png(changed.trend)
    # GET card (known from this run), PUT desc, POST new chart, DELETE old chart.
    assert [r.method for r in fake_trello.fake.requests] == ["GET", "PUT", "POST", "DELETE"]


def test_editing_only_the_notes_writes_nothing(
    config: Config, fake_trello: FakeTrelloServer, board: str
) -> None:
    target = publisher(config)
    markdown = markdown_of(review(), config)
    target.publish(review(), markdown, dry_run=False)
    (card,) = review_cards(fake_trello.fake, board)
    card["desc"] = card["desc"].replace("\n", "\r\n") + "my own notes\r\n"
    before = card["desc"]
    fake_trello.fake.reset_log()

    assert target.publish(review(), markdown, dry_run=False).action == "unchanged"
    assert card["desc"] == before and fake_trello.fake.count() == 1


def long_markdown(sections: int = 40) -> str:
    body = "".join(
        f"## Section {n}\n\n" + ("Practised a module on stakeholder maps. " * 12) + "\n\n"
        for n in range(sections)
    )
    return ("# Monthly review 2026-10\n\n**Score 78/100** · 🟡 at risk\n\n" + body
            + "## Notes\n\n_Everything below this heading is yours._\n")


def test_a_long_review_gets_a_summary_and_the_full_text_attached(
    config: Config, fake_trello: FakeTrelloServer, board: str
) -> None:
    markdown = long_markdown()
    assert trello_length(markdown) > DESC_LIMIT
    target = publisher(config)

    outcome = target.publish(review(), markdown, dry_run=False)

    (card,) = review_cards(fake_trello.fake, board)
    assert trello_length(card["desc"]) <= DESC_LIMIT
    assert card["desc"].startswith("# Monthly review 2026-10\n\n**Score 78/100**")
    names = sorted(a["name"] for a in card["attachments"])
    (full,) = [a for a in card["attachments"] if a["name"].endswith(".md")]
    assert full["content"].decode() == split_notes(markdown, "Notes")[0]
    assert f"`{full['name']}`" in card["desc"]
    assert split_notes(card["desc"], "Notes")[1] == split_notes(markdown, "Notes")[1]
    assert "summary" in outcome.detail and outcome.requests == 4
    fake_trello.fake.reset_log()
    assert target.publish(review(), markdown, dry_run=False).action == "unchanged"
    assert sorted(a["name"] for a in card["attachments"]) == names


def test_the_final_review_takes_over_the_draft_card(
    config: Config, fake_trello: FakeTrelloServer, board: str
) -> None:
    draft = review(draft=True)
    publisher(config).publish(draft, markdown_of(draft, config), dry_run=False)
    (card,) = review_cards(fake_trello.fake, board)
    assert card["name"] == "Monthly review 2026-10 (draft)"
    card["desc"] += "draft notes\n"

    final = review(score=80)
    outcome = publisher(config).publish(final, markdown_of(final, config), dry_run=False)

    assert outcome.action == "updated" and "renamed" in outcome.detail
    (card,) = review_cards(fake_trello.fake, board)
    assert card["name"] == "Monthly review 2026-10"
    assert card["desc"].endswith("draft notes\n")


def test_a_dry_run_writes_nothing_and_counts_what_it_would_do(
    config: Config, fake_trello: FakeTrelloServer, board: str
) -> None:
    item = review()
    outcome = publisher(config).publish(item, markdown_of(item, config), dry_run=True)

    assert outcome.action == "created"
    assert fake_trello.fake.count() == fake_trello.fake.count("GET") == 1
    assert review_cards(fake_trello.fake, board) == []
    assert outcome.requests == 3 and "dry run" in outcome.detail


def test_a_failed_card_write_is_not_retried_and_leaves_no_duplicate(
    config: Config, fake_trello: FakeTrelloServer, board: str
) -> None:
    item = review()
    markdown = markdown_of(item, config)
    fake_trello.fake.fail("cards", 500, method="POST")

    with pytest.raises(PublishError, match=r"^Trello review card 'Monthly review 2026-10': "):
        publisher(config).publish(item, markdown, dry_run=False)
    assert fake_trello.fake.count("POST", "cards") == 1

    # The card is created, then the chart upload dies: the next run finds the card.
    fake_trello.fake.fail(r"cards/\w+/attachments", 503, method="POST")
    with pytest.raises(PublishError):
        publisher(config).publish(item, markdown, dry_run=False)
    outcome = publisher(config).publish(item, markdown, dry_run=False)

    assert outcome.action == "updated"
    (card,) = review_cards(fake_trello.fake, board)
    assert len(card["attachments"]) == 1


def test_publishing_with_a_revoked_token_is_a_publish_error_without_the_token(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRELLO_TOKEN", "ATTArevoked0000000000000000000000")
    with pytest.raises(PublishError, match="401") as caught:
        TrelloPublisher(config).publish(review(), "# x\n", dry_run=False)
    assert "ATTArevoked" not in str(caught.value) and "\n" not in str(caught.value)


# -- doctor and init --trello ---------------------------------------------------------------


def test_doctor_checks_token_board_labels_and_fields(
    config: Config, fake_trello: FakeTrelloServer
) -> None:
    checks = {c.name: c for c in check_trello(config)}

    assert checks["trello token"].status == "ok" and "@ada" in checks["trello token"].detail
    assert checks["trello board"].detail == "board 'Career plan'"
    assert checks["trello kind labels"].status == "ok"
    assert checks["trello done lists"].status == "ok"
    assert checks["trello custom fields"].status == "ok"
    assert fake_trello.fake.count() == 2
    assert fake_trello.fake.count(route="members/me") == 1


def test_doctor_names_what_is_missing(fake_trello: FakeTrelloServer, trello_env: None) -> None:
    fake_trello.fake.add_board(short_link="EmPtY001")
    config = trello_config(fake_trello, "EmPtY001")

    checks = {c.name: c for c in check_trello(config)}

    assert checks["trello kind labels"].status == "fail"
    assert "Microlearning" in checks["trello kind labels"].detail
    assert checks["trello custom fields"].status == "warn"
    assert "Power-Up" in checks["trello custom fields"].detail
    assert "will be created" in checks["trello reviews list"].detail


def test_doctor_with_a_bad_token_stops_after_one_request(
    config: Config, fake_trello: FakeTrelloServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRELLO_TOKEN", "ATTArevoked0000000000000000000000")

    (check,) = check_trello(config)

    assert check.status == "fail" and "TRELLO_TOKEN" in check.detail
    assert fake_trello.fake.count() == 1


def test_doctor_without_credentials(config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRELLO_TOKEN")
    (check,) = check_trello(config)
    assert check.status == "fail" and "TRELLO_TOKEN" in check.detail


def test_provisioning_creates_what_is_missing_once(
    fake_trello: FakeTrelloServer, trello_env: None
) -> None:
    board_id = fake_trello.fake.add_board(short_link="NeWbOaRd")
    config = trello_config(fake_trello, "NeWbOaRd")
    source = config.sources.trello

    first = provision_board("https://trello.com/b/NeWbOaRd/plan", source=source,
                            api=fast_api(config))

    board = fake_trello.fake.boards[board_id]
    assert [x["name"] for x in board["lists"]] == ["Planned", "Doing", "Done", "Reviews"]
    labels = {x["name"] for x in board["labels"]}
    assert {"Microlearning", "Mentor session", "Goal", "skill:SQL"} <= labels
    types = {x["name"]: x["type"] for x in board["customFields"]}
    assert types["Minutes"] == "number" and types["Type"] == "list"
    assert first.manual == [] and len(first.created) == 4 + 7 + 6

    again = provision_board(board_id, source=source, api=fast_api(config))
    assert again.created == [] and again.requests == 1

    data = tomllib.loads(again.toml)
    config = parse_config(data)
    assert config.sources.trello is not None and config.sources.trello.board == board_id
    assert config.reviews.trello.list == "Reviews"
    checks = check_trello(config)
    assert {c.status for c in checks} == {"ok"}


def test_provisioning_says_when_the_power_up_must_be_switched_on(
    fake_trello: FakeTrelloServer, trello_env: None
) -> None:
    board_id = fake_trello.fake.add_board(short_link="NoFiElDs", custom_fields=False)
    config = trello_config(fake_trello, "NoFiElDs")

    result = provision_board("NoFiElDs", source=config.sources.trello, api=fast_api(config))

    (step,) = result.manual
    assert "Custom Fields Power-Up" in step and "init --trello" in step
    assert len(fake_trello.fake.boards[board_id]["lists"]) == 4
    assert fake_trello.fake.count("POST", "customFields") == 1  # asked once, then said so


def test_fixture_board_is_an_export() -> None:
    # The fake serves the same JSON the offline export test reads.
    assert json.loads((FIXTURES / "board.json").read_text(encoding="utf-8"))["id"] == BOARD_ID
