"""The programme workflow (.github/workflows/programme.yml), checked and executed offline.

The linters (actionlint, the SchemaStore schema, zizmor) run over every workflow in
tests/test_workflows.py, this one included. Here: its shape (a plan job, a matrix of
sync jobs, one rollup job; secrets only where they belong), and its run steps executed
in order with bash in a temporary programme repository, job after job as GitHub would:
plan -> one sync job per shard of the matrix the plan printed -> rollup. The test stands
in for the `uses:` steps: the repository is the checkout, careerloop is installed here,
and each shard's upload and the rollup's download (with merge) are file copies.
The participants read the sample workspace's offline exports, one reads the fake
Trello API with the secrets the sync step maps, and one has a missing export.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from careerloop.connectors.files.demo import write_demo_workspace
from tests.fakes.trello_api import FakeTrelloServer
from tests.workflow_runner import (
    ROOT,
    TODAY,
    Run,
    load_yaml,
    run_steps,
    runner_env,
    should_run,
    substitute,
)

WORKFLOW = ROOT / ".github" / "workflows" / "programme.yml"
PERSONAL = ROOT / ".github" / "workflows" / "careerloop.yml"
OFFLINE = ("quentin", "wilhelmina", "zebedee")
BROKEN = "ottoline"  # its export is missing: it fails, the others do not
LIVE = "bartholomew"  # reads the fake Trello board with the mapped secrets


def workflow() -> dict[str, Any]:
    return load_yaml(WORKFLOW)


def uses(job: dict[str, Any]) -> list[str]:
    return [step["uses"] for step in job["steps"] if "uses" in step]


# --- the shape ------------------------------------------------------------------------------


def test_a_plan_job_feeds_the_matrix_of_sync_jobs_and_one_rollup_follows() -> None:
    jobs = workflow()["jobs"]
    assert list(jobs) == ["plan", "sync", "rollup"]
    plan, sync, rollup = jobs["plan"], jobs["sync"], jobs["rollup"]
    assert plan["outputs"]["matrix"] == "${{ steps.plan.outputs.matrix }}"
    (planning,) = [s for s in plan["steps"] if s.get("id") == "plan"]
    assert "programme matrix --shards" in planning["run"]
    assert '>> "$GITHUB_OUTPUT"' in planning["run"]
    assert sync["needs"] == "plan"
    assert sync["strategy"]["matrix"] == "${{ fromJSON(needs.plan.outputs.matrix) }}"
    assert sync["strategy"]["fail-fast"] is False
    (syncing,) = [s for s in sync["steps"] if s.get("id") == "sync"]
    assert "programme sync --shard" in syncing["run"]
    assert syncing["env"]["SHARD"] == "${{ matrix.shard }}"
    assert rollup["needs"] == ["plan", "sync"]
    assert "!cancelled()" in rollup["if"]  # a failing participant's shard fails its job
    (rolling,) = [s for s in rollup["steps"] if s.get("id") == "rollup"]
    assert "programme rollup --from" in rolling["run"]


def test_each_shard_uploads_its_own_artifact_and_the_rollup_downloads_them_all() -> None:
    jobs = workflow()["jobs"]
    (upload,) = [
        s for s in jobs["sync"]["steps"] if s.get("uses", "").startswith("actions/upload-artifact")
    ]
    assert upload["with"]["name"] == "scorecards-${{ steps.shard.outputs.name }}"
    assert upload["with"]["path"] == "${{ env.CAREERLOOP_SCORECARDS_DIR }}"
    assert "!cancelled()" in upload["if"]
    (download,) = [
        s
        for s in jobs["rollup"]["steps"]
        if s.get("uses", "").startswith("actions/download-artifact")
    ]
    assert download["with"] == {
        "pattern": "scorecards-*",
        "merge-multiple": True,
        "path": "${{ env.CAREERLOOP_SHARDS_DIR }}",
    }


def test_permissions_are_minimal_and_the_actions_pinned_like_the_personal_workflow() -> None:
    data = workflow()
    assert data["permissions"] == {}
    assert data["concurrency"] == {"group": "careerloop-programme", "cancel-in-progress": False}
    personal = {ref.split("@")[0]: ref for ref in uses(load_yaml(PERSONAL)["jobs"]["sync"])}
    personal["actions/download-artifact"] = next(
        ref
        for ref in uses(load_yaml(ROOT / ".github/workflows/release.yml")["jobs"]["publish"])
        if ref.startswith("actions/download-artifact")
    )
    for job in data["jobs"].values():
        assert job["permissions"] == {"contents": "read"}
        for ref in uses(job):
            assert ref == personal[ref.split("@")[0]], ref
        checkout = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout"))
        assert checkout["with"]["persist-credentials"] is False


def test_participants_secrets_reach_only_the_sync_step_and_no_expression_is_in_a_script() -> None:
    data = workflow()
    assert "secrets." not in json.dumps({k: v for k, v in data.items() if k != "jobs"})
    with_secrets = {
        (name, step.get("name")): sorted(v for v in step.get("env", {}).values() if "secrets." in v)
        for name, job in data["jobs"].items()
        for step in job["steps"]
        if "secrets." in json.dumps(step)
    }
    assert with_secrets == {
        ("sync", "Sync the participants of the shard"): [
            "${{ secrets.NOTION_TOKEN }}",
            "${{ secrets.TRELLO_API_KEY }}",
            "${{ secrets.TRELLO_TOKEN }}",
        ],
        # the programme review's own targets take the programme's own secrets
        ("rollup", "Roll up and publish the programme review"): [
            "${{ secrets.PROGRAMME_NOTION_TOKEN }}",
            "${{ secrets.PROGRAMME_TRELLO_API_KEY }}",
            "${{ secrets.PROGRAMME_TRELLO_TOKEN }}",
        ],
    }
    for job in data["jobs"].values():
        assert "env" not in job
        for step in job["steps"]:
            assert "${{" not in step.get("run", ""), step.get("name")


# --- executing the jobs --------------------------------------------------------------------


def participant(repo: Path, name: str, *, trello: tuple[str, str] | None = None) -> None:
    """people/<name>.toml reading a copy of the sample workspace in people/<name>/."""
    sample = write_demo_workspace(repo / "people" / name, dt.date.fromisoformat(TODAY))
    text = sample.read_text(encoding="utf-8")
    sample.unlink()  # people/<name>/careerloop.toml would be a participant of its own
    text = text.replace('csv = "notion/', f'csv = "{name}/notion/')
    text = text.replace('export = "trello/', f'export = "{name}/trello/')
    text = text.replace(
        'state = ".careerloop/state.db"', f'state = "../.careerloop/people/{name}.db"'
    )
    text = text.replace('dir = "reviews"', f'dir = "../reviews/{name}"')
    if trello is not None:
        board, url = trello
        text = text.replace(
            f'export = "{name}/trello/board.json"',
            f'board = "{board}"\nbase_url = "{url}"\nrequests_per_10s = 100',
        )
    (repo / "people" / f"{name}.toml").write_text(text, encoding="utf-8")


@pytest.fixture
def repo(tmp_path: Path, fake_trello: FakeTrelloServer) -> Path:
    """A programme repository as docs/programmes.md lays it out."""
    root = tmp_path / "repo"
    for name in OFFLINE:
        participant(root, name)
    participant(root, BROKEN)
    (root / "people" / BROKEN / "trello" / "board.json").unlink()
    sample = write_demo_workspace(tmp_path / "board", dt.date.fromisoformat(TODAY)).parent
    board = fake_trello.fake.load_board(
        json.loads((sample / "trello" / "board.json").read_text("utf-8"))
    )
    participant(root, LIVE, trello=(board, fake_trello.url))
    (root / "programme.toml").write_text(
        '[workspace]\ntimezone = "Europe/Berlin"\n\n'
        '[programme]\nname = "Product mentoring 2026"\nparticipants = ["people/*.toml"]\n'
        "workers = 2\n\n"
        '[programme.reviews]\ntargets = ["local"]\n'
        '[programme.reviews.local]\ndir = "programme-reviews"\n',
        encoding="utf-8",
    )
    return root


class Actions:
    """Jobs of the workflow run one after another, with what GitHub passes between them."""

    def __init__(
        self,
        repo: Path,
        tmp_path: Path,
        *,
        secrets: dict[str, str],
        event: str = "schedule",
        inputs: dict[str, Any] | None = None,
    ) -> None:
        self.repo, self.tmp = repo, tmp_path
        self.data = workflow()
        self.github = {
            "event_name": event,
            "run_id": "7",
            "run_attempt": "1",
            "event": {"inputs": inputs or {}},
        }
        self.base = {
            "github": self.github,
            "inputs": inputs or {},
            "secrets": secrets,
            "vars": {},
            "runner": {"os": "Linux"},
            "env": {},
            "needs": {},
        }
        self.env = runner_env(repo, tmp_path)
        for name, value in self.data["env"].items():
            self.env[name] = self.base["env"][name] = substitute(value, self.base)
        self.artifacts = tmp_path / "artifacts"
        self.results: dict[str, str] = {}  # job -> success or failure
        self.runs = 0

    def job(self, name: str, matrix: dict[str, Any] | None = None) -> Run | None:
        """Run one job (one matrix entry); None when its `if:` skips it."""
        job = self.data["jobs"][name]
        needs = job.get("needs", [])
        needs = [needs] if isinstance(needs, str) else needs
        # success() of a job is that of the jobs it needs (a matrix job: all its entries)
        failed = any(self.results.get(need) == "failure" for need in needs)
        contexts = self.base | {
            "matrix": matrix or {},
            "status": {
                "success": not failed,
                "failure": failed,
                "cancelled": False,
                "always": True,
            },
        }
        if not should_run(job, contexts):  # a job's `if:` reads like a step's
            return None
        self.download(name)
        self.runs += 1
        folder = self.tmp / f"job-{self.runs}-{name}"
        folder.mkdir()
        env = self.env | {"GITHUB_STEP_SUMMARY": str(folder / "summary.md")}
        (folder / "summary.md").write_text("", encoding="utf-8")
        run = run_steps(job["steps"], self.repo, folder, contexts=contexts, env=env)
        self.upload(name, run)
        outputs = {
            key: substitute(value, {"steps": run.steps})
            for key, value in job.get("outputs", {}).items()
        }
        self.base["needs"][name] = {"outputs": outputs}
        if run.code != 0 or name not in self.results:
            self.results[name] = "success" if run.code == 0 else "failure"
        return run

    def upload(self, name: str, run: Run) -> None:
        """actions/upload-artifact of the sync job: the scorecards under the shard's name."""
        if name != "sync":
            return
        artifact = f"scorecards-{run.steps['shard']['outputs']['name']}"
        source = self.repo / self.env["CAREERLOOP_SCORECARDS_DIR"]
        if source.is_dir():
            shutil.copytree(source, self.artifacts / artifact)
            shutil.rmtree(source)  # the next job runs on a fresh runner

    def download(self, name: str) -> None:
        """actions/download-artifact of the rollup job: every shard merged into one folder."""
        if name != "rollup":
            return
        target = self.repo / self.env["CAREERLOOP_SHARDS_DIR"]
        for artifact in sorted(self.artifacts.glob("scorecards-*")):
            shutil.copytree(artifact, target, dirs_exist_ok=True)


