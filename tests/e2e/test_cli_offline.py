"""The CLI end to end on the bundled sample workspace: no account, no network."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from careerloop.cli import app
from careerloop.connectors.files.demo import write_demo_workspace
from careerloop.periods import Period
from tests.e2e.cli import TODAY, invoke
from tests.fakes.trello_api import FakeTrelloServer


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A sample workspace on disk; returns its careerloop.toml."""
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


def _tree(folder: Path) -> list[str]:
    """Every file and folder under `folder`, with each file's size and modification time."""
    return sorted(
        f"{p.relative_to(folder)}/" if p.is_dir()
        else f"{p.relative_to(folder)} {p.stat().st_size} {p.stat().st_mtime_ns}"
        for p in folder.rglob("*")
    )


def test_dry_run_writes_nothing(runner: CliRunner, workspace: Path) -> None:
    before = _tree(workspace.parent)
    code, out, err = invoke(runner, "-c", str(workspace), "sync", "--dry-run")
    assert code == 0, err
    assert "would be created" in out
    # No reviews, and no state either: not even the .careerloop folder.
    assert _tree(workspace.parent) == before
    assert not (workspace.parent / ".careerloop").exists()


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
    code, out, err = invoke(runner, "-c", str(workspace), "sync")
    assert code == 1
    assert "board.json not found" in err
    # A first read that fails leaves nothing to score: no review without the board's data.
    # The Notion exports were still read: a failing source does not stop the others.
    assert not (workspace.parent / "reviews").exists()
    assert "read file:notion-csv" in err and "score" not in out


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


