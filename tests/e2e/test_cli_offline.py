"""The CLI end to end on the bundled sample workspace: no account, no network."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from careerloop.cli import app
from careerloop.connectors.files.demo import write_demo_workspace
from careerloop.periods import Period
from tests.e2e.cli import TODAY, invoke


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A sample workspace on disk; returns its careerloop.toml."""
    import datetime as dt

    return write_demo_workspace(tmp_path / "ws", dt.date.fromisoformat(TODAY))


def test_demo_writes_monthly_and_quarterly_reviews(runner: CliRunner, tmp_path: Path) -> None:
    code, out, err = invoke(runner, "demo", "--out", str(tmp_path / "demo"))
    assert code == 0, err
    reviews = tmp_path / "demo" / "reviews"
    for name in ("2026-10-monthly", "2026-Q3-quarterly"):
        assert (reviews / f"{name}.md").is_file()
        html = (reviews / f"{name}.html").read_text(encoding="utf-8")
        assert "<svg" in html  # the trend chart is inline: the page is self-contained
    # Every month of the six-month sample gets its review, so the index shows a trend.
    months = sorted(p.stem for p in reviews.glob("*-monthly.md"))
    assert months == [f"2026-{m:02d}-monthly" for m in range(5, 11)]
    index = (reviews / "index.html").read_text(encoding="utf-8")
    assert all(f"2026-{m:02d}" in index for m in range(5, 11)) and "2026-Q3" in index

    # A second demo run over the same folder rewrites nothing.
    before = {p.name: p.stat().st_mtime_ns for p in reviews.iterdir()}
    code, out, err = invoke(runner, "demo", "--out", str(tmp_path / "demo"))
    assert code == 0, err
    assert "created" not in out and "updated" not in out
    assert {p.name: p.stat().st_mtime_ns for p in reviews.iterdir()} == before
    assert str(reviews) in out


def test_sync_twice_writes_once_and_keeps_notes(runner: CliRunner, workspace: Path) -> None:
    code, out, err = invoke(runner, "-c", str(workspace), "sync")
    assert code == 0, err
    assert "2026-10-monthly created" in out and "2026-Q3-quarterly created" in out
    review = workspace.parent / "reviews" / "2026-10-monthly.md"
    first = review.stat().st_mtime_ns

    code, out, _ = invoke(runner, "-c", str(workspace), "sync")
    assert code == 0
    assert "2026-10-monthly unchanged" in out
    assert review.stat().st_mtime_ns == first

    # The reader writes notes under the heading; a data change regenerates the review.
    notes = "\n- Ask Priya about the roadmap review.\n  Trailing spaces stay.   \n\n| a | b |\n"
    review.write_text(review.read_text(encoding="utf-8") + notes, encoding="utf-8")
    csv = workspace.parent / "notion" / "Modules.csv"
    csv.write_text(csv.read_text(encoding="utf-8-sig").replace("Yes", "No", 3),
                   encoding="utf-8-sig")
    code, out, err = invoke(runner, "-c", str(workspace), "sync")
    assert code == 0, err
    text = review.read_text(encoding="utf-8")
    assert text.endswith(notes)  # word for word, to the last byte


