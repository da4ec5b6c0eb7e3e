"""The one cursor paginator: pages in order, a repeated cursor stops, a null cursor ends."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx
from pydantic import SecretStr

from careerloop.connectors.base import HttpPolicy, RetryPolicy
from careerloop.connectors.notion.client import NotionApi, cursor_pages, notion_http_client
from careerloop.errors import SourceError
from tests.fakes.fixtures import FakeClock

BASE = "https://api.notion.test"
TOKEN = "ntn_unit_test_token_0123456789abcdefghijkl"
PAGE = "22222222-2222-2222-2222-222222222222"


def answer(
    results: list[Any], cursor: str | None, *, has_more: bool | None = None
) -> dict[str, Any]:
    """A list answer as Notion sends it: `next_cursor` null on the last page."""
    more = cursor is not None if has_more is None else has_more
    return {
        "object": "list",
        "results": results,
        "next_cursor": cursor,
        "has_more": more,
        "type": "block",
        "block": {},
    }


class Pages:
    """A fake endpoint: cursor -> answer, recording the cursors asked for."""

    def __init__(self, answers: dict[str | None, dict[str, Any]]) -> None:
        self.answers = answers
        self.asked: list[str | None] = []

    def __call__(self, cursor: str | None) -> dict[str, Any]:
        self.asked.append(cursor)
        return self.answers[cursor]


def test_pages_come_in_order_following_each_cursor() -> None:
    fetch = Pages({None: answer([1, 2], "c1"), "c1": answer([3], "c2"), "c2": answer([4], None)})
    pages = list(cursor_pages(fetch, endpoint="blocks.children.list", where="Reviews page"))
    assert [p["results"] for p in pages] == [[1, 2], [3], [4]]
    assert fetch.asked == [None, "c1", "c2"]


def test_a_single_page_without_more_is_one_request() -> None:
    fetch = Pages({None: answer([1], None)})
    assert [p["results"] for p in cursor_pages(fetch, endpoint="e", where="w")] == [[1]]
    assert fetch.asked == [None]


def test_a_repeated_cursor_is_an_error_naming_the_endpoint_not_a_loop() -> None:
    # c1 -> c2 -> c1 again: following it would read c1's page forever.
    fetch = Pages({None: answer([1], "c1"), "c1": answer([2], "c2"), "c2": answer([3], "c1")})
    pages = cursor_pages(fetch, endpoint="data_sources.query", where="Notion modules data source")
    with pytest.raises(SourceError) as caught:
        list(pages)
    message = str(caught.value)
    assert message.startswith("Notion modules data source: ")
    assert "same page cursor twice" in message and "data_sources.query" in message
    assert fetch.asked == [None, "c1", "c2"]  # stopped before asking for c1 a second time


def test_a_cursor_repeated_at_once_stops_after_two_requests() -> None:
    fetch = Pages({None: answer([1], "same"), "same": answer([2], "same")})
    with pytest.raises(SourceError, match=r"pages\.properties\.retrieve"):
        list(cursor_pages(fetch, endpoint="pages.properties.retrieve", where="w"))
    assert fetch.asked == [None, "same"]


def test_has_more_with_a_null_cursor_ends_the_read() -> None:
    # There is nothing to follow: the API documents next_cursor as null at the end.
    fetch = Pages({None: answer([1], "c1"), "c1": answer([2], None, has_more=True)})
    pages = list(cursor_pages(fetch, endpoint="e", where="w"))
    assert [p["results"] for p in pages] == [[1], [2]]
    assert fetch.asked == [None, "c1"]


def test_a_cursor_without_has_more_is_not_followed() -> None:
    fetch = Pages({None: answer([1], "c1", has_more=False)})
    assert len(list(cursor_pages(fetch, endpoint="e", where="w"))) == 1
    assert fetch.asked == [None]


def test_an_answer_that_is_no_list_ends_the_read() -> None:
    # The page-property endpoint answers a number property with the item itself.
    fetch = Pages({None: {"object": "property_item", "type": "number", "number": 3}})
    assert list(cursor_pages(fetch, endpoint="e", where="w")) == [fetch.answers[None]]


@pytest.fixture
def api(fake_clock: FakeClock) -> Iterator[NotionApi]:
    policy = HttpPolicy(
        service="Notion",
        rate=1000,
        burst=1000,
        clock=fake_clock,
        retry=RetryPolicy(max_attempts=3, jitter=lambda: 0.0),
    )
    client = NotionApi(SecretStr(TOKEN), base_url=BASE, http_client=notion_http_client(policy))
    yield client
    client.close()


def test_paginate_sends_page_size_and_start_cursor_over_http(api: NotionApi) -> None:
    with respx.mock(base_url=f"{BASE}/v1") as mock:
        route = mock.get(f"/blocks/{PAGE}/children").mock(
            side_effect=[
                httpx.Response(200, json=answer([{"id": "b1"}], "c1")),
                httpx.Response(200, json=answer([{"id": "b2"}], None)),
            ]
        )
        pages = list(api.paginate("Reviews page", api.sdk.blocks.children.list, PAGE))
    assert [b["id"] for p in pages for b in p["results"]] == ["b1", "b2"]
    params = [dict(call.request.url.params) for call in route.calls]
    assert params == [{"page_size": "100"}, {"page_size": "100", "start_cursor": "c1"}]
    assert api.calls == 2


def test_paginate_names_the_sdk_request_when_a_cursor_repeats(api: NotionApi) -> None:
    with respx.mock(base_url=f"{BASE}/v1") as mock:
        route = mock.post("/data_sources/ds1/query").mock(
            side_effect=lambda request: httpx.Response(200, json=answer([], "again"))
        )
        with pytest.raises(SourceError, match=r"request: data_sources\.query"):
            list(api.paginate("modules", api.sdk.data_sources.query, "ds1", sorts=[]))
    bodies = [json.loads(call.request.content) for call in route.calls]
    assert bodies == [
        {"page_size": 100, "sorts": []},
        {"page_size": 100, "sorts": [], "start_cursor": "again"},
    ]
