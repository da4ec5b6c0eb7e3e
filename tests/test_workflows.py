"""The GitHub workflows and the composite action, checked offline.

1. Linters: actionlint (with shellcheck) over .github/workflows, the vendored SchemaStore
   schemas (check-jsonschema) over the workflows and action.yml, zizmor's security audit
   over both, and shellcheck over the action's scripts. Each fails on any finding.
2. The scheduled sync workflow is executed: its `run:` steps, parsed from the YAML, run in
   order with bash in a temporary repository, with the `${{ … }}` expressions of the
   environment it declares evaluated for a schedule or a manual run (secrets and inputs
   mapped to test values), against the sample workspace and the fake Trello API.
3. The composite action is executed the same way, pip included: its install step
   really installs careerloop (from the action's own source, or the version asked for)
   into a fresh venv, offline, then runs `careerloop --version` and the sync with it.
   (tests/workflow_runner.py has the runner and the offline pip.)
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest

from careerloop import __version__
from careerloop.config import load_config
from careerloop.connectors.files.demo import write_demo_workspace
from tests.fakes.trello_api import FakeTrelloServer
from tests.workflow_runner import (
    ROOT,
    TODAY,
    ZIZMOR_CONFIG,
    OfflinePython,
    Run,
    build_wheel,
    check,
    load_yaml,
    offline_python,
    run_steps,
    run_workflow,
    runner_env,
    tool,
)

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
SYNC_WORKFLOW = ROOT / ".github" / "workflows" / "careerloop.yml"
ACTION = ROOT / "action.yml"
MONTHLY_CRON = "17 12 1 * *"
WEEKLY_CRON = "41 12 * * 1"


# --- 1. Linters ---------------------------------------------------------------------------


def test_actionlint_finds_nothing() -> None:
    check(tool("actionlint"), "-no-color", f"-shellcheck={tool('shellcheck')}",
          *map(str, WORKFLOWS))


@pytest.mark.parametrize(
    ("schema", "paths"),
    [("vendor.github-workflows", WORKFLOWS), ("vendor.github-actions", [ACTION])],
    ids=["workflows", "action"],
)
def test_the_schema_accepts(schema: str, paths: list[Path]) -> None:
    check(tool("check-jsonschema"), "--builtin-schema", schema, *map(str, paths))


def test_zizmor_finds_nothing(tmp_path: Path) -> None:
    config = tmp_path / "zizmor.yml"
    config.write_text(ZIZMOR_CONFIG, encoding="utf-8")
    check(tool("zizmor"), "--offline", "--no-progress", "--config", str(config),
          str(ACTION), *map(str, WORKFLOWS))


def test_shellcheck_accepts_the_action_scripts(tmp_path: Path) -> None:
    steps = load_yaml(ACTION)["runs"]["steps"]
    scripts = [step["run"] for step in steps if "run" in step]
    assert scripts
    for number, script in enumerate(scripts):
        path = tmp_path / f"step{number}.sh"
        path.write_text(script, encoding="utf-8")
        check(tool("shellcheck"), "--shell=bash", str(path))


# --- The shape of the workflow and the action ----------------------------------------------


def test_the_sync_workflow_is_scheduled_serialised_and_least_privileged() -> None:
    workflow = load_yaml(SYNC_WORKFLOW)
    crons = [entry["cron"] for entry in workflow["on"]["schedule"]]
    assert crons == [MONTHLY_CRON, WEEKLY_CRON]
    inputs = workflow["on"]["workflow_dispatch"]["inputs"]
    assert inputs["period"]["type"] == "string" and not inputs["period"]["required"]
    assert inputs["dry-run"]["type"] == "boolean" and inputs["dry-run"]["default"] is False
    assert workflow["concurrency"]["cancel-in-progress"] is False
    assert workflow["permissions"] == {}
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "read"}

    steps = job["steps"]
    uses = [step["uses"].split("@")[0] for step in steps if "uses" in step]
    assert uses == ["actions/checkout", "actions/setup-python", "actions/cache/restore",
                    "actions/cache/save", "actions/upload-artifact"]
    by_action = {step["uses"].split("@")[0]: step for step in steps if "uses" in step}
    assert by_action["actions/checkout"]["with"]["persist-credentials"] is False
    assert by_action["actions/setup-python"]["with"]["cache"] == "pip"
    restore, save = by_action["actions/cache/restore"], by_action["actions/cache/save"]
    assert restore["with"]["path"] == save["with"]["path"] == "${{ env.CAREERLOOP_STATE_DIR }}"
    assert restore["with"]["key"] == save["with"]["key"]
    assert "github.run_id" in save["with"]["key"]  # caches are immutable: one per run
    prefix = restore["with"]["restore-keys"].strip()
    assert save["with"]["key"].startswith(prefix)
    assert "!cancelled()" in save["if"]  # kept when a source or target failed


def test_secrets_reach_only_the_sync_step_and_no_expression_is_spliced_into_a_script() -> None:
    workflow = load_yaml(SYNC_WORKFLOW)
    (job,) = workflow["jobs"].values()
    with_secrets = [step.get("name") for step in job["steps"]
                    if "secrets." in json.dumps(step)]
    assert with_secrets == ["Sync and publish the reviews"]
    assert "secrets." not in json.dumps({k: v for k, v in workflow.items() if k != "jobs"})
    action_steps = load_yaml(ACTION)["runs"]["steps"]
    for step in [*job["steps"], *action_steps]:
        assert "${{" not in step.get("run", ""), step.get("name")
    with_tokens = [step.get("name") for step in action_steps if "-token" in json.dumps(step)
                   or "api-key" in json.dumps(step)]
    assert with_tokens == ["Sync and publish the reviews"]


def test_the_action_takes_the_documented_inputs() -> None:
    action = load_yaml(ACTION)
    assert action["runs"]["using"] == "composite"
    assert {"config", "period", "dry-run", "draft", "python-version", "careerloop-version",
            "notion-token", "trello-api-key", "trello-token"} <= set(action["inputs"])
    uses = [step["uses"].split("@")[0] for step in action["runs"]["steps"] if "uses" in step]
    assert uses == ["actions/setup-python", "actions/cache", "actions/cache/restore",
                    "actions/cache/save"]
    sync_workflow_majors = {
        step["uses"].split("@")[0]: step["uses"].split("@")[1]
        for step in load_yaml(SYNC_WORKFLOW)["jobs"]["sync"]["steps"] if "uses" in step
    }
    for step in action["runs"]["steps"]:
        name, _, ref = step.get("uses", "").partition("@")
        if name in sync_workflow_majors:
            assert ref == sync_workflow_majors[name], name


# --- 2. Running the sync workflow's steps ---------------------------------------------------


def run_sync_workflow(repo: Path, tmp_path: Path, *, event: str, inputs: dict[str, Any],
                      schedule: str | None = None, secrets: dict[str, str] | None = None) -> Run:
    """This repository's scheduled sync workflow, with careerloop as installed here."""
    return run_workflow(SYNC_WORKFLOW, repo, tmp_path, event=event, inputs=inputs,
                        schedule=schedule, secrets=secrets)


