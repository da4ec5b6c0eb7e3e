"""The live Trello reader: one nested board request, older actions paged, pacing per token."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from careerloop.config import parse_config
from careerloop.connectors.trello.live import ACTIONS_PAGE, TrelloReader, _oldest, fetch_board
from careerloop.connectors.trello.publish import TrelloPublisher
from careerloop.errors import ConfigError, SourceError
from careerloop.store import Store
from tests.fakes.fixtures import FakeClock
from tests.fakes.trello_api import Call, FakeTrelloServer, big_board
from tests.fakes.trello_fixtures import fast_api, fixture_board, trello_config


def action(ident: object, date: str) -> dict[str, Any]:
    return {"id": ident, "date": date, "type": "commentCard"}


def test_oldest_is_the_earliest_date_then_the_lowest_id() -> None:
    page = [
        action("c", "2026-03-02T10:00:00.000Z"),
        action("b", "2026-03-01T10:00:00.000Z"),
        action("a", "2026-03-01T10:00:00.000Z"),
        action(7, "2020-01-01T00:00:00.000Z"),  # no string id: cannot page before it
    ]
    assert _oldest(page) == "a"
    assert _oldest([action(None, "2026-01-01T00:00:00.000Z")]) is None
    assert _oldest([]) is None


def test_an_answer_that_is_not_a_board_is_a_source_error(
    fake_trello: FakeTrelloServer, trello_env: None
) -> None:
    fake_trello.fake.add_route("GET", "boards/NoTaBoRd", lambda call: (200, [{"id": "x"}]))
    config = trello_config(fake_trello, "NoTaBoRd")
    with pytest.raises(SourceError, match=r"Trello board NoTaBoRd: .*not a board"):
        fetch_board(fast_api(config), "NoTaBoRd")


def test_a_repeated_page_of_actions_stops_the_read(
    fake_trello: FakeTrelloServer, trello_env: None
) -> None:
    board_id = fake_trello.fake.load_board(big_board(cards=10, actions=ACTIONS_PAGE))
    first_page: list[Any] = []

    def same_page(call: Call) -> tuple[int, Any]:  # ignores `before`, as a broken proxy might
        return 200, first_page

    fake_trello.fake.add_route("GET", r"boards/\w+/actions", same_page)
    config = trello_config(fake_trello, board_id)
    api = fast_api(config)
    board = api.fetch(
        "board", f"/boards/{board_id}", params={"actions": "all", "actions_limit": "1000"}
    )
    first_page.extend(board["actions"])
    assert len(first_page) == ACTIONS_PAGE

    with pytest.raises(SourceError, match="repeated a page of actions"):
        fetch_board(api, board_id)


def test_paging_stops_at_max_pages(fake_trello: FakeTrelloServer, trello_env: None) -> None:
    board_id = fake_trello.fake.load_board(big_board(cards=10, actions=3 * ACTIONS_PAGE + 5))
    config = trello_config(fake_trello, board_id)
    with pytest.raises(SourceError, match="more than 1 pages of actions"):
        fetch_board(fast_api(config), board_id, max_pages=1)


def test_a_reader_needs_a_board(tmp_path: Path) -> None:
    config = parse_config({"sources": {"trello": {"export": "board.json"}}}, base_dir=tmp_path)
    with pytest.raises(ConfigError, match="sources.trello.board is not set"):
        TrelloReader(config)


def test_a_read_is_whole_and_counts_its_requests(
    fake_trello: FakeTrelloServer, trello_env: None, tmp_path: Path
) -> None:
    board_id = fake_trello.fake.load_board(fixture_board())
    config = trello_config(fake_trello, "https://trello.com/b/CaReEr01/career-plan")
    reader = TrelloReader(config, clock=FakeClock())
    assert reader.http_stats() is None  # nothing read yet

    with Store(tmp_path / "state.db") as store:
        (result,) = reader.read(store, full=False)

    # A board with fewer than 1000 actions is one nested request, read whole even when
    # an incremental read was asked (Trello has no "changed since" for cards).
    assert (result.origin, result.full, result.requests) == (f"trello:{board_id}", True, 1)
    stats = reader.http_stats()
    assert stats is not None and stats.requests == 1
    assert result.workspace.records()


def test_reader_and_publisher_on_one_token_pace_together(
    fake_trello: FakeTrelloServer, trello_env: None, tmp_path: Path
) -> None:
    fake_trello.fake.load_board(fixture_board())
    # requests_per_10s = 20: bursts of 2, then (20 - 2) / 10 = 1.8 requests per second.
    config = trello_config(fake_trello, "CaReEr01", requests_per_10s=20)
    clock = FakeClock()
    readers = [TrelloReader(config, clock=clock), TrelloReader(config, clock=clock)]

    with Store(tmp_path / "state.db") as store:
        for _ in range(2):
            for reader in readers:
                reader.read(store, full=True)
        publisher = TrelloPublisher(config, clock=clock)
        publisher.api.fetch("Trello board", "/boards/CaReEr01", params={"fields": "name"})
        publisher.close()

    # Five requests from three clients on one bucket: two free, three at 1.8/s. Apart,
    # each reader would have had both of its requests free.
    assert fake_trello.fake.count() == 5
    assert clock.now - 1000.0 == pytest.approx(3 / 1.8)
