"""NotionReader against respx: pagination, windows, overlap, the 10,000 cap, trash."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from careerloop.config import Config, SessionsMapping, parse_config
from careerloop.connectors.base import HttpPolicy, RetryPolicy
from careerloop.connectors.notion.client import DataSource, notion_http_client
from careerloop.connectors.notion.read import NotionReader, field_problems
from careerloop.errors import ConfigError, SourceError
from careerloop.store import Store
from tests.fakes.fixtures import FakeClock

BASE = "https://api.notion.test"
TOKEN = "ntn_unit_test_token_0123456789abcdefghijkl"
MODULES = "11111111-1111-1111-1111-111111111111"
GOALS = "44444444-4444-4444-4444-444444444444"

SCHEMA = {
    "Name": {"id": "title", "type": "title", "title": {}},
    "Planned": {"id": "p1", "type": "date", "date": {}},
    "Completed": {"id": "p2", "type": "date", "date": {}},
    "Skills": {"id": "p3", "type": "multi_select", "multi_select": {}},
    "Goals": {"id": "p4", "type": "relation",
              "relation": {"data_source_id": GOALS, "type": "single_property"}},
}


def pid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def page(n: int, *, created: str = "2026-10-01T08:00:00.000Z", edited: str | None = None,
         in_trash: bool = False, goals: list[str] | None = None,
         has_more: bool = False) -> dict[str, Any]:
    return {
        "object": "page",
        "id": pid(n),
        "created_time": created,
        "last_edited_time": edited or created,
        "in_trash": in_trash,
        "url": f"https://www.notion.so/{pid(n).replace('-', '')}",
        "properties": {
            "Name": {"id": "title", "type": "title",
                     "title": [{"plain_text": f"Module {n}"}]},
            "Planned": {"id": "p1", "type": "date",
                        "date": {"start": "2026-10-02", "end": None, "time_zone": None}},
            "Completed": {"id": "p2", "type": "date", "date": None},
            "Skills": {"id": "p3", "type": "multi_select", "multi_select": [{"name": "SQL"}]},
            "Goals": {"id": "p4", "type": "relation",
                      "relation": [{"id": g} for g in (goals or [])[:25]],
                      "has_more": has_more},
        },
    }


def listing(results: list[dict[str, Any]], cursor: str | None = None,
            capped: bool = False) -> httpx.Response:
    body: dict[str, Any] = {"object": "list", "results": results,
                            "has_more": cursor is not None, "next_cursor": cursor}
    if capped:
        body["request_status"] = {"incomplete_reason": "query_result_limit_reached"}
    return httpx.Response(200, json=body)


@pytest.fixture
def config(monkeypatch: pytest.MonkeyPatch) -> Config:
    monkeypatch.setenv("NOTION_TOKEN", TOKEN)
    return parse_config({"sources": {"notion": {
        "base_url": BASE, "reconcile_days": 7,
        "modules": {"data_source": MODULES},
    }}})


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "state.db") as s:
        yield s


@pytest.fixture
def mock() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=f"{BASE}/v1", assert_all_called=False) as router:
        router.get(f"/data_sources/{MODULES}").respond(json={
            "object": "data_source", "id": MODULES, "title": [{"plain_text": "Modules"}],
            "parent": {"type": "database_id", "database_id": "db"}, "properties": SCHEMA,
        })
        yield router


NOW = dt.datetime(2026, 10, 10, 12, 0, tzinfo=dt.UTC)


def reader(config: Config, clock: FakeClock, now: dt.datetime = NOW) -> NotionReader:
    policy = HttpPolicy(service="Notion", rate=1000, burst=1000, clock=clock,
                        retry=RetryPolicy(jitter=lambda: 0.0))
    return NotionReader(config, http_client=notion_http_client(policy), policy=policy,
                        now=lambda: now)


def query_route(mock: respx.MockRouter,
                answer: Callable[[dict[str, Any]], httpx.Response]) -> respx.Route:
    def side_effect(request: httpx.Request) -> httpx.Response:
        return answer(json.loads(request.content))

    return mock.post(f"/data_sources/{MODULES}/query").mock(side_effect=side_effect)


def bodies(route: respx.Route) -> list[dict[str, Any]]:
    return [json.loads(c.request.content) for c in route.calls]


def test_full_read_pages_through_every_result(
    config: Config, store: Store, mock: respx.MockRouter, fake_clock: FakeClock
) -> None:
    first = [page(n, edited=f"2026-10-0{1 + n % 5}T09:00:00.000Z") for n in range(100)]
    rest = [page(n) for n in range(100, 130)]
    route = query_route(
        mock, lambda b: listing(rest) if b.get("start_cursor") == "c2" else listing(first, "c2")
    )
    [result] = reader(config, fake_clock).read(store, full=False)  # first read: full
    assert result.full and result.origin == f"notion:{MODULES}"
    assert len(result.workspace.modules) == 130
    assert result.requests == 3  # resolve + 2 query pages
    assert result.cursor == "2026-10-05T09:00:00.000Z"  # the newest last_edited_time
    first_body, second_body = bodies(route)
    assert first_body == {"page_size": 100,
                          "sorts": [{"timestamp": "created_time", "direction": "ascending"}]}
    assert second_body["start_cursor"] == "c2"


def test_a_repeated_cursor_stops_the_read(
    config: Config, store: Store, mock: respx.MockRouter, fake_clock: FakeClock
) -> None:
    query_route(mock, lambda b: listing([page(1)], "again"))
    with pytest.raises(SourceError, match="same page cursor twice"):
        reader(config, fake_clock).read(store, full=True)


def save(store: Store, cursor: str, records: int = 0) -> None:
    from careerloop.model import Module

    modules = [Module(id=f"notion:{pid(n)}", source="notion", source_id=pid(n))
               for n in range(records)]
    store.save_read(f"notion:{MODULES}", modules, full=True, cursor=cursor)


def test_incremental_read_overlaps_the_cursor_and_dedupes(
    config: Config, store: Store, mock: respx.MockRouter, fake_clock: FakeClock
) -> None:
    save(store, "2026-10-05T10:00:00.000Z", records=5)
    edited = "2026-10-05T10:00:00.000Z"
    pages = [page(1, edited=edited), page(2, edited="2026-10-06T11:00:00.000Z")]
    trashed = page(3, edited="2026-10-06T12:00:00.000Z", in_trash=True)
    # The same page can come back on the next page of results (it was edited meanwhile).
    route = query_route(
        mock,
        lambda b: listing([pages[1], trashed]) if b.get("start_cursor") else listing(pages, "n"),
    )
    now = dt.datetime.now(dt.UTC)  # the full read just happened
    [result] = reader(config, fake_clock, now=now).read(store, full=False)
    assert not result.full
    assert sorted(m.id for m in result.workspace.modules) == [
        f"notion:{pid(1)}", f"notion:{pid(2)}"]
    assert result.deleted_ids == (f"notion:{pid(3)}",)
    assert result.cursor == "2026-10-06T12:00:00.000Z"
    assert bodies(route)[0]["filter"] == {
        "timestamp": "last_edited_time",
        "last_edited_time": {"on_or_after": "2026-10-05T09:58:00Z"},  # cursor − 2 minutes
    }
    assert bodies(route)[0]["sorts"] == [
        {"timestamp": "last_edited_time", "direction": "ascending"}]


def test_nothing_changed_is_one_query_and_keeps_the_cursor(
    config: Config, store: Store, mock: respx.MockRouter, fake_clock: FakeClock
) -> None:
    save(store, "2026-10-05T10:00:00.000Z", records=2)
    route = query_route(mock, lambda b: listing([]))
    [result] = reader(config, fake_clock, now=dt.datetime.now(dt.UTC)).read(store, full=False)
    assert route.call_count == 1 and result.requests == 2  # resolve + one query
    assert result.cursor == "2026-10-05T10:00:00.000Z" and not result.full
    assert result.workspace.modules == [] and result.deleted_ids == ()


def test_an_old_full_read_makes_this_one_full(
    config: Config, store: Store, mock: respx.MockRouter, fake_clock: FakeClock
) -> None:
    save(store, "2026-10-05T10:00:00.000Z", records=3)
    route = query_route(mock, lambda b: listing([page(0), page(2)]))
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=8)  # reconcile_days = 7
    [result] = reader(config, fake_clock, now=later).read(store, full=False)
    assert result.full and "filter" not in bodies(route)[0]
    # The page deleted in Notion (1) is gone: the full read replaces the stored set.
    assert result.deleted_ids == (f"notion:{pid(1)}",)


def test_trashed_pages_are_dropped_from_a_full_read(
    config: Config, store: Store, mock: respx.MockRouter, fake_clock: FakeClock
) -> None:
    query_route(mock, lambda b: listing([page(1), page(2, in_trash=True)]))
    [result] = reader(config, fake_clock).read(store, full=True)
    assert [m.id for m in result.workspace.modules] == [f"notion:{pid(1)}"]


def test_past_the_result_cap_reads_in_created_time_windows(
    config: Config, store: Store, mock: respx.MockRouter, fake_clock: FakeClock
) -> None:
    def created(n: int) -> str:
        return f"2026-09-{1 + n // 4:02d}T08:00:00.000Z"

    everything = [page(n, created=created(n)) for n in range(40)]
    cap = 20  # stands in for 10,000

    def answer(body: dict[str, Any]) -> httpx.Response:
        found = everything
        if "filter" in body:
            bound = body["filter"]["created_time"]["on_or_after"].replace("Z", "+00:00")
            found = [p for p in found if dt.datetime.fromisoformat(
                p["created_time"].replace("Z", "+00:00")) >= dt.datetime.fromisoformat(bound)]
        start = int(body.get("start_cursor") or 0)
        end = min(start + 10, cap, len(found))
        if end < min(cap, len(found)):
            return listing(found[start:end], str(end))
        return listing(found[start:end], capped=len(found) > cap)

    route = query_route(mock, answer)
    [result] = reader(config, fake_clock).read(store, full=True)
    assert len({m.id for m in result.workspace.modules}) == 40
    windows = [b["filter"]["created_time"]["on_or_after"] for b in bodies(route)
               if "filter" in b and "start_cursor" not in b]
    # Each window starts at the last created_time the previous one read.
    assert windows == ["2026-09-05T08:00:00Z", "2026-09-09T08:00:00Z"]


def test_a_cap_inside_one_minute_is_an_error_not_a_loop(
    config: Config, store: Store, mock: respx.MockRouter, fake_clock: FakeClock
) -> None:
    query_route(mock, lambda b: listing([page(1), page(2)], capped=True))
    with pytest.raises(SourceError, match="10,000"):
        reader(config, fake_clock).read(store, full=True)


def test_a_relation_past_25_is_read_in_full(
    config: Config, store: Store, mock: respx.MockRouter, fake_clock: FakeClock
) -> None:
    goals = [pid(1000 + n) for n in range(60)]
    query_route(mock, lambda b: listing([page(1, goals=goals, has_more=True), page(2)]))

    def items(request: httpx.Request) -> httpx.Response:
        start = int(request.url.params.get("start_cursor") or 0)
        chunk = goals[start:start + 25]
        more = start + 25 < len(goals)
        return httpx.Response(200, json={
            "object": "list", "type": "property_item",
            "results": [{"object": "property_item", "type": "relation", "relation": {"id": g}}
                        for g in chunk],
            "has_more": more, "next_cursor": str(start + 25) if more else None,
        })

    route = mock.get(f"/pages/{pid(1)}/properties/p4").mock(side_effect=items)
    [result] = reader(config, fake_clock).read(store, full=True)
    module = next(m for m in result.workspace.modules if m.source_id == pid(1))
    assert module.goal_ids == tuple(f"notion:{g}" for g in goals)
    assert route.call_count == 3 and result.requests == 1 + 1 + 3
    assert not [w for w in result.workspace.warnings if "cut at 25" in w.message]


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"minutes": "Length"}, "'Length' (mapped to minutes) does not exist"),
        ({"planned": "Skills"}, "'Skills' (mapped to planned) is a multi_select property"),
        ({"goals": "Skills"}, "is a multi_select property"),
    ],
)
def test_a_mapping_the_data_source_cannot_serve(
    monkeypatch: pytest.MonkeyPatch, store: Store, mock: respx.MockRouter,
    fake_clock: FakeClock, mapping: dict[str, str], message: str,
) -> None:
    monkeypatch.setenv("NOTION_TOKEN", TOKEN)
    config = parse_config({"sources": {"notion": {
        "base_url": BASE, "modules": {"data_source": MODULES, **mapping}}}})
    with pytest.raises(SourceError) as caught:
        reader(config, fake_clock).read(store, full=True)
    assert message in str(caught.value)
    assert "Notion modules data source 'Modules'" in str(caught.value)


def test_a_missing_default_property_is_skipped(
    config: Config, store: Store, mock: respx.MockRouter, fake_clock: FakeClock
) -> None:
    # "Minutes", "Track", "Vetted"… are default names absent from SCHEMA: no error.
    query_route(mock, lambda b: listing([page(1)]))
    [result] = reader(config, fake_clock).read(store, full=True)
    assert result.workspace.modules[0].minutes is None


def test_server_errors_mid_pagination_are_retried(
    config: Config, store: Store, mock: respx.MockRouter, fake_clock: FakeClock
) -> None:
    calls: list[int] = []

    def flaky(body: dict[str, Any]) -> httpx.Response:
        calls.append(1)
        if len(calls) in (2, 3):
            return httpx.Response(502 if len(calls) == 2 else 504, text="<html>gateway</html>")
        return listing([page(2)]) if body.get("start_cursor") else listing([page(1)], "c")

    query_route(mock, flaky)
    r = reader(config, fake_clock)
    [result] = r.read(store, full=True)
    assert len(result.workspace.modules) == 2 and result.requests == 3
    assert r.stats.retries == 2


def select(kind: str, *names: str) -> dict[str, Any]:
    options = [{"id": f"o{n}", "name": name, "color": "default"} for n, name in enumerate(names)]
    return {"id": "s1", "name": "Score", "type": kind, kind: {"options": options}}


@pytest.mark.parametrize(
    ("schema", "problem"),
    [
        (select("select", "Alice", "Bob", "Carmen", "Dev"),
         "'Score' (mapped to feedback) is a select whose options Alice, Bob, Carmen… are not "
         "numbers"),
        (select("status", "Not started", "Done"),
         "'Score' (mapped to feedback) is a status whose options Not started, Done are not "
         "numbers"),
        (select("select", "1", "2", "3", "4", "5"), None),
        (select("select", "⭐", "⭐⭐", "⭐⭐⭐"), None),
        (select("select", "n/a", "3"), None),  # one option that is a number is enough
        (select("select"), None),  # no options yet: nothing to judge
        ({"id": "s1", "type": "number", "number": {"format": "number"}}, None),
    ],
)
def test_a_select_mapped_to_a_number_needs_options_that_are_numbers(
    schema: dict[str, Any], problem: str | None
) -> None:
    source = DataSource(id=MODULES, name="Sessions", database_id=None,
                        properties={"Name": SCHEMA["Name"], "Score": schema})
    problems = field_problems(source, SessionsMapping(feedback="Score"))
    assert [(f, p, fatal) for f, p, fatal in problems if f == "feedback"] == (
        [("feedback", problem, True)] if problem else []
    )


def test_schema_days_defaults_to_a_week() -> None:
    config = parse_config({"sources": {"notion": {}}})
    assert config.sources.notion is not None and config.sources.notion.schema_days == 7


@pytest.mark.parametrize("value", [0, -1, 1.5, True, "7"])
def test_schema_days_must_be_a_positive_whole_number(value: object) -> None:
    with pytest.raises(ConfigError, match=r"^careerloop.toml: sources\.notion\.schema_days: "):
        parse_config({"sources": {"notion": {"schema_days": value}}})
