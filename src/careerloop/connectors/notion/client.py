"""The Notion API client careerloop uses: notion-client over the shared HTTP policy.

notion-client 3.1 retries 429 everywhere and 500/503 on GET/DELETE only. careerloop turns
its retry off (`retry=False`) and lets `PolicyTransport` do all of it: one place decides,
a query POST is retried on 502/503/504/529 and dropped connections too, every wait goes
through the shared token bucket, and the attempts do not multiply (SDK retries × transport
retries). Errors come out as careerloop errors that name the data source, never the token.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from notion_client import APIResponseError, Client
from notion_client.errors import HTTPResponseError, RequestTimeoutError
from notion_client.helpers import extract_database_id
from pydantic import SecretStr

from careerloop.config import NotionSource, secret
from careerloop.connectors.base import Clock, HttpPolicy, PolicyTransport, RetryPolicy
from careerloop.connectors.values import plain_text
from careerloop.errors import (
    AuthError,
    CareerloopError,
    ConfigError,
    NotFound,
    RateLimited,
    SourceError,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "NOTION_VERSION",
    "DataSource",
    "NotionApi",
    "cursor_pages",
    "is_refusal",
    "is_notion_read",
    "notion_http_client",
    "notion_policy",
]

NOTION_VERSION = "2025-09-03"
DEFAULT_BASE_URL = "https://api.notion.com"
TIMEOUT_S = 60.0  # Notion itself gives up on a request after 60 s

# notion-client logs through its own console handler unless given a logger; careerloop's
# library code never writes to the terminal, so it gets a plain child logger.
_SDK_LOG = logging.getLogger("careerloop.notion.sdk")


class _Redact(logging.Filter):
    """Blank out tokens in SDK log lines (it logs error messages and bodies verbatim)."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        for token in self.secrets:
            message = message.replace(token, "***")
        record.msg, record.args = message, ()
        return True


_REDACT = _Redact()
_SDK_LOG.addFilter(_REDACT)


_FILE_UPLOAD = re.compile(r"/v1/file_uploads(?:/[^/]+/send)?$")


def is_notion_read(request: httpx.Request) -> bool:
    """Whether a request is safe to send again: it reads, or changes nothing anyone sees.

    GET, a POST to a query or search endpoint, and the two steps of a file upload: an
    upload object nobody attaches expires within the hour, and sending a file twice is
    refused without harm, so a chart is not lost to one 503.
    """
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return True
    path = request.url.path.rstrip("/")
    if request.method != "POST":
        return False
    return path.endswith("/query") or path.endswith("/v1/search") or bool(
        _FILE_UPLOAD.search(path)
    )


def is_refusal(error: SourceError) -> bool:
    """Whether Notion refused a request as asked (404/403, or 400 for the id or body).

    Unlike an outage or a throttle, asking again the same way gets the same answer.
    """
    return isinstance(error, NotFound) or "Notion answered 400 " in str(error)


def notion_policy(
    source: NotionSource,
    *,
    clock: Clock | None = None,
    retry: RetryPolicy | None = None,
) -> HttpPolicy:
    """The HTTP policy of one Notion integration: `requests_per_second`, bursts of 3."""
    rate = source.requests_per_second
    return HttpPolicy(
        service="Notion", rate=rate, burst=max(1.0, min(3.0, rate)), retry=retry, clock=clock
    )


def notion_http_client(
    policy: HttpPolicy, *, inner: httpx.BaseTransport | None = None
) -> httpx.Client:
    """An httpx client whose every request goes through `policy` (then `inner`)."""
    return httpx.Client(transport=PolicyTransport(policy, inner=inner, is_read=is_notion_read))


@dataclass(slots=True, kw_only=True)
class DataSource:
    """A resolved data source: its id, name and schema (properties by name)."""

    id: str
    name: str
    database_id: str | None
    properties: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def title_property(self) -> str | None:
        """The name of the title property."""
        return next((n for n, p in self.properties.items() if p.get("type") == "title"), None)


