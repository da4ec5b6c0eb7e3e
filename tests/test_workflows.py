"""The GitHub workflows and the composite action, checked offline.

1. Linters: actionlint (with shellcheck) over .github/workflows, the vendored SchemaStore
   schemas (check-jsonschema) over the workflows and action.yml, zizmor's security audit
   over both, and shellcheck over the action's scripts. Each fails on any finding.
2. The scheduled sync workflow is executed: its `run:` steps, parsed from the YAML, run in
   order with bash in a temporary repository, with the `${{ … }}` expressions of the
   environment it declares evaluated for a schedule or a manual run (secrets and inputs
   mapped to test values), against the sample workspace and the fake Trello API.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from careerloop.config import load_config
from careerloop.connectors.files.demo import write_demo_workspace
from tests.fakes.trello_api import FakeTrelloServer

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
SYNC_WORKFLOW = ROOT / ".github" / "workflows" / "careerloop.yml"
ACTION = ROOT / "action.yml"
BIN = Path(sys.executable).parent  # the venv's bin: careerloop and the linters live here
TODAY = "2026-11-26"  # last closed month 2026-10, last closed quarter 2026-Q3
MONTHLY_CRON = "17 12 1 * *"
WEEKLY_CRON = "41 12 * * 1"

# GitHub's own actions are pinned to their major version tag (each is immutable per release
# and maintained by GitHub); anything else would have to be pinned to a commit.
ZIZMOR_CONFIG = """\
rules:
  unpinned-uses:
    config:
      policies:
        "actions/*": ref-pin
        "*": hash-pin
"""


def tool(name: str) -> str:
    """A linter installed with the dev dependencies (`pip install -e '.[dev]'`)."""
    found = BIN / name if (BIN / name).exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is missing: pip install -e '.[dev]'")
    return str(found)


def check(*command: str) -> None:
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"{' '.join(command)}\n{result.stdout}\n{result.stderr}"


def load_yaml(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    if True in data:  # YAML 1.1 reads the key `on` as a boolean
        data["on"] = data.pop(True)
    return data


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


# --- 2. Running the steps of a workflow or of the action -----------------------------------

_TOKEN = re.compile(
    r"\s*(?:('(?:[^']|'')*')|(&&|\|\||==|!=|!|\(|\))|([A-Za-z_][\w.-]*)|(\d+(?:\.\d+)?))"
)
_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_STATUS_CALL = re.compile(r"\s*\(\s*\)")
STATUS_FUNCTIONS = ("success", "failure", "cancelled", "always")


def evaluate(expression: str, contexts: dict[str, Any]) -> Any:
    """A GitHub expression in the subset the workflows and the action use.

    Context paths (`inputs.dry-run`, `steps.config.outputs.found`; a missing one is null),
    '…' strings, true/false/null, numbers, `==`, `!=`, `!`, `&&`, `||`, parentheses and
    the status functions `success()`, `failure()`, `cancelled()`, `always()` (from
    contexts["status"]); `&&` and `||` return an operand, as GitHub's do. Any other
    function call is refused.
    """
    python: list[str] = []
    position = 0
    names: dict[str, Any] = {}
    while position < len(expression):
        match = _TOKEN.match(expression, position)
        if match is None or match.end() == position:
            raise ValueError(f"unsupported expression: {expression!r}")
        string, operator, name, number = match.groups()
        position = match.end()
        if string is not None:
            python.append(repr(string[1:-1].replace("''", "'")))
        elif operator is not None:
            python.append({"&&": " and ", "||": " or ", "!": " not "}.get(operator, operator))
        elif number is not None:
            python.append(number)
        elif name in ("true", "false", "null"):
            python.append({"true": "True", "false": "False", "null": "None"}[name])
        elif (call := _STATUS_CALL.match(expression, position)) and name in STATUS_FUNCTIONS:
            python.append(repr(contexts["status"][name]))
            position = call.end()
        else:
            if expression[position:].lstrip().startswith("("):
                raise ValueError(f"function calls are not evaluated here: {expression!r}")
            value: Any = contexts
            for part in name.split("."):
                value = value.get(part) if isinstance(value, dict) else None
            names[f"_v{len(names)}"] = value
            python.append(f"_v{len(names) - 1}")
    return eval("".join(python), {"__builtins__": {}}, names)  # only the subset above


def render(value: Any) -> str:
    """A value as GitHub puts it in an environment variable."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def substitute(text: Any, contexts: dict[str, Any]) -> str:
    return _EXPRESSION.sub(lambda m: render(evaluate(m.group(1), contexts)), str(text))


def should_run(step: dict[str, Any], contexts: dict[str, Any]) -> bool:
    """A step's `if:`, as the runner reads it: `success() &&` is implied unless the
    condition calls a status function itself."""
    condition = str(step.get("if", "success()")).strip()
    if condition.startswith("${{") and condition.endswith("}}"):
        condition = condition[3:-2].strip()
    if not any(f"{name}(" in condition for name in STATUS_FUNCTIONS):
        condition = f"success() && ({condition})"
    return bool(evaluate(condition, contexts))


