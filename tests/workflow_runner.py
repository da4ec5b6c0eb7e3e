"""Checking GitHub workflows and the composite action offline: the linters, and a runner
that executes their `run:` steps with bash as GitHub's runner would.

Used by tests/test_workflows.py (this repository's workflows and action.yml) and
tests/unit/test_github_workflow.py (the workflow `careerloop init --github-action` writes).
"""

from __future__ import annotations

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

from tests.conftest import TODAY

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the venv's bin: careerloop and the linters live here

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


# --- pip, offline -------------------------------------------------------------------------

_OWN_ENTRIES = re.compile(r"_?_?(editable\w*_)?careerloop\b.*", re.IGNORECASE)


@dataclass(frozen=True)
class OfflinePython:
    """A brand-new venv in which a workflow's `pip install` really runs, offline.

    careerloop's dependencies are those of the test venv (linked in, careerloop itself
    left out); careerloop comes from `wheels` or from a source folder built with the
    hatchling linked in. Nothing is downloaded: pip is told there is no index.
    """

    bin: Path
    env: dict[str, str]

    def path(self) -> str:
        return f"{self.bin}{os.pathsep}{os.environ.get('PATH', '')}"

    def installed_careerloop(self) -> Path | None:
        """Where careerloop was installed in this venv, if it was."""
        found = sorted(self.bin.parent.glob("lib/python*/site-packages/careerloop/__init__.py"))
        return found[0].parent if found else None


def pip_env(wheels: Path) -> dict[str, str]:
    """pip settings for no network and no machine config: wheels from `wheels` only."""
    return {
        "PIP_CONFIG_FILE": os.devnull,  # no user or site config (indexes, constraints)
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(wheels),
        "PIP_NO_BUILD_ISOLATION": "0",  # pip reads this one backwards: 0 = no isolation
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }


def build_wheel(wheels: Path) -> Path:
    """careerloop's wheel from this checkout, built offline."""
    wheels.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir",
         str(wheels), str(ROOT)],
        env=os.environ | pip_env(wheels), capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (wheel,) = wheels.glob("careerloop-*.whl")
    return wheel


def offline_python(where: Path, wheels: Path) -> OfflinePython:
    """A fresh venv under `where` whose pip installs careerloop with no network."""
    subprocess.run([sys.executable, "-m", "venv", str(where / "venv")], check=True,
                   capture_output=True, timeout=300)
    (site,) = (where / "venv").glob("lib/python*/site-packages")
    deps = where / "deps"
    deps.mkdir()
    for entry in Path(sysconfig_purelib()).iterdir():
        if not _OWN_ENTRIES.fullmatch(entry.name):
            (deps / entry.name).symlink_to(entry)
    (site / "test_venv_dependencies.pth").write_text(f"{deps}\n", encoding="utf-8")
    return OfflinePython(bin=where / "venv" / "bin", env=pip_env(wheels))


def sysconfig_purelib() -> str:
    """The test venv's site-packages."""
    import sysconfig

    return sysconfig.get_path("purelib")