def participants_of(artifact: Path) -> set[str]:
    return {folder.name for folder in artifact.iterdir() if folder.is_dir()}


def test_plan_two_shards_and_rollup_publish_every_review_and_the_programme_review(
    repo: Path, tmp_path: Path, fake_trello: FakeTrelloServer
) -> None:
    fake = fake_trello.fake
    secrets = {"TRELLO_API_KEY": fake.key, "TRELLO_TOKEN": fake.token}
    actions = Actions(
        repo,
        tmp_path,
        secrets=secrets,
        event="workflow_dispatch",
        inputs={"shards": "2", "period": "", "no-publish": False},
    )

    plan = actions.job("plan")
    assert plan is not None and plan.code == 0, plan and plan.stderr
    matrix = json.loads(actions.base["needs"]["plan"]["outputs"]["matrix"])
    assert matrix == {"include": [{"shard": "1/2"}, {"shard": "2/2"}]}

    shards = [actions.job("sync", entry) for entry in matrix["include"]]
    assert all(run is not None for run in shards)
    # The broken participant fails its shard's job (exit 1) and only that one.
    codes = sorted(run.code for run in shards if run is not None)
    assert codes == [0, 1]
    failed_run = next(run for run in shards if run is not None and run.code == 1)
    assert failed_run.events()[-1]["event"] == "programme.finished"
    assert list(failed_run.events()[-1]["failed"]) == [BROKEN]

    # Each participant that synced is in exactly one shard's artifact.
    artifacts = sorted(actions.artifacts.glob("scorecards-*"))
    assert [a.name for a in artifacts] == ["scorecards-1-of-2", "scorecards-2-of-2"]
    members = [participants_of(a) for a in artifacts]
    assert members[0].isdisjoint(members[1])
    assert members[0] | members[1] == {*OFFLINE, LIVE}
    # Each synced participant's own review was published, the live one on the fake board.
    for name in OFFLINE:
        assert (repo / "reviews" / name / "2026-10-monthly.md").is_file()
    assert (repo / "reviews" / LIVE / "2026-10-monthly.md").is_file()
    for run in shards:
        assert run is not None
        assert fake.token not in run.stdout + run.stderr

    rollup = actions.job("rollup")
    assert rollup is not None, "the rollup runs although a shard failed"
    assert rollup.code == 0, rollup.stderr
    summary = json.loads((repo / "rollup.json").read_text(encoding="utf-8"))
    assert summary["period"]["label"] == "2026-10"
    assert (summary["participants"], summary["scored"], summary["failed"]) == (5, 4, [BROKEN])
    assert "## careerloop programme" in rollup.summary
    review = repo / "programme-reviews" / "2026-10-monthly.md"
    text = review.read_text(encoding="utf-8")
    assert "# Product mentoring 2026: programme review 2026-10" in text
    assert "- **Synced:** 4 of 5 participants" in text
    assert f"- **Failed:** 1 — {BROKEN} (no scorecard" in text
    assert "2026-10-monthly created on local" in rollup.stdout


