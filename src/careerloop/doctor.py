"""`careerloop doctor`: every check a user needs before the first sync, as table rows."""

from __future__ import annotations

import datetime as dt
import os
from importlib import resources
from pathlib import Path

from careerloop.config import Config, load_config
from careerloop.connectors import registry
from careerloop.connectors.base import Check
from careerloop.errors import CareerloopError, ConfigError
from careerloop.periods import today_in


def example_config() -> str:
    """The commented config.example.toml shipped with careerloop."""
    shipped = resources.files("careerloop").joinpath("config.example.toml")
    if shipped.is_file():
        return shipped.read_text(encoding="utf-8")
    # A source checkout: the file sits at the repository root.
    return (Path(__file__).parents[2] / "config.example.toml").read_text(encoding="utf-8")


def _state_check(state: Path) -> Check:
    """Whether the state database is sound (SQLite's quick check) and can be written,
    without creating anything (doctor only looks)."""
    from careerloop.store import check_state

    existing = state if state.exists() else next(p for p in state.parents if p.exists())
    if existing.is_file() and existing != state:
        return Check(name="state", status="fail", detail=f"{existing} is a file, not a folder",
                     fix="point [workspace] state at a path inside a folder")
    if state.is_file() and (problem := check_state(state)) is not None:
        what, _, fix = problem.partition(": ")
        return Check(name="state", status="fail", detail=what, fix=fix)
    if os.access(existing, os.W_OK):
        detail = str(state) if state.exists() else f"{state} (created on the first sync)"
        return Check(name="state", status="ok", detail=detail)
    return Check(name="state", status="fail", detail=f"{existing} is not writable",
                 fix="point [workspace] state at a writable folder")


WARNINGS_LISTED = 10  # data warnings doctor lists one per row; the rest are counted


def _warning_checks(config: Config) -> list[Check]:
    """The data warnings the last sync stored: one row each (the first few), then a count."""
    from careerloop.pipeline import stored_warnings

    try:
        warnings = stored_warnings(config)
    except CareerloopError as exc:  # an unreadable state database has its own row above
        return [Check(name="data warnings", status="warn", detail=str(exc))]
    checks = [
        Check(name="data warning", status="warn", detail=w.message,
              fix="fix it in the source, then sync again")
        for w in warnings[:WARNINGS_LISTED]
    ]
    if len(warnings) > WARNINGS_LISTED:
        checks.append(Check(
            name="data warnings", status="warn",
            detail=f"… and {len(warnings) - WARNINGS_LISTED} more ({len(warnings)} in all)",
            fix="`careerloop kpis --json` lists every one",
        ))
    return checks


def run_checks(config_path: Path, *, today: dt.date | None = None) -> list[Check]:
    """Every check, in the order a user fixes things (`today`: default, the workspace's).

    Raises:
        ConfigError: the config is missing or invalid, so nothing else can be checked.
    """
    config = _load(config_path)
    checks = [Check(name="config", status="ok", detail=f"{config_path} is valid"),
              Check(name="time zone", status="ok", detail=config.workspace.timezone)]
    checks.append(_state_check(config.state_path))
    checks.extend(_source_checks(config))
    checks.extend(_warning_checks(config))
    from careerloop.pipeline import template_checks

    checks.extend(template_checks(config, today or today_in(config.workspace.tz)))
    checks.extend(registry.target(name).check(config) for name in config.reviews.targets)
    return checks


def _load(config_path: Path) -> Config:
    """The config, or an error that also says how to start afresh."""
    try:
        return load_config(config_path)
    except ConfigError as exc:
        if "careerloop init" in str(exc) or "careerloop programme" in str(exc):
            raise
        raise ConfigError(
            f"{exc} (fix the file, or write a fresh commented one with "
            "`careerloop --config new.toml init`)"
        ) from None


def _source_checks(config: Config) -> list[Check]:
    """The rows of every source the config reads, or one failing row when it reads none."""
    kinds = registry.configured_sources(config)
    if not kinds:
        return [Check(name="sources", status="fail", detail="no source configured",
                      fix="add [sources.notion.<kind>] or [sources.trello]")]
    return [check for kind in kinds for check in kind.checks(config)]
