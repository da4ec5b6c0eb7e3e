"""Packaging: the metadata PyPI shows, the release workflow, the lowest-versions CI job,
and what each make target installs.

The build itself (sdist, wheel, twine check, a clean venv running the wheel) is
scripts/check_dist.sh, which `make test` runs after pytest.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement

from tests.workflow_runner import ROOT, load_yaml

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT: dict[str, Any] = PYPROJECT["project"]
RELEASE = ROOT / ".github" / "workflows" / "release.yml"
CI = ROOT / ".github" / "workflows" / "ci.yml"
REPOSITORY = "https://github.com/careerloop/careerloop"


def requirement(name: str) -> Requirement:
    (found,) = [r for r in map(Requirement, PROJECT["dependencies"]) if r.name == name]
    return found


# --- Metadata ------------------------------------------------------------------------------


def test_the_license_file_is_mit_and_named_in_the_metadata() -> None:
    assert PROJECT["license"] == "MIT"
    assert PROJECT["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n")
    assert "THE SOFTWARE IS PROVIDED \"AS IS\"" in text


def test_the_project_urls_point_at_the_repository() -> None:
    urls = PROJECT["urls"]
    assert {"Homepage", "Source", "Issues", "Changelog"} <= set(urls)
    assert all(url.startswith(REPOSITORY) for url in urls.values())


def test_the_classifiers_name_every_python_ci_tests() -> None:
    matrix = load_yaml(CI)["jobs"]["test"]["strategy"]["matrix"]["python"]
    classified = {c.rsplit(" :: ", 1)[1] for c in PROJECT["classifiers"]
                  if c.startswith("Programming Language :: Python :: 3.")}
    assert classified == set(matrix)
    assert PROJECT["requires-python"] == f">={min(matrix, key=lambda v: int(v.split('.')[1]))}"
    assert PROJECT["keywords"]


def test_the_changelog_has_an_unreleased_section() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert text.startswith("# Changelog\n")
    assert "\n## [Unreleased]\n" in text


@pytest.mark.parametrize(
    ("name", "floor"),
    # typer < 0.16 crashes at start-up with click 8.5 (make_metavar); cli.py needs the
    # typer that ships its own click (0.29); docs/decisions.md, "Packaging and the Action".
    [("typer", "0.29"), ("notion-client", "3.1")],
)
def test_the_floors_found_by_trying_them_are_declared(name: str, floor: str) -> None:
    specifier = requirement(name).specifier
    assert f">={floor}" in {str(s) for s in specifier}


def test_notion_client_is_allowed_up_to_the_next_major() -> None:
    specifier = requirement("notion-client").specifier
    assert specifier.contains("3.9.0") and not specifier.contains("4.0.0")


def test_the_dev_extra_has_the_release_tools() -> None:
    names = {Requirement(r).name for r in PROJECT["optional-dependencies"]["dev"]}
    assert {"build", "twine", "hatchling"} <= names


# --- The release workflow -----------------------------------------------------------------


def test_a_tag_builds_checks_and_publishes_with_trusted_publishing() -> None:
    release = load_yaml(RELEASE)
    assert release["on"] == {"push": {"tags": ["v*"]}}
    assert release["permissions"] == {}
    build, publish = release["jobs"]["build"], release["jobs"]["publish"]
    assert build["permissions"] == {"contents": "read"}
    scripts = [step["run"] for step in build["steps"] if "run" in step]
    assert any("scripts/check_dist.sh dist" in s for s in scripts)  # what make test runs

    assert publish["needs"] == "build"
    assert publish["environment"]["name"] == "pypi"
    assert publish["permissions"] == {"id-token": "write"}  # and no other job has it
    assert all("id-token" not in job.get("permissions", {})
               for name, job in release["jobs"].items() if name != "publish")
    uses = [step["uses"] for step in publish["steps"]]
    assert uses[-1].startswith("pypa/gh-action-pypi-publish@")
    assert len(uses[-1].split("@")[1]) == 40  # a third-party action, pinned to a commit
    assert "with" not in publish["steps"][-1]  # no password: the OIDC token is the proof


def test_the_tag_check_refuses_a_tag_that_is_not_the_version(tmp_path: Path) -> None:
    (step,) = [s for s in load_yaml(RELEASE)["jobs"]["build"]["steps"]
               if s.get("name") == "Check the tag is the package's version"]
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "careerloop-1.2.0-py3-none-any.whl").write_bytes(b"")

    def run(tag: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["bash", "-eo", "pipefail", "-c", step["run"]], cwd=tmp_path,
                              env={"PATH": os.environ["PATH"], "TAG": tag},
                              capture_output=True, text=True, timeout=60)

    assert run("v1.2.0").returncode == 0
    wrong = run("v1.2.1")
    assert wrong.returncode == 1
    assert "tag v1.2.1 does not match the version built" in wrong.stdout


def test_ci_proves_the_floors_with_the_lowest_direct_versions() -> None:
    job = load_yaml(CI)["jobs"]["lowest"]
    scripts = "\n".join(step["run"] for step in job["steps"] if "run" in step)
    assert "--resolution lowest-direct -e '.[dev]'" in scripts
    assert ".venv/bin/pytest" in scripts
    (setup,) = [s for s in job["steps"] if s.get("uses", "").startswith("actions/setup-python")]
    assert setup["with"]["python-version"] == PROJECT["requires-python"].removeprefix(">=")


# --- What make installs -------------------------------------------------------------------


def make_dry_run(folder: Path, target: str) -> str:
    """The commands `make -n TARGET` would run in `folder` (a copy of the Makefile)."""
    if shutil.which("make") is None:
        pytest.fail("make is missing: the Makefile is how the project is built")
    result = subprocess.run(["make", "-n", target], cwd=folder, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def test_make_demo_installs_the_package_without_the_dev_tools(checkout: Path) -> None:
    commands = make_dry_run(checkout, "demo")
    assert "-m venv .venv" in commands
    assert "pip install --quiet -e .\n" in commands
    assert "[dev]" not in commands
    assert "careerloop demo --out demo" in commands


def test_make_test_installs_the_dev_extra_and_checks_the_distributions(checkout: Path) -> None:
    commands = make_dry_run(checkout, "test")
    assert "pip install --quiet -e '.[dev]'" in commands
    assert commands.index("pytest -q") < commands.index("scripts/check_dist.sh")


def test_make_test_upgrades_a_demo_venv(checkout: Path) -> None:
    venv = checkout / ".venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").write_text("", encoding="utf-8")
    (venv / ".installed-runtime").write_text("", encoding="utf-8")
    later = (checkout / "pyproject.toml").stat().st_mtime + 10
    for stamp in (venv / "bin" / "python", venv / ".installed-runtime"):
        os.utime(stamp, (later, later))
    assert "[dev]" not in make_dry_run(checkout, "demo")  # a demo venv is ready for demo
    assert "pip install --quiet -e '.[dev]'" in make_dry_run(checkout, "test")
