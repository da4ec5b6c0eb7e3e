"""The Trello API client careerloop uses: py-trello's `fetch_json` over the shared HTTP policy.

py-trello 0.20.1 has no retries, no 429 handling and no timeout, builds every URL on
`https://api.trello.com` and puts the key and token in the query string. careerloop gives
it a `requests.Session` (`TrelloSession`) that

- points the request at `base_url` (a proxy, or the fake API in tests);
- drops `key`/`token` from the query and sends `Authorization: OAuth oauth_consumer_key=…,
  oauth_token=…` instead, so credentials never sit in a URL, a log line or an error;
- sets a timeout on every request;
- sends every attempt through one `HttpPolicy`: a token bucket that keeps under
  `requests_per_10s` in any 10-second window, and retries of 429 and 5xx with capped,
  jittered backoff (Trello sends no Retry-After). Writes are retried only when Trello
  refused them (429) or the connection was never made. 429s are counted per 10-second
  window and the run gives up long before the 200 that lock the key.

Only `fetch_json` is used, with nested resources: py-trello's object model costs one
request per card (see benchmarks/bench_trello.py). Errors come out as careerloop errors
naming the board or request, never the token.
"""

from __future__ import annotations

import collections
import re
import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
import requests.adapters
from pydantic import SecretStr
from trello import TrelloClient
from trello.exceptions import ResourceUnavailable

from careerloop.config import TrelloSource, secret
from careerloop.connectors.base import (
    READ_METHODS,
    Clock,
    HttpPolicy,
    RetryPolicy,
    is_cut_json,
    token_digest,
)
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
    "TIMEOUT_S",
    "TrelloApi",
    "TrelloSession",
    "board_ref",
    "trello_policy",
]

DEFAULT_BASE_URL = "https://api.trello.com"
_PY_TRELLO_BASE = "https://api.trello.com"  # hard-coded in py-trello's fetch_json
TIMEOUT_S = 30.0
WINDOW_S = 10.0  # Trello counts requests, and 429s, per 10-second window
MAX_429_PER_WINDOW = 20  # far below the 200 429s that lock the key for the window

_BOARD_URL = re.compile(r"^/b/(?P<short>[A-Za-z0-9]{8})(?:/|$)")
_BOARD_ID = re.compile(r"^[0-9a-fA-F]{24}$")
_SHORT_LINK = re.compile(r"^[A-Za-z0-9]{8}$")


def board_ref(value: str) -> str:
    """The board id or short link in a board id, short link or board URL.

    Raises:
        ConfigError: `value` is none of those.
    """
    text = value.strip()
    if _BOARD_ID.match(text) or _SHORT_LINK.match(text):
        return text
    parts = urlsplit(text if "://" in text else f"https://{text}")
    match = _BOARD_URL.match(parts.path)
    if parts.hostname in ("trello.com", "www.trello.com") and match:
        return match.group("short")
    raise ConfigError(
        f"sources.trello.board: {value!r} is not a Trello board id, short link or board URL "
        "(like https://trello.com/b/AbCd1234/career-plan)"
    )


class _NotConnected(requests.ConnectionError):
    """The connection was never made: resending even a write cannot apply it twice."""


def _never_connected(error: requests.ConnectionError) -> bool:
    # requests wraps urllib3's NewConnectionError (refused, DNS) in MaxRetryError.
    text = repr(error.args[0]) if error.args else ""
    return "NewConnectionError" in text or "NameResolutionError" in text


def trello_retry(**overrides: Any) -> RetryPolicy:
    """The retry rules for Trello over requests.

    Without Retry-After the waits are ours: 0.5-1, 1-2, 2-4, 4-8 s, so the five attempts
    of one request span more than Trello's 10-second window.
    """
    values: dict[str, Any] = {
        "max_attempts": 5,
        "base_delay": 1.0,
        "max_delay": 10.0,
        "transient_errors": (
            requests.ConnectionError,
            requests.Timeout,
            requests.exceptions.ChunkedEncodingError,
        ),
        "unsent_errors": (_NotConnected, requests.ConnectTimeout),
    }
    values.update(overrides)
    return RetryPolicy(**values)


