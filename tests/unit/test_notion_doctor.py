"""Notion doctor rows against respx: the token, access, and each data source's schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

from careerloop.config import Config, parse_config
from careerloop.connectors.base import HttpPolicy, RetryPolicy
from careerloop.connectors.notion.client import notion_http_client
from careerloop.connectors.notion.doctor import check_notion
from tests.fakes.fixtures import FakeClock

BASE = "https://api.notion.test"
TOKEN = "ntn_unit_test_token_0123456789abcdefghijkl"
MODULES = "11111111-1111-1111-1111-111111111111"
ME = {"object": "user", "id": "bot-1", "type": "bot", "name": "careerloop", "bot": {}}


def config(**modules: Any) -> Config:
    return parse_config(
        {
            "sources": {
                "notion": {"base_url": BASE, "modules": {"data_source": MODULES, **modules}}
            },
        }
    )


def data_source(properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "data_source",
        "id": MODULES,
        "title": [{"plain_text": "Modules"}],
        "parent": {"type": "database_id", "database_id": "db-1"},
        "properties": properties,
    }


@pytest.fixture
def client(fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> httpx.Client:
    monkeypatch.setenv("NOTION_TOKEN", TOKEN)
    policy = HttpPolicy(
        service="Notion",
        rate=1000,
        burst=1000,
        clock=fake_clock,
        retry=RetryPolicy(max_attempts=2, jitter=lambda: 0.0),
    )
    return notion_http_client(policy)


@pytest.fixture
def mock() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=f"{BASE}/v1", assert_all_called=False) as router:
        yield router


def test_a_refused_token_is_the_only_row(client: httpx.Client, mock: respx.MockRouter) -> None:
    mock.get("/users/me").respond(
        401,
        json={
            "object": "error",
            "status": 401,
            "code": "unauthorized",
            "message": "API token is invalid.",
        },
    )
    [row] = check_notion(config(), http_client=client)
    assert (row.name, row.status) == ("notion token", "fail")
    assert "NOTION_TOKEN" in row.detail and TOKEN not in row.detail


def test_an_unset_token_says_what_to_export(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOTION_TOKEN", raising=False)
    [row] = check_notion(config())
    assert (row.name, row.status) == ("notion token", "fail")
    assert row.fix.startswith("export NOTION_TOKEN=")


def test_schema_rows_fail_for_a_named_property_and_warn_for_a_default_one(
    client: httpx.Client, mock: respx.MockRouter
) -> None:
    mock.get("/users/me").respond(json=ME)
    # "Hours" is named in careerloop.toml but absent; the default "Skills" is absent too.
    mock.get(f"/data_sources/{MODULES}").respond(
        json=data_source(
            {
                "Name": {"id": "title", "type": "title", "title": {}},
                "Planned": {"id": "p1", "type": "date", "date": {}},
                "Completed": {"id": "p2", "type": "date", "date": {}},
            }
        )
    )
    rows = {c.name: c for c in check_notion(config(minutes="Hours"), http_client=client)}
    assert rows["notion token"].status == "ok"
    assert "careerloop" in rows["notion token"].detail
    assert rows["notion modules"].status == "ok"
    assert rows["notion modules"].detail == "'Modules': 3 properties readable"
    assert rows["notion modules: minutes"].status == "fail"
    assert "'Hours' (mapped to minutes) does not exist" in rows["notion modules: minutes"].detail
    assert rows["notion modules: skills"].status == "warn"
    assert "notion modules: completed" not in rows  # a Completed date property exists


def test_modules_without_a_completed_date_warn_how_completion_is_dated(
    client: httpx.Client, mock: respx.MockRouter
) -> None:
    mock.get("/users/me").respond(json=ME)
    mock.get(f"/data_sources/{MODULES}").respond(
        json=data_source(
            {
                "Name": {"id": "title", "type": "title", "title": {}},
            }
        )
    )
    rows = {c.name: c for c in check_notion(config(), http_client=client)}
    assert rows["notion modules: completed"].status == "warn"
    assert "last edited date" in rows["notion modules: completed"].detail


def test_an_unshared_data_source_says_to_add_the_integration(
    client: httpx.Client, mock: respx.MockRouter
) -> None:
    missing = httpx.Response(
        404,
        json={
            "object": "error",
            "status": 404,
            "code": "object_not_found",
            "message": "Could not find",
        },
    )
    mock.get("/users/me").respond(json=ME)
    mock.get(f"/data_sources/{MODULES}").mock(return_value=missing)
    mock.get(f"/databases/{MODULES}").mock(return_value=missing)
    rows = {c.name: c for c in check_notion(config(), http_client=client)}
    assert rows["notion modules"].status == "fail"
    assert "Connections" in rows["notion modules"].fix


def test_no_live_table_means_no_rows() -> None:
    offline = parse_config({"sources": {"notion": {"modules": {"csv": "Modules.csv"}}}})
    assert check_notion(offline) == []
