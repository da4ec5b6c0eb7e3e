"""careerloop.toml that cannot be used: one line on stderr, exit 2, nothing written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.bad_input.cli import assert_one_line, invoke, snapshot

COMMANDS = (("sync",), ("kpis",), ("report",), ("report", "--to", "local"))


def _edit(config: Path, old: str, new: str) -> None:
    text = config.read_text(encoding="utf-8")
    assert old in text, old
    config.write_text(text.replace(old, new, 1), encoding="utf-8")


def _assert_nothing_written(workspace: Path, before: dict[str, str]) -> None:
    assert not (workspace / ".careerloop").exists(), "a state db was created on a config error"
    assert not (workspace / "reviews").exists(), "a review was written on a config error"
    assert snapshot(workspace) == before


# -- malformed TOML ------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[workspace\n", "is not valid TOML"),
        ('[workspace]\ntimezone = "UTC\n', "is not valid TOML"),
        ("[workspace]\ntimezone = UTC\n", "is not valid TOML"),
        ('[workspace]\ntimezone = "UTC"\ntimezone = "UTC"\n', "is not valid TOML"),
        ('[reviews]\nkinds = ["monthly",\n', "is not valid TOML"),
        ("\x00\x01binary", "is not valid TOML"),
    ],
    ids=["open-table", "open-string", "bare-word", "duplicate-key", "open-array", "binary"],
)
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: "-".join(c))
def test_malformed_toml(
    runner: CliRunner, tmp_path: Path, text: str, fragment: str, command: tuple[str, ...]
) -> None:
    config = tmp_path / "careerloop.toml"
    config.write_text(text, encoding="utf-8")
    before = snapshot(tmp_path)
    line = assert_one_line(invoke(runner, "-c", str(config), *command), 2, fragment)
    assert str(config) in line  # names the file
    _assert_nothing_written(tmp_path, before)


def test_toml_that_is_not_utf8(runner: CliRunner, tmp_path: Path) -> None:
    config = tmp_path / "careerloop.toml"
    config.write_bytes('[workspace]\ntimezone = "Europe/Zürich"\n'.encode("latin-1"))
    assert_one_line(invoke(runner, "-c", str(config), "sync"), 2, str(config))
    _assert_nothing_written(tmp_path, snapshot(tmp_path))


def test_config_is_a_folder(runner: CliRunner, tmp_path: Path) -> None:
    assert_one_line(invoke(runner, "-c", str(tmp_path), "sync"), 2, str(tmp_path))


# -- unknown and misspelt keys, at every depth ----------------------------------------------

@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        ("[workspace]", "[workspce]", "unknown key 'workspce' in [top level] "
                                      "(did you mean 'workspace'?)"),
        ('timezone = "Europe/Berlin"', 'timezon = "Europe/Berlin"',
         "unknown key 'workspace.timezon' in [workspace] (did you mean 'timezone'?)"),
        ("[sources.notion]\n", '[sources.notion]\ntokn_env = "NOTION_TOKEN"\n',
         "unknown key 'sources.notion.tokn_env' in [sources.notion] "
         "(did you mean 'token_env'?)"),
        ('[sources.notion.modules]\ncsv = "notion/Modules.csv"\n',
         '[sources.notion.modules]\ncsv = "notion/Modules.csv"\ncomplted = "Completed"\n',
         "unknown key 'sources.notion.modules.complted' in [sources.notion.modules] "
         "(did you mean 'completed'?)"),
        ('[sources.notion.goals]\ncsv = "notion/Goals.csv"\n',
         '[sources.notion.goals]\ncsv = "notion/Goals.csv"\ntarget_dat = "Target date"\n',
         "unknown key 'sources.notion.goals.target_dat' in [sources.notion.goals] "
         "(did you mean 'target_date'?)"),
        ("[sources.notion.goals]", "[sources.notion.goal]",
         "unknown key 'sources.notion.goal' in [sources.notion] (did you mean 'goals'?)"),
        ('done_lists = ["Done"]', 'done_list = ["Done"]',
         "unknown key 'sources.trello.done_list' in [sources.trello] "
         "(did you mean 'done_lists'?)"),
        ('feedback = "Feedback"', 'feedbak = "Feedback"',
         "unknown field 'feedbak' (did you mean 'feedback'?)"),
        ('"Skill applied" = "application"', '"Skill applied" = "aplication"',
         "label 'Skill applied' maps to unknown kind 'aplication' (did you mean 'application'?)"),
        ("[reviews.local]\ndir", "[reviews.local]\ndirectory",
         "unknown key 'reviews.local.directory' in [reviews.local]"),
        ('targets = ["local"]', 'target = ["local"]',
         "unknown key 'reviews.target' in [reviews] (did you mean 'targets'?)"),
    ],
    ids=["top", "workspace", "notion", "notion-modules", "notion-goals", "notion-table",
         "trello", "trello-fields", "trello-kinds", "reviews-local", "reviews"],
)
def test_unknown_key_names_it_and_suggests_the_closest(
    runner: CliRunner, demo: Path, old: str, new: str, fragment: str
) -> None:
    _edit(demo, old, new)
    before = snapshot(demo.parent)
    assert_one_line(invoke(runner, "-c", str(demo), "sync"), 2, fragment, str(demo))
    _assert_nothing_written(demo.parent, before)


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        ("[kpis.targets]\nmodule_completon = 0.8\n",
         "unknown KPI 'module_completon' (did you mean 'module_completion'?)"),
        ("[kpis.weights]\nmentor_feedbak = 2\n",
         "unknown KPI 'mentor_feedbak' (did you mean 'mentor_feedback'?)"),
        ("[kpis.pitfalls]\nmentor_gap_dayz = 40\n",
         "unknown key 'kpis.pitfalls.mentor_gap_dayz' in [kpis.pitfalls] "
         "(did you mean 'mentor_gap_days'?)"),
        ("[kpis]\nsesions_per_month = 2\n",
         "unknown key 'kpis.sesions_per_month' in [kpis] (did you mean 'sessions_per_month'?)"),
    ],
    ids=["kpi-target", "kpi-weight", "pitfall", "kpis"],
)
def test_unknown_names_inside_tables(
    runner: CliRunner, demo: Path, extra: str, fragment: str
) -> None:
    demo.write_text(demo.read_text(encoding="utf-8") + "\n" + extra, encoding="utf-8")
    before = snapshot(demo.parent)
    assert_one_line(invoke(runner, "-c", str(demo), "sync"), 2, fragment)
    _assert_nothing_written(demo.parent, before)


def test_several_problems_still_make_one_line(runner: CliRunner, demo: Path) -> None:
    _edit(demo, 'timezone = "Europe/Berlin"', 'timezon = "Europe/Berlin"')
    _edit(demo, 'targets = ["local"]', 'target = ["local"]')
    assert_one_line(invoke(runner, "-c", str(demo), "sync"), 2, "timezon", "target")


# -- wrong value types ----------------------------------------------------------------------

@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        ('timezone = "Europe/Berlin"', "timezone = 1", "workspace.timezone"),
        ('timezone = "Europe/Berlin"', 'timezone = "Mars/Olympus"',
         "unknown time zone 'Mars/Olympus'"),
        ('state = ".careerloop/state.db"', "state = []", "workspace.state"),
        ('targets = ["local"]', 'targets = "local"', "reviews.targets"),
        ('targets = ["local"]', 'targets = ["fax"]', "reviews.targets.0"),
        ('targets = ["local"]', 'kinds = ["weekly"]', "reviews.kinds.0"),
        ('targets = ["local"]', 'notes_heading = "  "', "notes_heading must not be blank"),
        ('done_lists = ["Done"]', 'done_lists = "Done"', "sources.trello.done_lists"),
        ('done_lists = ["Done"]', "requests_per_10s = 500", "sources.trello.requests_per_10s"),
        ('[sources.notion]\n', '[sources.notion]\nrequests_per_second = 0\n',
         "sources.notion.requests_per_second"),
        ('[sources.notion]\n', '[sources.notion]\nreconcile_days = "weekly"\n',
         "sources.notion.reconcile_days"),
        ('csv = "notion/Modules.csv"', "csv = 3", "sources.notion.modules.csv"),
        ('[reviews.local]\ndir = "reviews"', "[reviews.local]\ndir = { path = \"r\" }",
         "reviews.local.dir"),
        ('feedback = "Feedback"', "feedback = 30", "sources.trello.fields.feedback"),
    ],
    ids=["tz-int", "tz-unknown", "state-list", "targets-str", "target-unknown",
         "kind-unknown", "heading-blank", "done-lists-str", "rate-too-high", "rate-zero",
         "reconcile-str", "csv-int", "dir-table", "field-int"],
)
def test_wrong_value_type(
    runner: CliRunner, demo: Path, old: str, new: str, fragment: str
) -> None:
    _edit(demo, old, new)
    before = snapshot(demo.parent)
    assert_one_line(invoke(runner, "-c", str(demo), "sync"), 2, fragment)
    _assert_nothing_written(demo.parent, before)


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        ("[kpis]\nsessions_per_month = \"two\"\n", "kpis.sessions_per_month"),
        ("[kpis]\nsessions_per_month = -1\n", "kpis.sessions_per_month"),
        ("[kpis]\nfeedback_scale = [5, 1]\n", "feedback_scale must be [low, high]"),
        ("[kpis]\nfeedback_scale = \"1-5\"\n", "kpis.feedback_scale"),
        ("[kpis]\nfeedback_scale = [1, 2, 3]\n", "kpis.feedback_scale"),
        ("[kpis.targets]\nmodule_completion = \"80%\"\n", "kpis.targets.module_completion"),
        ("[kpis.pitfalls]\nmentor_gap_days = 1.5\n", "kpis.pitfalls.mentor_gap_days"),
        ("kpis = 3\n", "kpis"),
    ],
    ids=["spm-str", "spm-negative", "scale-reversed", "scale-str", "scale-3", "target-str",
         "pitfall-float", "table-is-int"],
)
def test_wrong_value_type_in_kpis(
    runner: CliRunner, demo: Path, extra: str, fragment: str
) -> None:
    text = demo.read_text(encoding="utf-8")
    if extra.startswith("kpis ="):  # a top-level key must come before the first table
        text = extra + text
    else:
        text += "\n" + extra
    demo.write_text(text, encoding="utf-8")
    before = snapshot(demo.parent)
    assert_one_line(invoke(runner, "-c", str(demo), "sync"), 2, fragment)
    _assert_nothing_written(demo.parent, before)


def test_trello_source_needs_a_board_or_an_export(runner: CliRunner, demo: Path) -> None:
    _edit(demo, 'export = "trello/board.json"\n', "")
    before = snapshot(demo.parent)
    assert_one_line(invoke(runner, "-c", str(demo), "sync"), 2, "set board (live) or export")
    _assert_nothing_written(demo.parent, before)


def test_unpublishable_target_is_refused_before_anything_is_written(
    runner: CliRunner, demo: Path
) -> None:
    _edit(demo, 'targets = ["local"]', 'targets = ["local", "notion"]')
    before = snapshot(demo.parent)
    assert_one_line(invoke(runner, "-c", str(demo), "sync"), 2, "notion")
    _assert_nothing_written(demo.parent, before)


def test_no_source_at_all(runner: CliRunner, tmp_path: Path) -> None:
    config = tmp_path / "careerloop.toml"
    config.write_text('[workspace]\ntimezone = "UTC"\n', encoding="utf-8")
    before = snapshot(tmp_path)
    assert_one_line(invoke(runner, "-c", str(config), "sync"), 2, "no source configured")
    _assert_nothing_written(tmp_path, before)


# -- missing environment variables for tokens ------------------------------------------------

NOTION_LIVE = """
[workspace]
timezone = "UTC"

