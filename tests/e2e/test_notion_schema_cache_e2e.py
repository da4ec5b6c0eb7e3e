"""The kept Notion schema: the real notion-client over real HTTP to the fake Notion API.

A sync that finds nothing changed asks one query per data source and nothing else; the
schema is looked up again only when a page contradicts it, a query is refused, or
`schema_days` have passed (and on `sync --full`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from careerloop.config import parse_config
from careerloop.connectors.base import ReadResult
from careerloop.errors import NotFound, SourceError
from careerloop.store import Store
from tests.e2e.test_notion_reader_e2e import make_config, make_reader, sync
from tests.fakes.fixtures import FakeClock, at, seed_schema
from tests.fakes.notion_api import FakeNotion, FakeNotionServer

FIRST_SYNC = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def plan(fake_notion: FakeNotionServer, notion_token: str) -> dict[str, Any]:
    """Goals, modules and sessions: a handful of pages each."""
    fake = fake_notion.fake
    ids = seed_schema(fake, ("goals", "modules", "sessions"))
    goal = fake.add_page(
        ids["goals"],
        {"Name": "Staff engineer", "Status": "In progress"},
        created=at("2026-09-01T08:00"),
    )
    modules = [
        fake.add_page(
            ids["modules"],
            {
                "Name": f"Module {n}",
                "Planned": "2026-10-02",
                "Completed": "2026-10-03",
                "Status": "Done",
                "Minutes": 7,
                "Goals": [goal],
            },
            created=at(f"2026-10-01T08:0{n}"),
        )
        for n in range(3)
    ]
    fake.add_page(
        ids["sessions"],
        {"Name": "1:1", "Date": "2026-10-07", "Feedback": 4},
        created=at("2026-10-07T17:00"),
    )
    return {"ids": ids, "modules": modules}


def asked(fake: FakeNotion) -> list[str]:
    """Every request the fake answered since the last reset, as `METHOD path`, sorted."""
    return sorted(f"{r.method} {r.path}" for r in fake.requests)


def queries(ids: dict[str, str], *tables: str) -> list[str]:
    return [f"POST data_sources/{ids[t]}/query" for t in tables]


def lookups(ids: dict[str, str], *tables: str) -> list[str]:
    return [f"GET data_sources/{ids[t]}" for t in tables]


def run(
    server: FakeNotionServer,
    ids: dict[str, str],
    store: Store,
    clock: FakeClock,
    *,
    now: dt.datetime,
    full: bool = False,
    **notion: Any,
) -> list[ReadResult]:
    """One sync on `now`; `notion` adds `[sources.notion]` keys or replaces a table."""
    config = make_config(server, ids)
    assert config.sources.notion is not None
    settings = config.sources.notion.model_dump(exclude_unset=True) | notion
    config = parse_config(
        {"workspace": {"timezone": "Europe/Berlin"}, "sources": {"notion": settings}}
    )
    reader = make_reader(config, clock)
    reader._now = lambda: now  # the reader's injected clock: what "today" is
    return sync(reader, store, full=full)


def test_a_no_change_sync_makes_one_query_per_data_source_and_nothing_else(
    tmp_path: Path, fake_notion: FakeNotionServer, plan: dict[str, Any], fake_clock: FakeClock
) -> None:
    fake, ids = fake_notion.fake, plan["ids"]
    with Store(tmp_path / "state.db") as store:
        first = run(fake_notion, ids, store, fake_clock, now=FIRST_SYNC)
        # 3 lookups + 3 queries (each data source fits in one page).
        assert asked(fake) == sorted(
            lookups(ids, "goals", "modules", "sessions")
            + queries(ids, "goals", "modules", "sessions")
        )
        assert sum(r.requests for r in first) == 6
        records = sorted(r.id for r in store.workspace().records())

        fake.reset_log()
        second = run(fake_notion, ids, store, fake_clock, now=FIRST_SYNC + dt.timedelta(hours=1))
        assert asked(fake) == sorted(queries(ids, "goals", "modules", "sessions"))
        assert [r.requests for r in second] == [1, 1, 1]  # half the 6 a first sync makes
        assert not any(r.full for r in second)
        assert sorted(r.id for r in store.workspace().records()) == records


def test_a_changed_property_type_is_looked_up_once_and_read_in_its_new_type(
    tmp_path: Path, fake_notion: FakeNotionServer, plan: dict[str, Any], fake_clock: FakeClock
) -> None:
    fake, ids = fake_notion.fake, plan["ids"]
    with Store(tmp_path / "state.db") as store:
        run(fake_notion, ids, store, fake_clock, now=FIRST_SYNC)
        # Minutes becomes a text property (Notion keeps "7" as its text); one page is
        # edited, so the incremental query brings a page of the new shape.
        fake.change_property_type(ids["modules"], "Minutes", "rich_text")
        fake.edit_page(plan["modules"][1], {"Minutes": "12"}, at=at("2026-11-02T10:00"))

        fake.reset_log()
        run(fake_notion, ids, store, fake_clock, now=FIRST_SYNC + dt.timedelta(hours=2))
        assert asked(fake) == sorted(
            queries(ids, "goals", "modules", "sessions") + lookups(ids, "modules")
        )
        minutes = {m.title: m.minutes for m in store.workspace().modules}
        assert minutes == {"Module 0": 7.0, "Module 1": 12.0, "Module 2": 7.0}

        # The schema looked up is kept: the next sync asks nothing but the queries.
        fake.reset_log()
        run(fake_notion, ids, store, fake_clock, now=FIRST_SYNC + dt.timedelta(hours=3))
        assert asked(fake) == sorted(queries(ids, "goals", "modules", "sessions"))


def test_a_renamed_mapped_property_is_looked_up_and_refused_as_a_mapping_error(
    tmp_path: Path, fake_notion: FakeNotionServer, plan: dict[str, Any], fake_clock: FakeClock
) -> None:
    fake, ids = fake_notion.fake, plan["ids"]
    with Store(tmp_path / "state.db") as store:
        run(
            fake_notion,
            ids,
            store,
            fake_clock,
            now=FIRST_SYNC,
            sessions={"data_source": ids["sessions"], "feedback": "Feedback"},
        )
        fake.rename_property(ids["sessions"], "Feedback", "Rating")
        fake.add_page(
            ids["sessions"],
            {"Name": "Retro", "Date": "2026-11-01", "Rating": 5},
            created=at("2026-11-02T10:00"),
        )
        fake.reset_log()
        with pytest.raises(
            SourceError,
            match=r"'Feedback' \(mapped to feedback\) does not "
            r"exist; rename it in careerloop.toml",
        ):
            run(
                fake_notion,
                ids,
                store,
                fake_clock,
                now=FIRST_SYNC + dt.timedelta(hours=2),
                sessions={"data_source": ids["sessions"], "feedback": "Feedback"},
            )
        assert fake.count("GET", f"data_sources/{ids['sessions']}") == 1


def test_a_refused_query_looks_the_data_source_up_again_and_reads_where_it_went(
    tmp_path: Path, fake_notion: FakeNotionServer, plan: dict[str, Any], fake_clock: FakeClock
) -> None:
    fake, ids = fake_notion.fake, plan["ids"]
    database = fake.data_sources[ids["modules"]]["database_id"]
    by_database = {**ids, "modules": database}  # careerloop.toml names the database
    with Store(tmp_path / "state.db") as store:
        run(fake_notion, by_database, store, fake_clock, now=FIRST_SYNC)
        moved = fake.replace_data_source(ids["modules"])

        fake.reset_log()
        results = run(
            fake_notion, by_database, store, fake_clock, now=FIRST_SYNC + dt.timedelta(hours=1)
        )
        assert asked(fake) == sorted(
            [
                f"POST data_sources/{ids['modules']}/query",  # refused: 404
                f"GET data_sources/{database}",  # a database id is no data source: 404
                f"GET databases/{database}",
                f"GET data_sources/{moved}",
                f"POST data_sources/{moved}/query",
                *queries(ids, "goals", "sessions"),
            ]
        )
        modules = next(r for r in results if r.origin == f"notion:{moved}")
        assert modules.full  # a data source never read before is read in full
        assert sorted(m.title for m in modules.workspace.modules) == [
            "Module 0",
            "Module 1",
            "Module 2",
        ]


def test_a_refused_query_that_stays_refused_is_one_clear_error(
    tmp_path: Path, fake_notion: FakeNotionServer, plan: dict[str, Any], fake_clock: FakeClock
) -> None:
    fake, ids = fake_notion.fake, plan["ids"]
    with Store(tmp_path / "state.db") as store:
        run(fake_notion, ids, store, fake_clock, now=FIRST_SYNC)
        fake.unshare(ids["sessions"])
        fake.reset_log()
        with pytest.raises(NotFound, match="share the database with the integration"):
            run(fake_notion, ids, store, fake_clock, now=FIRST_SYNC + dt.timedelta(hours=1))
        # One query refused, one lookup (data source, then database): no second query.
        assert fake.count("POST", f"data_sources/{ids['sessions']}/query") == 1
        assert fake.count("GET", f"data_sources/{ids['sessions']}") == 1


@pytest.mark.parametrize(("days", "looked_up"), [(6, False), (7, True)])
def test_the_kept_schema_is_looked_up_again_after_schema_days(
    tmp_path: Path,
    fake_notion: FakeNotionServer,
    plan: dict[str, Any],
    fake_clock: FakeClock,
    days: int,
    looked_up: bool,
) -> None:
    fake, ids = fake_notion.fake, plan["ids"]
    with Store(tmp_path / "state.db") as store:
        run(fake_notion, ids, store, fake_clock, now=FIRST_SYNC, reconcile_days=30)
        fake.reset_log()
        # 6 days after the lookup it is still fresh; at 7 (the default) it has expired.
        run(
            fake_notion,
            ids,
            store,
            fake_clock,
            now=FIRST_SYNC + dt.timedelta(days=days),
            reconcile_days=30,
        )
        expected = queries(ids, "goals", "modules", "sessions")
        if looked_up:
            expected += lookups(ids, "goals", "modules", "sessions")
        assert asked(fake) == sorted(expected)


def test_schema_days_is_configurable(
    tmp_path: Path, fake_notion: FakeNotionServer, plan: dict[str, Any], fake_clock: FakeClock
) -> None:
    fake, ids = fake_notion.fake, plan["ids"]
    with Store(tmp_path / "state.db") as store:
        run(fake_notion, ids, store, fake_clock, now=FIRST_SYNC, schema_days=1)
        fake.reset_log()
        run(
            fake_notion,
            ids,
            store,
            fake_clock,
            now=FIRST_SYNC + dt.timedelta(days=1),
            schema_days=1,
        )
        assert fake.count("GET", "data_sources/[0-9a-f-]+") == 3


def test_a_full_sync_looks_every_schema_up_again(
    tmp_path: Path, fake_notion: FakeNotionServer, plan: dict[str, Any], fake_clock: FakeClock
) -> None:
    fake, ids = fake_notion.fake, plan["ids"]
    with Store(tmp_path / "state.db") as store:
        run(fake_notion, ids, store, fake_clock, now=FIRST_SYNC)
        fake.reset_log()
        run(fake_notion, ids, store, fake_clock, now=FIRST_SYNC + dt.timedelta(hours=1), full=True)
        assert asked(fake) == sorted(
            lookups(ids, "goals", "modules", "sessions")
            + queries(ids, "goals", "modules", "sessions")
        )


def test_a_mapping_the_kept_schema_cannot_serve_is_looked_up_not_refused(
    tmp_path: Path, fake_notion: FakeNotionServer, plan: dict[str, Any], fake_clock: FakeClock
) -> None:
    fake, ids = fake_notion.fake, plan["ids"]
    with Store(tmp_path / "state.db") as store:
        run(fake_notion, ids, store, fake_clock, now=FIRST_SYNC)
        # A property added in Notion and mapped in careerloop.toml the same day.
        fake.add_property(ids["sessions"], "Coach", "rich_text")
        fake.reset_log()
        run(
            fake_notion,
            ids,
            store,
            fake_clock,
            now=FIRST_SYNC + dt.timedelta(hours=1),
            sessions={"data_source": ids["sessions"], "mentor": "Coach"},
        )
        assert fake.count("GET", "data_sources/[0-9a-f-]+") == 1
        assert fake.count("GET", f"data_sources/{ids['sessions']}") == 1
