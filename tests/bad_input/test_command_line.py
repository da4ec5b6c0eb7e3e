"""The command line itself used wrongly: one line on stderr, exit 2, nothing written."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from careerloop.cli import app
from tests.bad_input.cli import assert_one_line, invoke, tree

# -- usage errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (("sync", "--frob"), ("no such option: --frob", "(see `careerloop sync --help`)")),
        (("sync", "--ful"), ("no such option: --ful", "--full")),
        (("--verbos", "sync"), ("no such option: --verbos", "(see `careerloop --help`)")),
        (("snc",), ("no such command 'snc'", "Did you mean 'sync'?")),
        (("kpis", "--period"), ("option '--period' requires an argument",)),
        (("demo", "extra"), ("got unexpected extra argument(s) (extra)",)),
        (("report", "--to", "Local"), ("'Local' is not one of 'local', 'notion'",)),
        (("report", "--kind", "weekly"),
         ("invalid value for '--kind': 'weekly' is not one of 'monthly', 'quarterly'",)),
        (("--log-format", "yaml", "doctor"), ("'yaml' is not one of 'text', 'json'",)),
    ],
    ids=["unknown-option", "misspelt-option", "unknown-global", "unknown-command",
         "missing-value", "extra-argument", "choice-case", "bad-kind", "bad-log-format"],
)
def test_usage_errors_are_one_line_with_exit_2(
    runner: CliRunner, demo: Path, args: tuple[str, ...], fragments: tuple[str, ...]
) -> None:
    before = tree(demo.parent)
    run = invoke(runner, "-c", str(demo), *args)
    line = assert_one_line(run, 2, *fragments)
    assert "Usage:" not in run.out + run.err and "╭" not in line  # no usage block, no panel
    assert run.out == ""
    assert tree(demo.parent) == before


def test_a_usage_error_in_json_mode_is_one_json_object(runner: CliRunner, demo: Path) -> None:
    result = runner.invoke(app, ["--log-format", "json", "-c", str(demo), "sync", "--frob"])
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    error = json.loads(line)
    assert error["event"] == "error" and error["exit_code"] == 2
    assert error["message"].startswith("no such option: --frob")


def test_a_choice_is_checked_before_the_config_is_read(runner: CliRunner, tmp_path: Path) -> None:
    """A bad --to is the user's typo, not a config problem: it is named even without a config."""
    run = invoke(runner, "-c", str(tmp_path / "missing.toml"), "report", "--to", "fax")
    assert_one_line(run, 2, "invalid value for '--to': 'fax'")
    assert list(tmp_path.iterdir()) == []


# -- doctor without a usable config ------------------------------------------------------------


def test_doctor_without_a_config_exits_2_and_says_to_run_init(
    runner: CliRunner, tmp_path: Path
) -> None:
    run = invoke(runner, "-c", str(tmp_path / "careerloop.toml"), "doctor")
    assert_one_line(run, 2, "no config at", "run `careerloop init`")
    assert run.out == ""  # no table around the error
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[workspace\n", "is not valid TOML"),
        ("[workspace]\ntimezon = 'UTC'\n", "unknown key 'workspace.timezon'"),
        ("[reviews]\nkinds = ['weekly']\n", "reviews.kinds.0"),
    ],
    ids=["not-toml", "unknown-key", "bad-value"],
)
def test_doctor_with_a_broken_config_exits_2_and_says_to_run_init(
    runner: CliRunner, tmp_path: Path, text: str, fragment: str
) -> None:
    config = tmp_path / "careerloop.toml"
    config.write_text(text, encoding="utf-8")
    before = tree(tmp_path)
    run = invoke(runner, "-c", str(config), "doctor")
    assert_one_line(run, 2, fragment, str(config), "careerloop --config new.toml init")
    assert tree(tmp_path) == before


# -- demo never overwrites a config of the user's ------------------------------------------------