def test_kpis_json_has_the_designed_shape(runner: CliRunner, workspace: Path) -> None:
    assert invoke(runner, "-c", str(workspace), "sync", "--no-publish")[0] == 0
    code, out, err = invoke(runner, "-c", str(workspace), "kpis", "--period", "2026-10", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["period"] == {"label": "2026-10", "kind": "month",
                              "start": "2026-10-01", "end": "2026-10-31"}
    assert set(data["kpis"]) == {
        "module_completion", "mentor_feedback", "skills_applied", "advancements",
        "learning_consistency", "mentor_cadence", "goal_alignment", "insights_documented",
        "milestones_on_time", "learning_minutes",
    }
    completion = data["kpis"]["module_completion"]
    assert set(completion["detail"]) >= {"planned", "done", "completed_total", "unplanned"}
    assert completion["value"] == pytest.approx(
        completion["detail"]["done"] / completion["detail"]["planned"]
    )
    # The sample holds two mentor sessions a month: cadence is exactly on plan.
    assert data["kpis"]["mentor_cadence"]["detail"]["sessions"] == 2
    assert data["kpis"]["mentor_cadence"]["value"] == 1.0
    assert isinstance(data["score"], int)
    assert all({"code", "severity", "message", "items"} <= set(p) for p in data["pitfalls"])


def test_report_to_stdout_renders_the_quarter(runner: CliRunner, workspace: Path) -> None:
    assert invoke(runner, "-c", str(workspace), "sync", "--no-publish")[0] == 0
    code, out, _ = invoke(runner, "-c", str(workspace), "report", "--period", "2026-Q3")
    assert code == 0
    assert out.startswith("# Quarterly review 2026-Q3")
    assert "- [ ]" in out  # the plan-refinement checklist
    assert not (workspace.parent / "reviews").exists()  # stdout writes nothing


def test_dry_run_writes_nothing(runner: CliRunner, workspace: Path) -> None:
    code, out, err = invoke(runner, "-c", str(workspace), "sync", "--dry-run")
    assert code == 0, err
    assert "would be created" in out
    assert not (workspace.parent / "reviews").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("kpis", "--period", "2026-13"), "is not a month like 2026-10"),
        (("kpis", "--period", "２０２６-10"), "is not a month like 2026-10"),
        (("kpis", "--period", "2027-01"), "has not started yet"),
        (("sync", "--period", "2026-Q4x"), "is not a month like 2026-10"),
        (("report", "--to", "fax"), "'fax' is not one of 'local', 'notion', 'trello', 'stdout'"),
        (("report", "--period", "2026-10", "--kind", "quarterly"), "does not fit period"),
    ],
)
def test_usage_errors_are_one_line_with_exit_2(
    runner: CliRunner, workspace: Path, args: tuple[str, ...], message: str
) -> None:
    assert invoke(runner, "-c", str(workspace), "sync", "--no-publish")[0] == 0
    code, out, err = invoke(runner, "-c", str(workspace), *args)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err + out


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[workspace\n", "is not valid TOML"),
        ("[workspace]\ntimezon = 'UTC'\n", "unknown key 'workspace.timezon' in [workspace] "
                                           "(did you mean 'timezone'?)"),
        ("[kpis]\nsessions_per_month = 'two'\n", "kpis.sessions_per_month"),
        ("[sources.notion]\ntoken_env = 'secret_0123456789abcdefghijABCDEFGHIJ'\n",
         "looks like a token itself"),
        ("[reviews]\nkinds = ['weekly']\n", "reviews.kinds.0"),
    ],
)
def test_bad_config_is_one_line_with_exit_2(
    runner: CliRunner, tmp_path: Path, toml: str, message: str
) -> None:
    config = tmp_path / "careerloop.toml"
    config.write_text(toml, encoding="utf-8")
    code, out, err = invoke(runner, "-c", str(config), "sync")
    assert code == 2
    assert message in err
    assert "secret_0123456789" not in err + out  # a pasted token is never echoed back
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / ".careerloop").exists()  # nothing half-written


def test_missing_config_says_how_to_start(runner: CliRunner, tmp_path: Path) -> None:
    code, _, err = invoke(runner, "-c", str(tmp_path / "nope.toml"), "kpis")
    assert code == 2
    assert "careerloop init" in err


def test_kpis_before_any_sync_asks_for_sync(runner: CliRunner, workspace: Path) -> None:
    code, _, err = invoke(runner, "-c", str(workspace), "kpis")
    assert code == 2
    assert "run `careerloop sync` first" in err


def test_missing_export_fails_the_run_with_exit_1(runner: CliRunner, workspace: Path) -> None:
    (workspace.parent / "trello" / "board.json").unlink()
    code, _, err = invoke(runner, "-c", str(workspace), "sync")
    assert code == 1
    assert "board.json not found" in err
    # The Notion exports were still read and scored: a failing source does not stop others.
    assert (workspace.parent / "reviews" / "2026-10-monthly.md").is_file()


def test_doctor_shows_a_table_and_fails_on_a_broken_template(
    runner: CliRunner, workspace: Path
) -> None:
    code, out, err = invoke(runner, "-c", str(workspace), "doctor")
    assert code == 0, out + err
    assert "template monthly" in out and "FAIL" not in out

    templates = workspace.parent / "my-templates"
    templates.mkdir()
    (templates / "monthly.md.j2").write_text("# {{ review.nope }\n", encoding="utf-8")
    workspace.write_text(
        workspace.read_text(encoding="utf-8").replace(
            "[reviews]", '[reviews]\ntemplates = "my-templates"'
        ),
        encoding="utf-8",
    )
    code, out, _ = invoke(runner, "-c", str(workspace), "doctor")
    assert code == 1
    assert "FAIL" in out and "monthly.md.j2" in out


