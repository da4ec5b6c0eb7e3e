"""The scheduled GitHub workflow that `careerloop init --github-action` writes.

It goes into the user's own repository (the one holding careerloop.toml), so it installs
careerloop as a package — this version from PyPI, or a tagged git source — and keys its
caches on files that exist there: the workflow file itself, which names the version.
docs/github-action.md explains every step.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from careerloop import __version__
from careerloop.config import load_config
from careerloop.errors import ConfigError

__all__ = [
    "KEEP_ALIVE_CRON",
    "MONTHLY_CRON",
    "WORKFLOW_PATH",
    "WorkflowSettings",
    "install_requirement",
    "render_workflow",
    "settings_for",
    "write_workflow",
]

WORKFLOW_PATH = PurePosixPath(".github/workflows/careerloop.yml")
# 12:xx UTC is already the 1st everywhere from UTC-12 to UTC+14: the month has closed.
MONTHLY_CRON = "17 12 1 * *"
# Mondays and Thursdays: the draft of the running month, and a run at most 4 days apart,
# so the state cache is always used within GitHub's 7 days before it would be evicted.
KEEP_ALIVE_CRON = "41 12 * * 1,4"

# `pip install` of a tagged source: git+https://host/owner/repo(.git)@tag. The characters
# allowed are those of URLs and tags, so the value can sit in YAML and in `env:` as data.
_SOURCE = re.compile(r"git\+https://[A-Za-z0-9.-]+(?::\d+)?/[\w./~-]+@[\w.+-]+")


@dataclass(frozen=True, slots=True)
class WorkflowSettings:
    """What varies from one user's workflow to another; paths are relative to the repo root."""

    requirement: str
    config: str = "careerloop.toml"
    state_dir: str = ".careerloop"
    reviews_dir: str = "reviews"


def install_requirement(source: str | None = None, version: str = __version__) -> str:
    """The pip requirement the workflow installs: `careerloop==X.Y.Z`, or a tagged git source.

    Raises:
        ConfigError: `source` is not a git URL ending in `@tag`.
    """
    if source is None:
        return f"careerloop=={version}"
    if _SOURCE.fullmatch(source) is None:
        raise ConfigError(
            f"--source must be a git URL with a tag, such as "
            f"git+https://github.com/careerloop/careerloop@v{version}, not {source!r}"
        )
    return f"careerloop @ {source}"


def _inside(path: Path, root: Path, what: str) -> str:
    """`path` relative to `root` in POSIX form, as the workflow's `env:` names it."""
    try:
        relative = path.resolve().relative_to(root.resolve())
    except ValueError:
        raise ConfigError(
            f"the {what} {path} is outside the repository {root}: "
            "run `careerloop init --github-action` at the root of the repository that holds it"
        ) from None
    return relative.as_posix()


def settings_for(root: Path, config_path: Path, requirement: str) -> WorkflowSettings:
    """The settings for a repository at `root`: the config's own state and reviews folders
    when it exists already, else those `careerloop init` would give it.

    Raises:
        ConfigError: the config (or its state or reviews folder) is outside `root`, or the
            config exists and is invalid.
    """
    config_file = config_path if config_path.is_absolute() else root / config_path
    config = _inside(config_file, root, "config")
    if not config_file.exists():
        folder = PurePosixPath(config).parent
        return WorkflowSettings(
            requirement=requirement,
            config=config,
            state_dir=(folder / ".careerloop").as_posix(),
            reviews_dir=(folder / "reviews").as_posix(),
        )
    loaded = load_config(config_file)
    return WorkflowSettings(
        requirement=requirement,
        config=config,
        state_dir=_inside(loaded.state_path.parent, root, "state folder"),
        reviews_dir=_inside(loaded.path(loaded.reviews.local.dir), root, "reviews folder"),
    )


def render_workflow(settings: WorkflowSettings) -> str:
    """The workflow file's text."""
    values = {
        # JSON strings are YAML double-quoted scalars: any value stays one plain string.
        "requirement": json.dumps(settings.requirement),
        "config": json.dumps(settings.config),
        "state_dir": json.dumps(settings.state_dir),
        "reviews_dir": json.dumps(settings.reviews_dir),
        "monthly_cron": json.dumps(MONTHLY_CRON),
        "keep_alive_cron": json.dumps(KEEP_ALIVE_CRON),
        "keep_alive_cron_raw": KEEP_ALIVE_CRON,
        "workflow_path": WORKFLOW_PATH.as_posix(),
        "version": __version__,
    }
    text = _TEMPLATE
    for name, value in values.items():
        text = text.replace(f"<<{name}>>", value)
    return text


