"""connectors/trello/connector.py: what the Trello connector declares to the registry."""

from __future__ import annotations

import pytest

from careerloop.config import parse_config
from careerloop.connectors.trello.connector import CONNECTOR
from careerloop.errors import ConfigError

EXPORT, BOARD = CONNECTOR.sources
assert CONNECTOR.target is not None
TARGET = CONNECTOR.target


def test_an_export_wins_over_the_board() -> None:
    both = parse_config({"sources": {"trello": {"board": "CaReEr01", "export": "b.json"}}})
    assert EXPORT.configured(both) and not BOARD.configured(both)
    live = parse_config({"sources": {"trello": {"board": "CaReEr01"}}})
    assert BOARD.configured(live) and not EXPORT.configured(live)
    assert (EXPORT.origin_prefix, BOARD.origin_prefix) == ("file:trello-export", "trello:")


def test_the_board_needs_key_and_token(monkeypatch: pytest.MonkeyPatch) -> None:
    live = parse_config({"sources": {"trello": {"board": "CaReEr01"}}})
    with pytest.raises(ConfigError, match="TRELLO_API_KEY is not set"):
        BOARD.require(live)
    monkeypatch.setenv("TRELLO_API_KEY", "k" * 32)
    with pytest.raises(ConfigError, match="TRELLO_TOKEN is not set"):
        BOARD.require(live)
    monkeypatch.setenv("TRELLO_TOKEN", "t" * 64)
    BOARD.require(live)
    EXPORT.require(live)  # an export needs no credentials


def test_the_target_needs_a_board() -> None:
    export_only = parse_config({"sources": {"trello": {"export": "b.json"}}})
    with pytest.raises(ConfigError) as caught:
        TARGET.require(export_only)
    assert str(caught.value) == (
        "reviews.targets: publishing to trello needs [sources.trello] board")
    row = TARGET.check(parse_config({"sources": {"trello": {"board": "CaReEr01"}},
                                     "reviews": {"trello": {"list": "Retros"}}}))
    assert (row.name, row.status, row.detail) == ("target trello", "ok",
                                                  "list 'Retros' on the board")


def test_an_empty_read_names_the_labels_and_done_lists() -> None:
    config = parse_config({"sources": {"trello": {
        "export": "b.json", "kinds": {"Course": "module"}, "done_lists": ["Done", "Shipped"]}}})
    assert EXPORT.empty_cause(config) == (
        "no open card carries a kind label ('Course'), every card is undated, or done_lists "
        "('Done', 'Shipped') names no list of the board")
    assert EXPORT.empty_cause(parse_config({})) == "no records"