def test_init_writes_a_valid_commented_config_once(runner: CliRunner, tmp_path: Path) -> None:
    config = tmp_path / "careerloop.toml"
    code, out, _ = invoke(runner, "-c", str(config), "init")
    assert code == 0 and config.is_file()
    assert config.read_text(encoding="utf-8").count("#") > 20
    code, _, err = invoke(runner, "-c", str(config), "init")
    assert code == 2 and "--force" in err
    # The written file validates (the doctor's first row).
    code, out, _ = invoke(runner, "-c", str(config), "doctor")
    assert re.search(r"config\s*│\s*ok", out)
    assert not (tmp_path / ".careerloop").exists()  # doctor looks, it does not write


def test_every_command_has_help_with_an_example(runner: CliRunner) -> None:
    for command in ("demo", "sync", "kpis", "report", "doctor", "init"):
        code, out, _ = invoke(runner, command, "--help")
        assert code == 0
        assert "Example" in out, command


def test_default_period_is_the_last_closed_month(runner: CliRunner, workspace: Path) -> None:
    assert invoke(runner, "-c", str(workspace), "sync", "--no-publish")[0] == 0
    code, out, _ = invoke(runner, "-c", str(workspace), "kpis", "--json")
    assert json.loads(out)["period"]["label"] == Period.parse("2026-10").label


def test_json_log_format_is_one_object_per_line(runner: CliRunner, workspace: Path) -> None:
    result = runner.invoke(app, ["--log-format", "json", "-c", str(workspace), "sync"])
    assert result.exit_code == 0, result.stderr
    events = [json.loads(line) for line in result.stderr.splitlines()]
    names = [e["event"] for e in events]
    assert names.count("source.read") == 2  # the Notion CSV export and the Trello export
    assert "review.created" in names and names[-1] == "run.finished"
    assert events[-1]["ok"] is True
    read = next(e for e in events if e["event"] == "source.read")
    assert {"origin", "records", "full", "requests", "time"} <= set(read)


def test_json_log_format_reports_errors_as_json(runner: CliRunner, tmp_path: Path) -> None:
    config = tmp_path / "careerloop.toml"
    config.write_text("[workspace]\ntimezon = 'UTC'\n", encoding="utf-8")
    result = runner.invoke(app, ["--log-format", "json", "-c", str(config), "sync"])
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    error = json.loads(line)
    assert error["event"] == "error" and error["exit_code"] == 2
    assert "timezon" in error["message"]


def test_github_actions_gets_a_step_summary_and_annotations(
    runner: CliRunner, workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    code, out, err = invoke(runner, "-c", str(workspace), "sync", "--period", "2026-08")
    assert code == 0, err
    text = summary.read_text(encoding="utf-8")
    assert "### 2026-08:" in text and "| KPI | Target | Value | Status |" in text
    assert "| 2026-08-monthly | local | created |" in text
    # The sample's August has its two mentor sessions without written insights.
    assert "::warning title=2026-08 undocumented-insights::" in out


def test_a_draft_of_the_running_month_becomes_the_final_review(
    runner: CliRunner, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = invoke(runner, "-c", str(workspace), "sync", "--draft")
    assert code == 0, err
    draft = workspace.parent / "reviews" / "2026-11-monthly.md"
    text = draft.read_text(encoding="utf-8")
    assert "# Monthly review 2026-11 (draft)" in text
    notes = "\n- Draft note: prepare the roadmap story.\n"
    draft.write_text(text + notes, encoding="utf-8")

    # December 1st: November has closed, the scheduled run publishes it for good.
    monkeypatch.setenv("CAREERLOOP_TODAY", "2026-12-01")
    code, out, err = invoke(runner, "-c", str(workspace), "sync")
    assert code == 0, err
    assert "2026-11-monthly updated" in out
    final = draft.read_text(encoding="utf-8")
    assert "# Monthly review 2026-11\n" in final and "(draft)" not in final
    assert final.endswith(notes)


def test_drafts_from_config_and_never_a_review_of_a_future_period(
    runner: CliRunner, workspace: Path
) -> None:
    workspace.write_text(workspace.read_text(encoding="utf-8").replace(
        "[reviews]", "[reviews]\ndrafts = true"), encoding="utf-8")
    code, out, err = invoke(runner, "-c", str(workspace), "sync")
    assert code == 0, err
    reviews = {p.name for p in (workspace.parent / "reviews").glob("*.md")}
    assert reviews == {"2026-10-monthly.md", "2026-Q3-quarterly.md", "2026-11-monthly.md"}
    code, _, err = invoke(runner, "-c", str(workspace), "sync", "--period", "2026-12")
    assert code == 2 and "has not started yet" in err
    assert not (workspace.parent / "reviews" / "2026-12-monthly.md").exists()