def test_demo_refuses_to_overwrite_a_config_it_did_not_write(
    runner: CliRunner, tmp_path: Path
) -> None:
    mine = tmp_path / "careerloop.toml"
    mine.write_text('[workspace]\ntimezone = "Europe/Lisbon"\n', encoding="utf-8")
    before = tree(tmp_path)
    run = invoke(runner, "demo", "--out", str(tmp_path))
    assert_one_line(run, 2, str(mine), "not written by careerloop demo", "--force", "--out")
    assert tree(tmp_path) == before  # not one sample file beside it either

    # --force is the way to say "yes, replace it".
    run = invoke(runner, "demo", "--out", str(tmp_path), "--force")
    assert run.code == 0, run.err
    assert "Europe/Berlin" in mine.read_text(encoding="utf-8")
    assert (tmp_path / "reviews" / "2026-10-monthly.md").is_file()


def test_demo_rewrites_its_own_config_but_not_one_edited_past_recognition(
    runner: CliRunner, tmp_path: Path
) -> None:
    assert invoke(runner, "demo", "--out", str(tmp_path)).code == 0
    config = tmp_path / "careerloop.toml"
    # Its own file (first line intact, a value edited): a re-run refreshes the sample.
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('dir = "reviews"', 'dir = "elsewhere"'), encoding="utf-8")
    assert invoke(runner, "demo", "--out", str(tmp_path)).code == 0, "re-run refused"
    assert 'dir = "reviews"' in config.read_text(encoding="utf-8")
    # The first line replaced: the file is the user's now.
    config.write_text("# my plan\n" + text, encoding="utf-8")
    assert_one_line(invoke(runner, "demo", "--out", str(tmp_path)), 2, "--force")
    assert config.read_text(encoding="utf-8").startswith("# my plan\n")


# -- a dry run writes nothing at all ---------------------------------------------------------------


def test_dry_run_creates_no_state_and_no_folder(runner: CliRunner, demo: Path) -> None:
    before = tree(demo.parent)
    run = invoke(runner, "-c", str(demo), "sync", "--dry-run")
    assert run.code == 0, run.err
    assert "2026-10-monthly would be created on local" in run.out
    assert "2026-Q3-quarterly would be created on local" in run.out
    assert "dry run:" not in run.out  # said once, by the verb
    assert tree(demo.parent) == before  # no .careerloop/, no state.db, no reviews/


def test_dry_run_after_a_sync_leaves_the_state_as_it_was(runner: CliRunner, demo: Path) -> None:
    assert invoke(runner, "-c", str(demo), "sync").code == 0
    _drop_a_module_completed_in(demo.parent / "notion" / "Modules.csv", "October")
    before = tree(demo.parent)
    run = invoke(runner, "-c", str(demo), "sync", "--dry-run")
    assert run.code == 0, run.err
    # It read the changed export and compared with what was published, as a sync would ...
    assert "2026-10-monthly would be updated on local" in run.out
    # ... and left the state database, its journal files and the reviews untouched.
    assert tree(demo.parent) == before
    assert invoke(runner, "-c", str(demo), "sync").out.count("updated on local") >= 1


def _drop_a_module_completed_in(export: Path, month: str) -> None:
    with export.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    completed = rows[0].index("Completed")
    drop = next(n for n, row in enumerate(rows) if row[completed].startswith(month))
    with export.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows[:drop] + rows[drop + 1:])


def test_report_dry_run_leaves_the_state_as_it_was(runner: CliRunner, demo: Path) -> None:
    assert invoke(runner, "-c", str(demo), "sync", "--no-publish").code == 0
    before = tree(demo.parent)
    run = invoke(runner, "-c", str(demo), "report", "--period", "2026-09", "--to", "local",
                 "--dry-run")
    assert run.code == 0, run.err
    assert "2026-09-monthly would be created on local" in run.out
    assert tree(demo.parent) == before
