"""The real notion-client over real HTTP to the fake Notion API on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from careerloop.config import Config, parse_config
from careerloop.connectors.base import HttpPolicy, ReadResult, RetryPolicy
from careerloop.connectors.notion.client import NotionApi, notion_http_client
from careerloop.connectors.notion.provision import config_toml, provision_workspace
from careerloop.connectors.notion.read import NotionReader
from careerloop.errors import AuthError, ConfigError, NotFound, SourceError
from careerloop.store import Store
from tests.e2e.cli import invoke
from tests.fakes.fixtures import FakeClock, at, seed_schema
from tests.fakes.notion_api import FakeNotion, FakeNotionServer


def make_config(server: FakeNotionServer, ids: dict[str, str], **notion: Any) -> Config:
    tables = {table: {"data_source": ds} for table, ds in ids.items()}
    return parse_config({
        "workspace": {"timezone": "Europe/Berlin"},
        "sources": {"notion": {"base_url": server.url, **notion, **tables}},
    })


def make_reader(config: Config, clock: FakeClock) -> NotionReader:
    # A fast rate and a fake clock: pacing and Retry-After cost no real time here.
    policy = HttpPolicy(service="Notion", rate=1000, burst=1000, clock=clock,
                        retry=RetryPolicy(max_attempts=5, jitter=lambda: 0.0))
    return NotionReader(config, policy=policy)


def sync(reader: NotionReader, store: Store, *, full: bool = False) -> list[ReadResult]:
    """What the pipeline does with a source's results."""
    results = reader.read(store, full=full)
    for r in results:
        store.save_read(r.origin, r.workspace.records(), r.workspace.warnings, full=r.full,
                        deleted_ids=r.deleted_ids, cursor=r.cursor)
    return results


@pytest.fixture
def plan(fake_notion: FakeNotionServer, notion_token: str) -> dict[str, Any]:
    """Goals, modules (one linked to 30 goals) and sessions in the fake."""
    fake = fake_notion.fake
    ids = seed_schema(fake, ("goals", "modules", "sessions"))
    goals = [
        fake.add_page(ids["goals"], {"Name": f"Goal {n}", "Horizon": "12m",
                                      "Target date": "2027-03-31", "Status": "In progress"},
                      created=at("2026-09-01T08:00"))
        for n in range(30)
    ]
    modules = [
        fake.add_page(ids["modules"], {
            "Name": f"Module {n}", "Planned": "2026-10-02", "Completed": "2026-10-03",
            "Status": "Done", "Minutes": 7, "Format": "video", "Track": "Product",
            "Skills": ["Roadmapping", "SQL"], "Goals": goals if n == 0 else goals[:1],
            "Vetted": True,
        }, created=at(f"2026-10-01T{8 + n // 60:02d}:{n % 60:02d}"))
        for n in range(230)
    ]
    sessions = [
        fake.add_page(ids["sessions"], {"Name": "1:1", "Date": "2026-10-07", "Mentor": "Ana",
                                         "Feedback": 4, "Insights": "Ship smaller"},
                      created=at("2026-10-07T17:00"))
        for _ in range(3)
    ]
    return {"ids": ids, "goals": goals, "modules": modules, "sessions": sessions}


def snapshot(store: Store) -> list[tuple[str, str, tuple[str, ...]]]:
    ws = store.workspace()
    return sorted((r.id, r.title, tuple(getattr(r, "goal_ids", ()))) for r in ws.records())


def test_full_then_incremental(
    tmp_path: Path, fake_notion: FakeNotionServer, plan: dict[str, Any], fake_clock: FakeClock
) -> None:
    fake = fake_notion.fake
    config = make_config(fake_notion, plan["ids"])
    with Store(tmp_path / "state.db") as store:
        first = sync(make_reader(config, fake_clock), store)
        assert all(r.full for r in first)
        ws = store.workspace()
        assert (len(ws.goals), len(ws.modules), len(ws.sessions)) == (30, 230, 3)
        linked = next(m for m in ws.modules if m.title == "Module 0")
        assert linked.goal_ids == tuple(f"notion:{g}" for g in plan["goals"])
        assert {g.id for g in ws.goals} >= set(linked.goal_ids)
        assert linked.completed is not None and linked.completed.isoformat() == "2026-10-03"
        # Floor: 3 resolves + ceil(30/100) + ceil(230/100) + ceil(3/100) queries
        # + 1 read of the 30-goal relation (page_size 100).
        assert sum(r.requests for r in first) == 3 + 1 + 3 + 1 + 1
        assert fake.count() == 9

        fake.reset_log()
        second = sync(make_reader(config, fake_clock), store)
        assert not any(r.full for r in second)
        assert fake.count("POST", r"data_sources/.*/query") == 3  # one per data source

        fake.edit_page(plan["modules"][5], {"Name": "Module 5 (edited)"},
                       at=at("2026-10-20T09:00"))
        fake.reset_log()
        sync(make_reader(config, fake_clock), store)
        titles = {m.title for m in store.workspace().modules}
        assert "Module 5 (edited)" in titles and "Module 5" not in titles