def test_a_scheduled_run_uses_the_default_shards_and_a_second_rollup_writes_nothing(
    repo: Path, tmp_path: Path, fake_trello: FakeTrelloServer
) -> None:
    fake = fake_trello.fake
    secrets = {"TRELLO_API_KEY": fake.key, "TRELLO_TOKEN": fake.token}
    actions = Actions(repo, tmp_path, secrets=secrets)
    actions.job("plan")
    matrix = json.loads(actions.base["needs"]["plan"]["outputs"]["matrix"])
    assert [entry["shard"] for entry in matrix["include"]] == ["1/4", "2/4", "3/4", "4/4"]
    for entry in matrix["include"]:
        actions.job("sync", entry)
    first = actions.job("rollup")
    assert first is not None and first.code == 0, first and first.stderr
    review = repo / "programme-reviews" / "2026-10-monthly.md"
    stamp = review.stat().st_mtime_ns

    again = actions.job("rollup")
    assert again is not None and again.code == 0, again.stderr
    assert "2026-10-monthly unchanged on local" in again.stdout
    assert review.stat().st_mtime_ns == stamp


def test_a_repository_without_a_programme_is_told_and_left_alone(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    actions = Actions(empty, tmp_path, secrets={})
    plan = actions.job("plan")
    assert plan is not None and plan.code == 0
    assert plan.stdout.startswith("::warning title=careerloop programme::No programme.toml")
    assert plan.ran == ["Look for the programme"]
    assert actions.job("sync", {"shard": "1/1"}) is None
    assert actions.job("rollup") is None
