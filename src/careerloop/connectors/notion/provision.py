"""Create a ready careerloop workspace under a Notion page (`careerloop init --notion`).

Six databases, one data source each, with the properties the default mapping expects
(config.py): goals first, since modules and milestones relate to it. Running it again
finds the databases already under the page (by title) and creates only what is missing.
"""

from __future__ import annotations

import copy
from typing import Any

from notion_client.helpers import extract_page_id

from careerloop.connectors.notion.client import NotionApi
from careerloop.errors import ConfigError, SourceError

__all__ = ["TABLE_TITLES", "config_toml", "provision_workspace", "table_schema"]

TABLE_TITLES: dict[str, str] = {
    "goals": "Goals",
    "modules": "Microlearning modules",
    "sessions": "Mentor sessions",
    "applications": "Skill applications",
    "milestones": "Milestones",
    "advancements": "Advancements",
}
"""Kind table name (as in `[sources.notion.<table>]`) -> database title, in creation order."""

_STATUS = ["Not started", "In progress", "Done"]
_FORMATS = ["video", "quiz", "flashcards", "infographic", "case study", "simulation",
            "article", "podcast"]


def _select(options: list[str]) -> dict[str, Any]:
    return {"select": {"options": [{"name": o} for o in options]}}


def _relation(data_source_id: str) -> dict[str, Any]:
    return {"relation": {"data_source_id": data_source_id, "type": "single_property",
                         "single_property": {}}}


_TO_GOALS: dict[str, Any] = {}
"""Stands for the relation to the goals data source, whose id is known only at run time."""

_EMPTY: dict[str, Any] = {}
_NUMBER: dict[str, Any] = {"number": {"format": "number"}}
_TAGS: dict[str, Any] = {"multi_select": {"options": []}}

_SCHEMAS: dict[str, dict[str, Any]] = {
    "goals": {
        "Name": {"title": _EMPTY},
        "Horizon": _select(["6m", "12m"]),
        "Target date": {"date": _EMPTY},
        "Status": _select(_STATUS),
    },
    "modules": {
        "Name": {"title": _EMPTY},
        "Planned": {"date": _EMPTY},
        "Completed": {"date": _EMPTY},
        "Status": _select(_STATUS),
        "Minutes": _NUMBER,
        "Format": _select(_FORMATS),
        "Track": {"select": {"options": []}},
        "Skills": _TAGS,
        "Goals": _TO_GOALS,
        "Vetted": {"checkbox": _EMPTY},
        "Provider": {"rich_text": _EMPTY},
    },
    "sessions": {
        "Name": {"title": _EMPTY},
        "Date": {"date": _EMPTY},
        "Mentor": {"rich_text": _EMPTY},
        "Feedback": _NUMBER,
        "Insights": {"rich_text": _EMPTY},
        "Action items done": _NUMBER,
        "Action items total": _NUMBER,
    },
    "applications": {
        "Name": {"title": _EMPTY},
        "Date": {"date": _EMPTY},
        "Skills": _TAGS,
        "Project": {"rich_text": _EMPTY},
    },
    "milestones": {
        "Name": {"title": _EMPTY},
        "Due": {"date": _EMPTY},
        "Done on": {"date": _EMPTY},
        "Status": _select(_STATUS),
        "Goals": _TO_GOALS,
    },
    "advancements": {
        "Name": {"title": _EMPTY},
        "Date": {"date": _EMPTY},
        "Kind": _select(["role", "title", "compensation"]),
        "Description": {"rich_text": _EMPTY},
        "Skills": _TAGS,
    },
}
"""Kind table name -> its properties by default-mapping name, in creation order."""


def table_schema(table: str, goals_data_source: str | None = None) -> dict[str, Any]:
    """The properties (in `databases.create` form) of one table, by default-mapping name.

    `goals_data_source` is needed by the tables that relate to goals (modules, milestones).
    """
    schema = _SCHEMAS.get(table)
    if schema is None:
        raise ValueError(f"unknown table {table!r}")
    return {
        name: _relation(_need(goals_data_source)) if spec is _TO_GOALS else copy.deepcopy(spec)
        for name, spec in schema.items()
    }


def _need(goals_data_source: str | None) -> str:
    if goals_data_source is None:
        raise ValueError("this table relates to goals: pass the goals data source id")
    return goals_data_source


def _existing(api: NotionApi, parent: str, where: str) -> dict[str, str]:
    """Database title -> data source id, for the databases directly under the page."""
    found: dict[str, str] = {}
    for answer in api.paginate(where, api.sdk.blocks.children.list, parent):
        for block in answer.get("results") or []:
            if block.get("type") != "child_database" or block.get("in_trash"):
                continue
            title = str((block.get("child_database") or {}).get("title", ""))
            if title in TABLE_TITLES.values() and title not in found:
                database = api.call(where, api.sdk.databases.retrieve, block["id"])
                sources = database.get("data_sources") or []
                if sources:
                    found[title] = str(sources[0]["id"])
    return found


def provision_workspace(api: NotionApi, parent_page_id: str) -> dict[str, str]:
    """Create (or find) the six careerloop databases under a page.

    Returns kind table name (`goals`, `modules`, …) -> data source id. Idempotent: a
    database whose title is already under the page is reused, not created again.

    Raises:
        ConfigError: `parent_page_id` is not a page id or URL.
        SourceError: Notion refused (NotFound when the page is not shared with the
            integration).
    """
    parent = extract_page_id(parent_page_id)
    if parent is None:
        raise ConfigError(f"--notion {parent_page_id!r} is not a Notion page id or URL")
    where = f"Notion page {parent}"
    existing = _existing(api, parent, where)
    ids: dict[str, str] = {}
    for table, title in TABLE_TITLES.items():
        if title in existing:
            ids[table] = existing[title]
            continue
        schema = table_schema(table, ids.get("goals"))
        created = api.call(
            f"{where}, creating {title!r}",
            api.sdk.databases.create,
            parent={"type": "page_id", "page_id": parent},
            title=[{"type": "text", "text": {"content": title}}],
            initial_data_source={"properties": schema},
        )
        sources = created.get("data_sources") or []
        if not sources:
            raise SourceError(f"{where}: Notion created {title!r} without a data source")
        ids[table] = str(sources[0]["id"])
    return ids


def config_toml(ids: dict[str, str], token_env: str = "NOTION_TOKEN", *,
                timezone: str = "UTC") -> str:
    """careerloop.toml text that reads the provisioned data sources (default mapping)."""
    lines = [
        "# Written by `careerloop init --notion`. Every key is described in",
        "# config.example.toml; the token itself lives in the environment.",
        "",
        "[workspace]",
        f'timezone = "{timezone}"',
        "",
        "[sources.notion]",
        f'token_env = "{token_env}"',
    ]
    for table in TABLE_TITLES:
        if table in ids:
            lines += ["", f"[sources.notion.{table}]", f'data_source = "{ids[table]}"']
    return "\n".join(lines) + "\n"