def test_trash_and_deletion_disappear_on_a_full_read(
    tmp_path: Path, fake_notion: FakeNotionServer, plan: dict[str, Any], fake_clock: FakeClock
) -> None:
    fake = fake_notion.fake
    config = make_config(fake_notion, plan["ids"])
    with Store(tmp_path / "state.db") as store:
        sync(make_reader(config, fake_clock), store)
        fake.edit_page(plan["modules"][1], in_trash=True, at=at("2026-10-21T09:00"))
        fake.delete_page(plan["sessions"][0])
        sync(make_reader(config, fake_clock), store)
        ids = {r.id for r in store.workspace().records()}
        # The timestamp filter never shows a trashed page: the incremental read keeps it…
        assert f"notion:{plan['sessions'][0]}" in ids
        sync(make_reader(config, fake_clock), store, full=True)  # …the full read does not
        ids = {r.id for r in store.workspace().records()}
        assert f"notion:{plan['modules'][1]}" not in ids
        assert f"notion:{plan['sessions'][0]}" not in ids
        assert len(store.workspace().modules) == 229


def test_reconcile_days_zero_reads_in_full_every_time(
    tmp_path: Path, fake_notion: FakeNotionServer, plan: dict[str, Any], fake_clock: FakeClock
) -> None:
    config = make_config(fake_notion, plan["ids"], reconcile_days=0)
    with Store(tmp_path / "state.db") as store:
        sync(make_reader(config, fake_clock), store)
        assert all(r.full for r in sync(make_reader(config, fake_clock), store))


@pytest.mark.parametrize(
    "faults",
    [
        [{"status": 429, "retry_after": 2, "times": 3}],
        [{"status": 502, "times": 2}],
        [{"status": 503, "times": 1}, {"status": 504, "times": 1}],
        [{"status": 529, "times": 2}],
        [{"drop": True, "times": 2}],
        [{"status": 500, "times": 1}, {"drop": True, "times": 1}, {"status": 502, "times": 1}],
    ],
)
def test_faults_give_the_same_records_as_a_clean_run(
    tmp_path: Path,
    fake_notion: FakeNotionServer,
    plan: dict[str, Any],
    fake_clock: FakeClock,
    faults: list[dict[str, Any]],
) -> None:
    fake = fake_notion.fake
    config = make_config(fake_notion, plan["ids"])
    with Store(tmp_path / "clean.db") as clean:
        sync(make_reader(config, fake_clock), clean)
        expected = snapshot(clean)
    for fault in faults:
        fake.fail(r"data_sources/.*/query", **fault)
    fake.fail(r"pages/.*/properties/.*", status=fault.get("status", 503), times=1,
              drop=bool(fault.get("drop")))
    reader = make_reader(config, fake_clock)
    with Store(tmp_path / "faulty.db") as store:
        sync(reader, store)
        assert snapshot(store) == expected
    assert reader.stats.retries >= sum(f["times"] for f in faults) + 1
    if faults[0].get("retry_after"):
        assert 2.0 in fake_clock.slept  # Retry-After honoured, not the backoff