@dataclass
class Run:
    """What one execution of the run steps left behind."""

    code: int
    stdout: str
    stderr: str
    summary: str
    skipped_install: list[str] = field(default_factory=list)
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)
    ran: list[str] = field(default_factory=list)  # the names of the run steps executed

    def events(self) -> list[dict[str, Any]]:
        """The JSON events on stderr (`--log-format json`)."""
        return [json.loads(line) for line in self.stderr.splitlines() if line.startswith("{")]

    def non_json_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if not line.startswith("{")]

    def written(self) -> list[str]:
        return [e["review"] for e in self.events() if e["event"] in ("review.created",
                                                                       "review.updated")]


def read_outputs(path: Path) -> dict[str, str]:
    """The `name=value` lines a step appended to $GITHUB_OUTPUT."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line)


def run_steps(steps: list[dict[str, Any]], repo: Path, tmp_path: Path, *,
              contexts: dict[str, Any], env: dict[str, str],
              stand_in_for_pip: bool = True) -> Run:
    """Execute steps as the runner would: `uses:` steps are skipped (the test stands in for
    them), each `run:` step whose `if:` holds runs with bash in `repo`, with the step's
    `env:` evaluated, and its $GITHUB_OUTPUT lines become `steps.<id>.outputs`. With
    `stand_in_for_pip`, a step that installs careerloop is skipped: it is installed here."""
    contexts = contexts | {"steps": {}, "status": {"success": True, "failure": False,
                                                   "cancelled": False, "always": True}}
    code, stdout, stderr, skipped, ran = 0, "", "", [], []
    for number, step in enumerate(steps):
        if "uses" in step:
            continue
        if not should_run(step, contexts):
            if "id" in step:
                contexts["steps"][step["id"]] = {"outputs": {}, "outcome": "skipped"}
            continue
        script = step["run"]
        if stand_in_for_pip and "pip install" in script:
            skipped.append(script)  # careerloop is already installed in this venv
            continue
        outputs = tmp_path / f"github_output_{number}"
        outputs.write_text("", encoding="utf-8")
        step_env = env | {name: substitute(value, contexts)
                          for name, value in step.get("env", {}).items()}
        step_env["GITHUB_OUTPUT"] = str(outputs)
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
            cwd=repo, env=step_env, capture_output=True, text=True, timeout=300,
        )
        ran.append(step.get("name", script))
        stdout += result.stdout
        stderr += result.stderr
        outcome = "success" if result.returncode == 0 else "failure"
        if "id" in step:
            contexts["steps"][step["id"]] = {"outputs": read_outputs(outputs),
                                             "outcome": outcome}
        if result.returncode != 0:
            code = code or result.returncode
            contexts["status"] |= {"success": False, "failure": True}
    summary = Path(env["GITHUB_STEP_SUMMARY"]).read_text(encoding="utf-8")
    return Run(code, stdout, stderr, summary, skipped, contexts["steps"], ran)


def runner_env(repo: Path, tmp_path: Path, path: str | None = None) -> dict[str, str]:
    """The environment the runner gives every step."""
    summary = tmp_path / "step_summary.md"
    summary.write_text("", encoding="utf-8")
    return {
        "PATH": path or f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",  # as installed
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "CAREERLOOP_TODAY": TODAY,
        "GITHUB_ACTIONS": "true",
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_WORKSPACE": str(repo),
        "RUNNER_OS": "Linux",
        "RUNNER_TEMP": str(tmp_path),
    }


def run_workflow(workflow_path: Path, repo: Path, tmp_path: Path, *, event: str,
                 inputs: dict[str, Any], schedule: str | None = None,
                 secrets: dict[str, str] | None = None, path: str | None = None,
                 more_env: dict[str, str] | None = None, stand_in_for_pip: bool = True) -> Run:
    """Execute a workflow's only job for one event (a schedule or a manual run)."""
    workflow = load_yaml(workflow_path)
    (job,) = workflow["jobs"].values()
    github: dict[str, Any] = {"event_name": event, "run_id": "1", "run_attempt": "1",
                              "event": {"schedule": schedule} if schedule else {"inputs": inputs}}
    contexts: dict[str, Any] = {"github": github, "inputs": inputs, "secrets": secrets or {},
                                "vars": {}, "runner": {"os": "Linux"}, "env": {}}
    env = runner_env(repo, tmp_path, path) | (more_env or {})
    for scope in (workflow.get("env", {}), job.get("env", {})):
        for name, value in scope.items():
            env[name] = substitute(value, contexts)
            contexts["env"][name] = env[name]
    return run_steps(job["steps"], repo, tmp_path, contexts=contexts, env=env,
                     stand_in_for_pip=stand_in_for_pip)


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


def test_the_schedule_against_a_live_board_uses_the_secrets_and_publishes_once(
    tmp_path: Path, fake_trello: FakeTrelloServer
) -> None:
    fake = fake_trello.fake
    sample = write_demo_workspace(tmp_path / "sample", dt.date.fromisoformat(TODAY)).parent
    board = fake.load_board(json.loads((sample / "trello" / "board.json").read_text("utf-8")))
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
