"""Read the plan from live Notion data sources, incrementally and resiliently.

Per configured table (`[sources.notion.<kind>] data_source = …`) the reader resolves the
data source (an id, a database id or a URL), checks its schema against the mapping, and
queries it 100 pages at a time:

- **incrementally** when the store holds a cursor (the newest `last_edited_time` seen):
  `last_edited_time on_or_after cursor − 2 minutes`, ascending. Notion rounds the
  timestamp down to the minute, so the window overlaps and pages are de-duplicated by id;
- **in full** on `full=True`, on the first read, or when the last full read is older
  than `reconcile_days`. A full read replaces the stored records of the data source,
  which is how pages trashed or deleted since are dropped (a timestamp filter never
  shows them);
- past Notion's 10,000-result cap per query, in windows of the same timestamp
  (`on_or_after` the last one seen), until a window comes back complete.

Relations cut at 25 pages (`has_more`) are read in full through the page-property
endpoint. Data sources are read concurrently on threads that share one token bucket.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from careerloop.config import NOTION_TABLES, Config, NotionKindMapping, NotionSource
from careerloop.connectors.base import HttpPolicy, ReadResult, RequestStats
from careerloop.connectors.notion.client import DataSource, NotionApi, notion_policy
from careerloop.connectors.notion.properties import (
    PageRow,
    check_properties,
    record_from_row,
    truncated_relations,
)
from careerloop.errors import ConfigError, SourceError
from careerloop.model import DataWarning, Workspace

if TYPE_CHECKING:
    from careerloop.store import Cursor, Store

__all__ = ["OVERLAP", "PAGE_SIZE", "NotionReader", "check_schema", "field_problems"]

PAGE_SIZE = 100  # the most Notion returns per query page
OVERLAP = dt.timedelta(minutes=2)  # last_edited_time is rounded down to the minute
RESULT_CAP_REASON = "query_result_limit_reached"

_TABLE_OF = {kind: table for table, kind in NOTION_TABLES.items()}

# Which property types can carry a model field's value (DESIGN: Notion semantics).
_DATE = frozenset({"date", "created_time", "last_edited_time", "formula", "rollup"})
_NUMBER = frozenset({"number", "formula", "rollup", "select", "status", "rich_text"})
_TEXT = frozenset(
    {"title", "rich_text", "select", "status", "url", "email", "phone_number", "formula",
     "multi_select", "people", "number", "unique_id", "rollup", "created_by",
     "last_edited_by"}
)
_LIST = frozenset(
    {"multi_select", "people", "rollup", "rich_text", "title", "select", "status", "formula"}
)
_FLAG = frozenset({"checkbox", "formula", "select", "status", "rich_text", "rollup"})
_STATUS = frozenset({"status", "select", "checkbox", "multi_select", "formula", "rich_text"})
_RELATION = frozenset({"relation"})

FIELD_TYPES: dict[str, frozenset[str]] = {
    "title": _TEXT,
    "horizon": _TEXT,
    "target_date": _DATE,
    "done": _FLAG,
    "status": _STATUS,
    "planned": _DATE,
    "completed": _DATE,
    "minutes": _NUMBER,
    "format": _TEXT,
    "track": _TEXT,
    "skills": _LIST,
    "goals": _RELATION,
    "vetted": _FLAG,
    "provider": _TEXT,
    "date": _DATE,
    "mentor": _TEXT,
    "feedback": _NUMBER,
    "insights": _TEXT,
    "action_items_done": _NUMBER,
    "action_items_total": _NUMBER,
    "project": _TEXT,
    "due": _DATE,
    "done_on": _DATE,
    "kind": _TEXT,
    "description": _TEXT,
}
"""Model field -> the Notion property types that can carry its value."""


def _mapped(mapping: NotionKindMapping) -> dict[str, str]:
    fields = dict(mapping.property_names())
    if mapping.title is not None:
        fields["title"] = mapping.title
    return fields


def field_problems(source: DataSource, mapping: NotionKindMapping) -> list[tuple[str, str, bool]]:
    """(field, problem, fatal) for each mapped property missing or of an unusable type.

    Missing is fatal only for a property named explicitly in careerloop.toml (a default
    name that is absent is skipped); an unusable type is always fatal.
    """
    problems = []
    for field, name in _mapped(mapping).items():
        schema = source.properties.get(name)
        if schema is None:
            problems.append((field, f"property {name!r} (mapped to {field}) does not exist",
                             mapping.required(field)))
            continue
        kind = str(schema.get("type"))
        allowed = FIELD_TYPES.get(field)
        if allowed is not None and kind not in allowed:
            problems.append((
                field,
                f"property {name!r} (mapped to {field}) is a {kind} property, which cannot "
                f"hold a {field}; use one of: {', '.join(sorted(allowed))}",
                True,
            ))
    return problems


def check_schema(source: DataSource, mapping: NotionKindMapping, where: str) -> None:
    """Refuse a mapping the data source cannot serve.

    Raises:
        SourceError: an explicitly mapped property is missing, or a mapped property's type
            cannot carry the field.
    """
    check_properties(source.properties, mapping, where)
    for _field, problem, fatal in field_problems(source, mapping):
        if fatal:
            raise SourceError(f"{where}: {problem}: fix the mapping in careerloop.toml")


def _timestamp(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


@dataclass(slots=True)
class _Table:
    kind: str
    mapping: NotionKindMapping
    where: str
    source: DataSource | None = None
    resolve_calls: int = 0
    cursor: Cursor | None = None
    stored_ids: frozenset[str] | set[str] = frozenset()


class NotionReader:
    """The Notion source: one `ReadResult` per configured data source.

    `http_client`, when given, is used as it is (tests pass one whose transport is a
    `PolicyTransport` over respx or a fake); otherwise one is built on `policy`
    (default: `requests_per_second` from the config, bursts of 3).
    """

    name = "notion"

    def __init__(
        self,
        config: Config,
        *,
        http_client: httpx.Client | None = None,
        policy: HttpPolicy | None = None,
        now: Callable[[], dt.datetime] | None = None,
        max_workers: int = 6,
    ) -> None:
        source = config.sources.notion
        if source is None:
            raise ConfigError("careerloop.toml has no [sources.notion] table")
        self.config = config
        self.notion: NotionSource = source
        self.policy = policy or notion_policy(source)
        self._http_client = http_client
        self._now = now or (lambda: dt.datetime.now(dt.UTC))
        self._max_workers = max_workers

    @property
    def stats(self) -> RequestStats:
        """Attempts, retries and waits of the policy (when the reader built the client)."""
        return self.policy.stats

    def http_stats(self) -> RequestStats | None:
        """Attempts, retries and waits of the reads so far."""
        return self.policy.stats

    def read(self, store: Store, *, full: bool) -> list[ReadResult]:
        """Read every configured data source (concurrently), each fully or incrementally.

        Raises:
            ConfigError: the token is unset, or a data source reference is ambiguous.
            SourceError: a data source could not be read (AuthError, NotFound,
                RateLimited, a missing or unusable property…); the message names it.
        """
        tables = [
            _Table(kind=kind, mapping=mapping, where=f"Notion {_TABLE_OF[kind]} data source")
            for kind, mapping in self.notion.tables().items()
            if mapping.data_source
        ]
        if not tables:
            return []
        api = NotionApi.from_config(
            self.notion, http_client=self._http_client, policy=self.policy
        )
        try:
            workers = max(1, min(len(tables), self._max_workers))
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="notion") as pool:
                list(pool.map(lambda t: self._resolve(api, t), tables))
                goals = next((t.source for t in tables if t.kind == "goal"), None)
                # SQLite connections stay on their thread: read the store here.
                for t in tables:
                    assert t.source is not None
                    origin = f"notion:{t.source.id}"
                    t.cursor, t.stored_ids = store.cursor(origin), store.record_ids(origin)
                return list(pool.map(lambda t: self._read_table(api, t, full, goals), tables))
        finally:
            if self._http_client is None:
                api.close()

    # -- one data source -----------------------------------------------------------------

    def _resolve(self, api: NotionApi, table: _Table) -> None:
        before = api.thread_calls()
        ref = str(table.mapping.data_source)
        table.source = api.resolve(ref, where=f"{table.where} {ref!r}")
        table.where = f"{table.where} {table.source.name!r}"
        table.resolve_calls = api.thread_calls() - before
        check_schema(table.source, table.mapping, table.where)

    def _needs_full(self, cursor: Cursor | None) -> bool:
        if cursor is None or cursor.cursor is None or cursor.full_read_at is None:
            return True
        age = self._now() - cursor.full_read_at
        return age >= dt.timedelta(days=self.notion.reconcile_days)

    def _read_table(
        self,
        api: NotionApi,
        table: _Table,
        full: bool,
        goals: DataSource | None,
    ) -> ReadResult:
        assert table.source is not None
        source, where = table.source, table.where
        before = api.thread_calls()
        origin = f"notion:{source.id}"
        cursor = table.cursor
        full_read = full or self._needs_full(cursor)
        started = self._now()
        if full_read:
            pages = self._query(api, source.id, where, "created_time", None)
        else:
            assert cursor is not None and cursor.cursor is not None
            since = _timestamp(cursor.cursor) - OVERLAP
            pages = self._query(api, source.id, where, "last_edited_time", since)

        trashed = [p for p in pages.values() if p.get("in_trash") or p.get("archived")]
        live = [p for p in pages.values() if not (p.get("in_trash") or p.get("archived"))]
        relation_names = {
            name for field, name in table.mapping.property_names().items()
            if source.properties.get(name, {}).get("type") == "relation"
        }
        for page in live:
            self._complete_relations(api, page, relation_names, where)

        workspace = Workspace()
        warnings: list[DataWarning] = []
        for page in live:
            record = record_from_row(
                PageRow(page), table.kind, table.mapping, tz=self.config.workspace.tz,
                where=where, warnings=warnings,
            )
            workspace.add(record)
        workspace.warnings.extend(warnings)
        self._warn_foreign_goals(table, goals, workspace)

        edited = [str(p["last_edited_time"]) for p in pages.values() if p.get("last_edited_time")]
        new_cursor: str
        if edited:
            new_cursor = max(edited, key=_timestamp)
            if cursor is not None and cursor.cursor and not full_read:
                new_cursor = max(new_cursor, cursor.cursor, key=_timestamp)
        elif cursor is not None and cursor.cursor and not full_read:
            new_cursor = cursor.cursor
        else:
            # An empty data source: start the next window at this run (less the overlap).
            new_cursor = _iso(started.replace(second=0, microsecond=0))

        if full_read:
            seen = {f"notion:{p['id']}" for p in live}
            deleted = tuple(sorted(set(table.stored_ids) - seen))
        else:
            deleted = tuple(sorted(f"notion:{p['id']}" for p in trashed))
        return ReadResult(
            origin=origin,
            workspace=workspace,
            full=full_read,
            deleted_ids=deleted,
            requests=api.thread_calls() - before + table.resolve_calls,
            cursor=new_cursor,
        )

    def _query(
        self,
        api: NotionApi,
        data_source_id: str,
        where: str,
        timestamp: str,
        since: dt.datetime | None,
    ) -> dict[str, dict[str, Any]]:
        """Every page from `since` on, by `timestamp` ascending, in capped windows."""
        pages: dict[str, dict[str, Any]] = {}
        lower = since
        while True:
            body: dict[str, Any] = {
                "page_size": PAGE_SIZE,
                "sorts": [{"timestamp": timestamp, "direction": "ascending"}],
            }
            if lower is not None:
                body["filter"] = {"timestamp": timestamp, timestamp: {"on_or_after": _iso(lower)}}
            before = len(pages)
            capped, last = self._paginate(api, data_source_id, where, body, pages, timestamp)
            if not capped:
                return pages
            if last is None or len(pages) == before:
                raise SourceError(
                    f"{where}: more than Notion's 10,000 query results share one "
                    f"{timestamp} minute; careerloop cannot page past them"
                )
            # The next window starts at the last timestamp read; its pages come back
            # again and are de-duplicated by id.
            lower = last

    def _paginate(
        self,
        api: NotionApi,
        data_source_id: str,
        where: str,
        body: dict[str, Any],
        pages: dict[str, dict[str, Any]],
        timestamp: str,
    ) -> tuple[bool, dt.datetime | None]:
        """Read one query to its end; (hit the result cap, last timestamp seen)."""
        seen_cursors: set[str] = set()
        last: dt.datetime | None = None
        cursor: str | None = None
        while True:
            answer = api.query(
                data_source_id, where=where, **body, **({"start_cursor": cursor} if cursor else {})
            )
            for page in answer.get("results") or []:
                if not isinstance(page, dict) or page.get("object") != "page":
                    continue  # a query may also list child data sources
                pages[str(page["id"])] = page
                if page.get(timestamp):
                    moment = _timestamp(str(page[timestamp]))
                    last = moment if last is None or moment > last else last
            cursor = answer.get("next_cursor")
            if answer.get("has_more") and cursor:
                if cursor in seen_cursors:
                    raise SourceError(
                        f"{where}: Notion returned the same page cursor twice; stopped "
                        "reading rather than loop"
                    )
                seen_cursors.add(cursor)
                continue
            status = answer.get("request_status") or {}
            return status.get("incomplete_reason") == RESULT_CAP_REASON, last

    def _complete_relations(
        self, api: NotionApi, page: dict[str, Any], names: set[str], where: str
    ) -> None:
        """Replace each mapped relation cut at 25 pages by the full list."""
        for name, property_id in truncated_relations(page):
            if name not in names:
                continue
            ids = []
            for item in api.property_items(str(page["id"]), property_id,
                                           where=f"{where}, property {name!r}"):
                related = item.get("relation") if isinstance(item, dict) else None
                if isinstance(related, dict) and related.get("id"):
                    ids.append({"id": str(related["id"])})
            prop = dict(page["properties"][name])
            prop.update(relation=ids, has_more=False)
            page["properties"][name] = prop

    def _warn_foreign_goals(
        self, table: _Table, goals: DataSource | None, workspace: Workspace
    ) -> None:
        """A goals relation into another data source links to records careerloop lacks."""
        assert table.source is not None
        name = getattr(table.mapping, "goals", None)
        if goals is None or not isinstance(name, str):
            return
        schema: Mapping[str, Any] = table.source.properties.get(name) or {}
        target = (schema.get("relation") or {}).get("data_source_id")
        if schema.get("type") == "relation" and target and target != goals.id:
            workspace.warnings.append(DataWarning(
                record_id=f"notion:{table.source.id}",
                message=f"{table.where}: {name!r} relates to another data source than the "
                        f"goals data source {goals.name!r}; its links match no goal",
            ))