@pytest.fixture
def sample_repo(tmp_path: Path) -> Path:
    """A user's repository holding the sample workspace and its careerloop.toml."""
    config = write_demo_workspace(tmp_path / "repo", dt.date.fromisoformat(TODAY))
    return config.parent


def schedule_run(repo: Path, tmp_path: Path, cron: str = MONTHLY_CRON, **more: Any) -> Run:
    return run_sync_workflow(repo, tmp_path, event="schedule", inputs={}, schedule=cron, **more)


def test_the_monthly_schedule_publishes_the_closed_reviews_once(
    sample_repo: Path, tmp_path: Path
) -> None:
    run = schedule_run(sample_repo, tmp_path)
    assert run.code == 0, run.stderr
    assert run.skipped_install == ["python -m pip install ."]
    assert sorted(run.written()) == ["2026-10-monthly", "2026-Q3-quarterly"]  # no draft
    reviews = sample_repo / "reviews"
    assert (reviews / "2026-10-monthly.md").is_file()
    assert (reviews / "2026-Q3-quarterly.md").is_file()
    assert run.events()[-1] == run.events()[-1] | {"event": "run.finished", "ok": True}
    assert run.non_json_lines() == []
    # The scorecard as a Markdown table in the step summary, pitfalls as annotations.
    assert "## careerloop" in run.summary and "| KPI |" in run.summary
    assert "2026-10" in run.summary and "2026-Q3" in run.summary
    warnings = [line for line in run.stdout.splitlines() if line.startswith("::warning ")]
    assert all(re.match(r"::warning title=[^:]+(: [\w-]+)?::\S", w) for w in warnings)
    # The paths the workflow caches and uploads are where the config puts the state and
    # the reviews.
    workflow_env = load_yaml(SYNC_WORKFLOW)["env"]
    config = load_config(sample_repo / workflow_env["CAREERLOOP_CONFIG"])
    assert config.state_path.parent == sample_repo / workflow_env["CAREERLOOP_STATE_DIR"]
    assert config.state_path.is_file()
    assert config.path(config.reviews.local.dir) == (
        sample_repo / workflow_env["CAREERLOOP_REVIEWS_DIR"])

    before = {p.name: p.stat().st_mtime_ns for p in reviews.iterdir()}
    again = schedule_run(sample_repo, tmp_path)
    assert again.code == 0, again.stderr
    assert again.written() == []
    assert {p.name: p.stat().st_mtime_ns for p in reviews.iterdir()} == before
    assert "unchanged" in again.stdout


