"""`careerloop doctor`: every check a user needs before the first sync, as table rows."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import os
from importlib import resources
from pathlib import Path
from typing import Literal

from careerloop.config import NOTION_TABLES, Config, NotionKindMapping, load_config
from careerloop.connectors.base import Check
from careerloop.errors import CareerloopError, ConfigError
from careerloop.model import Workspace
from careerloop.periods import Period, today_in


def example_config() -> str:
    """The commented config.example.toml shipped with careerloop."""
    shipped = resources.files("careerloop").joinpath("config.example.toml")
    if shipped.is_file():
        return shipped.read_text(encoding="utf-8")
    # A source checkout: the file sits at the repository root.
    return (Path(__file__).parents[2] / "config.example.toml").read_text(encoding="utf-8")


def _csv_checks(kind: str, mapping: NotionKindMapping, path: Path) -> list[Check]:
    name = f"notion {kind} csv"
    if not path.is_file():
        return [Check(name=name, status="fail", detail=f"{path} not found",
                      fix="export the database as Markdown & CSV and point csv at it")]
    with path.open(encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle), [])
    checks = [Check(name=name, status="ok", detail=f"{path.name}: {len(header)} columns")]
    for field, prop in mapping.property_names().items():
        if prop in header:
            continue
        status: Literal["fail", "warn"] = "fail" if mapping.required(field) else "warn"
        checks.append(Check(
            name=f"{name}: {field}",
            status=status,
            detail=f"no column {prop!r}",
            fix="rename the column or change the mapping" if status == "fail"
            else f"{field} will be empty; map it in [sources.notion.{kind}s] if you have it",
        ))
    if kind == "module" and getattr(mapping, "completed", None) not in header:
        checks.append(Check(
            name=f"{name}: completed",
            status="warn",
            detail="no completed date: completion comes from the status column",
            fix="add a Completed date property for exact completion days",
        ))
    return checks


def _template_checks(config: Config, today_: dt.date) -> list[Check]:
    from careerloop.pipeline import build_review
    from careerloop.report.render import render_markdown

    user = config.path(config.reviews.templates) if config.reviews.templates else None
    checks = []
    for kind in config.reviews.kinds:
        period = Period.last_closed("month" if kind == "monthly" else "quarter", today_)
        try:
            render_markdown(build_review(Workspace(), config, kind, period, today_),
                            config.reviews, user)
        except CareerloopError as exc:
            checks.append(Check(name=f"template {kind}", status="fail", detail=str(exc),
                                fix="fix the template and run doctor again"))
            continue
        where = f"from {user}" if user else "shipped"
        checks.append(Check(name=f"template {kind}", status="ok", detail=f"renders ({where})"))
    return checks


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


_TABLE_OF = {kind: table for table, kind in NOTION_TABLES.items()}


def _unless_unused(checks: list[Check], section: str, use: str) -> list[Check]:
    """Failing rows of a source also give the way out for a source one does not use."""
    hint = f"or remove [{section}] if you do not {use}"
    return [dataclasses.replace(c, fix=f"{c.fix}; {hint}" if c.fix else hint.capitalize())
            if c.status == "fail" else c for c in checks]


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
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        if "careerloop init" in str(exc) or "careerloop programme" in str(exc):
            raise
        raise ConfigError(
            f"{exc} (fix the file, or write a fresh commented one with "
            "`careerloop --config new.toml init`)"
        ) from None
    checks = [Check(name="config", status="ok", detail=f"{config_path} is valid"),
              Check(name="time zone", status="ok", detail=config.workspace.timezone)]
    checks.append(_state_check(config.state_path))
    notion = config.sources.notion
    if notion is not None:
        for kind, mapping in notion.tables().items():
            if mapping.csv:
                table = _TABLE_OF[kind]
                checks.extend(_unless_unused(
                    _csv_checks(kind, mapping, config.path(mapping.csv)),
                    f"sources.notion.{table}", f"keep {table} in Notion",
                ))
        if notion.live:
            from careerloop.connectors.notion.doctor import check_notion

            checks.extend(_unless_unused(check_notion(config), "sources.notion", "use Notion"))
    trello = config.sources.trello
    if trello is not None and trello.export:
        from careerloop.connectors.trello.doctor import check_trello_export

        export = check_trello_export(config, config.path(trello.export))
        checks.extend(_unless_unused(export, "sources.trello", "use Trello"))
    elif trello is not None and trello.board:
        from careerloop.connectors.trello.doctor import check_trello

        checks.extend(_unless_unused(check_trello(config), "sources.trello", "use Trello"))
    if notion is None and trello is None:
        checks.append(Check(name="sources", status="fail", detail="no source configured",
                            fix="add [sources.notion.<kind>] or [sources.trello]"))
    checks.extend(_warning_checks(config))
    checks.extend(_template_checks(config, today or today_in(config.workspace.tz)))
    for target in config.reviews.targets:
        if target == "local":
            checks.append(Check(name="target local", status="ok",
                                detail=str(config.path(config.reviews.local.dir))))
        elif target == "trello":
            ok = trello is not None and bool(trello.board)
            checks.append(Check(
                name="target trello", status="ok" if ok else "fail",
                detail=f"list {config.reviews.trello.list!r} on the board" if ok
                else "no [sources.trello] board to publish to",
                fix="" if ok else "set [sources.trello] board"))
        else:
            notion_reviews = config.reviews.notion
            where = notion_reviews.database or notion_reviews.parent
            checks.append(Check(
                name="target notion", status="ok" if where else "fail",
                detail=f"Reviews database {'' if notion_reviews.database else 'under '}{where}"
                f" ({notion_reviews.template} template)" if where
                else "no [reviews.notion] parent or database",
                fix="" if where else "set [reviews.notion] parent to a page shared with the "
                "integration"))
    return checks
