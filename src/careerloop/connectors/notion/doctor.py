"""`careerloop doctor` rows for live Notion: the token, and each data source vs its mapping."""

from __future__ import annotations

from typing import Literal

import httpx

from careerloop.config import NOTION_TABLES, Config, NotionKindMapping
from careerloop.connectors.base import Check, HttpPolicy, RetryPolicy
from careerloop.connectors.notion.client import DataSource, NotionApi
from careerloop.connectors.notion.read import RELATION_TITLE_FIELDS, field_problems
from careerloop.errors import AuthError, CareerloopError, ConfigError

__all__ = ["check_notion"]

_TABLE_OF = {kind: table for table, kind in NOTION_TABLES.items()}


def check_notion(config: Config, *, http_client: httpx.Client | None = None) -> list[Check]:
    """The token (`users.me`), then each data source's access and schema against the mapping.

    Never raises for what it checks: each problem is a `fail` or `warn` row with its fix.
    """
    notion = config.sources.notion
    if notion is None:
        return []
    tables = {k: m for k, m in notion.tables().items() if m.data_source}
    if not tables:
        return []
    # Doctor should answer fast: few retries, no long waits.
    policy = HttpPolicy(service="Notion", rate=notion.requests_per_second,
                        burst=max(1.0, min(3.0, notion.requests_per_second)),
                        retry=RetryPolicy(max_attempts=2, retry_after_cap=10.0))
    try:
        api = NotionApi.from_config(notion, http_client=http_client, policy=policy)
    except ConfigError as error:
        return [Check(name="notion token", status="fail", detail=str(error),
                      fix=f"export {notion.token_env}=<the integration's internal secret>")]
    try:
        checks = [_token(api)]
        if checks[0].status == "fail":
            return checks
        for kind, mapping in tables.items():
            checks.extend(_data_source_checks(api, kind, mapping))
        return checks
    finally:
        if http_client is None:
            api.close()


def _token(api: NotionApi) -> Check:
    try:
        me = api.me()
    except AuthError as error:
        return Check(name="notion token", status="fail", detail=str(error),
                     fix="create an internal integration at notion.so/my-integrations and "
                         f"put its secret in {api.token_env}")
    except CareerloopError as error:
        return Check(name="notion token", status="fail", detail=str(error),
                     fix="check the network and base_url, then run doctor again")
    return Check(name="notion token", status="ok",
                 detail=f"accepted (integration {me.get('name') or me.get('id')!s})")


def _data_source_checks(api: NotionApi, kind: str, mapping: NotionKindMapping) -> list[Check]:
    table = _TABLE_OF[kind]
    name = f"notion {table}"
    ref = str(mapping.data_source)
    try:
        source = api.resolve(ref, where=f"[sources.notion.{table}] data_source")
    except ConfigError as error:
        return [Check(name=name, status="fail", detail=str(error),
                      fix=f"set [sources.notion.{table}] data_source to one data source id")]
    except CareerloopError as error:
        return [Check(name=name, status="fail", detail=str(error),
                      fix="open the database in Notion, ••• → Connections, add the "
                          "integration; check the id")]
    checks = [Check(name=name, status="ok",
                    detail=f"{source.name!r}: {len(source.properties)} properties readable")]
    for field, problem, fatal in field_problems(source, mapping):
        status: Literal["fail", "warn"] = "fail" if fatal else "warn"
        checks.append(Check(
            name=f"{name}: {field}",
            status=status,
            detail=problem,
            fix=(f"rename the property in Notion or change {field} in [sources.notion.{table}]"
                 if fatal else f"{field} will be empty; map it in [sources.notion.{table}] "
                 "if you keep it under another name"),
        ))
    checks.extend(_related_sources(api, name, mapping, source))
    if kind == "module" and not _has(source, getattr(mapping, "completed", None)):
        checks.append(Check(
            name=f"{name}: completed",
            status="warn",
            detail="no completed date property: a module whose status is done counts as "
                   "completed on its last edited date",
            fix="add a Completed date property (and map it) for exact completion days",
        ))
    return checks


def _related_sources(
    api: NotionApi, name: str, mapping: NotionKindMapping, source: DataSource
) -> list[Check]:
    """A relation that feeds names needs its related data source shared too."""
    checks = []
    for field, prop in mapping.property_names().items():
        schema = source.properties.get(prop) or {}
        target = (schema.get("relation") or {}).get("data_source_id")
        if field not in RELATION_TITLE_FIELDS or schema.get("type") != "relation" or not target:
            continue
        try:
            related = api.data_source(str(target), where=f"{name}: {prop!r} relates to")
        except CareerloopError as error:
            checks.append(Check(
                name=f"{name}: {field}", status="warn", detail=str(error),
                fix=f"share the database {prop!r} relates to with the integration "
                    "(••• → Connections), or its titles cannot be read",
            ))
            continue
        checks.append(Check(name=f"{name}: {field}", status="ok",
                            detail=f"{prop!r} gives the titles of pages in {related.name!r}"))
    return checks


def _has(source: DataSource, prop: str | None) -> bool:
    return prop is not None and prop in source.properties