[sources.notion]
token_env = "{env}"
base_url = "http://127.0.0.1:9"

[sources.notion.modules]
data_source = "0123456789abcdef0123456789abcdef"
"""

TRELLO_LIVE = """
[workspace]
timezone = "UTC"

[sources.trello]
key_env = "MY_TRELLO_KEY"
token_env = "MY_TRELLO_TOKEN"
board = "AbCd1234"
base_url = "http://127.0.0.1:9"
"""


@pytest.mark.parametrize(
    ("env", "command"),
    [("NOTION_TOKEN", ("sync",)), ("CAREER_NOTION_SECRET", ("sync", "--dry-run"))],
    ids=["default-name", "own-name-dry-run"],
)
def test_missing_notion_token_variable(
    runner: CliRunner, tmp_path: Path, env: str, command: tuple[str, ...]
) -> None:
    config = tmp_path / "careerloop.toml"
    config.write_text(NOTION_LIVE.format(env=env), encoding="utf-8")
    before = snapshot(tmp_path)
    assert_one_line(invoke(runner, "-c", str(config), *command), 2, f"{env} is not set")
    _assert_nothing_written(tmp_path, before)


def test_blank_notion_token_variable_counts_as_missing(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTION_TOKEN", "   ")
    config = tmp_path / "careerloop.toml"
    config.write_text(NOTION_LIVE.format(env="NOTION_TOKEN"), encoding="utf-8")
    before = snapshot(tmp_path)
    assert_one_line(invoke(runner, "-c", str(config), "sync"), 2, "NOTION_TOKEN is not set")
    _assert_nothing_written(tmp_path, before)


@pytest.mark.parametrize(
    ("present", "missing"),
    [({}, "MY_TRELLO_KEY"), ({"MY_TRELLO_KEY": "k" * 32}, "MY_TRELLO_TOKEN")],
    ids=["no-key", "no-token"],
)
def test_missing_trello_variables(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    present: dict[str, str], missing: str,
) -> None:
    for name, value in present.items():
        monkeypatch.setenv(name, value)
    config = tmp_path / "careerloop.toml"
    config.write_text(TRELLO_LIVE, encoding="utf-8")
    before = snapshot(tmp_path)
    assert_one_line(invoke(runner, "-c", str(config), "sync"), 2, f"{missing} is not set")
    _assert_nothing_written(tmp_path, before)


def test_missing_trello_variables_for_report_to_trello(
    runner: CliRunner, demo: Path
) -> None:
    """The plan comes from exports, reviews go to a Trello board: the variables are missing."""
    assert invoke(runner, "-c", str(demo), "sync", "--no-publish").code == 0
    _edit(demo, 'export = "trello/board.json"', 'export = "trello/board.json"\nboard = "AbCd1234"')
    state = (demo.parent / ".careerloop" / "state.db").read_bytes()
    run = invoke(runner, "-c", str(demo), "report", "--to", "trello")
    assert_one_line(run, 2, "TRELLO_API_KEY is not set")
    assert (demo.parent / ".careerloop" / "state.db").read_bytes() == state


# -- the command line itself ------------------------------------------------------------------

@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("--log-format", "xml", "sync"),
         "invalid value for '--log-format': 'xml' is not one of 'text', 'json'"),
        (("report", "--to", "fax"),
         "invalid value for '--to': 'fax' is not one of 'local', 'notion', 'trello', 'stdout'"),
        (("report", "--kind", "weekly"),
         "invalid value for '--kind': 'weekly' is not one of 'monthly', 'quarterly'"),
    ],
)
def test_bad_options(runner: CliRunner, demo: Path, args: tuple[str, ...], fragment: str) -> None:
    before = snapshot(demo.parent)
    assert_one_line(invoke(runner, "-c", str(demo), *args), 2, fragment)
    _assert_nothing_written(demo.parent, before)


def test_bad_today_override(
    runner: CliRunner, demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAREERLOOP_TODAY", "26/11/2026")
    before = snapshot(demo.parent)
    assert_one_line(invoke(runner, "-c", str(demo), "sync"), 2, "CAREERLOOP_TODAY")
    _assert_nothing_written(demo.parent, before)


def test_json_log_format_keeps_config_errors_to_one_object(
    runner: CliRunner, demo: Path
) -> None:
    import json

    _edit(demo, "[workspace]", "[workspce]")
    result = invoke(runner, "--log-format", "json", "-c", str(demo), "sync")
    assert result.code == 2
    (line,) = result.err.splitlines()
    event = json.loads(line)
    assert event["event"] == "error" and event["exit_code"] == 2
    assert "did you mean 'workspace'?" in event["message"]


def test_a_real_process_prints_one_unwrapped_line(tmp_path: Path) -> None:
    """Outside a terminal a long message must not be wrapped into several lines."""
    config = tmp_path / "careerloop.toml"
    config.write_text("[sources.notion.modules]\ncomplted_date_of_the_module = 'x'\n",
                      encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "careerloop", "-c", str(config), "sync"],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "CAREERLOOP_TODAY": "2026-11-26", "COLUMNS": "40"},
    )
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert "complted_date_of_the_module" in lines[0]
    assert not (tmp_path / ".careerloop").exists()
