"""One failure never stops the rest: a review or target that fails does so alone.

Each test breaks one thing for real (a folder the OS refuses, a template that divides by
zero, a step summary path that is a directory) and checks that the run reports it in one
line, exits 1 (or 0 where it is only a warning) and that everything else was published.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from careerloop.config import load_config
from careerloop.connectors.base import PublishOutcome
from careerloop.connectors.files.local import LocalPublisher
from careerloop.model import Workspace
from careerloop.periods import Period
from careerloop.pipeline import Event, build_review, publish_reviews
from careerloop.report.review import Review
from careerloop.store import Store
from tests.bad_input.cli import snapshot
from tests.fakes.notion_api import FakeNotionServer
from tests.faults.worlds import TODAY, local_world, notion_world, sync


def _refusing_folder(tmp_path: Path) -> Path:
    """A folder the OS refuses to create files in.

    Not as root (which ignores file modes): then sysfs, which refuses new files to root
    as well. Either way the refusal is the kernel's, nothing is patched.
    """
    if os.geteuid() != 0:
        folder = tmp_path / "read-only-reviews"
        folder.mkdir()
        folder.chmod(0o555)
        return folder
    return Path("/sys/kernel")


def _also_local(config: Path, folder: Path) -> None:
    text = config.read_text(encoding="utf-8")
    text = text.replace('targets = ["notion"]', 'targets = ["local", "notion"]')
    config.write_text(text + f'\n[reviews.local]\ndir = "{folder}"\n', encoding="utf-8")


def test_a_read_only_reviews_folder_fails_local_and_notion_still_publishes(
    tmp_path: Path, notion_token: str, fake_notion: FakeNotionServer
) -> None:
    world = notion_world(tmp_path / "world", fake_notion)
    folder = _refusing_folder(tmp_path)
    _also_local(world.config, folder)

    run = sync(world.config)

    assert run.code == 1, run.stderr
    assert run.exception is None
    assert "Traceback" not in run.stdout + run.stderr
    assert run.error_lines() == [
        f"failed: local 2026-10-monthly: cannot write {folder / '2026-10-monthly.md'}: "
        "Permission denied"
    ]
    assert world.reviews() == {"2026-10-monthly": 1}  # the Notion page was written anyway
    assert "2026-10-monthly created on notion" in run.stdout
    assert not list(folder.glob("*careerloop*"))


def test_a_broken_compact_template_is_found_before_anything_is_written(
    tmp_path: Path, notion_token: str, fake_notion: FakeNotionServer
) -> None:
    world = notion_world(tmp_path / "world", fake_notion)
    reviews = tmp_path / "world" / "reviews"
    _also_local(world.config, reviews)
    templates = tmp_path / "world" / "tpl"
    templates.mkdir()
    (templates / "compact.md.j2").write_text("# {{ title }}\n\n{{ score // 0 }}\n", "utf-8")
    text = world.config.read_text(encoding="utf-8")
    text = text.replace("[reviews]\n", '[reviews]\ntemplates = "tpl"\n', 1)
    text = text.replace("[reviews.notion]\n", '[reviews.notion]\ntemplate = "compact"\n', 1)
    world.config.write_text(text, encoding="utf-8")

    run = sync(world.config)

    assert run.code == 1, run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    lines = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, run.stderr
    assert "compact.md.j2" in lines[0] and "line 3" in lines[0], lines[0]
    assert "ZeroDivisionError" in lines[0] and "unexpected" not in lines[0]
    assert snapshot(reviews) == {}  # not even the local review
    assert world.reviews() == {}


def test_an_unwritable_index_fails_once_and_the_reviews_stand(tmp_path: Path) -> None:
    world = local_world(tmp_path)
    folder: Path = world.extra["dir"]
    (folder / "index.html").mkdir(parents=True)  # the OS refuses to read or replace it

    run = sync(world.config, "--period", "2026-10")

    assert run.code == 1, run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    assert run.error_lines() == [
        f"failed: local: cannot read {folder / 'index.html'}: Is a directory"
    ]
    assert "2026-10-monthly created on local" in run.stdout
    assert (folder / "2026-10-monthly.md").is_file()
    assert (folder / "2026-10-monthly.html").is_file()


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_an_unwritable_step_summary_is_a_warning_not_a_failed_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, log_format: str
) -> None:
    world = local_world(tmp_path)
    summary = tmp_path / "summary-is-a-folder"
    summary.mkdir()
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    from typer.testing import CliRunner

    from careerloop.cli import app

    result = CliRunner().invoke(
        app, ["--log-format", log_format, "-c", str(world.config), "sync"]
    )

    assert result.exit_code == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert f"cannot write the step summary {summary}: Is a directory" in result.stderr
    assert (world.extra["dir"] / "2026-10-monthly.md").is_file()


def test_an_unwritable_step_summary_does_not_double_a_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = local_world(tmp_path)
    summary = tmp_path / "summary-is-a-folder"
    summary.mkdir()
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))

    run = sync(world.config, "--period", "2099-01")  # has not started: a usage error

    assert run.code == 2, run.stderr
    assert run.exception is None
    assert "Traceback" not in run.stdout + run.stderr
    assert [line for line in run.stderr.splitlines() if line.strip()] == [
        "error: period 2099-01 has not started yet (today is 2026-11-26)"
    ]


class _BuggyTarget:
    """A target with a bug: publishing divides by zero, closing hits a missing file."""

    name = "buggy"

    def publish(self, review: Review, markdown: str, *, dry_run: bool) -> PublishOutcome:
        return PublishOutcome(target=self.name, review_key=review.key, action="created",
                              location=str(len(markdown) // 0))

    def close(self) -> None:
        Path("/nonexistent/careerloop-index").read_text(encoding="utf-8")


def test_a_buggy_target_fails_alone_and_the_others_publish(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = local_world(tmp_path)
    config = load_config(world.config)
    today = dt.date.fromisoformat(TODAY)
    review = build_review(Workspace(), config, "monthly", Period.parse("2026-10"), today)
    folder: Path = world.extra["dir"]
    events: list[Event] = []
    with Store(tmp_path / "state.db") as store:
        outcomes, failures = publish_reviews(
            config, store, [review],
            [_BuggyTarget(), LocalPublisher(folder, "Notes")],
            dry_run=False, on_event=events.append,
        )
    assert [(o.target, o.action) for o in outcomes] == [("local", "created")]
    assert [(f.where, f.message) for f in failures] == [
        ("buggy 2026-10-monthly", "unexpected ZeroDivisionError: integer division or modulo "
                                  "by zero"),
        ("buggy", "No such file or directory: /nonexistent/careerloop-index"),
    ]
    assert (folder / "2026-10-monthly.md").is_file() and (folder / "index.html").is_file()
    assert [e.name for e in events] == ["review.failed", "review.created", "review.failed"]