def command_paths(group: typer.Typer = app, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command of `group` as the words that run it, sub-apps' commands included."""
    paths = [
        (*prefix, info.name or info.callback.__name__.replace("_", "-"))
        for info in group.registered_commands
        if info.callback is not None and not info.hidden
    ]
    for sub in group.registered_groups:
        assert sub.typer_instance is not None and sub.name
        paths += command_paths(sub.typer_instance, (*prefix, sub.name))
    return paths


def test_every_command_has_help_with_an_example(runner: CliRunner) -> None:
    commands = command_paths()
    # The walk finds the commands (a list that came back empty would prove nothing).
    assert {("demo",), ("sync",), ("kpis",), ("report",), ("doctor",), ("init",)} <= set(commands)
    for command in commands:
        code, out, _ = invoke(runner, *command, "--help")
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
    # The actions, ranked: August's undocumented sessions (0%, off track) come first.
    assert "**Do next**\n\n1. Write down the takeaways of the 2 sessions without insights" in text
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


# -- the command line: help, completion, colour ------------------------------------------------


def _help(runner: CliRunner, *command: str) -> str:
    code, out, err = invoke(runner, *command, "--help")
    assert code == 0, err
    return out


def test_help_shows_flags_as_flags_and_lists_the_choices(runner: CliRunner) -> None:
    pages = {" ".join(c): _help(runner, *c) for c in command_paths()}
    pages["top"] = _help(runner)
    for name, page in pages.items():
        assert "<bool>" not in page, name  # a flag takes no value, so none is shown
    for flag in ("--full", "--dry-run", "--no-publish", "--draft"):
        assert re.search(rf"^  {flag}  ", pages["sync"], re.MULTILINE), flag
    assert "--to <local|notion|trello|stdout>" in pages["report"]
    assert "--kind <monthly|quarterly>" in pages["report"]
    assert "--log-format <text|json>" in pages["top"]
    # --dry-run and --no-publish are told apart by what they leave behind.
    sync = " ".join(pages["sync"].split())
    assert "--dry-run Read and score, and show what would be published; write nothing at all" \
        in sync
    assert "--no-publish Read, score and keep the results in the state" in sync


def test_top_level_help_shows_every_option_of_init_and_two_examples(runner: CliRunner) -> None:
    from typer.main import get_command

    page = _help(runner)
    init = get_command(app).commands["init"]  # type: ignore[attr-defined]
    visible = [o for p in init.params if not p.hidden for o in p.opts]
    assert visible and all(re.search(rf"^  {o}\b", page, re.MULTILINE) for o in visible), page
    assert "--notion-base-url" not in page  # hidden: for tests only
    examples = page.split("Examples:\n", 1)[1].splitlines()
    assert [line for line in examples if line.startswith("  careerloop ")] == [
        "  careerloop demo --out /tmp/careerloop-demo",
        "  careerloop --config ~/career/careerloop.toml sync --dry-run",
    ]


def test_shell_completion_is_available(runner: CliRunner) -> None:
    page = _help(runner)
    assert "--install-completion" in page and "--show-completion" in page
    # What the installed bash script asks for when the user presses Tab after --to.
    result = runner.invoke(app, [], prog_name="careerloop", env={
        "_CAREERLOOP_COMPLETE": "complete_bash", "COMP_WORDS": "careerloop report --to ",
        "COMP_CWORD": "3"})
    assert result.exit_code == 0
    assert result.stdout.split() == ["local", "notion", "trello", "stdout"]
    result = runner.invoke(app, [], prog_name="careerloop", env={
        "_CAREERLOOP_COMPLETE": "complete_bash", "COMP_WORDS": "careerloop sy", "COMP_CWORD": "1"})
    assert result.stdout.split() == ["sync"]


ESCAPE = "\x1b"


def test_no_color_means_no_escape_codes_even_on_a_terminal(
    runner: CliRunner, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich then treats the output as a terminal
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert invoke(runner, "-c", str(workspace), "sync", "--no-publish")[0] == 0
    # The control: on this forced terminal the tables are styled.
    code, out, _ = invoke(runner, "-c", str(workspace), "kpis")
    assert code == 0 and ESCAPE in out

    monkeypatch.setenv("NO_COLOR", "1")
    runs = [
        invoke(runner, "-c", str(workspace), "kpis"),
        invoke(runner, "-c", str(workspace), "doctor"),
        invoke(runner, "-c", str(workspace), "sync"),
        invoke(runner, "-c", str(workspace), "kpis", "--period", "2027-01"),
        invoke(runner, "-c", str(workspace), "sync", "--frob"),
        invoke(runner, "--help"),
    ]
    assert [code for code, _, _ in runs] == [0, 0, 0, 2, 2, 0]
    for _, out, err in runs:
        assert ESCAPE not in out + err, (out + err)[:300]
    assert "Modules completed vs planned" in runs[0][1]  # the table is still there, plain


# -- what kpis, doctor and --verbose show --------------------------------------------------------

FIXTURES = Path(__file__).parent.parent / "fixtures" / "notion_csv"


def _rows(text: str) -> list[list[str]]:
    """The body rows of a rich table, a wrapped cell's lines joined by a space."""
    rows: list[list[str]] = []
    for line in text.splitlines():
        if not line.startswith("│"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("│").split("│")]
        if rows and not cells[0]:  # the next line of the same row
            rows[-1] = [f"{a} {b}".strip() for a, b in zip(rows[-1], cells, strict=True)]
        else:
            rows.append(cells)
    return rows


def test_kpis_shows_values_as_the_reviews_do(runner: CliRunner, tmp_path: Path) -> None:
    """June 2026 of the hand-made Notion export in tests/fixtures/notion_csv.

    Modules planned in June: 5 (Jun 2, 5, 10, 11, 30); done: 3 (Jun 3, Jun 5 by its Done
    status on its planned day, Jun 10) -> 3/5 = 60% of 80%: score 75, at risk.
    Feedback 4 and 4.5 on [1, 5]: 75 and 87.5, mean 81.25 -> 81/100 of 75/100: 100.
    First applications of SQL and Analytics (Jun 12) -> 2 of 1: 100.
    The advancement (Jun 30) rests on SQL, learnt Jun 3 -> 1 (no target: info).
    Days with a completion: 3 of 22 weekdays -> 13.6% = 14% of 60%: 22.7 -> 23, off track.
    2 sessions of 2 -> 100%: 100. Completed modules linked to a goal: 2 of 3 -> 67% of 90%:
    74.07 -> 74, at risk. Insights in 1 of 2 sessions -> 50% of 80%: 62.5 -> 63, at risk.
    Both milestones due in June reached by their due day -> 100%: 100.
    Minutes: 15 + 12 + 5 = 32 -> "32 min". Period: (75+100+100+23+100+74+63+100)/8 = 79.375
    -> 79/100, at risk.
    """
    config = tmp_path / "careerloop.toml"
    config.write_text('[workspace]\ntimezone = "UTC"\n\n[sources.notion]\n' + "".join(
        f'\n[sources.notion.{table}]\ncsv = "{FIXTURES / (table.capitalize() + ".csv")}"\n'
        for table in ("goals", "modules", "sessions", "applications", "milestones",
                      "advancements")
    ), encoding="utf-8")
    assert invoke(runner, "-c", str(config), "sync", "--no-publish")[0] == 0
    code, out, err = invoke(runner, "-c", str(config), "kpis", "--period", "2026-06")
    assert code == 0, err
    assert out.splitlines()[0].strip() == "2026-06: score 79/100 (at risk)"
    table = {row[0]: (row[1], row[2], row[4], row[5]) for row in _rows(out)}
    assert table == {  # target, value, status, score
        "Modules completed vs planned": ("80%", "60%", "at risk", "75/100"),
        "Mentor feedback quality": ("75/100", "81/100", "on track", "100/100"),
        "New skills applied in live projects": ("1", "2", "on track", "100/100"),
        "Advancements linked to new competencies": ("–", "1", "info", "–"),
        "Days with learning vs weekdays": ("60%", "14%", "off track", "23/100"),
        "Mentor sessions vs planned": ("100%", "100%", "on track", "100/100"),
        "Learning linked to a goal": ("90%", "67%", "at risk", "74/100"),
        "Mentor insights documented": ("80%", "50%", "at risk", "63/100"),
        "Milestones reached on time": ("80%", "100%", "on track", "100/100"),
        "Minutes of learning": ("–", "32 min", "info", "–"),
    }


def test_kpis_of_the_running_month_says_so(runner: CliRunner, workspace: Path) -> None:
    assert invoke(runner, "-c", str(workspace), "sync", "--no-publish")[0] == 0
    code, out, _ = invoke(runner, "-c", str(workspace), "kpis", "--period", "2026-11")
    assert code == 0
    assert re.match(r"2026-11: score \d+/100 \([a-z ]+, running: scored up to today\)", out)


def test_verbose_prints_readable_lines_and_each_outcome_once(
    runner: CliRunner, workspace: Path
) -> None:
    code, out, err = invoke(runner, "--verbose", "-c", str(workspace), "sync")
    assert code == 0, err
    assert err.splitlines() == [
        "reading notion-csv…",
        "read file:notion-csv: 75 records (full)",
        "reading trello-export…",
        "read file:trello-export: 27 records (full)",
    ]
    for key in ("2026-10-monthly", "2026-Q3-quarterly"):
        assert (out + err).count(f"{key} created") == 1, out + err
    assert "{" not in out + err and "'" not in err  # no raw dictionaries or reprs


def test_the_demo_workspace_passes_doctor_with_no_warning(
    runner: CliRunner, tmp_path: Path
) -> None:
    assert invoke(runner, "demo", "--out", str(tmp_path / "x"))[0] == 0
    code, out, err = invoke(runner, "-c", str(tmp_path / "x" / "careerloop.toml"), "doctor")
    assert code == 0, out + err
    rows = _rows(out)
    assert len(rows) >= 10 and {row[1] for row in rows} == {"ok"}, out
    assert "trello export" in {row[0] for row in rows}


def test_doctor_wraps_long_paths_instead_of_cutting_them(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / ("a-folder-with-a-rather-long-name-" * 3) / "career-plan"
    config = write_demo_workspace(folder, dt.date.fromisoformat(TODAY))
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = invoke(runner, "-c", str(config), "doctor")
    assert code == 0
    assert "…" not in out
    details = {row[0]: row[2].replace(" ", "") for row in _rows(out)}
    state = folder / ".careerloop" / "state.db"
    assert details["state"] == f"{state}(createdonthefirstsync)"
    assert details["target local"] == str(folder / "reviews")


def test_doctor_says_to_remove_a_source_section_not_used(
    runner: CliRunner, tmp_path: Path
) -> None:
    config = tmp_path / "careerloop.toml"
    assert invoke(runner, "-c", str(config), "init")[0] == 0
    code, out, _ = invoke(runner, "-c", str(config), "doctor")
    assert code == 1
    fixes = {row[0]: row[3] for row in _rows(out) if row[1] == "FAIL"}
    assert "or remove [sources.notion.sessions] if you do not keep sessions in Notion" in (
        fixes["notion session csv"])
    assert "or remove [sources.trello] if you do not use Trello" in fixes["trello export"]
    assert all("or remove [sources." in fix for fix in fixes.values()), fixes


def test_verbose_shows_the_http_figures_of_a_live_source(
    runner: CliRunner, tmp_path: Path, fake_trello: FakeTrelloServer, trello_env: None
) -> None:
    sample = write_demo_workspace(tmp_path / "sample", dt.date.fromisoformat(TODAY)).parent
    board = fake_trello.fake.load_board(
        json.loads((sample / "trello" / "board.json").read_text(encoding="utf-8")))
    config = tmp_path / "careerloop.toml"
    config.write_text(
        f'[sources.trello]\nboard = "{board}"\nbase_url = "{fake_trello.url}"\n'
        '[sources.trello.fields]\nfeedback = "Feedback"\n', encoding="utf-8")
    code, out, err = invoke(runner, "--verbose", "-c", str(config), "sync", "--no-publish")
    assert code == 0, err
    started, http, read = err.splitlines()
    assert started == "reading trello…"
    # `trello: 1 request (200 ×1)`: the total is the sum of the answers by status.
    match = re.fullmatch(r"trello: (\d+) requests? \(((?:\d{3} ×\d+(?:, )?)+)\)", http)
    assert match, http
    counts = [int(part.split("×")[1]) for part in match[2].split(", ")]
    assert sum(counts) == int(match[1]) >= 1
    expected = rf"read trello:{board}: 27 records \(full\), (1 request|\d+ requests)"
    assert re.fullmatch(expected, read), read