def test_a_bad_token_is_one_clear_error_without_the_token(
    tmp_path: Path,
    fake_notion: FakeNotionServer,
    plan: dict[str, Any],
    fake_clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    wrong = "ntn_wrong_wrong_wrong_wrong_wrong_wrong_0001"
    monkeypatch.setenv("NOTION_TOKEN", wrong)
    caplog.set_level(logging.DEBUG)
    with Store(tmp_path / "state.db") as store, pytest.raises(AuthError) as caught:
        make_reader(make_config(fake_notion, plan["ids"]), fake_clock).read(store, full=False)
    message = str(caught.value)
    assert "NOTION_TOKEN" in message and "401" in message
    assert wrong not in message and wrong not in caplog.text
    assert fake_notion.fake.token not in message


def test_an_unshared_data_source_says_to_share_it(
    tmp_path: Path, fake_notion: FakeNotionServer, plan: dict[str, Any], fake_clock: FakeClock
) -> None:
    fake_notion.fake.unshare(plan["ids"]["sessions"])
    with Store(tmp_path / "state.db") as store, pytest.raises(NotFound) as caught:
        make_reader(make_config(fake_notion, plan["ids"]), fake_clock).read(store, full=False)
    assert "sessions" in str(caught.value) and "share the database" in str(caught.value)


def test_a_database_id_or_url_resolves(
    tmp_path: Path, fake_notion: FakeNotionServer, notion_token: str, fake_clock: FakeClock
) -> None:
    fake = fake_notion.fake
    db, ds = fake.add_database("Goals", {"Name": "title", "Status": "select"})
    fake.add_page(ds, {"Name": "Lead a team"})
    url = f"https://www.notion.so/acme/Goals-{db.replace('-', '')}?v=1234"
    config = make_config(fake_notion, {"goals": url})
    with Store(tmp_path / "state.db") as store:
        [result] = sync(make_reader(config, fake_clock), store)
    assert result.origin == f"notion:{ds}"
    assert [g.title for g in result.workspace.goals] == ["Lead a team"]


def test_a_database_with_two_data_sources_is_a_config_error(
    tmp_path: Path, fake_notion: FakeNotionServer, notion_token: str, fake_clock: FakeClock
) -> None:
    db, _ = fake_notion.fake.add_database("Goals", {"Name": "title"}, extra_sources=["Old goals"])
    config = make_config(fake_notion, {"goals": db})
    with Store(tmp_path / "state.db") as store, pytest.raises(ConfigError) as caught:
        make_reader(config, fake_clock).read(store, full=False)
    assert "'Goals'" in str(caught.value) and "Old goals = " in str(caught.value)


def test_a_large_data_source_is_read_past_the_result_cap(
    tmp_path: Path, notion_token: str, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeNotion(result_cap=250)  # 10,000 in Notion; smaller here to stay fast
    monkeypatch.setenv("NOTION_TOKEN", fake.token)
    with FakeNotionServer(fake) as server:
        ids = seed_schema(fake, ("applications",))
        for n in range(700):
            fake.add_page(ids["applications"], {"Name": f"App {n}", "Date": "2026-10-01"},
                          created=at(f"2026-{1 + n // 100:02d}-01T{n % 24:02d}:{n % 60:02d}"))
        with Store(tmp_path / "state.db") as store:
            [result] = sync(make_reader(make_config(server, ids), fake_clock), store)
        assert len(result.workspace.applications) == 700
        assert fake.count("POST", r"data_sources/.*/query") >= 8


def test_provision_is_idempotent_and_its_config_reads(
    tmp_path: Path, fake_notion: FakeNotionServer, notion_token: str, fake_clock: FakeClock
) -> None:
    fake = fake_notion.fake
    parent = fake.add_page_container("Career plan")
    config = make_config(fake_notion, {})
    assert config.sources.notion is not None
    policy = HttpPolicy(service="Notion", rate=1000, burst=1000, clock=fake_clock)
    api = NotionApi.from_config(config.sources.notion, http_client=notion_http_client(policy))
    first = provision_workspace(api, f"https://www.notion.so/Career-plan-{parent.replace('-', '')}")
    again = provision_workspace(api, parent)
    assert first == again and len(first) == 6
    assert len(fake.databases) == 6  # nothing created the second time
    modules = fake.data_sources[first["modules"]]["properties"]
    assert modules["Goals"]["relation"]["data_source_id"] == first["goals"]

    text = config_toml(first, "NOTION_TOKEN")
    (tmp_path / "careerloop.toml").write_text(text)
    import tomllib

    data = tomllib.loads(text)
    data["sources"]["notion"]["base_url"] = fake_notion.url
    provisioned = parse_config(data)
    goal = fake.add_page(first["goals"], {"Name": "Move into product", "Status": "Done"})
    fake.add_page(first["modules"], {"Name": "Discovery 101", "Status": "Done", "Goals": [goal]})
    with Store(tmp_path / "state.db") as store:
        results = sync(make_reader(provisioned, fake_clock), store)
    assert len(results) == 6
    module = next(m for r in results for m in r.workspace.modules)
    assert module.goal_ids == (f"notion:{goal}",)
    assert next(g for r in results for g in r.workspace.goals).done


def test_unknown_paths_and_versions_are_refused_by_the_fake(
    fake_notion: FakeNotionServer, notion_token: str
) -> None:
    import httpx

    with httpx.Client(base_url=fake_notion.url) as http:
        no_version = http.get("/v1/users/me", headers={"Authorization": f"Bearer {notion_token}"})
        assert no_version.status_code == 400
        big = http.post(
            "/v1/data_sources/00000000-0000-0000-0000-000000000000/query",
            headers={"Authorization": f"Bearer {notion_token}", "Notion-Version": "2025-09-03"},
            json={"page_size": 101},
        )
        assert big.status_code == 404  # unknown data source first


def test_source_errors_name_the_data_source(
    tmp_path: Path, fake_notion: FakeNotionServer, plan: dict[str, Any], fake_clock: FakeClock
) -> None:
    fake_notion.fake.fail(r"data_sources/.*/query", status=503, times=50)
    with Store(tmp_path / "state.db") as store, pytest.raises(SourceError) as caught:
        make_reader(make_config(fake_notion, plan["ids"]), fake_clock).read(store, full=True)
    assert "data source" in str(caught.value) and "503" in str(caught.value)


def test_doctor_checks_token_access_and_schema(
    fake_notion: FakeNotionServer, notion_token: str
) -> None:
    from careerloop.connectors.notion.doctor import check_notion

    fake = fake_notion.fake
    ids = seed_schema(fake, ("goals", "sessions"))
    _, modules = fake.add_database("Modules", {"Name": "title", "Planned": "checkbox",
                                               "Status": "select"})
    _, hidden = fake.add_database("Hidden", {"Name": "title"}, shared=False)
    config = make_config(fake_notion, {**ids, "modules": modules, "milestones": hidden},
                         requests_per_second=100)
    rows = {c.name: c for c in check_notion(config)}
    assert rows["notion token"].status == "ok"
    assert rows["notion goals"].status == "ok" and rows["notion sessions"].status == "ok"
    assert rows["notion modules: planned"].status == "fail"
    assert "checkbox" in rows["notion modules: planned"].detail
    assert rows["notion modules: minutes"].status == "warn"  # a default name, absent
    assert rows["notion modules: completed"].status == "warn"
    assert "last edited date" in rows["notion modules: completed"].detail
    assert rows["notion milestones"].status == "fail"
    assert "share" in rows["notion milestones"].fix + rows["notion milestones"].detail


def test_doctor_with_a_bad_token_is_one_row(
    fake_notion: FakeNotionServer, plan: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from careerloop.connectors.notion.doctor import check_notion

    monkeypatch.setenv("NOTION_TOKEN", "ntn_not_the_right_one_0000000000000000000")
    rows = check_notion(make_config(fake_notion, plan["ids"]))
    assert [(r.name, r.status) for r in rows] == [("notion token", "fail")]
    assert "ntn_not_the_right_one" not in rows[0].detail


def test_the_token_bucket_keeps_under_the_rate_limit(
    tmp_path: Path, fake_notion: FakeNotionServer, plan: dict[str, Any]
) -> None:
    fake = fake_notion.fake
    # The fake refuses what goes faster than 50/s; the reader paces itself at 40/s. Both
    # keep time on one fake clock, which only the reader's pacing moves: without pacing
    # the reader would send all 9 requests at the same instant and be refused. One worker,
    # so each request reaches the fake at the instant its token was granted.
    clock = FakeClock()
    fake.limit_rate(50, burst=5, monotonic=clock.monotonic)
    config = make_config(fake_notion, plan["ids"], requests_per_second=40)
    reader = NotionReader(config, clock=clock, max_workers=1)  # the configured rate
    with Store(tmp_path / "state.db") as store:
        results = sync(reader, store)
    assert sum(len(r.workspace.records()) for r in results) == 263
    # The fake enforced 50/s (burst 5) and never had to refuse.
    assert fake.count(status=429) == 0 and reader.stats.retries == 0
    assert fake.count() == 9
    # 9 requests at 40/s after a burst of 3: 6 waits of 1/40 s, 0.15 s in all.
    assert sum(clock.slept) == pytest.approx(6 / 40)


# --- real workspaces: relations as names, people, rollups, selects ------------------------


def mentoring_workspace(fake: FakeNotion) -> dict[str, Any]:
    """Sessions and applications whose mentor, skills and project are relations."""
    _, mentors = fake.add_database("Mentors", {"Name": "title", "Company": "rich_text"})
    _, skills = fake.add_database("Skills", {"Skill": "title"})
    _, projects = fake.add_database("Projects", {"Project name": "title"})
    people = {name: fake.add_page(mentors, {"Name": name, "Company": "Acme"})
              for name in ("Ana Souza", "Bo Lindqvist", "Chen Wei")}
    skill = {name: fake.add_page(skills, {"Skill": name})
             for name in ("SQL", "Roadmapping", "Storytelling")}
    pricing = fake.add_page(projects, {"Project name": "Pricing page, v2 (beta)"})
    _, sessions = fake.add_database("Mentor sessions", {
        "Name": "title", "Date": "date",
        "Mentor": {"relation": {"data_source_id": mentors}},
        "Feedback": {"select": {"options": [{"name": "⭐⭐⭐"}, {"name": "⭐⭐⭐⭐"}]}},
    })
    _, applications = fake.add_database("Skills applied", {
        "Name": "title", "Date": "date",
        "Skills": {"relation": {"data_source_id": skills}},
        "Project": {"relation": {"data_source_id": projects}},
    })
    for n in range(12):
        mentor = ["Ana Souza", "Bo Lindqvist", "Chen Wei"][n % 3]
        fake.add_page(sessions, {"Name": f"1:1 #{n + 1}", "Date": f"2026-10-{n + 1:02d}",
                                 "Mentor": [people[mentor]], "Feedback": "⭐⭐⭐⭐"},
                      created=at(f"2026-10-{n + 1:02d}T09:00"))
    fake.add_page(sessions, {"Name": "Group session", "Date": "2026-10-20",
                             "Mentor": [people["Ana Souza"], people["Chen Wei"]]},
                  created=at("2026-10-20T09:00"))
    fake.add_page(applications, {"Name": "Priced the v2 plans", "Date": "2026-10-15",
                                 "Skills": [skill["SQL"], skill["Storytelling"]],
                                 "Project": [pricing]}, created=at("2026-10-15T09:00"))
    return {"ids": {"sessions": sessions, "applications": applications},
            "mentors": mentors, "skills": skills, "projects": projects}


def test_relation_fed_names_take_one_query_per_related_data_source(
    tmp_path: Path, fake_notion: FakeNotionServer, notion_token: str, fake_clock: FakeClock
) -> None:
    fake = fake_notion.fake
    world = mentoring_workspace(fake)
    config = make_config(fake_notion, world["ids"])
    with Store(tmp_path / "state.db") as store:
        results = sync(make_reader(config, fake_clock), store)
        ws = store.workspace()
        assert sorted(s.mentor or "" for s in ws.sessions) == sorted(
            ["Ana Souza", "Bo Lindqvist", "Chen Wei"] * 4 + ["Ana Souza, Chen Wei"]
        )
        [application] = ws.applications
        assert application.skills == ("SQL", "Storytelling")
        assert application.project == "Pricing page, v2 (beta)"
        assert [s.feedback for s in ws.sessions][:1] == [4.0]
        # 13 sessions name 3 mentors: one query of Mentors, not one request per cell; and
        # one of Skills and one of Projects for the application.
        for related in ("mentors", "skills", "projects"):
            assert fake.count("POST", f"data_sources/{world[related]}/query") == 1
        assert fake.count("GET", r"pages/.*") == 0
        # 2 resolves + 2 queries of the tables + 3 of the related data sources.
        assert sum(r.requests for r in results) == fake.count() == 7
        assert store.relation_titles(world["mentors"]) == {
            page_id: fake.pages[page_id]["_values"]["Name"]
            for page_id, page in fake.pages.items() if page["_data_source"] == world["mentors"]
        }
        assert ws.warnings == []

        # Mentors no longer shared: the kept titles stand in, and the run says so.
        fake.unshare(world["mentors"])
        fake.reset_log()
        sync(make_reader(config, fake_clock), store, full=True)
        ws = store.workspace()
        assert "Bo Lindqvist" in {s.mentor for s in ws.sessions}
        [warning] = [w.message for w in ws.warnings]
        assert warning.startswith(
            "Notion sessions data source 'Mentor sessions': cannot read the pages 'Mentor' "
            "relates to, so the 3 titles kept from an earlier sync are used: related data "
            f"source {world['mentors']}: Notion cannot find it"
        )
        assert "share the database with the integration" in warning


def test_doctor_says_whether_a_relation_feeding_names_can_be_read(
    fake_notion: FakeNotionServer, notion_token: str
) -> None:
    from careerloop.connectors.notion.doctor import check_notion

    fake = fake_notion.fake
    world = mentoring_workspace(fake)
    fake.unshare(world["projects"])
    rows = {c.name: c for c in check_notion(make_config(fake_notion, world["ids"]))}
    assert rows["notion sessions: mentor"].status == "ok"
    assert "'Mentors'" in rows["notion sessions: mentor"].detail
    assert rows["notion applications: skills"].status == "ok"
    assert rows["notion applications: project"].status == "warn"
    assert "share the database 'Project' relates to" in rows["notion applications: project"].fix


def test_people_without_names_warn_once_naming_the_capability(
    tmp_path: Path, fake_notion: FakeNotionServer, notion_token: str, fake_clock: FakeClock
) -> None:
    fake = fake_notion.fake
    fake.user_names = False  # the integration cannot read user information
    _, sessions = fake.add_database("Mentor sessions", {
        "Name": "title", "Date": "date", "Mentor": "people", "Feedback": "number",
    })
    for n in range(4):
        fake.add_page(sessions, {"Name": f"1:1 #{n}", "Date": "2026-10-07",
                                 "Mentor": ["Ana Souza"], "Feedback": 4})
    config = make_config(fake_notion, {"sessions": sessions})
    with Store(tmp_path / "state.db") as store:
        sync(make_reader(config, fake_clock), store)
        sync(make_reader(config, fake_clock), store)  # incremental: still one warning
        ws = store.workspace()
    assert [s.mentor for s in ws.sessions] == [None] * 4
    assert [(w.record_id, w.message) for w in ws.warnings] == [(
        f"notion:{sessions}",
        "Notion sessions data source 'Mentor sessions': 'Mentor' (mapped to mentor) lists "
        "people without their names, so they are left empty: in the integration's settings "
        "(Capabilities), turn on \"Read user information including email addresses\" and "
        "sync again",
    )]


def test_rollups_over_more_than_25_pages_are_read_through_the_page_property_endpoint(
    tmp_path: Path, fake_notion: FakeNotionServer, notion_token: str, fake_clock: FakeClock
) -> None:
    fake = fake_notion.fake
    _, practice = fake.add_database("Practice log", {
        "Name": "title", "Day": "date", "Minutes": "number",
    })
    _, modules = fake.add_database("Modules", {
        "Name": "title",
        "Practice": {"relation": {"data_source_id": practice}},
        "First practice": {"rollup": {"relation_property_name": "Practice",
                                      "rollup_property_name": "Day",
                                      "function": "show_original"}},
        "Last practice": {"rollup": {"relation_property_name": "Practice",
                                     "rollup_property_name": "Day",
                                     "function": "show_original"}},
        "Practice minutes": {"rollup": {"relation_property_name": "Practice",
                                        "rollup_property_name": "Minutes",
                                        "function": "sum"}},
        "Logged minutes": {"rollup": {"relation_property_name": "Practice",
                                      "rollup_property_name": "Minutes",
                                      "function": "show_original"}},
    })
    # 30 practice days, October 1-30, 10 minutes each but the last five, 20 minutes each.
    days = [fake.add_page(practice, {"Name": f"Day {d}", "Day": f"2026-10-{d:02d}",
                                     "Minutes": 10 if d <= 25 else 20})
            for d in range(1, 31)]
    # The long module lists them newest first, so the first 25 miss October 1-5.
    long = fake.add_page(modules, {"Name": "SQL drills", "Practice": days[::-1]})
    short = fake.add_page(modules, {"Name": "Pitching", "Practice": days[:3]})
    config = parse_config({
        "workspace": {"timezone": "Europe/Berlin"},
        "sources": {"notion": {"base_url": fake_notion.url, "modules": {
            "data_source": modules, "planned": "First practice", "completed": "Last practice",
            "minutes": "Practice minutes",
        }}},
    })
    with Store(tmp_path / "state.db") as store:
        sync(make_reader(config, fake_clock), store)
        by_id = {m.id: m for m in store.workspace().modules}
    drills, pitching = by_id[f"notion:{long}"], by_id[f"notion:{short}"]
    # Read in full: the earliest of October 1-30 and the latest; 25 × 10 + 5 × 20 = 350.
    # (Over the first 25 only it would have been October 6 and 5 × 20 + 20 × 10 = 300.)
    assert drills.planned == dt.date(2026, 10, 1)
    assert drills.completed == dt.date(2026, 10, 30)
    assert drills.minutes == 350
    # Three days, from the page itself: October 1-3, 3 × 10 minutes.
    assert pitching.planned == dt.date(2026, 10, 1)
    assert pitching.completed == dt.date(2026, 10, 3)
    assert pitching.minutes == 30
    # Only the three mapped rollups of the long module went to the page-property endpoint
    # (page_size 100: one request each); "Logged minutes" is not mapped.
    assert fake.count("GET", f"pages/{long}/properties/.*") == 3
    assert fake.count("GET", f"pages/{short}/properties/.*") == 0


def test_a_select_of_names_mapped_to_a_number_is_a_mapping_error(
    tmp_path: Path, fake_notion: FakeNotionServer, notion_token: str, fake_clock: FakeClock
) -> None:
    from careerloop.connectors.notion.doctor import check_notion

    fake = fake_notion.fake
    _, sessions = fake.add_database("Mentor sessions", {
        "Name": "title", "Date": "date",
        "Mentor": {"select": {"options": [{"name": n} for n in
                                          ("Alice", "Bob", "Carmen", "Dev")]}},
    })
    config = parse_config({
        "workspace": {"timezone": "Europe/Berlin"},
        "sources": {"notion": {"base_url": fake_notion.url, "sessions": {
            "data_source": sessions, "feedback": "Mentor", "mentor": "Name",
        }}},
    })
    with Store(tmp_path / "state.db") as store, pytest.raises(SourceError) as caught:
        make_reader(config, fake_clock).read(store, full=False)
    assert str(caught.value) == (
        "Notion sessions data source 'Mentor sessions': 'Mentor' (mapped to feedback) is a "
        "select whose options Alice, Bob, Carmen… are not numbers: fix the mapping in "
        "careerloop.toml"
    )
    assert fake.count("POST", r"data_sources/.*/query") == 0  # refused before reading
    rows = {c.name: c for c in check_notion(config)}
    assert rows["notion sessions: feedback"].status == "fail"
    assert "are not numbers" in rows["notion sessions: feedback"].detail


def test_sync_gives_a_select_of_names_the_exit_code_of_any_mapping_error(
    tmp_path: Path, fake_notion: FakeNotionServer, notion_token: str, runner: CliRunner
) -> None:
    _, sessions = fake_notion.fake.add_database("Mentor sessions", {
        "Name": "title", "Date": "date",
        "Mentor": {"select": {"options": [{"name": "Alice"}, {"name": "Bob"}]}},
    })
    config = tmp_path / "careerloop.toml"
    outcomes = []
    for feedback in ("Mentor", "Score"):  # a select of names; a property that is not there
        config.write_text(
            f'[workspace]\ntimezone = "Europe/Berlin"\nstate = "{tmp_path / "state.db"}"\n\n'
            f'[sources.notion]\nbase_url = "{fake_notion.url}"\n\n'
            f'[sources.notion.sessions]\ndata_source = "{sessions}"\nfeedback = "{feedback}"\n'
            '\n[reviews]\ntargets = ["local"]\n'
            f'[reviews.local]\ndir = "{tmp_path / "reviews"}"\n',
            encoding="utf-8",
        )
        code, _, err = invoke(runner, "-c", str(config), "sync", "--no-publish")
        outcomes.append((code, err))
    (names_code, names_err), (missing_code, missing_err) = outcomes
    assert names_code == missing_code == 1
    assert "'Mentor sessions'" in names_err and "'Mentor sessions'" in missing_err
    assert "'Mentor' (mapped to feedback) is a select whose options Alice, Bob are not " \
           "numbers" in names_err
    assert "'Score' (mapped to feedback) does not exist" in missing_err