def test_the_weekly_schedule_keeps_a_draft_of_the_running_month(
    sample_repo: Path, tmp_path: Path
) -> None:
    run = schedule_run(sample_repo, tmp_path, WEEKLY_CRON)
    assert run.code == 0, run.stderr
    assert "2026-11-monthly" in run.written()
    assert (sample_repo / "reviews" / "2026-11-monthly.md").is_file()


def test_a_manual_dry_run_for_one_period_writes_nothing(
    sample_repo: Path, tmp_path: Path
) -> None:
    run = run_sync_workflow(sample_repo, tmp_path, event="workflow_dispatch",
                            inputs={"period": "2026-09", "dry-run": True, "draft": False})
    assert run.code == 0, run.stderr
    assert "2026-09-monthly would be created" in run.stdout
    assert not (sample_repo / "reviews").exists()


def test_an_input_is_data_not_code(sample_repo: Path, tmp_path: Path) -> None:
    hostile = '2026-10"; touch pwned; echo "$(touch pwned2)'
    run = run_sync_workflow(sample_repo, tmp_path, event="workflow_dispatch",
                            inputs={"period": hostile, "dry-run": False, "draft": False})
    assert run.code == 2  # a usage error from careerloop, one JSON line
    assert not (sample_repo / "pwned").exists() and not (sample_repo / "pwned2").exists()
    assert run.events()[-1]["event"] == "error"


def test_a_repository_without_a_config_is_told_and_left_alone(tmp_path: Path) -> None:
    repo = tmp_path / "empty"
    repo.mkdir()
    run = schedule_run(repo, tmp_path)
    assert run.code == 0
    assert run.stdout.startswith("::warning title=careerloop::No careerloop.toml")
    assert "nothing to sync" in run.summary
    # Neither careerloop's install nor the sync ran: the steps after the check are skipped.
    assert run.ran == ["Look for the config"]
    assert run.skipped_install == []
    assert run.steps["sync"]["outcome"] == "skipped"


