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

Relations cut at 25 pages (`has_more`), and rollups computed over such a relation, are
read in full through the page-property endpoint. A relation that feeds a text or list
field (a mentor, a track, skills…) gives the titles of the related pages: each related
data source is queried once per sync and its titles kept in the store (the one thing the
reader writes there itself), which stand in when it cannot be read. Data sources are read
concurrently on threads that share one token bucket.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from careerloop.config import NOTION_TABLES, Config, NotionKindMapping, NotionSource
from careerloop.connectors.base import Clock, HttpPolicy, ReadResult, RequestStats
from careerloop.connectors.notion.client import (
    DataSource,
    NotionApi,
    is_refusal,
    notion_policy,
)
from careerloop.connectors.notion.properties import (
    PEOPLE_CAPABILITY,
    PageRow,
    check_properties,
    nameless_people,
    record_from_row,
    to_number,
    truncated_relations,
    truncated_rollups,
)
from careerloop.errors import AuthError, ConfigError, RateLimited, SourceError
from careerloop.model import DataWarning, Workspace, quoted

if TYPE_CHECKING:
    from careerloop.store import Cursor, Store

__all__ = ["OVERLAP", "PAGE_SIZE", "NotionReader", "check_schema", "field_problems"]

PAGE_SIZE = 100  # the most Notion returns per query page
OVERLAP = dt.timedelta(minutes=2)  # last_edited_time is rounded down to the minute
RESULT_CAP_REASON = "query_result_limit_reached"

_TABLE_OF = {kind: table for table, kind in NOTION_TABLES.items()}

# Which property types can carry a model field's value (docs/architecture.md: Notion).
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
_FLAG = frozenset(
    {"checkbox", "formula", "select", "status", "rich_text", "rollup", "verification"}
)
_STATUS = frozenset({"status", "select", "checkbox", "multi_select", "formula", "rich_text"})
_RELATION = frozenset({"relation"})
# A relation names pages: the related pages' titles can be a mentor, a track, skills…
_NAMED_TEXT = _TEXT | _RELATION
_NAMED_LIST = _LIST | _RELATION

RELATION_TITLE_FIELDS = frozenset({"mentor", "track", "project", "skills", "provider"})
"""Text and list fields a relation can feed with the titles of the related pages."""

NUMBER_FIELDS = frozenset({"minutes", "feedback", "action_items_done", "action_items_total"})

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
    "track": _NAMED_TEXT,
    "skills": _NAMED_LIST,
    "goals": _RELATION,
    "vetted": _FLAG,
    "provider": _NAMED_TEXT,
    "date": _DATE,
    "mentor": _NAMED_TEXT,
    "feedback": _NUMBER,
    "insights": _TEXT,
    "action_items_done": _NUMBER,
    "action_items_total": _NUMBER,
    "project": _NAMED_TEXT,
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
        elif field in NUMBER_FIELDS and (problem := _options_not_numbers(name, field, schema)):
            problems.append((field, problem, True))
    return problems


def _options_not_numbers(name: str, field: str, schema: Mapping[str, Any]) -> str | None:
    """Why a select or status cannot hold a number field: none of its options is one.

    Options like `1`…`5` or `⭐⭐⭐` read as numbers; a select of names never does.
    """
    kind = schema.get("type")
    if kind not in ("select", "status"):
        return None
    options = [
        str(o["name"]) for o in (schema.get(kind) or {}).get("options") or []
        if isinstance(o, dict) and o.get("name")
    ]
    if not options or any(to_number(option) is not None for option in options):
        return None
    shown = ", ".join(options[:3]) + ("…" if len(options) > 3 else "")
    return f"{quoted(name)} (mapped to {field}) is a {kind} whose options {shown} are not numbers"


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
    label: str  # "Notion modules data source"
    where: str = ""  # the label and the data source's name, once known
    source: DataSource | None = None
    kept: DataSource | None = None  # the schema kept in the store, while fresh
    looked_up: bool = False  # `source` came from the API in this run
    resolve_calls: int = 0
    cursor: Cursor | None = None
    stored_ids: frozenset[str] | set[str] = frozenset()
    titles: dict[str, str] = dataclasses.field(default_factory=dict)  # related page id -> title
    title_warnings: list[DataWarning] = dataclasses.field(default_factory=list)
    title_calls: int = 0
    pages: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    full_read: bool = False
    started: dt.datetime | None = None
    query_calls: int = 0
    refused: bool = False  # the query of a kept schema's data source was refused

    @property
    def schema_key(self) -> str:
        """Where the store keeps this table's schema: the data source as configured."""
        return f"notion:{self.mapping.data_source}"


