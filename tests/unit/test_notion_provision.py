"""provision.py: the six tables' schemas and the careerloop.toml that reads them."""

from __future__ import annotations

import tomllib

import pytest

from careerloop.config import parse_config
from careerloop.connectors.notion.provision import TABLE_TITLES, config_toml, table_schema

GOALS = "44444444-4444-4444-4444-444444444444"


def test_every_table_has_a_title_property_named_name() -> None:
    for table in TABLE_TITLES:
        schema = table_schema(table, GOALS)
        assert schema["Name"] == {"title": {}}
        assert sum("title" in spec for spec in schema.values()) == 1


def test_modules_keep_the_default_mapping_names_in_order() -> None:
    assert list(table_schema("modules", GOALS)) == [
        "Name",
        "Planned",
        "Completed",
        "Status",
        "Minutes",
        "Format",
        "Track",
        "Skills",
        "Goals",
        "Vetted",
        "Provider",
    ]


def test_tables_that_relate_to_goals_point_at_the_goals_data_source() -> None:
    for table in ("modules", "milestones"):
        relation = table_schema(table, GOALS)["Goals"]["relation"]
        assert relation == {
            "data_source_id": GOALS,
            "type": "single_property",
            "single_property": {},
        }
    assert "Goals" not in table_schema("sessions")


def test_a_table_relating_to_goals_needs_the_goals_id() -> None:
    with pytest.raises(ValueError, match="goals data source"):
        table_schema("milestones")


def test_an_unknown_table_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown table 'notes'"):
        table_schema("notes")


def test_a_schema_is_a_fresh_copy_each_time() -> None:
    first = table_schema("goals")
    first["Status"]["select"]["options"].append({"name": "Dropped"})
    assert [o["name"] for o in table_schema("goals")["Status"]["select"]["options"]] == [
        "Not started",
        "In progress",
        "Done",
    ]


def test_config_toml_reads_back_as_the_provisioned_ids() -> None:
    text = config_toml({"goals": GOALS, "modules": "m-1"}, "MY_NOTION", timezone="Europe/Berlin")
    data = tomllib.loads(text)
    assert data["sources"]["notion"]["token_env"] == "MY_NOTION"
    assert data["sources"]["notion"]["goals"] == {"data_source": GOALS}
    assert "sessions" not in data["sources"]["notion"]
    config = parse_config(data)
    assert config.sources.notion is not None
    assert config.sources.notion.modules is not None
    assert config.sources.notion.modules.data_source == "m-1"