def live_board_repo(tmp_path: Path, fake_trello: FakeTrelloServer) -> tuple[Path, str]:
    """A repository whose careerloop.toml reads the sample board from the fake Trello and
    publishes the monthly review there; the repository and the board's id."""
    sample = write_demo_workspace(tmp_path / "sample", dt.date.fromisoformat(TODAY)).parent
    board = fake_trello.fake.load_board(
        json.loads((sample / "trello" / "board.json").read_text("utf-8")))
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "careerloop.toml").write_text(
        '[workspace]\ntimezone = "Europe/Berlin"\n\n'
        f'[sources.trello]\nboard = "{board}"\nbase_url = "{fake_trello.url}"\n'
        'requests_per_10s = 100\n\n'
        '[sources.trello.fields]\nfeedback = "Feedback"\nmentor = "Mentor"\n'
        'project = "Project"\n\n'
        '[reviews]\nkinds = ["monthly"]\ntargets = ["trello"]\n',
        encoding="utf-8",
    )
    return repo, board


def test_the_schedule_against_a_live_board_uses_the_secrets_and_publishes_once(
    tmp_path: Path, fake_trello: FakeTrelloServer
) -> None:
    fake = fake_trello.fake
    repo, board = live_board_repo(tmp_path, fake_trello)
    secrets = {"TRELLO_API_KEY": fake.key, "TRELLO_TOKEN": fake.token}

    run = schedule_run(repo, tmp_path, secrets=secrets)
    assert run.code == 0, run.stderr
    assert run.written() == ["2026-10-monthly"]
    cards = [c for c in fake.boards[board]["cards"]
             if c["name"] == "Monthly review 2026-10" and not c["closed"]]
    assert len(cards) == 1
    assert fake.token not in run.stdout + run.stderr + run.summary

    fake.reset_log()
    again = schedule_run(repo, tmp_path, secrets=secrets)
    assert again.code == 0, again.stderr
    assert again.written() == []
    assert [r for r in fake.requests if r.method != "GET"] == []

    # A revoked token: exit code 1, an error annotation, the failure in the summary, and
    # the token nowhere.
    revoked = "f" * 64
    failed = schedule_run(repo, tmp_path, secrets=secrets | {"TRELLO_TOKEN": revoked})
    assert failed.code == 1
    assert any(line.startswith("::error ") for line in failed.stdout.splitlines())
    assert "### Failed" in failed.summary
    assert revoked not in failed.stdout + failed.stderr + failed.summary
    assert failed.events()[-1]["event"] == "run.finished"
    assert failed.events()[-1]["ok"] is False

    # A secret that was never added: a config error (exit code 2) naming the variable.
    missing = schedule_run(repo, tmp_path, secrets={"TRELLO_TOKEN": fake.token})
    assert missing.code == 2
    assert "TRELLO_API_KEY" in missing.events()[-1]["message"]


def test_a_failed_run_logs_only_json_on_stderr(
    sample_repo: Path, tmp_path: Path
) -> None:
    config = sample_repo / "careerloop.toml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        'export = "trello/board.json"', 'export = "trello/missing.json"'), encoding="utf-8")
    run = schedule_run(sample_repo, tmp_path)
    assert run.code == 1, run.stderr
    assert run.non_json_lines() == []


