"""connectors/notion/connector.py: what the Notion connector declares to the registry."""

from __future__ import annotations

import pytest

from careerloop.config import parse_config
from careerloop.connectors.notion.connector import CONNECTOR
from careerloop.errors import ConfigError

CSV, LIVE = CONNECTOR.sources
assert CONNECTOR.target is not None
TARGET = CONNECTOR.target


def test_csv_and_live_tables_are_two_sources() -> None:
    both = parse_config({"sources": {"notion": {
        "modules": {"csv": "m.csv"}, "sessions": {"data_source": "ds-1"}}}})
    assert (CSV.name, CSV.origin_prefix) == ("notion-csv", "file:notion-csv")
    assert (LIVE.name, LIVE.origin_prefix) == ("notion", "notion:")
    assert CSV.configured(both) and LIVE.configured(both)
    only_csv = parse_config({"sources": {"notion": {"modules": {"csv": "m.csv"}}}})
    assert CSV.configured(only_csv) and not LIVE.configured(only_csv)
    assert not CSV.configured(parse_config({})) and not LIVE.configured(parse_config({}))


def test_the_live_source_needs_its_token(monkeypatch: pytest.MonkeyPatch) -> None:
    config = parse_config({"sources": {"notion": {"token_env": "MY_NOTION",
                                                  "goals": {"data_source": "ds"}}}})
    with pytest.raises(ConfigError, match="MY_NOTION is not set: it must hold the Notion"):
        LIVE.require(config)
    monkeypatch.setenv("MY_NOTION", "ntn_test")
    LIVE.require(config)  # no error once it is set


def test_the_target_needs_a_place_then_the_token(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="reviews.notion: set parent"):
        TARGET.require(parse_config({}))
    placed = parse_config({"reviews": {"notion": {"parent": "page-1"}}})
    # No [sources.notion]: the default variable.
    with pytest.raises(ConfigError, match="NOTION_TOKEN is not set"):
        TARGET.require(placed)
    monkeypatch.setenv("NOTION_TOKEN", "ntn_test")
    TARGET.require(placed)


def test_the_target_row_says_where_reviews_go() -> None:
    under = TARGET.check(parse_config({"reviews": {"notion": {"parent": "page-1"}}}))
    assert (under.status, under.detail) == ("ok", "Reviews database under page-1 (full template)")
    into = TARGET.check(parse_config({"reviews": {"notion": {"database": "db-1",
                                                             "template": "compact"}}}))
    assert into.detail == "Reviews database db-1 (compact template)"
    nowhere = TARGET.check(parse_config({}))
    assert nowhere.status == "fail" and "parent to a page shared" in nowhere.fix


def test_an_empty_read_points_at_the_mapping() -> None:
    assert CSV.empty_cause(parse_config({})) == (
        "the mapped data sources or CSV exports hold no rows, or [sources.notion.<kind>] "
        "points at other tables")
    assert CONNECTOR.provisioning is not None and CONNECTOR.provisioning.option == "notion"


def test_the_compact_setting_chooses_notions_template() -> None:
    compact = parse_config({"reviews": {"notion": {"parent": "p", "template": "compact"}}})
    assert TARGET.template(compact, "monthly") == "compact.md.j2"
    assert TARGET.template(parse_config({}), "monthly") is None  # the review's own
