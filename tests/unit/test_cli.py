"""cli.py: the helpers behind the command's lines, and options read from the registry."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.main import get_command
from typer.testing import CliRunner

from careerloop import cli
from careerloop.connectors.base import PublishOutcome
from careerloop.connectors.files.demo import write_demo_workspace
from tests.conftest import TODAY, invoke


def outcome(action: str = "updated", detail: str = "", requests: int = 0) -> PublishOutcome:
    return PublishOutcome(target="notion", review_key="2026-10-monthly", action=action,
                          location="https://notion.so/p1", content_hash="h", detail=detail,
                          requests=requests)


def test_an_outcome_line_says_what_was_done_and_where() -> None:
    assert cli._outcome_line(outcome(), dry_run=False, verbose=False) == (
        "2026-10-monthly updated on notion: https://notion.so/p1")
    # --verbose adds the requests; a dry run's detail loses what the verb already says.
    assert cli._outcome_line(outcome("created", "dry run: would be created (3 blocks)", 2),
                             dry_run=True, verbose=True) == (
        "2026-10-monthly would be created on notion: https://notion.so/p1 (3 blocks; 2 requests)")


def test_request_counts_read_as_words() -> None:
    assert cli._count(1, "request") == "1 request"
    assert cli._count(0, "request") == "0 requests"
    line = cli._http_line({"source": "notion", "requests": 12, "retries": 1,
                           "retry_wait_s": 2.0, "paced_wait_s": 3.5,
                           "statuses": {"200": 11, "429": 1}})
    assert line == "notion: 12 requests (200 ×11, 429 ×1), 1 retry after 2.0 s, paced 3.5 s"


def test_to_accepts_the_registered_targets_and_stdout() -> None:
    assert cli._to_choices() == ["local", "notion", "trello", "stdout"]
    assert cli._check_target("trello") == "trello"
    assert cli._check_target(None) is None
    with pytest.raises(typer.BadParameter) as caught:
        cli._check_target("fax")
    assert caught.value.message == "'fax' is not one of 'local', 'notion', 'trello', 'stdout'"


def test_init_has_an_option_per_connector_that_sets_up_its_service() -> None:
    command = get_command(cli.app)
    init = command.get_command(typer.Context(command), "init")  # type: ignore[attr-defined]
    options = {p.name: p for p in init.params}
    assert {"notion", "notion_base_url", "trello", "trello_base_url"} <= set(options)
    assert options["notion"].metavar == "PAGE" and options["trello"].metavar == "BOARD"
    assert options["notion_base_url"].hidden and not options["notion"].hidden


def test_init_without_a_service_writes_the_example_config() -> None:
    from careerloop.doctor import example_config

    assert cli._init_text({}) == example_config()



# -- what a command imports (issue 14: cost per participant) -----------------------------------

HEAVY = ("httpx", "jinja2", "notion_client", "trello", "requests")

IMPORTS_OF = """
import sys
from careerloop.cli import app
try:
    app(sys.argv[1:], prog_name="careerloop", standalone_mode=False)
finally:
    print("loaded:" + ",".join(m for m in {heavy!r} if m in sys.modules))
"""


def loaded_by(*args: str, env: dict[str, str]) -> list[str]:
    """The heavy modules a fresh interpreter holds after running `careerloop ARGS`."""
    script = IMPORTS_OF.format(heavy=HEAVY)
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True,
                          text=True, env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    (line,) = [x for x in done.stdout.splitlines() if x.startswith("loaded:")]
    return [m for m in line.removeprefix("loaded:").split(",") if m]


def test_kpis_and_help_import_no_http_library_sdk_or_template_engine(
    tmp_path: Path, runner: CliRunner
) -> None:
    config = write_demo_workspace(tmp_path / "ws", dt.date.fromisoformat(TODAY))
    assert invoke(runner, "-c", str(config), "sync", "--no-publish").code == 0
    env = {**os.environ, "CAREERLOOP_TODAY": TODAY, "COLUMNS": "200"}
    assert loaded_by("-c", str(config), "kpis", "--json", env=env) == []
    assert loaded_by("-c", str(config), "kpis", env=env) == []
    assert loaded_by("--help", env=env) == []
    # The probe sees what a command does import: sync renders and publishes reviews.
    assert "jinja2" in loaded_by("-c", str(config), "sync", env=env)