# --- 3. Running the composite action's steps -----------------------------------------------


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding careerloop's wheel, built from this checkout: pip's only index."""
    folder = tmp_path_factory.mktemp("wheels")
    build_wheel(folder)
    return folder


@pytest.fixture
def offline(tmp_path: Path, wheels: Path) -> OfflinePython:
    return offline_python(tmp_path / "python", wheels)


@pytest.fixture(scope="module")
def offline_unused(tmp_path_factory: pytest.TempPathFactory, wheels: Path) -> OfflinePython:
    """One venv for the tests in which nothing may be installed (checked by each)."""
    return offline_python(tmp_path_factory.mktemp("unused"), wheels)


def run_action(repo: Path, tmp_path: Path, python: OfflinePython, **given: str) -> Run:
    """Execute action.yml's steps as the runner would for `uses: careerloop/careerloop@v1`
    with the inputs `given` (by their names with `_` for `-`); setup-python and the
    caches are the `uses:` steps stood in for."""
    action = load_yaml(ACTION)
    inputs = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    inputs |= {name.replace("_", "-"): value for name, value in given.items()}
    contexts: dict[str, Any] = {"inputs": inputs, "runner": {"os": "Linux"}, "env": {},
                                "github": {"run_id": "1", "run_attempt": "1"}}
    env = runner_env(repo, tmp_path, python.path()) | python.env | {
        "GITHUB_ACTION_PATH": str(ROOT),  # the action's checkout: this repository
        "GITHUB_ACTION_REF": "v1",
    }
    return run_steps(action["runs"]["steps"], repo, tmp_path, contexts=contexts, env=env,
                     stand_in_for_pip=False)


def test_the_action_installs_careerloop_from_its_own_source_and_publishes(
    sample_repo: Path, tmp_path: Path, offline: OfflinePython
) -> None:
    run = run_action(sample_repo, tmp_path, offline)
    assert run.code == 0, run.stdout + run.stderr
    assert run.ran == ["Prepare", "Install careerloop", "Sync and publish the reviews"]
    assert offline.installed_careerloop() is not None  # into the fresh venv, not ours
    assert f"careerloop {__version__}" in run.stdout.splitlines()  # `careerloop --version`
    assert sorted(run.written()) == ["2026-10-monthly", "2026-Q3-quarterly"]
    assert run.events()[-1] == run.events()[-1] | {"event": "run.finished", "ok": True}
    assert "| KPI |" in run.summary
    # The folder the action caches is the one the sync wrote its state to.
    prepared = run.steps["prepare"]["outputs"]
    assert (sample_repo / prepared["state-dir"] / "state.db").is_file()
    assert re.fullmatch(r"[0-9a-f]{16}", prepared["state-key"])
    assert Path(prepared["pip-dir"]).is_absolute()


def test_the_action_installs_the_version_it_is_given_and_a_dry_run_writes_nothing(
    sample_repo: Path, tmp_path: Path, offline: OfflinePython
) -> None:
    run = run_action(sample_repo, tmp_path, offline, dry_run="true", period="2026-09",
                     careerloop_version=f"careerloop=={__version__}")
    assert run.code == 0, run.stdout + run.stderr
    assert offline.installed_careerloop() is not None
    assert "2026-09-monthly would be created" in run.stdout
    assert not (sample_repo / "reviews").exists()


@pytest.mark.parametrize(
    ("given", "error"),
    [({"dry_run": "yes"}, "input dry-run must be true or false"),
     ({"draft": "1"}, "input draft must be true or false"),
     ({"config": "config/missing.toml"}, "no config at 'config/missing.toml'")],
    ids=["dry-run", "draft", "config"],
)
def test_the_action_refuses_bad_inputs_before_installing_anything(
    sample_repo: Path, tmp_path: Path, offline_unused: OfflinePython, given: dict[str, str],
    error: str
) -> None:
    run = run_action(sample_repo, tmp_path, offline_unused, **given)
    assert run.code == 2
    assert run.stdout.startswith(f"::error title=careerloop::{error}")
    assert run.ran == ["Prepare"]
    assert offline_unused.installed_careerloop() is None


def test_the_action_hands_the_secret_inputs_to_careerloop(
    tmp_path: Path, offline: OfflinePython, fake_trello: FakeTrelloServer
) -> None:
    fake = fake_trello.fake
    repo, board = live_board_repo(tmp_path, fake_trello)
    run = run_action(repo, tmp_path, offline, trello_api_key=fake.key, trello_token=fake.token)
    assert run.code == 0, run.stdout + run.stderr
    assert run.written() == ["2026-10-monthly"]
    assert [c["name"] for c in fake.boards[board]["cards"]
            if c["name"].startswith("Monthly review")] == ["Monthly review 2026-10"]
    assert fake.token not in run.stdout + run.stderr + run.summary

    # Without the inputs nor the variables, careerloop says which variable is missing.
    missing = run_action(repo, tmp_path, offline, trello_token=fake.token)
    assert missing.code == 2
    assert "TRELLO_API_KEY" in missing.events()[-1]["message"]
