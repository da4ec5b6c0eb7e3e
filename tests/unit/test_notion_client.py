"""NotionApi: building notion-client, resolving data sources, translating errors."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import httpx
import pytest
import respx
from pydantic import SecretStr

from careerloop.connectors.base import HttpPolicy, RetryPolicy
from careerloop.connectors.notion.client import NOTION_VERSION, NotionApi, notion_http_client
from careerloop.errors import AuthError, ConfigError, NotFound, RateLimited, SourceError
from tests.fakes.fixtures import FakeClock

BASE = "https://api.notion.test"
TOKEN = "ntn_unit_test_token_0123456789abcdefghijkl"
DS = "11111111-1111-1111-1111-111111111111"
DB = "22222222-2222-2222-2222-222222222222"
DS2 = "33333333-3333-3333-3333-333333333333"


@pytest.fixture
def api(fake_clock: FakeClock) -> Iterator[NotionApi]:
    policy = HttpPolicy(service="Notion", rate=1000, burst=1000, clock=fake_clock,
                        retry=RetryPolicy(max_attempts=3, jitter=lambda: 0.0))
    client = NotionApi(SecretStr(TOKEN), base_url=BASE, http_client=notion_http_client(policy))
    yield client
    client.close()


@pytest.fixture
def mock() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=f"{BASE}/v1", assert_all_called=False) as router:
        yield router


def not_found(kind: str, ident: str) -> httpx.Response:
    return httpx.Response(404, json={
        "object": "error", "status": 404, "code": "object_not_found",
        "message": f"Could not find {kind} with ID: {ident}. Make sure the relevant pages "
                   "and databases are shared with your integration.",
    })


def data_source(ident: str, name: str) -> dict[str, object]:
    return {
        "object": "data_source", "id": ident,
        "title": [{"plain_text": name}],
        "parent": {"type": "database_id", "database_id": DB},
        "properties": {"Name": {"id": "title", "type": "title", "title": {}}},
    }


def test_headers_version_and_token(api: NotionApi, mock: respx.MockRouter) -> None:
    route = mock.get("/users/me").respond(json={"object": "user", "id": "u", "type": "bot"})
    api.me()
    request = route.calls.last.request
    assert request.headers["Notion-Version"] == NOTION_VERSION == "2025-09-03"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert api.calls == 1


def test_resolves_a_data_source_id(api: NotionApi, mock: respx.MockRouter) -> None:
    mock.get(f"/data_sources/{DS}").respond(json=data_source(DS, "Modules"))
    found = api.resolve(DS.replace("-", ""), where="modules")
    assert (found.id, found.name, found.database_id, found.title_property) == (
        DS, "Modules", DB, "Name")


def test_resolves_a_database_url_with_one_data_source(
    api: NotionApi, mock: respx.MockRouter
) -> None:
    mock.get(f"/data_sources/{DB}").mock(return_value=not_found("data_source", DB))
    mock.get(f"/databases/{DB}").respond(json={
        "object": "database", "id": DB, "title": [{"plain_text": "Modules"}],
        "data_sources": [{"id": DS, "name": "Modules"}],
    })
    mock.get(f"/data_sources/{DS}").respond(json=data_source(DS, "Modules"))
    url = f"https://www.notion.so/acme/Modules-{DB.replace('-', '')}?v=abc"
    assert api.resolve(url, where="modules").id == DS
    assert api.calls == 3


def test_a_database_with_two_data_sources_asks_to_choose(
    api: NotionApi, mock: respx.MockRouter
) -> None:
    mock.get(f"/data_sources/{DB}").mock(return_value=not_found("data_source", DB))
    mock.get(f"/databases/{DB}").respond(json={
        "object": "database", "id": DB, "title": [{"plain_text": "Learning"}],
        "data_sources": [{"id": DS, "name": "Modules"}, {"id": DS2, "name": "Archive"}],
    })
    with pytest.raises(ConfigError) as caught:
        api.resolve(DB, where="Notion modules data source")
    message = str(caught.value)
    assert "2 data sources" in message and "Modules = " + DS in message
    assert "Archive = " + DS2 in message


def test_unshared_is_not_found_with_what_to_do(api: NotionApi, mock: respx.MockRouter) -> None:
    mock.get(f"/data_sources/{DS}").mock(return_value=not_found("data_source", DS))
    mock.get(f"/databases/{DS}").mock(return_value=not_found("database", DS))
    with pytest.raises(NotFound, match="share the database with the integration") as caught:
        api.resolve(DS, where="Notion modules data source")
    assert str(caught.value).startswith("Notion modules data source")


def test_not_an_id(api: NotionApi) -> None:
    with pytest.raises(ConfigError, match="not a Notion id or URL"):
        api.resolve("my modules", where="modules")


@pytest.mark.parametrize(
    ("response", "error", "text"),
    [
        (httpx.Response(401, json={"object": "error", "status": 401, "code": "unauthorized",
                                   "message": f"API token is invalid: {TOKEN}"}),
         AuthError, "NOTION_TOKEN"),
        (httpx.Response(403, json={"object": "error", "status": 403,
                                   "code": "restricted_resource", "message": "no"}),
         NotFound, "share the database"),
        (httpx.Response(400, json={"object": "error", "status": 400,
                                   "code": "validation_error", "message": "bad filter"}),
         SourceError, "bad filter"),
        (httpx.Response(502, text="<html>502 Bad Gateway</html>"), SourceError, "502"),
        (httpx.Response(429, json={"object": "error", "status": 429, "code": "rate_limited",
                                   "message": "slow down"}, headers={"Retry-After": "1"}),
         RateLimited, "rate limited"),
    ],
)
def test_errors_are_translated_without_the_token(
    api: NotionApi,
    mock: respx.MockRouter,
    response: httpx.Response,
    error: type[Exception],
    text: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    mock.post(f"/data_sources/{DS}/query").mock(return_value=response)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(error) as caught:
        api.query(DS, where="Notion modules data source 'Modules'")
    message = str(caught.value)
    assert text in message
    assert message.startswith("Notion modules data source 'Modules'")
    assert TOKEN not in message and TOKEN not in repr(caught.value)
    assert caught.value.__cause__ is None  # no SDK error (with its headers) chained
    assert TOKEN not in caplog.text


def test_connection_errors_name_the_host_not_the_token(
    api: NotionApi, mock: respx.MockRouter
) -> None:
    mock.get("/users/me").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(SourceError, match="could not reach Notion at https://api.notion.test"):
        api.me()


def test_sdk_retry_is_off_so_attempts_do_not_multiply(
    api: NotionApi, mock: respx.MockRouter, fake_clock: FakeClock
) -> None:
    route = mock.get("/users/me").respond(
        503, json={"object": "error", "status": 503, "code": "service_unavailable",
                   "message": "down"})
    with pytest.raises(SourceError, match="503"):
        api.me()
    assert route.call_count == 3  # the policy's 3 attempts, not 3 × (1 + SDK retries)


def test_property_items_refuse_a_repeated_cursor(api: NotionApi, mock: respx.MockRouter) -> None:
    page = {"object": "list", "results": [{"relation": {"id": "a"}}], "has_more": True,
            "next_cursor": "same"}
    mock.get("/pages/p/properties/r").mock(return_value=httpx.Response(200, json=page))
    with pytest.raises(SourceError, match="same page cursor|repeated"):
        list(api.property_items("p", "r", where="modules"))


def test_query_body_is_json(api: NotionApi, mock: respx.MockRouter) -> None:
    route = mock.post(f"/data_sources/{DS}/query").respond(
        json={"object": "list", "results": [], "has_more": False, "next_cursor": None})
    api.query(DS, where="m", page_size=100, sorts=[{"timestamp": "created_time",
                                                   "direction": "ascending"}])
    body = json.loads(route.calls.last.request.content)
    assert body == {"page_size": 100,
                    "sorts": [{"timestamp": "created_time", "direction": "ascending"}]}


def test_clients_of_one_integration_share_its_token_bucket(
    fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from careerloop.config import NotionSource
    from careerloop.connectors.notion.client import notion_policy

    monkeypatch.setenv("NOTION_TOKEN", TOKEN)
    monkeypatch.setenv("OTHER_NOTION_TOKEN", TOKEN.replace("unit", "else"))
    mine, other = NotionSource(), NotionSource(token_env="OTHER_NOTION_TOKEN")
    policies = [notion_policy(mine, clock=fake_clock) for _ in range(2)]
    policies.append(notion_policy(other, clock=fake_clock))
    sources = [mine, mine, other]
    clients = [NotionApi.from_config(s, policy=p) for s, p in zip(sources, policies, strict=True)]
    try:
        # The reader and the publisher of one integration queue on one bucket; another
        # integration has its own.
        assert policies[0].bucket is policies[1].bucket
        assert policies[2].bucket is not policies[0].bucket
    finally:
        for client in clients:
            client.close()
