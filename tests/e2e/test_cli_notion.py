"""`careerloop` commands against the fake Notion API: the real notion-client, real HTTP."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.e2e.cli import invoke
from tests.fakes.fixtures import at, seed_schema
from tests.fakes.notion_api import FakeNotionServer


@pytest.fixture
def workspace(tmp_path: Path, fake_notion: FakeNotionServer, notion_token: str) -> dict[str, Any]:
    """A plan in the fake (October 2026) and a careerloop.toml that reads it."""
    fake = fake_notion.fake
    ids = seed_schema(fake, ("goals", "modules", "sessions"))
    goal = fake.add_page(ids["goals"], {"Name": "Become a PM", "Horizon": "12m",
                                         "Target date": "2027-06-30", "Status": "In progress"},
                         created=at("2026-09-01T08:00"))
    modules = [
        fake.add_page(ids["modules"], {
            "Name": f"Module {n}", "Planned": f"2026-10-{n + 1:02d}",
            "Completed": f"2026-10-{n + 1:02d}" if n < 6 else None,
            "Status": "Done" if n < 6 else "Not started", "Minutes": 10, "Track": "Product",
            "Skills": ["Roadmapping"], "Goals": [goal], "Vetted": True,
        }, created=at("2026-09-20T08:00"))
        for n in range(8)
    ]
    sessions = [
        fake.add_page(ids["sessions"], {"Name": f"1:1 #{n}", "Date": f"2026-10-{7 + 14 * n:02d}",
                                         "Mentor": "Ana", "Feedback": 4,
                                         "Insights": "Ship smaller" if n == 0 else ""},
                      created=at("2026-10-07T17:00"))
        for n in range(2)
    ]
    config = tmp_path / "careerloop.toml"
    tables = "\n".join(f'[sources.notion.{t}]\ndata_source = "{ds}"\n' for t, ds in ids.items())
    config.write_text(
        f'[workspace]\ntimezone = "Europe/Berlin"\n\n[sources.notion]\n'
        f'base_url = "{fake_notion.url}"\nrequests_per_second = 1000\n\n{tables}\n'
        '[reviews]\nkinds = ["monthly"]\n',
        encoding="utf-8",
    )
    return {"config": config, "fake": fake, "ids": ids, "modules": modules, "goal": goal,
            "sessions": sessions, "token": notion_token}


def test_sync_reads_notion_scores_and_publishes(
    runner: CliRunner, workspace: dict[str, Any]
) -> None:
    config, fake = workspace["config"], workspace["fake"]
    code, out, err = invoke(runner, "-c", str(config), "sync")
    assert code == 0, err
    assert "2026-10-monthly created" in out
    code, out, _ = invoke(runner, "-c", str(config), "kpis", "--json")
    data = json.loads(out)
    # 8 modules planned in October, 6 of them completed by Oct 31 -> 6/8 = 0.75.
    assert data["kpis"]["module_completion"]["value"] == 0.75
    assert data["kpis"]["module_completion"]["detail"]["planned"] == 8
    # 1 of the 2 sessions has insights written down -> 0.5.
    assert data["kpis"]["insights_documented"]["value"] == 0.5
    # Every completed module is linked to the goal through the Notion relation.
    assert data["kpis"]["goal_alignment"]["value"] == 1.0

    fake.reset_log()
    code, out, err = invoke(runner, "-c", str(config), "sync")
    assert code == 0, err
    assert "2026-10-monthly unchanged" in out
    # Nothing changed: one query per data source and nothing else (the schemas are kept).
    assert fake.count("POST", r"data_sources/.*/query") == 3
    assert fake.count() == 3


def test_an_edit_in_notion_reaches_the_review(
    runner: CliRunner, workspace: dict[str, Any]
) -> None:
    config, fake = workspace["config"], workspace["fake"]
    assert invoke(runner, "-c", str(config), "sync")[0] == 0
    fake.edit_page(workspace["modules"][6], {"Completed": "2026-10-30", "Status": "Done"},
                   at=at("2026-11-02T09:00"))
    code, out, err = invoke(runner, "-c", str(config), "sync")
    assert code == 0, err
    assert "2026-10-monthly updated" in out
    data = json.loads(invoke(runner, "-c", str(config), "kpis", "--json")[1])
    assert data["kpis"]["module_completion"]["value"] == 0.875  # 7 of 8


def test_transient_faults_end_in_the_same_scorecard(
    runner: CliRunner, workspace: dict[str, Any]
) -> None:
    config, fake = workspace["config"], workspace["fake"]
    fake.fail(r"data_sources/.*/query", status=502)
    fake.fail(r"data_sources/.*/query", status=503)
    fake.fail(r"data_sources/.*/query", status=429, retry_after=0)
    fake.fail(r"data_sources/.*", drop=True, method="GET")
    code, _, err = invoke(runner, "--log-format", "json", "-c", str(config), "sync",
                          "--no-publish")
    assert code == 0, err
    events = [json.loads(line) for line in err.splitlines()]
    (http,) = [e for e in events if e["event"] == "source.http"]
    # Four injected faults, each retried once; the clean run makes 6 requests.
    assert http["retries"] == 4 and http["requests"] == 6 + 4
    data = json.loads(invoke(runner, "-c", str(config), "kpis", "--json")[1])
    assert data["kpis"]["module_completion"]["value"] == 0.75
    assert data["kpis"]["mentor_cadence"]["detail"]["sessions"] == 2


def test_a_refused_token_is_one_line_without_the_token(
    runner: CliRunner, workspace: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    leaked = "ntn_wrongwrongwrongwrong0123456789abcdef"
    monkeypatch.setenv("NOTION_TOKEN", leaked)
    for debug in ([], ["--debug"]):
        code, out, err = invoke(runner, *debug, "-c", str(workspace["config"]), "sync")
        assert code == 1
        assert leaked not in out + err
        assert "Notion" in err and "token" in err.lower()
        if not debug:
            assert "Traceback" not in err


def test_a_missing_token_variable_is_a_config_error(
    runner: CliRunner, workspace: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NOTION_TOKEN")
    code, _, err = invoke(runner, "-c", str(workspace["config"]), "sync")
    assert code == 2
    assert "NOTION_TOKEN is not set" in err


def test_doctor_checks_token_and_schema(runner: CliRunner, workspace: dict[str, Any]) -> None:
    code, out, err = invoke(runner, "-c", str(workspace["config"]), "doctor")
    assert code == 0, out + err
    assert "FAIL" not in out
    # The mapping names a property the data source lacks: doctor says which and fails.
    config = workspace["config"]
    config.write_text(config.read_text(encoding="utf-8").replace(
        f'[sources.notion.modules]\ndata_source = "{workspace["ids"]["modules"]}"\n',
        f'[sources.notion.modules]\ndata_source = "{workspace["ids"]["modules"]}"\n'
        'minutes = "Duration"\n'), encoding="utf-8")
    code, out, _ = invoke(runner, "-c", str(config), "doctor")
    assert code == 1
    assert "Duration" in out and "FAIL" in out


def test_init_notion_creates_the_workspace_once(
    runner: CliRunner, tmp_path: Path, fake_notion: FakeNotionServer, notion_token: str
) -> None:
    fake = fake_notion.fake
    parent = fake.add_page_container("Career plan")
    config = tmp_path / "careerloop.toml"
    code, out, err = invoke(runner, "-c", str(config), "init", "--notion", parent,
                            "--notion-base-url", fake_notion.url)
    assert code == 0, err
    created = len(fake.databases)
    assert created == 6
    text = config.read_text(encoding="utf-8")
    assert text.count("data_source = ") == 6 and notion_token not in text

    # A second init finds the same databases and creates nothing.
    code, _, err = invoke(runner, "-c", str(config), "init", "--force", "--notion", parent,
                          "--notion-base-url", fake_notion.url)
    assert code == 0, err
    assert len(fake.databases) == created
    assert config.read_text(encoding="utf-8") == text

    # And the written config works: it reads the empty workspace, which leaves nothing to
    # score: one line saying so, exit 1 (docs/decisions.md, "Failed and empty reads").
    code, _, err = invoke(runner, "-c", str(config), "sync", "--no-publish")
    assert code == 1, err
    lines = err.splitlines()  # the reads' progress lines, then the one error line
    assert lines[-1].startswith("error: nothing to score: ")
    assert all(line.startswith("read ") for line in lines[:-1]), err


def test_reviews_published_to_notion_from_the_command_line(
    runner: CliRunner, workspace: dict[str, Any]
) -> None:
    config, fake = workspace["config"], workspace["fake"]
    parent = fake.add_page_container("Career reviews home")
    config.write_text(config.read_text(encoding="utf-8").replace(
        '[reviews]\nkinds = ["monthly"]\n',
        f'[reviews]\nkinds = ["monthly"]\ntargets = ["notion"]\n\n'
        f'[reviews.notion]\nparent = "{parent}"\n'), encoding="utf-8")

    code, out, err = invoke(runner, "-c", str(config), "sync", "--dry-run")
    assert code == 0, err
    assert "2026-10-monthly would be created on notion" in out and "requests" in out
    before = len(fake.pages)

    code, out, err = invoke(runner, "-c", str(config), "sync")
    assert code == 0, err
    assert "2026-10-monthly created on notion" in out
    reviews = [p for p in fake.pages.values()
               if p["_values"].get("Period") == "2026-10" and not p["in_trash"]]
    assert len(reviews) == 1 and len(fake.pages) == before + 1

    code, out, err = invoke(runner, "-c", str(config), "report", "--period", "2026-10",
                            "--to", "notion")
    assert code == 0, err
    assert "2026-10-monthly unchanged on notion" in out
    assert len(fake.pages) == before + 1  # an upsert: never a second page


def _broken_compact(config: Path, parent: str) -> Path:
    """Local and Notion targets, Notion on a compact template that divides by zero on line 3."""
    templates = config.parent / "tpl"
    templates.mkdir()
    (templates / "compact.md.j2").write_text("# {{ title }}\n\n{{ score // 0 }}\n", "utf-8")
    config.write_text(config.read_text(encoding="utf-8").replace(
        '[reviews]\nkinds = ["monthly"]\n',
        '[reviews]\nkinds = ["monthly"]\ntargets = ["local", "notion"]\ntemplates = "tpl"\n\n'
        f'[reviews.notion]\nparent = "{parent}"\ntemplate = "compact"\n\n'
        '[reviews.local]\ndir = "reviews"\n'), encoding="utf-8")
    return config.parent / "reviews"


def test_a_broken_compact_template_is_one_line_and_nothing_is_written(
    runner: CliRunner, workspace: dict[str, Any]
) -> None:
    config, fake = workspace["config"], workspace["fake"]
    reviews = _broken_compact(config, fake.add_page_container("Career reviews home"))
    fake.reset_log()

    code, out, err = invoke(runner, "-c", str(config), "sync")

    assert code == 1, err  # as a broken monthly.md.j2 does
    lines = err.splitlines()
    assert all(line.startswith("read ") for line in lines[:-1]), err
    assert lines[-1].startswith("error: template compact.md.j2 (in "), lines[-1]
    assert "line 3: ZeroDivisionError" in lines[-1] and "unexpected" not in lines[-1]
    assert "Traceback" not in out + err
    assert not reviews.exists()  # not even the local review
    # The reads queried the plan's data sources; nothing was created, changed or removed.
    written = [(r.method, r.path) for r in fake.requests
               if r.method in ("POST", "PATCH", "DELETE") and not r.path.endswith("/query")]
    assert written == []
    assert any(r.path.endswith("/query") for r in fake.requests)  # the log did record


def test_doctor_checks_the_compact_template_notion_publishes_with(
    runner: CliRunner, workspace: dict[str, Any]
) -> None:
    config, fake = workspace["config"], workspace["fake"]
    _broken_compact(config, fake.add_page_container("Career reviews home"))

    code, out, err = invoke(runner, "-c", str(config), "doctor")

    assert code == 1, out + err  # doctor's exit code when a row fails
    rows = [line for line in out.splitlines() if "template" in line]
    compact = [row for row in rows if "compact.md.j2 (notion)" in row]
    assert len(compact) == 1 and "FAIL" in compact[0], out
    assert "line 3" in out and "ZeroDivisionError" in out
    monthly = [row for row in rows if "template monthly" in row]
    assert monthly and "ok" in monthly[0] and "FAIL" not in monthly[0]  # the full one renders