def trello_policy(
    source: TrelloSource,
    *,
    clock: Clock | None = None,
    retry: RetryPolicy | None = None,
) -> HttpPolicy:
    """The HTTP policy of one Trello token: at most `requests_per_10s` in any 10 s.

    A bucket of `burst` tokens refilled at `(n - burst) / 10` per second lets through at
    most `burst + (n - burst) = n` requests in any 10-second window.
    """
    limit = source.requests_per_10s
    burst = float(max(1, min(5, limit // 10)))
    rate = max(limit - burst, 1.0) / WINDOW_S
    return HttpPolicy(
        service="Trello",
        rate=rate,
        burst=burst,
        retry=retry or trello_retry(),
        clock=clock,
        rate_setting="requests_per_10s",
    )


class RefusalWindow:
    """The 429s Trello answered one API key within the last `WINDOW_S` (thread-safe).

    Trello locks a key after too many 429s in a window, whichever of its tokens and
    sessions drew them, so every session of the key (reader, publisher, programme
    participants) counts into one window (`key_window`).
    """

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._times: collections.deque[float] = collections.deque()
        self._lock = threading.Lock()

    def note(self) -> int:
        """Count one 429 now; returns how many fell within the window."""
        now = self.clock.monotonic()
        with self._lock:
            self._times.append(now)
            while self._times and now - self._times[0] > WINDOW_S:
                self._times.popleft()
            return len(self._times)


# By a keyed hash of the API key and the clock's identity, as the token buckets are
# (connectors.base.shared_bucket): a test's virtual clock has windows of its own.
_WINDOWS: dict[tuple[str, int], RefusalWindow] = {}
_WINDOWS_LOCK = threading.Lock()


def key_window(key: str, clock: Clock) -> RefusalWindow:
    """The one 429 window of the API `key` in this process, on `clock`."""
    index = (token_digest(key), id(clock))
    with _WINDOWS_LOCK:
        window = _WINDOWS.get(index)
        if window is None:
            window = _WINDOWS[index] = RefusalWindow(clock)
        return window


class TrelloSession(requests.Session):
    """The `http_service` handed to py-trello: base URL, OAuth header, timeout, policy."""

    def __init__(
        self,
        *,
        key: SecretStr,
        token: SecretStr,
        policy: HttpPolicy,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float | None = None,
        max_429_per_window: int = MAX_429_PER_WINDOW,
        adapter: requests.adapters.BaseAdapter | None = None,
    ) -> None:
        super().__init__()
        if adapter is not None:  # the wire under the policy (tests: a fake's)
            self.mount("http://", adapter)
            self.mount("https://", adapter)
        timeout = TIMEOUT_S if timeout is None else timeout
        self._key = key
        self._token = token
        self.policy = policy
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_429_per_window = max_429_per_window
        self._limited = key_window(key.get_secret_value(), policy.clock)
        self.trust_env = False  # no .netrc or proxy variables slipping credentials around

    def request(
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        """Rewrite py-trello's request: our base URL, credentials in the header only."""
        text = url.decode() if isinstance(url, bytes) else url
        if text.startswith(_PY_TRELLO_BASE):
            text = self.base_url + text[len(_PY_TRELLO_BASE) :]
        params = kwargs.get("params")
        if isinstance(params, Mapping):
            kwargs["params"] = {k: v for k, v in params.items() if k not in ("key", "token")}
        headers = dict(kwargs.get("headers") or {})
        headers["Authorization"] = (
            f'OAuth oauth_consumer_key="{self._key.get_secret_value()}", '
            f'oauth_token="{self._token.get_secret_value()}"'
        )
        kwargs["headers"] = headers
        kwargs.pop("proxies", None)  # py-trello passes {}; the session decides
        return super().request(method, text, *args, **kwargs)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        """Send through the policy with a timeout; count 429s per 10-second window."""
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        read = (request.method or "GET").upper() in READ_METHODS

        def attempt() -> requests.Response:
            try:
                response = super(TrelloSession, self).send(request, **kwargs)
            except requests.ConnectionError as error:
                if _never_connected(error):
                    raise _NotConnected(*error.args) from error
                raise
            if response.status_code == 429:
                self._note_429()
            return response

        return self.policy.send(
            attempt, read=read, discard=lambda answer: answer.close(), cut=_cut_response
        )

    def _note_429(self) -> None:
        count = self._limited.note()
        if count > self.max_429_per_window:
            raise RateLimited(
                f"Trello answered 429 (rate limited) {count} times within {WINDOW_S:.0f} s; "
                "careerloop stops here so the key is not locked: run again in a minute, or "
                "lower requests_per_10s if another tool shares the token"
            )


def _error_code(error: ResourceUnavailable) -> str:
    """Trello's error code or short message from py-trello's `"<body> at <url>"` text."""
    message = str(getattr(error, "_msg", ""))
    body = message.rsplit(" at http", 1)[0].strip()
    match = re.search(r'"error"\s*:\s*"([A-Z_]+)"', body)
    if match:
        return match.group(1)
    if body.lstrip().startswith("<"):
        return "an HTML error page"  # a gateway's page says nothing a user can act on
    first = body.splitlines()[0] if body else ""
    return first[:80]


class TrelloApi:
    """py-trello's `fetch_json` with careerloop's session, error translation and counts."""

    def __init__(
        self,
        key: SecretStr,
        token: SecretStr,
        *,
        key_env: str = "TRELLO_API_KEY",
        token_env: str = "TRELLO_TOKEN",
        policy: HttpPolicy,
        base_url: str | None = None,
        timeout: float | None = None,
        adapter: requests.adapters.BaseAdapter | None = None,
    ) -> None:
        timeout = TIMEOUT_S if timeout is None else timeout
        self._secrets = (key.get_secret_value(), token.get_secret_value())
        self.key_env = key_env
        self.token_env = token_env
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.timeout = timeout
        policy.share_bucket(token.get_secret_value())  # Trello counts per token
        self.policy = policy
        self.session = TrelloSession(
            key=key,
            token=token,
            policy=policy,
            base_url=self.base_url,
            timeout=timeout,
            adapter=adapter,
        )
        # No credentials given to py-trello: the session adds them as a header, so
        # py-trello's own query parameters (key=None, token=None) are dropped by requests.
        self.sdk = TrelloClient(api_key=None, api_secret=None, http_service=self.session)
        self._calls = 0
        self._lock = threading.Lock()

    @classmethod
    def from_config(
        cls,
        source: TrelloSource,
        *,
        policy: HttpPolicy | None = None,
        timeout: float | None = None,
        adapter: requests.adapters.BaseAdapter | None = None,
    ) -> TrelloApi:
        """The client for `[sources.trello]`; key and token from `key_env` and `token_env`.

        `adapter` carries the requests below the policy (default: real sockets).

        Raises:
            ConfigError: a variable is unset.
        """
        key = secret(source.key_env, "Trello API key")
        token = secret(source.token_env, "Trello token")
        return cls(
            key,
            token,
            key_env=source.key_env,
            token_env=source.token_env,
            policy=policy or trello_policy(source),
            base_url=source.base_url,
            timeout=timeout,
            adapter=adapter,
        )

    @property
    def calls(self) -> int:
        """API calls made (each may have taken several HTTP attempts)."""
        return self._calls

    @property
    def attempts(self) -> int:
        """HTTP requests sent, retries included."""
        return self.policy.stats.requests

    def close(self) -> None:
        """Close the HTTP session."""
        self.session.close()

    # -- calls ------------------------------------------------------------------------------

    def fetch(
        self,
        where: str,
        path: str,
        *,
        method: str = "GET",
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        files: Mapping[str, Any] | None = None,
    ) -> Any:
        """One `fetch_json` call; its errors come out as careerloop errors about `where`."""
        with self._lock:
            self._calls += 1
        query = {k: _param(v) for k, v in (params or {}).items()}
        try:
            return self.sdk.fetch_json(
                path,
                http_method=method,
                query_params=query,
                post_args=dict(body) if body is not None else None,
                files=dict(files) if files is not None else None,
            )
        except Exception as error:  # every failure is translated below
            request = f"{method.upper()} /1/{path.lstrip('/')}"
            raise self.translate(error, where, request=request) from None

    def get(self, where: str, path: str, **params: Any) -> Any:
        """GET `path` with query parameters."""
        return self.fetch(where, path, params=params)

    # -- errors -----------------------------------------------------------------------------

    def translate(
        self, error: BaseException, where: str, *, request: str | None = None
    ) -> CareerloopError:
        """The careerloop error for a py-trello or transport error (secrets scrubbed).

        `request` (`POST /1/cards`) ends the message: which request failed, not only what
        it was about.
        """
        translated = self._translate(error, where)
        text = str(translated)
        if request:
            text = f"{text} (request: {request})"
        for value in self._secrets:
            if value and value in text:
                text = text.replace(value, "***")
        return type(translated)(text)

    def _translate(self, error: BaseException, where: str) -> CareerloopError:
        if isinstance(error, CareerloopError):
            return type(error)(f"{where}: {error}")
        if isinstance(error, ResourceUnavailable):
            status = int(getattr(error, "_status", 0))
            code = _error_code(error)
            if status == 401:
                return AuthError(
                    f"{where}: Trello refused the key in {self.key_env} or the token in "
                    f"{self.token_env} (401 {code or 'unauthorized'}): make a new token and "
                    "put it in that variable"
                )
            if status == 404:
                return NotFound(
                    f"{where}: Trello has no such board, list or card, or the token may not "
                    "see it (404): check the id or URL and that the token's user is a member"
                )
            if status == 403:
                return AuthError(
                    f"{where}: Trello forbids this for the token (403 {code}): authorize it "
                    "with scope=read,write and check the user's rights on the board"
                )
            if status == 429:
                return RateLimited(
                    f"{where}: Trello kept answering 429 ({code or 'rate limited'}): run again "
                    "in a minute or lower requests_per_10s"
                )
            if code == "API_TOO_MANY_CARDS_REQUESTED":
                return SourceError(
                    f"{where}: the board holds more cards than Trello returns in one request "
                    "(API_TOO_MANY_CARDS_REQUESTED): archive and delete old cards, or move "
                    "the plan to its own board"
                )
            detail = f" ({code})" if code else ""
            return SourceError(f"{where}: Trello answered {status}{detail}")
        if isinstance(error, requests.Timeout):
            return SourceError(
                f"{where}: Trello did not answer within {self.timeout:g} s: run again later"
            )
        if isinstance(error, ValueError):
            # Before RequestException: requests' JSONDecodeError is both. A 200 whose body is
            # not JSON: cut short in transit, or a proxy's page.
            return SourceError(
                f"{where}: Trello's answer was not complete JSON (cut short in transit, or a "
                "proxy's page): run again later"
            )
        if isinstance(error, requests.RequestException):
            return SourceError(
                f"{where}: could not reach Trello at {self.base_url} ({type(error).__name__}): "
                "check the network or base_url"
            )
        return SourceError(f"{where}: unexpected error talking to Trello: {type(error).__name__}")


def _cut_response(response: requests.Response) -> bool:
    return is_cut_json(response.status_code, response.headers.get("content-type"), response.content)


def _param(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
