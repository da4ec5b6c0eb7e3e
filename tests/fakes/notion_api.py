"""A stateful fake of the Notion API, served on 127.0.0.1 for end-to-end tests.

It behaves like Notion where careerloop depends on it: the bearer token (401), the
`Notion-Version` header, databases holding data sources, `data_sources.query` with
timestamp filters, sorts, `page_size` <= 100, cursors (the id of the next page, as Notion
does) and the 10,000-result cap per query; relations cut at 25 with `has_more` and the
page-property endpoint to read them in full; pages in the trash; 404 for what is not
shared; `users.me`; `search`; `databases.create` and block children of a page.

Tests inject faults per route (`fail`: 429 + Retry-After, 502 with an HTML body, 503,
504, 529, dropped connections, slow answers), turn on rate limiting (`limit_rate`) and
read what was asked (`requests`, `count`, `pacing`).

Writes (what the review publisher needs), validated as Notion validates them:
`pages.create` (data source parent, properties checked against the schema, children
checked by `validate_children` -> 400 validation_error worded like Notion's),
`pages.update` (properties, `in_trash`), `blocks.children.list` (paginated, block JSON
with `plain_text` and `has_children`), `blocks.children.append` (validated; `position`
`start` / `end` / `after_block`, and the legacy `after` before 2026-03-11; the answer
lists the created top-level blocks in order), `blocks.retrieve`, `blocks.delete` (to the
trash), `data_sources.update` (adds properties), property filters (`rich_text` / `title`
`equals`, `select` `equals`, `number` `equals`, `checkbox` `equals`) and the File Upload
API (`file_uploads` create, multipart `send`, retrieve). Editing a trashed page or block
answers 400 "Can't edit block that is archived…", as Notion does.

Workspace limits: `block_cap` (total live blocks created through the API; None: no cap)
answers block-creating writes past it with `BLOCK_LIMIT_MESSAGE` (400 validation_error;
Notion's exact wording is undocumented, so careerloop matches on "block limit").
`crash_after_writes(n)` drops every write after the n-th (a process killed halfway; with
`land=True` the first dropped write is applied before its answer is lost); `recover()`
ends that. A fault with `status=200` answers for real (the request is applied), too late
for the client with `timeout` (the test wire raises the client's timeout) or, with
`truncate`, cut in the middle: `truncate=True` sends half the JSON as a complete response,
`truncate="close"` announces the whole body, sends half and hangs up. `wait_idle()` waits
until no request is being answered.

To extend it further, add a handler with `add_route(method, pattern, handler)`; a handler
gets a `Call` and returns `(status, json body)`.
"""

from __future__ import annotations

import copy
import datetime as dt
import email.parser
import email.policy
import json
import re
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.loopback import Answer, Fault, FaultInjector, LoopbackServer
from tests.fakes.notion_limits import count_blocks, validate_children

NOTION_VERSIONS = frozenset({"2022-06-28", "2025-09-03", "2026-03-11"})
DEFAULT_TOKEN = "ntn_fake_0123456789abcdefghijklmnopqrstuv"
ARCHIVED_MESSAGE = (
    "Can't edit block that is archived. You must unarchive the block before editing."
)
BLOCK_LIMIT_MESSAGE = (
    "This workspace has reached its block limit: integrations in a free workspace with "
    "more than one member can create at most 1000 blocks. Upgrade the workspace to add more."
)
_WRITE_METHODS = frozenset({"POST", "PATCH", "DELETE", "PUT"})

Handler = Callable[["Call"], tuple[int, Any]]