def write_workflow(root: Path, settings: WorkflowSettings, *, force: bool = False) -> Path:
    """Write the workflow under `root`, whole or not at all; the path written.

    Raises:
        ConfigError: the file exists and `force` is false, or it cannot be written.
    """
    path = root / WORKFLOW_PATH
    if path.exists() and not force:
        raise ConfigError(f"{WORKFLOW_PATH} exists already; pass --force to overwrite it")
    partial = path.with_name(f".{path.name}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(render_workflow(settings), encoding="utf-8")
        os.replace(partial, path)  # atomic: a reader sees the old file or the new one
    except OSError as exc:
        with contextlib.suppress(OSError):  # the folder itself may be what failed
            partial.unlink(missing_ok=True)
        raise ConfigError(f"cannot write {WORKFLOW_PATH}: {exc.strerror}") from None
    return path


_TEMPLATE = """\
# careerloop: the scheduled sync of your career plan. Written by
# `careerloop init --github-action` (careerloop <<version>>); run it again with --force
# to regenerate this file. Add the secrets your careerloop.toml uses under Settings →
# Secrets and variables → Actions: NOTION_TOKEN, TRELLO_API_KEY, TRELLO_TOKEN.
#
# - On the 1st of each month it publishes the review of the month (and quarter) that has
#   just closed; on Mondays and Thursdays it refreshes the draft of the running month and
#   publishes any closed review still missing. A review that exists and has not changed
#   is not written again, so a late, repeated or overlapping run never duplicates a page.
# - Runs are at most 4 days apart, so the state cache (evicted after 7 days unused) stays.
# - Run it by hand from the Actions tab (Run workflow) for one period, or as a dry run.
name: careerloop

on:
  schedule:
    # Times are UTC.
    - cron: <<monthly_cron>>  # publish the closed month, and quarter on Jan/Apr/Jul/Oct 1
    - cron: <<keep_alive_cron>>  # Mondays and Thursdays: the draft of the running month
  workflow_dispatch:
    inputs:
      period:
        description: "Period to review, such as 2026-10 or 2026-Q4 (empty: the due reviews)"
        required: false
        type: string
        default: ""
      dry-run:
        description: "Read and score only: say what would be written, write nothing"
        required: false
        type: boolean
        default: false
      draft:
        description: "Also keep a draft of the running month"
        required: false
        type: boolean
        default: false

# One run at a time, never cancelled mid-publish.
concurrency:
  group: careerloop-sync
  cancel-in-progress: false

permissions: {}

env:
  # What pip installs: pin a version here, or a tagged source (careerloop @ git+https://…@tag).
  CAREERLOOP_REQUIREMENT: <<requirement>>
  CAREERLOOP_CONFIG: <<config>>
  # The folder of the state database ([workspace] state), kept in the Actions cache.
  CAREERLOOP_STATE_DIR: <<state_dir>>
  # The local target's folder ([reviews.local] dir), uploaded as an artifact of the run.
  CAREERLOOP_REVIEWS_DIR: <<reviews_dir>>

jobs:
  sync:
    runs-on: ubuntu-latest
    timeout-minutes: 30
    permissions:
      contents: read  # read the config; reviews go to Notion, Trello or the run's artifact
    steps:
      - name: Check out the repository
        uses: actions/checkout@v7
        with:
          persist-credentials: false

      - name: Look for the config
        id: config
        run: |
          if [ -f "$CAREERLOOP_CONFIG" ]; then
            echo "found=true" >> "$GITHUB_OUTPUT"
          else
            message="No $CAREERLOOP_CONFIG in this repository: nothing to sync."
            message+=" Write one with 'careerloop init', or set CAREERLOOP_CONFIG above."
            echo "::warning title=careerloop::$message"
            printf '## careerloop\\n\\n%s\\n' "$message" >> "$GITHUB_STEP_SUMMARY"
            echo "found=false" >> "$GITHUB_OUTPUT"
          fi

      # pip's cache is keyed on this file: it names the version, so a new one is a new key.
      - name: Set up Python
        if: steps.config.outputs.found == 'true'
        uses: actions/setup-python@v7
        with:
          python-version: "3.12"
          cache: pip
          cache-dependency-path: <<workflow_path>>

      - name: Install careerloop
        if: steps.config.outputs.found == 'true'
        run: |
          python -m pip install --disable-pip-version-check "$CAREERLOOP_REQUIREMENT"
          careerloop --version

      # The state database from the previous run. Caches are immutable, so each run saves
      # a new one and restores the newest by prefix. Without it careerloop reads
      # everything again and finds the reviews already published: the same result.
      - name: Restore the state
        if: steps.config.outputs.found == 'true'
        uses: actions/cache/restore@v6
        with:
          path: ${{ env.CAREERLOOP_STATE_DIR }}
          key: careerloop-state-${{ runner.os }}-${{ github.run_id }}-${{ github.run_attempt }}
          restore-keys: |
            careerloop-state-${{ runner.os }}-

      # The scorecard goes to the step summary and each pitfall becomes a warning
      # annotation. Inputs reach the script only through env, never spliced into it.
      - name: Sync and publish the reviews
        id: sync
        if: steps.config.outputs.found == 'true'
        env:
          NOTION_TOKEN: ${{ secrets.NOTION_TOKEN }}
          TRELLO_API_KEY: ${{ secrets.TRELLO_API_KEY }}
          TRELLO_TOKEN: ${{ secrets.TRELLO_TOKEN }}
          PERIOD: ${{ inputs.period }}
          DRY_RUN: ${{ inputs.dry-run }}
          DRAFT: ${{ inputs.draft || github.event.schedule == '<<keep_alive_cron_raw>>' }}
        run: |
          args=(sync)
          if [ -n "$PERIOD" ]; then args+=(--period "$PERIOD"); fi
          if [ "$DRY_RUN" = "true" ]; then args+=(--dry-run); fi
          if [ "$DRAFT" = "true" ]; then args+=(--draft); fi
          careerloop --log-format json "${args[@]}"

      # Saved also when a source or target failed: what did succeed is kept.
      - name: Save the state
        if: ${{ !cancelled() && steps.sync.outcome != 'skipped' }}
        uses: actions/cache/save@v6
        with:
          path: ${{ env.CAREERLOOP_STATE_DIR }}
          key: careerloop-state-${{ runner.os }}-${{ github.run_id }}-${{ github.run_attempt }}

      - name: Upload the local reviews
        if: ${{ !cancelled() && steps.sync.outcome != 'skipped' }}
        uses: actions/upload-artifact@v7
        with:
          name: careerloop-reviews
          path: ${{ env.CAREERLOOP_REVIEWS_DIR }}
          if-no-files-found: ignore
          retention-days: 30
"""
