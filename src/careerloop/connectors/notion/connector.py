"""What the Notion connector offers: live and CSV-export sources, a target, `init --notion`.

Every function imports the connector's modules when called (see connectors/registry.py).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from careerloop.config import NOTION_TABLES, NotionKindMapping, secret
from careerloop.connectors.registry import (
    Connector,
    Provisioned,
    Provisioning,
    SourceKind,
    TargetKind,
    unless_unused,
)
from careerloop.errors import ConfigError

if TYPE_CHECKING:
    from careerloop.config import Config
    from careerloop.connectors.base import Check, Clock, Publisher, Source, Transport
    from careerloop.store import Store

_TABLE_OF = {kind: table for table, kind in NOTION_TABLES.items()}


# -- the CSV exports ---------------------------------------------------------------------------


def _reads_csv(config: Config) -> bool:
    notion = config.sources.notion
    return notion is not None and any(m.csv for m in notion.tables().values())


def _csv_source(config: Config, clock: Clock | None, transport: Transport | None) -> Source:
    from careerloop.connectors.files.exports import NotionCsvSource

    return NotionCsvSource(config)


def _csv_checks(config: Config) -> list[Check]:
    assert config.sources.notion is not None
    checks: list[Check] = []
    for kind, mapping in config.sources.notion.tables().items():
        if mapping.csv:
            table = _TABLE_OF[kind]
            checks.extend(
                unless_unused(
                    _csv_file_checks(kind, mapping, config.path(mapping.csv)),
                    f"sources.notion.{table}",
                    f"keep {table} in Notion",
                )
            )
    return checks


def _csv_file_checks(kind: str, mapping: NotionKindMapping, path: Path) -> list[Check]:
    """The export file exists and has a column for every mapped property."""
    from careerloop.connectors.base import Check

    name = f"notion {kind} csv"
    if not path.is_file():
        return [
            Check(
                name=name,
                status="fail",
                detail=f"{path} not found",
                fix="export the database as Markdown & CSV and point csv at it",
            )
        ]
    with path.open(encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle), [])
    checks = [Check(name=name, status="ok", detail=f"{path.name}: {len(header)} columns")]
    for field, prop in mapping.property_names().items():
        if prop in header:
            continue
        status: Literal["fail", "warn"] = "fail" if mapping.required(field) else "warn"
        checks.append(
            Check(
                name=f"{name}: {field}",
                status=status,
                detail=f"no column {prop!r}",
                fix="rename the column or change the mapping"
                if status == "fail"
                else f"{field} will be empty; map it in [sources.notion.{kind}s] if you have it",
            )
        )
    if kind == "module" and getattr(mapping, "completed", None) not in header:
        checks.append(
            Check(
                name=f"{name}: completed",
                status="warn",
                detail="no completed date: completion comes from the status column",
                fix="add a Completed date property for exact completion days",
            )
        )
    return checks


def _empty_cause(config: Config) -> str:
    return (
        "the mapped data sources or CSV exports hold no rows, or [sources.notion.<kind>] "
        "points at other tables"
    )


# -- the live API ------------------------------------------------------------------------------


def _reads_live(config: Config) -> bool:
    return config.sources.notion is not None and config.sources.notion.live


def _live_source(config: Config, clock: Clock | None, transport: Transport | None) -> Source:
    from careerloop.connectors.notion.read import NotionReader

    return NotionReader(config, clock=clock, transport=transport.notion if transport else None)


def _token_env(config: Config) -> str:
    return config.sources.notion.token_env if config.sources.notion else "NOTION_TOKEN"


def _credentials(config: Config) -> list[str]:
    return sorted({"NOTION_TOKEN", _token_env(config)})


def _require_token(config: Config) -> None:
    secret(_token_env(config), "Notion integration token")


def _live_checks(config: Config) -> list[Check]:
    from careerloop.connectors.notion.doctor import check_notion

    return unless_unused(check_notion(config), "sources.notion", "use Notion")


# -- the Reviews database ----------------------------------------------------------------------


def _publisher(
    config: Config, store: Store, clock: Clock | None, transport: Transport | None
) -> Publisher:
    from careerloop.connectors.notion.publish import NotionPublisher

    return NotionPublisher(
        config, store=store, clock=clock, transport=transport.notion if transport else None
    )


def _require_target(config: Config) -> None:
    reviews = config.reviews.notion
    if not (reviews.parent or reviews.database):
        raise ConfigError(
            "reviews.notion: set parent (a page shared with the integration) or "
            "database to publish to Notion"
        )
    _require_token(config)


def _template(config: Config, kind: str) -> str | None:
    # `[reviews.notion] template = "compact"`: Notion gets the short page.
    return "compact.md.j2" if config.reviews.notion.template == "compact" else None


def _target_check(config: Config) -> Check:
    from careerloop.connectors.base import Check

    reviews = config.reviews.notion
    where = reviews.database or reviews.parent
    if not where:
        return Check(
            name="target notion",
            status="fail",
            detail="no [reviews.notion] parent or database",
            fix="set [reviews.notion] parent to a page shared with the integration",
        )
    under = "" if reviews.database else "under "
    return Check(
        name="target notion",
        status="ok",
        detail=f"Reviews database {under}{where} ({reviews.template} template)",
    )


# -- careerloop init --notion ------------------------------------------------------------------


def _provision(parent: str, base_url: str | None, with_workspace: bool) -> Provisioned:
    """Create (or find) the plan's data sources under `parent`; the config text for them.

    The text always has its `[workspace]` table (Notion's set-up writes it first).
    """
    from careerloop.config import NotionSource
    from careerloop.connectors.notion.client import NotionApi
    from careerloop.connectors.notion.provision import config_toml, provision_workspace

    api = NotionApi.from_config(NotionSource(base_url=base_url))
    try:
        ids = provision_workspace(api, parent)
    finally:
        api.close()
    text = config_toml(ids, "NOTION_TOKEN")
    if base_url:
        text = text.replace(
            'token_env = "NOTION_TOKEN"\n',
            f'token_env = "NOTION_TOKEN"\nbase_url = "{base_url}"\n',
            1,
        )
    messages = [f"{table}: data source {data_source}" for table, data_source in ids.items()]
    return Provisioned(toml=text, messages=messages)


CONNECTOR = Connector(
    name="notion",
    sources=(
        SourceKind(
            name="notion-csv",
            origin_prefix="file:notion-csv",
            configured=_reads_csv,
            build=_csv_source,
            checks=_csv_checks,
            empty_cause=_empty_cause,
        ),
        SourceKind(
            name="notion",
            origin_prefix="notion:",
            configured=_reads_live,
            build=_live_source,
            require=_require_token,
            checks=_live_checks,
            empty_cause=_empty_cause,
        ),
    ),
    target=TargetKind(
        name="notion",
        build=_publisher,
        require=_require_target,
        check=_target_check,
        template=_template,
    ),
    credentials=_credentials,
    provisioning=Provisioning(
        option="notion",
        metavar="PAGE",
        run=_provision,
        help="Create the plan's databases under this Notion page (id or URL) and point the "
        "config at them. Needs NOTION_TOKEN.",
    ),
)