class ApiError(Exception):
    """Raised by a handler: answered as Notion's error object."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(slots=True)
class Call:
    """One request as a handler sees it."""

    method: str
    path: str  # after /v1/
    params: dict[str, str]
    body: dict[str, Any]
    match: re.Match[str]


@dataclass(slots=True)
class Logged:
    """One request as the fake saw it."""

    method: str
    path: str
    status: int  # 0 when the connection was dropped
    at: float
    version: str | None
    body: dict[str, Any] = field(default_factory=dict)


class _RateLimit:
    """The fake's own token bucket: a request over it gets 429 + Retry-After.

    It keeps time by `monotonic` (a test passes its fake clock's, so the fake and the
    client agree on time whatever the machine's speed).
    """

    def __init__(self, rate: float, burst: float, retry_after: int,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.burst, self.retry_after = rate, burst, retry_after
        self._monotonic = monotonic
        self.tokens, self.last = burst, monotonic()

    def take(self) -> bool:
        now = self._monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _minute(moment: dt.datetime) -> dt.datetime:
    # Notion keeps created_time and last_edited_time rounded down to the minute.
    return moment.astimezone(dt.UTC).replace(second=0, microsecond=0)


def _parse_time(text: str) -> dt.datetime:
    if len(text) == 10:
        return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def rich(text: str) -> list[dict[str, Any]]:
    """A rich-text array holding `text`."""
    if not text:
        return []
    return [
        {
            "type": "text",
            "text": {"content": text, "link": None},
            "annotations": {"bold": False, "italic": False, "code": False, "color": "default"},
            "plain_text": text,
            "href": None,
        }
    ]


def _plain(items: Any) -> str:
    """The text of a rich-text array, as read (plain_text) or as written (text.content)."""
    return "".join(
        i.get("plain_text") or (i.get("text") or {}).get("content", "")
        for i in items or []
        if isinstance(i, dict)
    )


class FakeNotion(FaultInjector[Logged]):
    """The state and behaviour of the fake API (the server is `FakeNotionServer`)."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        result_cap: int = 10_000,
        relation_limit: int = 25,
        now: Callable[[], dt.datetime] | None = None,
        user_names: bool = True,
    ) -> None:
        self.token = token
        self.result_cap = result_cap
        self.relation_limit = relation_limit
        # False: the integration lacks "Read user information", so users come without names.
        self.user_names = user_names
        self.now = now or (lambda: dt.datetime.now(dt.UTC))
        self.databases: dict[str, dict[str, Any]] = {}
        self.data_sources: dict[str, dict[str, Any]] = {}
        self.pages: dict[str, dict[str, Any]] = {}
        self.children: dict[str, list[dict[str, Any]]] = {}  # block id -> child blocks
        self.shared: set[str] = set()
        self._init_faults()
        self.rate_limit: _RateLimit | None = None
        self.blocks: dict[str, dict[str, Any]] = {}  # blocks created through the API
        self.file_uploads: dict[str, dict[str, Any]] = {}
        self.block_cap: int | None = None
        self._ids = 0
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._install_routes()

    # -- ids and routes -------------------------------------------------------------------

    def new_id(self) -> str:
        """A fresh, deterministic UUID."""
        with self.lock:
            self._ids += 1
            return str(uuid.UUID(int=(0xC0FFEE << 96) + self._ids))

    def add_route(self, method: str, pattern: str, handler: Handler) -> None:
        """Serve `method` on paths (after /v1/) matching `pattern`; later routes win."""
        self._routes.insert(0, (method, re.compile(f"^{pattern}$"), handler))

    def _install_routes(self) -> None:
        uid = r"(?P<id>[0-9a-fA-F-]{32,36})"
        self.add_route("GET", "users/me", self._users_me)
        self.add_route("POST", "search", self._search)
        self.add_route("POST", "databases", self._create_database)
        self.add_route("GET", f"databases/{uid}", self._get_database)
        self.add_route("GET", f"data_sources/{uid}", self._get_data_source)
        self.add_route("POST", f"data_sources/{uid}/query", self._query)
        self.add_route("GET", f"pages/{uid}", self._get_page)
        self.add_route("GET", f"pages/{uid}/properties/(?P<prop>[^/]+)", self._get_property)
        self.add_route("GET", f"blocks/{uid}/children", self._list_children)
        self.add_route("POST", "pages", self._create_page)
        self.add_route("PATCH", f"pages/{uid}", self._update_page)
        self.add_route("PATCH", f"data_sources/{uid}", self._update_data_source)
        self.add_route("GET", f"blocks/{uid}", self._get_block)
        self.add_route("PATCH", f"blocks/{uid}/children", self._append_children)
        self.add_route("DELETE", f"blocks/{uid}", self._delete_block)
        self.add_route("POST", "file_uploads", self._create_upload)
        self.add_route("POST", f"file_uploads/{uid}/send", self._send_upload)
        self.add_route("GET", f"file_uploads/{uid}", self._get_upload)

    # -- building the workspace -----------------------------------------------------------

    def add_page_container(self, title: str = "Career plan", *, shared: bool = True) -> str:
        """A plain page (a parent for `init --notion`)."""
        page_id = self.new_id()
        self.pages[page_id] = {
            "object": "page",
            "id": page_id,
            "created_time": _iso(_minute(self.now())),
            "last_edited_time": _iso(_minute(self.now())),
            "in_trash": False,
            "parent": {"type": "workspace", "workspace": True},
            "url": f"https://www.notion.so/{page_id.replace('-', '')}",
            "properties": {"title": {"id": "title", "type": "title", "title": rich(title)}},
            "_values": {},
            "_data_source": None,
        }
        self.children[page_id] = []
        if shared:
            self.shared.add(page_id)
        return page_id

    def add_database(
        self,
        title: str,
        schema: Mapping[str, str | Mapping[str, Any]],
        *,
        parent_page: str | None = None,
        shared: bool = True,
        extra_sources: Iterable[str] = (),
    ) -> tuple[str, str]:
        """A database with one data source (plus `extra_sources` by name); (db id, ds id).

        `schema` maps a property name to a type (`"date"`) or a creation config
        (`{"select": {"options": [...]}}`, `{"relation": {"data_source_id": ...}}`).
        """
        database_id = self.new_id()
        sources = []
        for name in (title, *extra_sources):
            ds_id = self.new_id()
            self.data_sources[ds_id] = {
                "id": ds_id,
                "name": name,
                "database_id": database_id,
                "properties": self._schema(schema),
            }
            sources.append({"id": ds_id, "name": name})
            if shared:
                self.shared.add(ds_id)
        self.databases[database_id] = {
            "id": database_id,
            "title": title,
            "data_sources": sources,
            "parent_page": parent_page,
        }
        if shared:
            self.shared.add(database_id)
        if parent_page is not None:
            self.children.setdefault(parent_page, []).append(
                {
                    "object": "block",
                    "id": database_id,
                    "type": "child_database",
                    "child_database": {"title": title},
                    "has_children": False,
                    "in_trash": False,
                }
            )
        return database_id, sources[0]["id"]

    def _schema(self, schema: Mapping[str, str | Mapping[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for number, (name, spec) in enumerate(schema.items()):
            if isinstance(spec, str):
                kind, config = spec, {}
            else:
                kind, config = next(iter(spec.items()))
                config = dict(config or {})
            if kind in ("select", "multi_select", "status"):
                config = {
                    "options": [
                        {"id": f"o{i}", "name": o["name"], "color": o.get("color", "default")}
                        for i, o in enumerate(config.get("options", []))
                    ]
                }
            if kind == "relation":
                target = config.get("data_source_id")
                config = {
                    "data_source_id": target,
                    "database_id": self.data_sources.get(target, {}).get("database_id"),
                    "type": "single_property",
                    "single_property": {},
                }
            if kind == "rollup":
                # {"relation_property_name", "rollup_property_name", "function"}: the ids
                # are filled in as Notion shows them.
                relation = out[config["relation_property_name"]]
                target = self.data_sources[relation["relation"]["data_source_id"]]["properties"]
                config = {
                    **config,
                    "relation_property_id": relation["id"],
                    "rollup_property_id": target[config["rollup_property_name"]]["id"],
                }
            prop_id = "title" if kind == "title" else f"p{number:03d}"
            out[name] = {"id": prop_id, "name": name, "type": kind, kind: config}
        return out

    def add_page(
        self,
        data_source_id: str,
        values: Mapping[str, Any] | None = None,
        *,
        created: dt.datetime | None = None,
        edited: dt.datetime | None = None,
        in_trash: bool = False,
    ) -> str:
        """A page in a data source; `values` are plain Python values by property name."""
        page_id = self.new_id()
        created = _minute(created or self.now())
        page = {
            "object": "page",
            "id": page_id,
            "created": created,
            "edited": _minute(edited or created),
            "in_trash": in_trash,
            "url": f"https://www.notion.so/{page_id.replace('-', '')}",
            "_data_source": data_source_id,
            "_values": dict(values or {}),
        }
        with self.lock:
            self.pages[page_id] = page
            self.shared.add(page_id)
        return page_id

    def edit_page(
        self,
        page_id: str,
        values: Mapping[str, Any] | None = None,
        *,
        at: dt.datetime | None = None,
        in_trash: bool | None = None,
    ) -> None:
        """Change a page as a user would (last_edited_time moves on)."""
        with self.lock:
            page = self.pages[page_id]
            page["_values"].update(values or {})
            if in_trash is not None:
                page["in_trash"] = in_trash
            page["edited"] = _minute(at or self.now())

    def change_property_type(self, data_source_id: str, name: str,
                             spec: str | Mapping[str, Any]) -> None:
        """Give a property another type, as a user does in Notion (its id stays, values
        are shown in the new type: a number becomes its text)."""
        with self.lock:
            properties = self.data_sources[data_source_id]["properties"]
            old_id = properties[name]["id"]
            changed = self._schema({name: spec})[name]
            changed["id"] = old_id
            properties[name] = changed

    def add_property(self, data_source_id: str, name: str,
                     spec: str | Mapping[str, Any]) -> None:
        """Add a property to a data source, as a user does in Notion (pages: empty)."""
        with self.lock:
            properties = self.data_sources[data_source_id]["properties"]
            added = self._schema({name: spec})[name]
            added["id"] = f"p{len(properties):03d}"
            properties[name] = added

    def rename_property(self, data_source_id: str, old: str, new: str) -> None:
        """Rename a property (same id, same place); the pages' values follow it."""
        with self.lock:
            source = self.data_sources[data_source_id]
            source["properties"] = {
                (new if name == old else name): ({**spec, "name": new} if name == old else spec)
                for name, spec in source["properties"].items()
            }
            for page in self.pages.values():
                if page["_data_source"] == data_source_id and old in page["_values"]:
                    page["_values"][new] = page["_values"].pop(old)

    def replace_data_source(self, data_source_id: str) -> str:
        """Move a data source's schema and pages to a new id (the old one answers 404), as
        when a database's only data source is deleted and a copy takes its place."""
        with self.lock:
            new_id = self.new_id()
            source = self.data_sources.pop(data_source_id)
            self.data_sources[new_id] = {**source, "id": new_id}
            database = self.databases[source["database_id"]]
            database["data_sources"] = [
                {**s, "id": new_id} if s["id"] == data_source_id else s
                for s in database["data_sources"]
            ]
            for page in self.pages.values():
                if page["_data_source"] == data_source_id:
                    page["_data_source"] = new_id
            self.shared.discard(data_source_id)
            self.shared.add(new_id)
            return new_id

    def delete_page(self, page_id: str) -> None:
        """Remove a page for good (no trace left, as after emptying the trash)."""
        with self.lock:
            del self.pages[page_id]

    def unshare(self, object_id: str) -> None:
        """Take an object away from the integration (its routes answer 404)."""
        self.shared.discard(object_id)

    # -- faults, rate limit and what was asked ---------------------------------------------

    def fail(
        self,
        route: str = ".*",
        *,
        status: int = 502,
        times: int = 1,
        method: str | None = None,
        retry_after: float | str | None = None,
        drop: bool = False,
        timeout: bool = False,
        truncate: bool | str = False,
    ) -> None:
        """Fail the next `times` requests whose path (after /v1/) matches `route`.

        502 comes with an HTML body (a gateway page), the others with Notion's error JSON;
        `drop` closes the connection without an answer. Status 200 answers for real
        (applying the request): too late for the client with `timeout`, cut with `truncate`
        (True: half the JSON as a complete response; "close": the full length announced,
        half sent, the connection closed).
        """
        body, content_type = None, "application/json"
        if status == 502:
            body = "<html><head><title>502 Bad Gateway</title></head><body>502</body></html>"
            content_type = "text/html"
        self._add_fault(route, status=status, times=times, method=method, drop=drop,
                        timeout=timeout, body=body, retry_after=retry_after, truncate=truncate,
                        content_type=content_type)

    def limit_rate(self, rate: float, *, burst: float = 3.0, retry_after: int = 1,
                   monotonic: Callable[[], float] = time.monotonic) -> None:
        """Answer 429 + Retry-After to requests over `rate` per second (of `monotonic`)."""
        self.rate_limit = _RateLimit(rate, burst, retry_after, monotonic)

    def _compile_route(self, route: str) -> re.Pattern[str]:
        # Anchored and matched from the start, so a top-level `a|b` reads as "starts with
        # a, or is b" (what `fail` and `count` have always done here).
        return re.compile(f"^{route}$")

    def _route_matches(self, pattern: re.Pattern[str], path: str) -> bool:
        return pattern.match(path) is not None

    def pacing(self) -> dict[str, float]:
        """Requests, their average rate and the most seen in any 1-second window."""
        times = sorted(r.at for r in self.requests)
        if len(times) < 2:
            return {"requests": float(len(times)), "rate": 0.0, "max_per_second": float(len(times))}
        start, most = 0, 0
        for end, moment in enumerate(times):
            while moment - times[start] >= 1.0:
                start += 1
            most = max(most, end - start + 1)
        span = times[-1] - times[0]
        return {
            "requests": float(len(times)),
            "rate": (len(times) - 1) / span if span else float("inf"),
            "max_per_second": float(most),
        }

    # -- dispatch -----------------------------------------------------------------------------

    def _dispatch(
        self, method: str, raw_path: str, headers: Mapping[str, str], raw_body: bytes
    ) -> tuple[int, dict[str, str], bytes] | None:
        split = urlsplit(raw_path)
        path = split.path.removeprefix("/v1/").strip("/")
        params = {k: v[-1] for k, v in parse_qs(split.query).items()}
        content_type = headers.get("content-type", "")
        if content_type.startswith("multipart/form-data"):
            body: dict[str, Any] | None = _multipart(content_type, raw_body)
        else:
            try:
                body = json.loads(raw_body) if raw_body else {}
            except json.JSONDecodeError:
                body = None
        version = headers.get("notion-version")
        logged = Logged(method, path, 0, time.monotonic(), version, body or {})
        return self._serve(
            logged, _is_write(method, path),
            lambda: self._answer(method, path, params, body, headers, version),
        )

    def _over_rate(self, land: bool) -> bool:
        # A write landing after a crash spends a token but is never refused.
        limited = self.rate_limit is not None and not self.rate_limit.take()
        return limited and not land

    def _rate_limited(self) -> Answer:
        assert self.rate_limit is not None
        return self._error(429, "rate_limited", "You have been rate limited.",
                           {"Retry-After": str(self.rate_limit.retry_after)})

    def _fault_answer(self, fault: Fault) -> tuple[int, dict[str, str], bytes]:
        headers = {"Content-Type": fault.content_type}
        if fault.retry_after is not None:
            headers["Retry-After"] = fault.retry_after
        if fault.body is not None:
            return fault.status, headers, fault.body.encode()
        code = {
            429: "rate_limited",
            500: "internal_server_error",
            503: "service_unavailable",
            504: "gateway_timeout",
            529: "service_overload",
        }.get(fault.status, "internal_server_error")
        return self._error(fault.status, code, f"injected {fault.status}", headers)

    @staticmethod
    def _error(
        status: int, code: str, message: str, headers: Mapping[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        body = {"object": "error", "status": status, "code": code, "message": message,
                "request_id": str(uuid.uuid4())}
        return status, {"Content-Type": "application/json", **(headers or {})}, json.dumps(
            body
        ).encode()

    def _answer(
        self,
        method: str,
        path: str,
        params: dict[str, str],
        body: dict[str, Any] | None,
        headers: Mapping[str, str],
        version: str | None,
    ) -> tuple[int, Any]:
        def error(status: int, code: str, message: str) -> tuple[int, Any]:
            return status, {"object": "error", "status": status, "code": code,
                            "message": message}

        if headers.get("authorization") != f"Bearer {self.token}":
            return error(401, "unauthorized", "API token is invalid.")
        if version is None:
            return error(400, "missing_version", "Notion-Version header failed validation.")
        if version not in NOTION_VERSIONS:
            return error(400, "validation_error", f"{version} is not a valid Notion-Version.")
        if body is None:
            return error(400, "invalid_json", "Error parsing JSON body.")
        for route_method, pattern, handler in self._routes:
            match = pattern.match(path)
            if match and route_method == method:
                try:
                    with self.lock:
                        return handler(Call(method, path, params, body, match))
                except ApiError as exc:
                    return error(exc.status, exc.code, exc.message)
        return error(400, "invalid_request_url", f"Invalid request URL: {method} /v1/{path}")

    # -- rendering -------------------------------------------------------------------------

    def _require(self, object_id: str, kind: str, table: Mapping[str, Any]) -> None:
        if object_id not in table or object_id not in self.shared:
            raise ApiError(
                404,
                "object_not_found",
                f"Could not find {kind} with ID: {object_id}. Make sure the relevant pages "
                "and databases are shared with your integration.",
            )

    def _property_value(self, schema: Mapping[str, Any], value: Any) -> dict[str, Any]:
        kind = schema["type"]
        out: dict[str, Any] = {"id": schema["id"], "type": kind}
        if kind in ("title", "rich_text"):
            out[kind] = rich(str(value)) if value else []
        elif kind in ("select", "status"):
            out[kind] = {"id": f"n-{value}", "name": value, "color": "default"} if value else None
        elif kind == "multi_select":
            out[kind] = [{"id": f"n-{v}", "name": v, "color": "default"} for v in value or []]
        elif kind == "date":
            if isinstance(value, dt.date):
                value = value.isoformat()
            if isinstance(value, str):
                value = {"start": value, "end": None, "time_zone": None}
            out[kind] = value
        elif kind == "checkbox":
            out[kind] = bool(value)
        elif kind == "people":
            out[kind] = [
                {"object": "user", "id": str(uuid.uuid5(uuid.NAMESPACE_DNS, n)),
                 **({"name": n} if self.user_names else {})}
                for n in value or []
            ]
        elif kind == "relation":
            ids = list(value or [])
            out[kind] = [{"id": i} for i in ids[: self.relation_limit]]
            out["has_more"] = len(ids) > self.relation_limit
        else:  # number, url, email, formula, rollup, unique_id…: given as Notion has them
            out[kind] = value
        return out

    def render_page(self, page_id: str) -> dict[str, Any]:
        """A page as the API shows it (relations cut at `relation_limit`)."""
        page = self.pages[page_id]
        ds_id = page["_data_source"]
        if ds_id is None:
            return {k: v for k, v in page.items() if not k.startswith("_")}
        source = self.data_sources[ds_id]
        properties = {}
        for name, schema in source["properties"].items():
            if schema["type"] == "created_time":
                properties[name] = {"id": schema["id"], "type": "created_time",
                                    "created_time": _iso(page["created"])}
            elif schema["type"] == "last_edited_time":
                properties[name] = {"id": schema["id"], "type": "last_edited_time",
                                    "last_edited_time": _iso(page["edited"])}
            elif schema["type"] == "rollup" and name not in page["_values"]:
                # Notion computes a rollup over the first 25 related pages only.
                items = self._rollup_items(page, schema)[: self.relation_limit]
                properties[name] = {"id": schema["id"], "type": "rollup",
                                    "rollup": _rollup(items, schema["rollup"]["function"])}
            else:
                properties[name] = self._property_value(schema, page["_values"].get(name))
        return {
            "object": "page",
            "id": page_id,
            "created_time": _iso(page["created"]),
            "last_edited_time": _iso(page["edited"]),
            "in_trash": page["in_trash"],
            "archived": page["in_trash"],
            "url": page["url"],
            "parent": {"type": "data_source_id", "data_source_id": ds_id,
                       "database_id": source["database_id"]},
            "properties": properties,
        }

    def _render_database(self, database_id: str) -> dict[str, Any]:
        db = self.databases[database_id]
        parent = (
            {"type": "page_id", "page_id": db["parent_page"]}
            if db["parent_page"]
            else {"type": "workspace", "workspace": True}
        )
        return {
            "object": "database",
            "id": database_id,
            "title": rich(db["title"]),
            "parent": parent,
            "in_trash": False,
            "data_sources": [dict(s) for s in db["data_sources"]],
            "url": f"https://www.notion.so/{database_id.replace('-', '')}",
        }

    def _render_data_source(self, ds_id: str) -> dict[str, Any]:
        source = self.data_sources[ds_id]
        return {
            "object": "data_source",
            "id": ds_id,
            "title": rich(source["name"]),
            "parent": {"type": "database_id", "database_id": source["database_id"]},
            "properties": json.loads(json.dumps(source["properties"])),
        }

    # -- handlers ------------------------------------------------------------------------------

    def _users_me(self, call: Call) -> tuple[int, Any]:
        return 200, {"object": "user", "id": "b0000000-0000-4000-8000-000000000001",
                     "type": "bot", "name": "careerloop (fake)", "bot": {}}

    def _get_database(self, call: Call) -> tuple[int, Any]:
        database_id = call.match["id"]
        self._require(database_id, "database", self.databases)
        return 200, self._render_database(database_id)

    def _get_data_source(self, call: Call) -> tuple[int, Any]:
        ds_id = call.match["id"]
        self._require(ds_id, "data_source", self.data_sources)
        return 200, self._render_data_source(ds_id)

    def _get_page(self, call: Call) -> tuple[int, Any]:
        page_id = call.match["id"]
        self._require(page_id, "page", self.pages)
        return 200, self.render_page(page_id)

    def _page_size(self, value: Any, default: int = 100) -> int:
        size = int(value) if value is not None else default
        if not 1 <= size <= 100:
            raise ApiError(400, "validation_error", "body.page_size should be ≤ `100`.")
        return size

    def _query(self, call: Call) -> tuple[int, Any]:
        ds_id = call.match["id"]
        self._require(ds_id, "data_source", self.data_sources)
        body = call.body
        size = self._page_size(body.get("page_size"))
        pages = [
            p for p in self.pages.values()
            if p["_data_source"] == ds_id and not p["in_trash"]
        ]
        if body.get("filter"):
            pages = [p for p in pages if self._matches(p, body["filter"])]
        pages = self._sorted(pages, body.get("sorts") or [])
        start = 0
        if body.get("start_cursor"):
            ids = [p["id"] for p in pages]
            if body["start_cursor"] not in ids:
                raise ApiError(400, "validation_error", "start_cursor provided is invalid.")
            start = ids.index(body["start_cursor"])
        end = min(start + size, len(pages), self.result_cap)
        results = [self.render_page(p["id"]) for p in pages[start:end]]
        answer: dict[str, Any] = {
            "object": "list",
            "results": results,
            "type": "page_or_data_source",
            "page_or_data_source": {},
        }
        if end < len(pages) and end < self.result_cap:
            answer.update(has_more=True, next_cursor=pages[end]["id"])
        else:
            answer.update(has_more=False, next_cursor=None)
            if end >= self.result_cap and len(pages) > self.result_cap:
                answer["request_status"] = {"incomplete_reason": "query_result_limit_reached"}
        return 200, answer

    def _matches(self, page: Mapping[str, Any], flt: Mapping[str, Any]) -> bool:
        if "and" in flt:
            return all(self._matches(page, f) for f in flt["and"])
        if "or" in flt:
            return any(self._matches(page, f) for f in flt["or"])
        if "property" in flt:
            return self._matches_property(page, flt)
        timestamp = flt.get("timestamp")
        if timestamp not in ("created_time", "last_edited_time"):
            raise ApiError(400, "validation_error", "the fake filters on timestamps only")
        value = page["created"] if timestamp == "created_time" else page["edited"]
        condition = flt[timestamp]
        for op, raw in condition.items():
            bound = _parse_time(raw)
            ok = {
                "on_or_after": value >= bound,
                "after": value > bound,
                "on_or_before": value <= bound,
                "before": value < bound,
                "equals": value == bound,
            }.get(op)
            if ok is None:
                raise ApiError(400, "validation_error", f"unknown condition {op}")
            if not ok:
                return False
        return True

    def _sorted(self, pages: list[dict[str, Any]], sorts: list[Any]) -> list[dict[str, Any]]:
        # Notion's default order is newest first; ties keep creation order (the ids).
        if not sorts:
            sorts = [{"timestamp": "created_time", "direction": "descending"}]
        ordered = sorted(pages, key=lambda p: p["id"])
        for sort in reversed(sorts):
            timestamp = sort.get("timestamp")
            if timestamp not in ("created_time", "last_edited_time"):
                raise ApiError(400, "validation_error", "the fake sorts on timestamps only")
            key = "created" if timestamp == "created_time" else "edited"
            ordered.sort(key=lambda p, k=key: p[k], reverse=sort.get("direction") == "descending")
        return ordered

    def _get_property(self, call: Call) -> tuple[int, Any]:
        page_id, prop_id = call.match["id"], call.match["prop"]
        self._require(page_id, "page", self.pages)
        page = self.pages[page_id]
        source = self.data_sources[page["_data_source"]]
        name, schema = next(
            ((n, s) for n, s in source["properties"].items() if s["id"] == prop_id),
            (None, None),
        )
        if schema is None or name is None:
            raise ApiError(404, "object_not_found", f"Could not find property with ID: {prop_id}.")
        size = self._page_size(call.params.get("page_size"), default=25)
        start = int(call.params["start_cursor"]) if call.params.get("start_cursor") else 0
        if schema["type"] == "rollup" and name not in page["_values"]:
            # Every related value, page by page; the result only in the last answer.
            items = self._rollup_items(page, schema)
            more = start + size < len(items)
            function = schema["rollup"]["function"]
            final = (
                {"type": "array", "array": [], "function": function}
                if function == "show_original" else _rollup(items, function)
            )
            return 200, {
                "object": "list",
                "results": [{"object": "property_item", "id": prop_id, **item}
                            for item in items[start : start + size]],
                "next_cursor": str(start + size) if more else None,
                "has_more": more,
                "type": "property_item",
                "property_item": {
                    "id": prop_id, "next_url": None, "type": "rollup",
                    "rollup": {"type": "incomplete", "incomplete": {}, "function": function}
                    if more else final,
                },
            }
        if schema["type"] != "relation":
            value = self._property_value(schema, page["_values"].get(name))
            value.pop("has_more", None)
            return 200, {"object": "property_item", **value}
        ids = list(page["_values"].get(name) or [])
        chunk = ids[start : start + size]
        more = start + size < len(ids)
        return 200, {
            "object": "list",
            "results": [
                {"object": "property_item", "id": prop_id, "type": "relation",
                 "relation": {"id": i}}
                for i in chunk
            ],
            "next_cursor": str(start + size) if more else None,
            "has_more": more,
            "type": "property_item",
            "property_item": {"id": prop_id, "next_url": None, "type": "relation", "relation": {}},
        }

    def _rollup_items(self, page: Mapping[str, Any], schema: Mapping[str, Any]) -> list[Any]:
        """The rolled-up property of every related page (values without their id)."""
        config = schema["rollup"]
        items = []
        for related_id in page["_values"].get(config["relation_property_name"]) or []:
            related = self.pages[related_id]
            target = self.data_sources[related["_data_source"]]["properties"]
            prop = target[config["rollup_property_name"]]
            value = self._property_value(prop, related["_values"].get(prop["name"]))
            value.pop("id")
            value.pop("has_more", None)
            items.append(value)
        return items

    def _search(self, call: Call) -> tuple[int, Any]:
        body = call.body
        size = self._page_size(body.get("page_size"))
        wanted = (body.get("filter") or {}).get("value")
        text = str(body.get("query") or "").casefold()
        found: list[dict[str, Any]] = []
        if wanted in (None, "data_source"):
            for ds_id, source in self.data_sources.items():
                if ds_id in self.shared and text in source["name"].casefold():
                    found.append(self._render_data_source(ds_id))
        if wanted in (None, "page"):
            for page_id, page in self.pages.items():
                if page_id in self.shared and not page.get("in_trash"):
                    rendered = self.render_page(page_id)
                    titles = [p for p in rendered["properties"].values() if p["type"] == "title"]
                    if titles and text in _plain(titles[0]["title"]).casefold():
                        found.append(rendered)
        start = int(body["start_cursor"]) if body.get("start_cursor") else 0
        more = start + size < len(found)
        return 200, {"object": "list", "results": found[start : start + size],
                     "has_more": more, "next_cursor": str(start + size) if more else None}

    def _create_database(self, call: Call) -> tuple[int, Any]:
        body = call.body
        parent = body.get("parent") or {}
        page_id = parent.get("page_id")
        if not page_id:
            raise ApiError(400, "validation_error", "body.parent.page_id should be defined.")
        self._require(page_id, "page", self.pages)
        title = _plain(body.get("title")) or "Untitled"
        initial = body.get("initial_data_source") or {}
        schema: dict[str, Any] = {}
        for name, config in (initial.get("properties") or {}).items():
            kind = next(k for k in config if k not in ("name", "description"))
            target = (config.get("relation") or {}).get("data_source_id")
            if kind == "relation" and target not in self.data_sources:
                raise ApiError(400, "validation_error", f"data source {target} not found")
            schema[name] = {kind: config[kind]}
        if not any(next(iter(s)) == "title" for s in schema.values()):
            raise ApiError(400, "validation_error", "a data source needs a title property")
        database_id, _ = self.add_database(title, schema, parent_page=page_id)
        return 200, self._render_database(database_id)

    def _list_children(self, call: Call) -> tuple[int, Any]:
        block_id = call.match["id"]
        if block_id not in self.children or block_id not in self.shared:
            raise ApiError(404, "object_not_found", f"Could not find block with ID: {block_id}.")
        size = self._page_size(call.params.get("page_size"))
        blocks = [b for b in self.children[block_id] if not b.get("in_trash")]
        start = int(call.params["start_cursor"]) if call.params.get("start_cursor") else 0
        more = start + size < len(blocks)
        results = [self.render_block(b) for b in blocks[start : start + size]]
        return 200, {"object": "list", "results": results,
                     "has_more": more, "next_cursor": str(start + size) if more else None,
                     "type": "block", "block": {}}


    # -- writes ------------------------------------------------------------------------------

    def render_block(self, block: Mapping[str, Any]) -> dict[str, Any]:
        """A block as the API shows it (`has_children` from its live children)."""
        out = {k: v for k, v in block.items() if not k.startswith("_")}
        if "_parent" in block:
            kids = self.children.get(str(block["id"]), [])
            out["has_children"] = any(not k.get("in_trash") for k in kids)
        return copy.deepcopy(out)

    def add_blocks(self, parent_id: str, children: list[dict[str, Any]]) -> list[str]:
        """Blocks added at the end of a page or block as a user would (no write counted)."""
        with self.lock:
            return [str(b["id"]) for b in self._store_blocks(parent_id, children)]

    def live_blocks(self) -> int:
        """Blocks created through the API and not in the trash (what `block_cap` counts)."""
        return sum(1 for b in self.blocks.values() if not b["in_trash"])

    def block_tree(self, parent_id: str) -> list[dict[str, Any]]:
        """The live children of a page or block, each with its `children` (for tests)."""
        return [
            {**self.render_block(b), "children": self.block_tree(b["id"])}
            for b in self.children.get(parent_id, [])
            if not b.get("in_trash")
        ]

    def _writable(self, object_id: str) -> None:
        """404 when unknown or not shared, 400 when it (or a page above it) is in the trash."""
        current: str | None = object_id
        while current is not None:
            if current in self.pages:
                self._require(current, "page", self.pages)
                if self.pages[current]["in_trash"]:
                    raise ApiError(400, "validation_error", ARCHIVED_MESSAGE)
                return
            block = self.blocks.get(current)
            if block is None:
                raise ApiError(404, "object_not_found",
                               f"Could not find block with ID: {current}.")
            if block["in_trash"]:
                raise ApiError(400, "validation_error", ARCHIVED_MESSAGE)
            current = block["_parent"]

    def _check_children(self, children: Any, parent: dict[str, Any] | None) -> None:
        if not isinstance(children, list):
            raise ApiError(400, "validation_error", "body.children should be an array.")
        errors = validate_children(self._validation_view(children), parent=parent)
        if errors:
            raise ApiError(400, "validation_error", errors[0])
        if self.block_cap is not None and self.live_blocks() + count_blocks(children) > (
            self.block_cap
        ):
            raise ApiError(400, "validation_error", BLOCK_LIMIT_MESSAGE)

    def _validation_view(self, children: list[Any]) -> list[Any]:
        """`children` with uploaded images as external ones (the limits module knows those)."""
        out = []
        for block in children:
            if not isinstance(block, dict):
                out.append(block)
                continue
            kind = block.get("type")
            body = block.get(kind) if isinstance(kind, str) else None
            if kind == "image" and isinstance(body, dict) and body.get("type") == "file_upload":
                upload_id = str((body.get("file_upload") or {}).get("id"))
                upload = self.file_uploads.get(upload_id)
                if upload is None or upload["status"] != "uploaded":
                    raise ApiError(400, "validation_error",
                                   f"File upload {upload_id} is not uploaded or does not exist.")
                view = {k: v for k, v in body.items() if k not in ("file_upload", "type")}
                view.update(type="external", external={"url": "https://files.invalid/x.png"})
                out.append({**block, "image": view})
                continue
            if isinstance(body, dict) and isinstance(body.get("children"), list):
                block = {**block, kind: {**body,
                                         "children": self._validation_view(body["children"])}}
            out.append(block)
        return out

    def _store_blocks(self, parent_id: str, children: list[dict[str, Any]],
                      at: int | None = None) -> list[dict[str, Any]]:
        """Create `children` (and their children) under `parent_id`; the top-level ones."""
        siblings = self.children.setdefault(parent_id, [])
        index = len(siblings) if at is None else at
        parent = (
            {"type": "page_id", "page_id": parent_id}
            if parent_id in self.pages
            else {"type": "block_id", "block_id": parent_id}
        )
        created = []
        for raw in children:
            kind = str(raw["type"])
            body = copy.deepcopy(raw[kind])
            nested = body.pop("children", None) or []
            block_id = self.new_id()
            stamp = _iso(_minute(self.now()))
            block = {
                "object": "block", "id": block_id, "parent": parent, "created_time": stamp,
                "last_edited_time": stamp, "has_children": False, "in_trash": False,
                "archived": False, "type": kind, kind: _read_form(kind, body, block_id),
                "_parent": parent_id,
            }
            self.blocks[block_id] = block
            self.children[block_id] = []
            self.shared.add(block_id)
            siblings.insert(index, block)
            index += 1
            if nested:
                self._store_blocks(block_id, nested)
            created.append(block)
        return created

    def _page_values(self, ds_id: str, properties: Mapping[str, Any]) -> dict[str, Any]:
        """Written property values as the plain values `_values` keeps."""
        schema = self.data_sources[ds_id]["properties"]
        values: dict[str, Any] = {}
        for name, value in properties.items():
            if name not in schema:
                raise ApiError(400, "validation_error", f"{name} is not a property that exists.")
            kind = schema[name]["type"]
            if not isinstance(value, dict) or kind not in value:
                raise ApiError(400, "validation_error",
                               f"body.properties.{name}.{kind} should be defined.")
            raw = value[kind]
            if kind in ("title", "rich_text"):
                errors = _rich_errors(raw, f"body.properties.{name}.{kind}")
                if errors:
                    raise ApiError(400, "validation_error", errors[0])
                values[name] = _plain(raw)
            elif kind in ("select", "status"):
                values[name] = raw["name"] if raw else None
            elif kind == "date":
                values[name] = raw["start"] if raw else None
            elif kind == "checkbox":
                values[name] = bool(raw)
            elif kind == "relation":
                values[name] = [r["id"] for r in raw or []]
            elif kind == "multi_select":
                values[name] = [o["name"] for o in raw or []]
            else:
                values[name] = raw
        return values

    def _create_page(self, call: Call) -> tuple[int, Any]:
        body = call.body
        parent = body.get("parent") or {}
        ds_id = parent.get("data_source_id")
        if not ds_id:
            raise ApiError(400, "validation_error",
                           "body.parent.data_source_id should be defined (the fake creates "
                           "pages in data sources only).")
        self._require(ds_id, "data_source", self.data_sources)
        values = self._page_values(ds_id, body.get("properties") or {})
        children = body.get("children") or []
        self._check_children(children, None)
        page_id = self.add_page(ds_id, values)
        self.children[page_id] = []
        self._store_blocks(page_id, children)
        return 200, self.render_page(page_id)

    def _update_page(self, call: Call) -> tuple[int, Any]:
        page_id = call.match["id"]
        self._require(page_id, "page", self.pages)
        page = self.pages[page_id]
        body = call.body
        restore = body.get("in_trash", body.get("archived"))
        if page["in_trash"] and restore is not False:
            raise ApiError(400, "validation_error", ARCHIVED_MESSAGE)
        if body.get("properties"):
            if page["_data_source"] is None:
                raise ApiError(400, "validation_error", "the fake updates data source pages only")
            page["_values"].update(self._page_values(page["_data_source"], body["properties"]))
        if restore is not None:
            page["in_trash"] = bool(restore)
        page["edited"] = _minute(self.now())
        return 200, self.render_page(page_id)

    def _update_data_source(self, call: Call) -> tuple[int, Any]:
        ds_id = call.match["id"]
        self._require(ds_id, "data_source", self.data_sources)
        source = self.data_sources[ds_id]
        added: dict[str, Any] = {}
        for name, config in (call.body.get("properties") or {}).items():
            if config is None or name in source["properties"]:
                continue  # removing or renaming is not modelled
            kind = next(k for k in config if k not in ("name", "description"))
            added[name] = {kind: config[kind]}
        offset = len(source["properties"])
        for number, (name, spec) in enumerate(self._schema(added).items()):
            spec["id"] = f"p{offset + number:03d}"
            source["properties"][name] = spec
        return 200, self._render_data_source(ds_id)

    def _get_block(self, call: Call) -> tuple[int, Any]:
        block_id = call.match["id"]
        block = self.blocks.get(block_id)
        if block is None or block_id not in self.shared:
            raise ApiError(404, "object_not_found", f"Could not find block with ID: {block_id}.")
        return 200, self.render_block(block)

    def _append_children(self, call: Call) -> tuple[int, Any]:
        parent_id = call.match["id"]
        self._writable(parent_id)
        body = call.body
        parent_block = self.blocks.get(parent_id)
        parent_json = self.render_block(parent_block) if parent_block else None
        children = body.get("children")
        self._check_children(children, parent_json)
        at = self._position(parent_id, body, call)
        created = self._store_blocks(parent_id, children, at)
        return 200, {"object": "list", "results": [self.render_block(b) for b in created],
                     "next_cursor": None, "has_more": False, "type": "block", "block": {}}

    def _position(self, parent_id: str, body: Mapping[str, Any], call: Call) -> int | None:
        """Where appended children go: None for the end, else an index among the siblings."""
        position = body.get("position")
        after = body.get("after")
        if after is not None and position is not None:
            raise ApiError(400, "validation_error", "Provide either after or position, not both.")
        if position is None and after is None:
            return None
        if position is not None:
            kind = position.get("type")
            if kind == "end":
                return None
            if kind == "start":
                return 0
            if kind != "after_block":
                raise ApiError(400, "validation_error",
                               "body.position.type should be `start`, `end` or `after_block`.")
            after = (position.get("after_block") or {}).get("id")
        siblings = self.children.get(parent_id, [])
        for index, sibling in enumerate(siblings):
            if sibling["id"] == after and not sibling.get("in_trash"):
                return index + 1
        raise ApiError(400, "validation_error",
                       f"Block {after} is not a child of {parent_id}.")

    def _delete_block(self, call: Call) -> tuple[int, Any]:
        block_id = call.match["id"]
        if block_id in self.pages and block_id not in self.blocks:
            self._writable(block_id)
            self.pages[block_id]["in_trash"] = True
            return 200, self.render_page(block_id)
        self._writable(block_id)
        block = self.blocks[block_id]
        block["in_trash"] = block["archived"] = True
        return 200, self.render_block(block)

    def _create_upload(self, call: Call) -> tuple[int, Any]:
        body = call.body
        mode = body.get("mode", "single_part")
        if mode != "single_part":
            raise ApiError(400, "validation_error", "the fake accepts single_part uploads only")
        upload_id = self.new_id()
        self.file_uploads[upload_id] = {
            "object": "file_upload", "id": upload_id, "status": "pending",
            "filename": body.get("filename"), "content_type": body.get("content_type"),
            "content_length": None, "upload_url": f"/v1/file_uploads/{upload_id}/send",
            "_data": b"",
        }
        return 200, self._render_upload(upload_id)

    def _send_upload(self, call: Call) -> tuple[int, Any]:
        upload_id = call.match["id"]
        upload = self.file_uploads.get(upload_id)
        if upload is None:
            raise ApiError(404, "object_not_found",
                           f"Could not find file_upload with ID: {upload_id}.")
        part = call.body.get("file")
        if not isinstance(part, dict):
            raise ApiError(400, "validation_error", "body.file should be defined.")
        if upload["status"] != "pending":
            raise ApiError(400, "validation_error", "File upload is not pending.")
        upload.update(status="uploaded", content_length=len(part["data"]), _data=part["data"],
                      filename=upload["filename"] or part["filename"],
                      content_type=upload["content_type"] or part["content_type"])
        return 200, self._render_upload(upload_id)

    def _get_upload(self, call: Call) -> tuple[int, Any]:
        upload_id = call.match["id"]
        if upload_id not in self.file_uploads:
            raise ApiError(404, "object_not_found",
                           f"Could not find file_upload with ID: {upload_id}.")
        return 200, self._render_upload(upload_id)

    def _render_upload(self, upload_id: str) -> dict[str, Any]:
        upload = self.file_uploads[upload_id]
        return {k: v for k, v in upload.items() if not k.startswith("_")}

    def _matches_property(self, page: Mapping[str, Any], flt: Mapping[str, Any]) -> bool:
        source = self.data_sources[page["_data_source"]]
        name = flt["property"]
        schema = source["properties"].get(name)
        if schema is None:
            raise ApiError(400, "validation_error",
                           f"Could not find property with name or id: {name}")
        kind = next((k for k in flt if k != "property"), None)
        if kind != schema["type"] and not (kind == "rich_text" and schema["type"] == "title"):
            raise ApiError(400, "validation_error",
                           f"Property type in filter ({kind}) does not match {schema['type']}.")
        condition = flt[kind]
        if set(condition) != {"equals"}:
            raise ApiError(400, "validation_error", "the fake filters properties on equals only")
        value = page["_values"].get(name)
        wanted = condition["equals"]
        if kind in ("rich_text", "title"):
            return str(value or "") == wanted
        return bool(value == wanted)




def _rollup(items: list[dict[str, Any]], function: str) -> dict[str, Any]:
    """A rollup value as Notion computes it from the related values (a few functions)."""
    if function == "show_original":
        return {"type": "array", "array": items, "function": function}
    if function in ("sum", "count"):
        numbers = [i["number"] for i in items if i.get("type") == "number" and i["number"]]
        total = sum(numbers) if function == "sum" else len(items)
        return {"type": "number", "number": total, "function": function}
    if function in ("latest_date", "earliest_date"):
        starts = sorted(i["date"]["start"] for i in items if i.get("date"))
        start = (starts[-1] if function == "latest_date" else starts[0]) if starts else None
        date = {"start": start, "end": None, "time_zone": None} if start else None
        return {"type": "date", "date": date, "function": function}
    raise ApiError(400, "validation_error", f"the fake does not compute {function}")


def _is_write(method: str, path: str) -> bool:
    """Whether a request changes something (queries and searches are reads)."""
    if method not in _WRITE_METHODS:
        return False
    return not (path.endswith("/query") or path == "search")


def _rich_errors(items: Any, path: str) -> list[str]:
    from tests.fakes.notion_limits import validate_rich_text

    return validate_rich_text(items, path=path)


def _read_rich(items: list[Any]) -> list[dict[str, Any]]:
    """Rich-text items as the API returns them (with plain_text, href, annotations)."""
    out = []
    for item in items:
        item = dict(item)
        kind = item.setdefault("type", "text")
        if kind == "text":
            text = item["text"]
            item["plain_text"] = text["content"]
            item["href"] = (text.get("link") or {}).get("url")
        else:
            item["plain_text"] = str(item.get(kind, {}).get("expression", ""))
            item["href"] = None
        annotations = {"bold": False, "italic": False, "strikethrough": False,
                       "underline": False, "code": False, "color": "default"}
        annotations.update(item.get("annotations") or {})
        item["annotations"] = annotations
        out.append(item)
    return out


def _read_form(kind: str, body: dict[str, Any], block_id: str) -> dict[str, Any]:
    """A block body as read back: rich text with plain_text, uploads as hosted files."""
    for key in ("rich_text", "caption"):
        if key in body:
            body[key] = _read_rich(body[key])
    if kind == "table_row":
        body["cells"] = [_read_rich(cell) for cell in body["cells"]]
    if kind == "image" and body.get("type") == "file_upload":
        upload_id = body.pop("file_upload")["id"]
        body["type"] = "file"
        body["file"] = {"url": f"https://files.invalid/{upload_id}/image.png",
                        "expiry_time": "2099-01-01T00:00:00.000Z"}
    return body


def _multipart(content_type: str, raw: bytes) -> dict[str, Any]:
    """A multipart/form-data body: field name -> text, or {filename, content_type, data}."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + raw)
    fields: dict[str, Any] = {}
    for part in message.iter_parts():  # type: ignore[attr-defined]
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is None:
            fields[str(name)] = data.decode()
        else:
            fields[str(name)] = {"filename": filename, "content_type": part.get_content_type(),
                                 "data": data}
    return fields


class FakeNotionServer(LoopbackServer["FakeNotion"]):
    """Serves a `FakeNotion` on 127.0.0.1 at a free port (`url` is the base URL)."""

    def __init__(self, fake: FakeNotion | None = None) -> None:
        super().__init__(fake or FakeNotion())

    def __enter__(self) -> FakeNotionServer:
        self.start()
        return self
