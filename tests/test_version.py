"""`careerloop --version` / `-V`: the version, exit code 0, no command needed.

The composite action runs `careerloop --version` under `bash -e` right after pip, so a
non-zero exit here fails every run of the action (tests/test_workflows.py runs its steps).
"""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from typer.testing import CliRunner

from careerloop import __version__
from careerloop.cli import app

BIN = Path(sys.executable).parent


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_the_version_flag_prints_the_version_without_a_command(flag: str) -> None:
    result = CliRunner().invoke(app, [flag])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"careerloop {__version__}\n"


def test_the_version_wins_over_a_command_and_reads_no_config(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.toml"
    result = CliRunner().invoke(app, ["--config", str(missing), "--version", "sync"])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"careerloop {__version__}\n"


def test_the_installed_command_prints_the_installed_distribution_version() -> None:
    # The console script as pip installed it, and the version in the package metadata
    # (hatch reads it from __version__): both must agree.
    result = subprocess.run([str(BIN / "careerloop"), "--version"], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"careerloop {version('careerloop')}\n"
    assert version("careerloop") == __version__