def _trashed(page: Mapping[str, Any]) -> bool:
    return bool(page.get("in_trash") or page.get("archived"))


def _contradicts(source: DataSource, mapping: NotionKindMapping,
                 pages: Iterable[Mapping[str, Any]]) -> bool:
    """Whether a page shows the kept schema is out of date.

    A query answers every property of every page, so a mapped property a page lacks (or
    has while the schema does not), or whose type differs, was changed since.
    """
    names = set(_mapped(mapping).values())
    for page in pages:
        properties = page.get("properties") or {}
        for name in names:
            kept, seen = source.properties.get(name), properties.get(name)
            if (kept is None) != (seen is None):
                return True
            if isinstance(seen, dict) and kept is not None and seen.get("type") != kept.get("type"):
                return True
    return False


class NotionReader:
    """The Notion source: one `ReadResult` per configured data source.

    `http_client`, when given, is used as it is (tests pass one whose transport is a
    `PolicyTransport` over respx or a fake); otherwise one is built on `policy`
    (default: `requests_per_second` from the config, bursts of 3, timed by `clock`) over
    `transport` (default: real sockets).
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
        clock: Clock | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        source = config.sources.notion
        if source is None:
            raise ConfigError("careerloop.toml has no [sources.notion] table")
        self.config = config
        self.notion: NotionSource = source
        self.policy = policy or notion_policy(source, clock=clock)
        self._http_client = http_client
        self._transport = transport
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

        Each data source's schema is looked up once and kept in the store; later syncs
        use it without asking again until a page contradicts it, its query is refused,
        `schema_days` pass, or `full` is asked for.

        Raises:
            ConfigError: the token is unset, or a data source reference is ambiguous.
            SourceError: a data source could not be read (AuthError, NotFound,
                RateLimited, a missing or unusable property…); the message names it.
        """
        tables = [
            _Table(kind=kind, mapping=mapping, label=f"Notion {_TABLE_OF[kind]} data source")
            for kind, mapping in self.notion.tables().items()
            if mapping.data_source
        ]
        if not tables:
            return []
        # SQLite connections stay on their thread: the store is read and written here.
        for table in tables:
            table.kept = None if full else self._kept_schema(store, table)
        api = NotionApi.from_config(
            self.notion, http_client=self._http_client, policy=self.policy,
            transport=self._transport,
        )
        try:
            workers = max(1, min(len(tables), self._max_workers))
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="notion") as pool:
                list(pool.map(lambda t: self._resolve(api, t), tables))
                self._load_cursors(store, tables)
                self._fetch(api, pool, tables, store, full)
                self._read_titles(api, pool, tables, store)
                goals = next((t.source for t in tables if t.kind == "goal"), None)
                results = list(pool.map(lambda t: self._read_table(api, t, goals), tables))
        finally:
            if self._http_client is None:
                api.close()
        for table in tables:
            if table.looked_up and table.source is not None:
                store.save_source_schema(
                    table.schema_key, dataclasses.asdict(table.source), self._now()
                )
        return results

    # -- schemas ---------------------------------------------------------------------------

    def _kept_schema(self, store: Store, table: _Table) -> DataSource | None:
        """The schema the store keeps for a table, unless `schema_days` have passed."""
        kept = store.source_schema(table.schema_key)
        if kept is None:
            return None
        data, read_at = kept
        if self._now() - read_at >= dt.timedelta(days=self.notion.schema_days):
            return None
        try:
            return DataSource(**data)
        except TypeError:  # kept by another careerloop version: look it up again
            return None

    def _resolve(self, api: NotionApi, table: _Table, *, again: bool = False) -> None:
        """The table's data source: the kept schema when it serves the mapping, else Notion's."""
        if table.kept is not None and not again:
            try:
                self._use(table, table.kept)
                return
            except SourceError:
                pass  # the mapping asks for what the kept schema lacks: ask Notion
        before = api.thread_calls()
        ref = str(table.mapping.data_source)
        source = api.resolve(ref, where=f"{table.label} {ref!r}")
        table.looked_up = True
        table.resolve_calls += api.thread_calls() - before
        self._use(table, source)

    def _use(self, table: _Table, source: DataSource) -> None:
        table.source = source
        table.where = f"{table.label} {source.name!r}"
        check_schema(source, table.mapping, table.where)

    def _load_cursors(self, store: Store, tables: Iterable[_Table]) -> None:
        for table in tables:
            assert table.source is not None
            origin = f"notion:{table.source.id}"
            table.cursor, table.stored_ids = store.cursor(origin), store.record_ids(origin)

    # -- the queries -----------------------------------------------------------------------

    def _fetch(
        self, api: NotionApi, pool: ThreadPoolExecutor, tables: list[_Table], store: Store,
        full: bool,
    ) -> None:
        """Query every table; a kept schema its answers contradict is looked up again.

        A refused query of a kept schema's data source (moved, unshared, its id now of
        another kind) is looked up again and queried once more.
        """
        list(pool.map(lambda t: self._query_table(api, t, full), tables))
        refused = [t for t in tables if t.refused]
        if refused:
            list(pool.map(lambda t: self._resolve(api, t, again=True), refused))
            self._load_cursors(store, refused)
            list(pool.map(lambda t: self._query_table(api, t, full), refused))
        stale = [
            t for t in tables
            if not t.looked_up and t.source is not None
            and _contradicts(t.source, t.mapping, t.pages.values())
        ]
        list(pool.map(lambda t: self._resolve(api, t, again=True), stale))

    def _query_table(self, api: NotionApi, table: _Table, full: bool) -> None:
        assert table.source is not None
        before = api.thread_calls()
        cursor = table.cursor
        table.full_read = full or self._needs_full(cursor)
        table.started = self._now()
        table.refused = False
        try:
            if table.full_read:
                table.pages = self._query(api, table.source.id, table.where, "created_time", None)
            else:
                assert cursor is not None and cursor.cursor is not None
                since = _timestamp(cursor.cursor) - OVERLAP
                table.pages = self._query(
                    api, table.source.id, table.where, "last_edited_time", since
                )
        except SourceError as error:
            if table.looked_up or not is_refusal(error):
                raise
            table.refused = True
        finally:
            table.query_calls += api.thread_calls() - before

    # -- titles of related pages -------------------------------------------------------------

    def _read_titles(
        self, api: NotionApi, pool: ThreadPoolExecutor, tables: list[_Table], store: Store
    ) -> None:
        """The titles of the pages each relation-fed field links to: one read per source.

        Every related data source is queried once (on the pool), its titles kept in the
        store; one that cannot be read falls back to the titles kept before, with a
        warning on each table that needs it.
        """
        needs = _related_sources(tables)
        if not needs:
            return

        def fetch(data_source_id: str) -> tuple[dict[str, str] | None, str, int]:
            where = f"related data source {data_source_id}"
            before = api.thread_calls()
            try:
                titles = self._titles(api, data_source_id, where)
            except SourceError as error:
                if isinstance(error, AuthError | RateLimited):
                    raise  # the whole run is refused or throttled, not only this source
                return None, str(error), api.thread_calls() - before
            return titles, "", api.thread_calls() - before

        for data_source_id, (titles, problem, calls) in zip(
            needs, pool.map(fetch, needs), strict=True
        ):
            users = needs[data_source_id]
            users[0][0].title_calls += calls  # the requests count once, on the first table
            if titles is not None:
                store.save_relation_titles(data_source_id, titles)
            else:
                titles = store.relation_titles(data_source_id)
            for table, prop in users:
                table.titles.update(titles)
                if problem:
                    table.title_warnings.append(_titles_warning(table, prop, titles, problem))

    def _titles(self, api: NotionApi, data_source_id: str, where: str) -> dict[str, str]:
        """Page id -> title of every page of a data source (only the title is asked for)."""
        pages = self._query(api, data_source_id, where, "created_time", None,
                            properties=["title"])
        titles = {}
        for page_id, page in pages.items():
            row = PageRow(page)
            name = row.title_property
            title = row.get(name) if name else None
            if isinstance(title, str) and title.strip():
                titles[page_id] = title.strip()
        return titles

    def _needs_full(self, cursor: Cursor | None) -> bool:
        if cursor is None or cursor.cursor is None or cursor.full_read_at is None:
            return True
        age = self._now() - cursor.full_read_at
        return age >= dt.timedelta(days=self.notion.reconcile_days)

    def _read_table(
        self,
        api: NotionApi,
        table: _Table,
        goals: DataSource | None,
    ) -> ReadResult:
        assert table.source is not None
        before = api.thread_calls()
        live = [p for p in table.pages.values() if not _trashed(p)]
        self._complete(api, table, live)
        workspace = Workspace()
        warnings: list[DataWarning] = list(table.title_warnings)
        for page in live:
            record = record_from_row(
                PageRow(page, titles=table.titles), table.kind, table.mapping,
                tz=self.config.workspace.tz, where=table.where, warnings=warnings,
            )
            workspace.add(record)
        workspace.warnings.extend(warnings)
        workspace.warnings.extend(self._nameless_people(table, live))
        self._warn_foreign_goals(table, goals, workspace)
        calls = api.thread_calls() - before
        return ReadResult(
            origin=f"notion:{table.source.id}",
            workspace=workspace,
            full=table.full_read,
            deleted_ids=_deleted(table, live),
            requests=calls + table.query_calls + table.resolve_calls + table.title_calls,
            cursor=_next_cursor(table),
        )

    def _complete(self, api: NotionApi, table: _Table, live: list[dict[str, Any]]) -> None:
        """Read in full the mapped relations and rollups the query cut at 25 pages."""
        assert table.source is not None
        mapped = set(table.mapping.property_names().values())
        relation_names = {
            name for name in mapped
            if table.source.properties.get(name, {}).get("type") == "relation"
        }
        for page in live:
            # Rollups first: they are cut when their relation is, which the next line mends.
            self._complete_rollups(api, page, table.source, mapped, table.where)
            self._complete_relations(api, page, relation_names, table.where)

    def _query(
        self,
        api: NotionApi,
        data_source_id: str,
        where: str,
        timestamp: str,
        since: dt.datetime | None,
        *,
        properties: list[str] | None = None,
    ) -> dict[str, dict[str, Any]]:
        """Every page from `since` on, by `timestamp` ascending, in capped windows.

        `properties` (ids) limits what each page carries (`filter_properties`).
        """
        pages: dict[str, dict[str, Any]] = {}
        lower = since
        while True:
            body: dict[str, Any] = {
                "page_size": PAGE_SIZE,
                "sorts": [{"timestamp": timestamp, "direction": "ascending"}],
            }
            if properties:
                body["filter_properties"] = properties
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
        last: dt.datetime | None = None
        status: Mapping[str, Any] = {}
        for answer in api.paginate(where, api.sdk.data_sources.query, data_source_id, **body):
            for page in answer.get("results") or []:
                if not isinstance(page, dict) or page.get("object") != "page":
                    continue  # a query may also list child data sources
                pages[str(page["id"])] = page
                if page.get(timestamp):
                    moment = _timestamp(str(page[timestamp]))
                    last = moment if last is None or moment > last else last
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

    def _complete_rollups(
        self, api: NotionApi, page: dict[str, Any], source: DataSource, names: set[str],
        where: str,
    ) -> None:
        """Replace each mapped rollup computed over a relation cut at 25 by its whole value."""
        for name, property_id in truncated_rollups(page, source.properties, names):
            rollup = api.rollup(str(page["id"]), property_id,
                                where=f"{where}, property {name!r}")
            prop = dict(page["properties"].get(name) or {})
            prop.update(id=property_id, type="rollup", rollup=rollup)
            page["properties"][name] = prop

    def _nameless_people(self, table: _Table, pages: list[dict[str, Any]]) -> list[DataWarning]:
        """One warning when mapped people properties came without names (a capability)."""
        assert table.source is not None
        names = table.mapping.property_names()
        affected = sorted({
            f"{quoted(prop)} (mapped to {field_name})"
            for field_name, prop in names.items()
            for page in pages
            if isinstance(p := (page.get("properties") or {}).get(prop), dict)
            and nameless_people(p)
        })
        if not affected:
            return []
        return [DataWarning(
            record_id=f"notion:{table.source.id}",
            message=f"{table.where}: {', '.join(affected)} lists people without their names, "
                    "so they are left empty: in the integration's settings "
                    f"(Capabilities), turn on \"{PEOPLE_CAPABILITY}\" and sync again",
        )]

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