def cursor_pages(
    fetch: Callable[[str | None], dict[str, Any]], *, endpoint: str, where: str
) -> Iterator[dict[str, Any]]:
    """Each answer of a cursor-paged Notion endpoint, first to last.

    `fetch(cursor)` asks for one page (None: the first). The read ends at an answer
    without `has_more`, or with `has_more` but no `next_cursor` (nothing to follow: the
    API documents the cursor as null at the end), which also ends an answer that is not
    a list. A cursor the endpoint sent before would start the same pages again, so it
    ends the read with an error instead of a loop.

    Raises:
        SourceError: `endpoint` (`data_sources.query`) sent a cursor a second time.
    """
    seen: set[str] = set()
    cursor: str | None = None
    while True:
        answer = fetch(cursor)
        yield answer
        following = answer.get("next_cursor")
        if not answer.get("has_more") or not following:
            return
        cursor = str(following)
        if cursor in seen:
            raise SourceError(
                f"{where}: Notion returned the same page cursor twice (request: {endpoint}); "
                "stopped reading rather than loop"
            )
        seen.add(cursor)


class NotionApi:
    """notion-client with careerloop's policy, error translation and request count.

    Never used as a context manager: notion-client's `with` swaps our httpx client (and
    with it the policy) for a fresh one.
    """

    def __init__(
        self,
        token: SecretStr,
        *,
        token_env: str = "NOTION_TOKEN",
        base_url: str | None = None,
        http_client: httpx.Client,
        timeout: float | None = None,
    ) -> None:
        timeout = TIMEOUT_S if timeout is None else timeout
        self._token = token
        _REDACT.secrets.add(token.get_secret_value())
        self.token_env = token_env
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.sdk = Client(
            auth=token.get_secret_value(),
            base_url=self.base_url,
            notion_version=NOTION_VERSION,
            timeout_ms=int(timeout * 1000),
            retry=False,
            logger=_SDK_LOG,
            log_level=logging.WARNING,
            client=http_client,
        )
        self.timeout = timeout
        self._calls = 0
        self._lock = threading.Lock()
        self._local = threading.local()

    @classmethod
    def from_config(
        cls,
        source: NotionSource,
        *,
        http_client: httpx.Client | None = None,
        policy: HttpPolicy | None = None,
        timeout: float | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> NotionApi:
        """The client for `[sources.notion]`; the token comes from `token_env`.

        Without `http_client`, one is built on `policy` (default: `notion_policy`), paced
        by the token's shared bucket, over `transport` (default: real sockets); `timeout`
        is per request (default `TIMEOUT_S`).

        Raises:
            ConfigError: the token variable is unset.
        """
        token = secret(source.token_env, "Notion integration token")
        if http_client is None:
            policy = policy or notion_policy(source)
            policy.share_bucket(token.get_secret_value())  # Notion counts per integration
            http_client = notion_http_client(policy, inner=transport)
        return cls(
            token, token_env=source.token_env, base_url=source.base_url, http_client=http_client,
            timeout=timeout,
        )

    @property
    def calls(self) -> int:
        """API calls made (each may have taken several HTTP attempts)."""
        return self._calls

    def thread_calls(self) -> int:
        """API calls made by the calling thread (a reader counts per data source)."""
        return int(getattr(self._local, "calls", 0))

    def call(self, where: str, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call an SDK method; its errors come out as careerloop errors about `where`."""
        with self._lock:
            self._calls += 1
        self._local.calls = self.thread_calls() + 1
        try:
            return method(*args, **kwargs)
        except Exception as error:  # every failure is translated below
            raise self.translate(error, where, request=_request_name(method)) from None

    # -- errors ---------------------------------------------------------------------------

    def translate(
        self, error: BaseException, where: str, *, request: str | None = None
    ) -> CareerloopError:
        """The careerloop error for an SDK or transport error (token scrubbed out).

        `request` (`data_sources.query`) ends the message, so it says which request failed
        as well as what it was about.
        """
        translated = self._translate(error, where)
        text = str(translated)
        if request:
            text = f"{text} (request: {request})"
        token = self._token.get_secret_value()
        if token:
            text = text.replace(token, "***")
        return type(translated)(text)

    def _translate(self, error: BaseException, where: str) -> CareerloopError:
        if isinstance(error, CareerloopError):
            return type(error)(f"{where}: {error}")
        if isinstance(error, APIResponseError):
            code = str(getattr(error.code, "value", error.code))
            if error.status == 401 or code == "unauthorized":
                return AuthError(
                    f"{where}: Notion refused the token in {self.token_env} (401 unauthorized): "
                    "copy the integration's internal secret again into that variable"
                )
            if code in ("object_not_found", "restricted_resource") or error.status in (403, 404):
                return NotFound(
                    f"{where}: Notion cannot find it or the integration may not read it "
                    f"({error.status} {code}): share the database with the integration "
                    "(••• → Connections → add it) and check the id"
                )
            if error.status == 429 or code == "rate_limited":
                return RateLimited(
                    f"{where}: Notion kept answering 429 (rate limited): run again in a few "
                    "minutes or lower requests_per_second"
                )
            return SourceError(f"{where}: Notion answered {error.status} ({code}): {error}")
        if isinstance(error, HTTPResponseError):
            # A gateway page (502 HTML) or an error body Notion does not document.
            return SourceError(
                f"{where}: Notion answered {error.status} without a usable body "
                "(a gateway or outage): run again later"
            )
        if isinstance(error, RequestTimeoutError | httpx.TimeoutException):
            return SourceError(
                f"{where}: Notion did not answer within {self.timeout:g} s: run again later"
            )
        if isinstance(error, ValueError):  # json.JSONDecodeError: a body cut short
            return SourceError(
                f"{where}: Notion's answer was not complete JSON (cut short in transit): "
                "run again later"
            )
        if isinstance(error, httpx.HTTPError):
            return SourceError(
                f"{where}: could not reach Notion at {self.base_url} ({type(error).__name__}): "
                "check the network or base_url"
            )
        return SourceError(f"{where}: unexpected error talking to Notion: {type(error).__name__}")

    # -- calls ------------------------------------------------------------------------------

    def me(self) -> dict[str, Any]:
        """The integration's bot user (checks the token)."""
        result: dict[str, Any] = self.call("Notion token", self.sdk.users.me)
        return result

    def data_source(self, data_source_id: str, *, where: str) -> DataSource:
        """Retrieve a data source and its schema."""
        raw = self.call(where, self.sdk.data_sources.retrieve, data_source_id)
        return _data_source(raw)

    def resolve(self, ref: str, *, where: str) -> DataSource:
        """The data source behind a data source id, a database id or a Notion URL.

        Raises:
            ConfigError: `ref` is not an id or URL, or the database holds several data
                sources (the message lists them by name) or none.
            NotFound: nothing with that id is shared with the integration.
        """
        ident = extract_database_id(ref)
        if ident is None:
            raise ConfigError(f"{where}: data_source {ref!r} is not a Notion id or URL")
        try:
            return self.data_source(ident, where=where)
        except NotFound:
            pass
        except SourceError as error:
            # An id of the wrong kind may come back as 400 validation_error.
            if "validation_error" not in str(error):
                raise
        database = self.call(where, self.sdk.databases.retrieve, ident)
        sources = [s for s in database.get("data_sources") or [] if isinstance(s, dict)]
        title = plain_text(database.get("title")) or ident
        if not sources:
            raise ConfigError(f"{where}: database {title!r} has no data source to read")
        if len(sources) > 1:
            listed = "; ".join(f"{s.get('name') or '(untitled)'} = {s['id']}" for s in sources)
            raise ConfigError(
                f"{where}: database {title!r} holds {len(sources)} data sources; set "
                f"data_source to the id of the one to read: {listed}"
            )
        found = self.data_source(str(sources[0]["id"]), where=where)
        if found.database_id is None:
            found.database_id = ident
        return found

    def query(self, data_source_id: str, *, where: str, **body: Any) -> dict[str, Any]:
        """One page of `data_sources.query`."""
        result: dict[str, Any] = self.call(
            where, self.sdk.data_sources.query, data_source_id, **body
        )
        return result

    def property_items(self, page_id: str, property_id: str, *, where: str) -> Iterator[Any]:
        """Every item of a page property (a relation past 25), page by page.

        Refuses to loop: a cursor seen before ends the read with an error.
        """
        for answer in self._property_pages(page_id, property_id, where=where):
            if answer.get("object") != "list":
                yield answer
                return
            yield from answer.get("results") or []

    def rollup(self, page_id: str, property_id: str, *, where: str) -> dict[str, Any]:
        """The whole value of a rollup, as a page shows it (`{"type": …, "function": …}`).

        A page computes a rollup over its first 25 related pages only. Read through the
        page-property endpoint, "show original" gives every related value (the items of
        all the answers), and a calculation its result in the last answer's
        `property_item.rollup` (the earlier ones say `incomplete`).
        """
        items: list[Any] = []
        final: dict[str, Any] = {}
        for answer in self._property_pages(page_id, property_id, where=where):
            if answer.get("object") != "list":
                rollup = answer.get("rollup")
                return dict(rollup) if isinstance(rollup, dict) else {}
            items.extend(i for i in answer.get("results") or [] if isinstance(i, dict))
            item = answer.get("property_item")
            if isinstance(item, dict) and isinstance(item.get("rollup"), dict):
                final = dict(item["rollup"])
        if final.get("type") == "array" or final.get("function") == "show_original":
            values = [{k: v for k, v in i.items() if k not in ("object", "id")} for i in items]
            return {"type": "array", "array": values, "function": final.get("function")}
        return final

    def paginate(
        self, where: str, method: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> Iterator[dict[str, Any]]:
        """Each answer of an SDK list method, 100 results at a time (see `cursor_pages`)."""

        def fetch(cursor: str | None) -> dict[str, Any]:
            start = {"start_cursor": cursor} if cursor else {}
            answer: dict[str, Any] = self.call(
                where, method, *args, **{"page_size": 100, **kwargs, **start}
            )
            return answer

        endpoint = _request_name(method) or str(getattr(method, "__name__", "a list request"))
        return cursor_pages(fetch, endpoint=endpoint, where=where)

    def _property_pages(
        self, page_id: str, property_id: str, *, where: str
    ) -> Iterator[dict[str, Any]]:
        """The answers of the page-property endpoint, following its cursor to the end."""
        return self.paginate(where, self.sdk.pages.properties.retrieve, page_id, property_id)

    def close(self) -> None:
        """Close the underlying httpx client."""
        self.sdk.close()


def _request_name(method: Callable[..., Any]) -> str | None:
    """`blocks.children.append` for the SDK's bound `BlocksChildrenEndpoint.append`."""
    endpoint = getattr(method, "__self__", None)
    name = getattr(method, "__name__", None)
    if endpoint is None or not name:
        return None
    words = re.findall(r"[A-Z][a-z]*", type(endpoint).__name__.removesuffix("Endpoint"))
    parts = [w.lower() for w in words]
    # DataSources, FileUploads: one resource in two words.
    joined = ".".join(parts).replace("data.sources", "data_sources").replace(
        "file.uploads", "file_uploads"
    )
    return f"{joined}.{name}" if joined else str(name)


def _data_source(raw: Mapping[str, Any]) -> DataSource:
    parent = raw.get("parent") or {}
    database_id = parent.get("database_id") if isinstance(parent, dict) else None
    properties = raw.get("properties") or {}
    return DataSource(
        id=str(raw["id"]),
        name=plain_text(raw.get("title")) or str(raw.get("name") or raw["id"]),
        database_id=str(database_id) if database_id else None,
        properties={str(k): dict(v) for k, v in properties.items() if isinstance(v, dict)},
    )