def _related_sources(tables: Iterable[_Table]) -> dict[str, list[tuple[_Table, str]]]:
    """Related data source id -> the (table, property) of each relation that feeds names."""
    needs: dict[str, list[tuple[_Table, str]]] = {}
    for table in tables:
        assert table.source is not None
        for field_name, prop in table.mapping.property_names().items():
            schema = table.source.properties.get(prop) or {}
            target = (schema.get("relation") or {}).get("data_source_id")
            if field_name in RELATION_TITLE_FIELDS and schema.get("type") == "relation" and (
                target
            ):
                needs.setdefault(str(target), []).append((table, prop))
    return needs


def _titles_warning(table: _Table, prop: str, titles: Mapping[str, str],
                    problem: str) -> DataWarning:
    assert table.source is not None
    kept = (f"the {len(titles)} titles kept from an earlier sync are used"
            if titles else f"the field {prop!r} feeds stays empty")
    return DataWarning(
        record_id=f"notion:{table.source.id}",
        message=f"{table.where}: cannot read the pages {prop!r} relates to, "
                f"so {kept}: {problem}",
    )


def _next_cursor(table: _Table) -> str:
    """The newest `last_edited_time` read (or kept), else this run's minute."""
    cursor = table.cursor
    kept = cursor.cursor if cursor is not None and not table.full_read else None
    edited = [str(p["last_edited_time"]) for p in table.pages.values()
              if p.get("last_edited_time")]
    if edited:
        newest = max(edited, key=_timestamp)
        return max(newest, kept, key=_timestamp) if kept else newest
    if kept:
        return kept
    # An empty data source: start the next window at this run (less the overlap).
    assert table.started is not None
    return _iso(table.started.replace(second=0, microsecond=0))


def _deleted(table: _Table, live: list[dict[str, Any]]) -> tuple[str, ...]:
    """Records gone since: all stored but not read (a full read), else those trashed."""
    if table.full_read:
        seen = {f"notion:{p['id']}" for p in live}
        return tuple(sorted(set(table.stored_ids) - seen))
    return tuple(sorted(f"notion:{p['id']}" for p in table.pages.values() if _trashed(p)))
