"""A stateful fake of the Trello REST API, served on 127.0.0.1 for end-to-end tests.

It behaves like Trello where careerloop depends on it: the key and token (as the
`Authorization: OAuth oauth_consumer_key="…", oauth_token="…"` header or as query
parameters; anything else is 401 with a plain-text body), boards by id or short link,
the nested board read (`lists`, `cards`, `card_customFieldItems`, `card_attachments`,
`checklists`, `customFields`, `labels` + `labels_limit`, `members`, `actions` with type
filters such as `updateCard:idList`, `actions_limit` <= 1000, newest first), actions
paging with `before` (an action id or a date) and `limit`, `API_TOO_MANY_CARDS_REQUESTED`
past `max_cards`, and the writes careerloop makes: lists, cards (name and desc at most
16,384 characters), labels, custom fields (refused while the Custom Fields Power-Up is
off), attachments (multipart upload, delete) and comments. A GET carrying a body is
refused with 403, as Trello does.

Tests inject faults per route (`fail`: any status, a dropped connection, a
Retry-After header; status 200 answers for real, too late for the client with `timeout`
or cut in the middle with `truncate`), kill a run halfway (`crash_after_writes`), turn
on rate limiting (`limit_rate`: 429 with Trello's JSON error and no Retry-After) and read
what was asked (`requests`, `count`).
"""

from __future__ import annotations

import copy
import datetime as dt
import email.parser
import email.policy
import json
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.loopback import Answer, Fault, FaultInjector, LoopbackServer

DEFAULT_KEY = "0123456789abcdef0123456789abcdef"
DEFAULT_TOKEN = "ATTAfake" + "0123456789abcdef" * 4
CARD_TEXT_LIMIT = 16_384
CUSTOM_FIELDS_PLUGIN = "56d5e249a98895a9797bebb9"

Handler = Callable[["Call"], tuple[int, Any]]


class ApiError(Exception):
    """Raised by a handler: answered with `body` (text, or JSON when a dict)."""

    def __init__(self, status: int, body: str | dict[str, Any]) -> None:
        super().__init__(str(body))
        self.status = status
        self.body = body


@dataclass(slots=True)
class Call:
    """One request as a handler sees it: query, JSON and form fields merged in `args`."""

    method: str
    path: str
    params: dict[str, str]
    args: dict[str, Any]
    files: dict[str, tuple[str, bytes, str]]
    match: re.Match[str]


@dataclass(slots=True)
class Logged:
    """One request as the fake saw it."""

    method: str
    path: str
    query: str
    params: dict[str, str]
    status: int  # 0 when the connection was dropped
    at: float
    auth: str | None  # "header", "query" or None
    body: bytes = b""


@dataclass(slots=True)
class _RateLimit:
    """At most `limit` requests per `window` seconds, then 429 until the window rolls."""

    limit: int
    window: float
    seen: list[float] = field(default_factory=list)

    def take(self) -> bool:
        now = time.monotonic()
        self.seen = [t for t in self.seen if now - t < self.window]
        if len(self.seen) >= self.limit:
            return False
        self.seen.append(now)
        return True


def iso(moment: dt.datetime) -> str:
    """Trello's timestamp form: `2026-06-05T22:30:00.000Z`."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _parse_time(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _csv(value: str | None) -> list[str]:
    return [v for v in (value or "").split(",") if v]


def _pick(obj: Mapping[str, Any], fields: str | None) -> dict[str, Any]:
    """`fields=a,b` (always with id), or everything for `all`/absent."""
    if not fields or fields == "all":
        return dict(obj)
    wanted = {"id", *_csv(fields)}
    return {k: v for k, v in obj.items() if k in wanted}


class FakeTrello(FaultInjector[Logged]):
    """The state and behaviour of the fake API (the server is `FakeTrelloServer`)."""

    def __init__(
        self,
        *,
        key: str = DEFAULT_KEY,
        token: str = DEFAULT_TOKEN,
        max_cards: int = 5000,
        now: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.key = key
        self.token = token
        self.max_cards = max_cards
        self.now = now or (lambda: dt.datetime.now(dt.UTC))
        self.boards: dict[str, dict[str, Any]] = {}
        self.custom_fields_on: dict[str, bool] = {}
        self._init_faults()
        self.rate_limit: _RateLimit | None = None
        self._ids = 0
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._install_routes()

    # -- ids and routes -------------------------------------------------------------------

    def new_id(self) -> str:
        """A fresh 24-hex id that sorts after every earlier one (as Trello's do)."""
        with self.lock:
            self._ids += 1
            return f"{int(time.time()):08x}{0xFA4E00000000 + self._ids:016x}"

    def add_route(self, method: str, pattern: str, handler: Handler) -> None:
        """Serve `method` on paths (after /1/) matching `pattern`; later routes win."""
        self._routes.insert(0, (method, re.compile(f"^{pattern}$"), handler))

    def _install_routes(self) -> None:
        ref = r"(?P<ref>[0-9a-fA-F]{24}|[A-Za-z0-9]{8})"
        oid = r"(?P<id>[0-9a-fA-F]{24})"
        self.add_route("GET", "members/me", self._member_me)
        self.add_route("GET", f"boards/{ref}", self._get_board)
        self.add_route("GET", f"boards/{ref}/actions", self._board_actions)
        self.add_route("GET", f"boards/{ref}/lists", self._board_lists)
        self.add_route("GET", f"boards/{ref}/cards", self._board_cards)
        self.add_route("GET", f"cards/{oid}", self._get_card)
        self.add_route("GET", f"cards/{oid}/attachments", self._card_attachments)
        self.add_route("GET", f"lists/{oid}/cards", self._list_cards)
        self.add_route("POST", "lists", self._create_list)
        self.add_route("POST", "cards", self._create_card)
        self.add_route("PUT", f"cards/{oid}", self._update_card)
        self.add_route("POST", f"cards/{oid}/attachments", self._add_attachment)
        self.add_route(
            "DELETE", f"cards/{oid}/attachments/(?P<att>[0-9a-fA-F]{{24}})",
            self._delete_attachment,
        )
        self.add_route("POST", f"cards/{oid}/actions/comments", self._add_comment)
        self.add_route("POST", "labels", self._create_label)
        self.add_route("POST", "customFields", self._create_custom_field)

    # -- building boards ------------------------------------------------------------------

    def load_board(self, export: Mapping[str, Any], *, custom_fields: bool = True) -> str:
        """Serve a board from an export-shaped dict (deep-copied); returns its id."""
        board = copy.deepcopy(dict(export))
        for key in ("lists", "cards", "labels", "checklists", "customFields", "actions",
                    "members"):
            board.setdefault(key, [])
        board_id = str(board.setdefault("id", self.new_id()))
        board.setdefault("shortLink", board_id[-8:])
        board.setdefault("name", "Board")
        board.setdefault("closed", False)
        board.setdefault("url", f"https://trello.com/b/{board['shortLink']}/board")
        for lst in board["lists"]:
            lst.setdefault("idBoard", board_id)  # exports may leave it out; the API never
        for card in board["cards"]:
            card.setdefault("attachments", [])
            card.setdefault("idBoard", board_id)
        self.boards[board_id] = board
        self.custom_fields_on[board_id] = custom_fields
        return board_id

    def add_board(self, name: str = "Career plan", *, short_link: str = "CaReEr99",
                  custom_fields: bool = True) -> str:
        """An empty board."""
        return self.load_board(
            {"id": self.new_id(), "name": name, "shortLink": short_link},
            custom_fields=custom_fields,
        )

    def add_list(self, board_id: str, name: str, *, closed: bool = False) -> str:
        """A list at the end of the board."""
        board = self.boards[board_id]
        list_id = self.new_id()
        board["lists"].append({"id": list_id, "name": name, "closed": closed,
                               "idBoard": board_id, "pos": 1024 * (len(board["lists"]) + 1)})
        return list_id

    def add_card(self, list_id: str, name: str, desc: str = "", **more: Any) -> str:
        """A card at the end of a list."""
        board = self.board_of_list(list_id)
        card_id = self.new_id()
        card = {
            "id": card_id, "name": name, "desc": desc, "idBoard": board["id"],
            "idList": list_id, "closed": False, "due": None, "dueComplete": False,
            "start": None, "dateLastActivity": iso(self.now()), "labels": [],
            "idLabels": [], "idMembers": [], "idChecklists": [], "badges": {},
            "customFieldItems": [], "attachments": [],
            "shortLink": card_id[-8:], "url": f"https://trello.com/c/{card_id[-8:]}",
            "shortUrl": f"https://trello.com/c/{card_id[-8:]}",
        }
        card.update(more)
        board["cards"].append(card)
        self._action(board, "createCard", card, {"list": {"id": list_id}})
        return card_id

    def add_comment(self, card_id: str, text: str) -> str:
        """A comment on a card (a commentCard action)."""
        board, card = self.find_card(card_id)
        return self._action(board, "commentCard", card, {"text": text})

    def _action(self, board: dict[str, Any], kind: str, card: Mapping[str, Any],
                data: dict[str, Any]) -> str:
        action_id = self.new_id()
        board["actions"].insert(0, {
            "id": action_id, "type": kind, "date": iso(self.now()),
            "idMemberCreator": "member0000000000000000a1",
            "data": {"card": {"id": card["id"], "name": card.get("name")},
                     "board": {"id": board["id"], "name": board.get("name")}, **data},
        })
        return action_id

    def board(self, ref: str) -> dict[str, Any]:
        """A board by id or short link (404 when missing)."""
        for board in self.boards.values():
            if ref in (board["id"], board.get("shortLink")):
                return board
        raise ApiError(404, "The requested resource was not found.")

    def board_of_list(self, list_id: str) -> dict[str, Any]:
        for board in self.boards.values():
            if any(lst["id"] == list_id for lst in board["lists"]):
                return board
        raise ApiError(404, "The requested resource was not found.")

    def find_card(self, card_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """(board, card) of a card id (404 when missing)."""
        for board in self.boards.values():
            for card in board["cards"]:
                if card["id"] == card_id:
                    return board, card
        raise ApiError(404, "The requested resource was not found.")

    def export(self, board_id: str) -> dict[str, Any]:
        """The board as Trello's Export as JSON gives it (every action kept)."""
        board = copy.deepcopy(self.boards[board_id])
        for card in board["cards"]:
            card.pop("attachments", None)
            if not self.custom_fields_on[board_id]:
                card.pop("customFieldItems", None)
        return board

    def comments(self, card_id: str) -> list[str]:
        """The comment texts on a card, oldest first."""
        board, _ = self.find_card(card_id)
        return [a["data"]["text"] for a in reversed(board["actions"])
                if a["type"] == "commentCard" and a["data"]["card"]["id"] == card_id]

    # -- faults, limits, log ---------------------------------------------------------------

    def fail(self, route: str, status: int = 500, *, times: int = 1, method: str | None = None,
             drop: bool = False, timeout: bool = False, body: str | None = None,
             retry_after: float | str | None = None, truncate: bool | str = False) -> None:
        """The next `times` requests matching `route` (a regex over the path after /1/).

        Status 200 answers for real (the request is applied): too late for the client with
        `timeout` (the test wire raises its timeout), or cut in the middle with `truncate`
        (True: half the JSON as a complete response; "close": the full length announced,
        half sent, the connection closed).
        """
        self._add_fault(route, status=status, times=times, method=method, drop=drop,
                        timeout=timeout, body=body, retry_after=retry_after, truncate=truncate)

    def limit_rate(self, limit: int, window: float = 10.0) -> None:
        """Answer 429 (no Retry-After) past `limit` requests in `window` seconds."""
        self.rate_limit = _RateLimit(limit, window)

    def _over_rate(self, land: bool) -> bool:
        # A write landing after a crash neither spends nor is refused a request.
        return not land and self.rate_limit is not None and not self.rate_limit.take()

    def _rate_limited(self) -> Answer:
        body = {"error": "API_TOKEN_LIMIT_EXCEEDED",
                "message": "Rate limit exceeded, please wait before making more requests."}
        return 429, {"Content-Type": "application/json"}, json.dumps(body).encode()

    def _fault_answer(self, fault: Fault) -> Answer:
        text = fault.body if fault.body is not None else f"injected {fault.status}"
        headers_out = {"Content-Type": "text/plain"}
        if fault.retry_after is not None:
            headers_out["Retry-After"] = fault.retry_after
        return fault.status, headers_out, text.encode()

    def _render(self, status: int, body: Any, truncate: bool | str) -> Answer:
        if isinstance(body, str):  # Trello's errors are plain text
            return status, {"Content-Type": "text/plain; charset=utf-8"}, body.encode()
        return super()._render(status, body, truncate)

    # -- dispatch ---------------------------------------------------------------------------

    def _auth(self, headers: Mapping[str, str], params: Mapping[str, str]) -> tuple[
        str | None, bool
    ]:
        header = headers.get("authorization")
        if header:
            found = dict(re.findall(r'(oauth_consumer_key|oauth_token)="([^"]*)"', header))
            ok = (found.get("oauth_consumer_key") == self.key
                  and found.get("oauth_token") == self.token)
            return "header", ok
        if "key" in params or "token" in params:
            return "query", params.get("key") == self.key and params.get("token") == self.token
        return None, False

    def _dispatch(
        self, method: str, raw_path: str, headers: Mapping[str, str], raw_body: bytes
    ) -> Answer | None:
        split = urlsplit(raw_path)
        path = split.path.removeprefix("/1/").strip("/")
        params = {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        auth, auth_ok = self._auth(headers, params)
        logged = Logged(method, path, split.query, params, 0, time.monotonic(), auth, raw_body)
        return self._serve(
            logged, method != "GET",
            lambda: self._answer(method, path, params, headers, raw_body, auth_ok),
        )

    def _answer(
        self,
        method: str,
        path: str,
        params: dict[str, str],
        headers: Mapping[str, str],
        raw_body: bytes,
        auth_ok: bool,
    ) -> tuple[int, Any]:
        if not auth_ok:
            return 401, "invalid token"
        if method == "GET" and raw_body:
            return 403, "GET requests may not carry a body"
        try:
            args, files = self._body(headers, raw_body)
        except ValueError:
            return 400, "invalid JSON"
        args = {**{k: v for k, v in params.items() if k not in ("key", "token")}, **args}
        for route_method, pattern, handler in self._routes:
            match = pattern.fullmatch(path)
            if match and route_method == method:
                try:
                    with self.lock:
                        return handler(Call(method, path, params, args, files, match))
                except ApiError as exc:
                    return exc.status, exc.body
        return 404, f"Cannot {method} /1/{path}"

    @staticmethod
    def _body(headers: Mapping[str, str], raw: bytes) -> tuple[
        dict[str, Any], dict[str, tuple[str, bytes, str]]
    ]:
        if not raw:
            return {}, {}
        kind = headers.get("content-type", "")
        if kind.startswith("multipart/form-data"):
            message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                f"Content-Type: {kind}\r\n\r\n".encode() + raw
            )
            args: dict[str, Any] = {}
            files: dict[str, tuple[str, bytes, str]] = {}
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                payload = part.get_payload(decode=True) or b""
                if part.get_filename():
                    files[str(name)] = (str(part.get_filename()), bytes(payload),
                                        part.get_content_type())
                else:
                    args[str(name)] = bytes(payload).decode()
            return args, files
        if kind.startswith("application/x-www-form-urlencoded"):
            return {k: v[-1] for k, v in parse_qs(raw.decode()).items()}, {}
        data = json.loads(raw)
        if not isinstance(data, dict):
            raise ValueError("not an object")
        return data, {}

    # -- rendering --------------------------------------------------------------------------

    def _render_card(self, board: Mapping[str, Any], card: Mapping[str, Any],
                     params: Mapping[str, str], prefix: str = "card_") -> dict[str, Any]:
        out = _pick({k: v for k, v in card.items() if k != "attachments"},
                    params.get(f"{prefix}fields"))
        out.pop("customFieldItems", None)
        if params.get(f"{prefix}customFieldItems") == "true" and self.custom_fields_on[
            board["id"]
        ]:
            out["customFieldItems"] = copy.deepcopy(card.get("customFieldItems", []))
        if params.get(f"{prefix}attachments") in ("true", "cover"):
            out["attachments"] = [
                _pick(self._public_attachment(a), params.get(f"{prefix}attachment_fields"))
                for a in card.get("attachments", [])
            ]
        return copy.deepcopy(out)

    @staticmethod
    def _public_attachment(attachment: Mapping[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in attachment.items() if k != "content"}

    @staticmethod
    def _action_filter(filters: Iterable[str]) -> Callable[[Mapping[str, Any]], bool]:
        wanted = list(filters)

        def keep(action: Mapping[str, Any]) -> bool:
            if not wanted or "all" in wanted:
                return True
            for item in wanted:
                kind, _, changed = item.partition(":")
                if action.get("type") != kind:
                    continue
                if not changed or changed in (action.get("data", {}).get("old") or {}):
                    return True
            return False

        return keep

    def _filtered(self, items: list[dict[str, Any]], which: str | None) -> list[dict[str, Any]]:
        if which in (None, "all"):
            return items
        if which == "open":
            return [i for i in items if not i.get("closed")]
        if which == "closed":
            return [i for i in items if i.get("closed")]
        return []

    # -- handlers ---------------------------------------------------------------------------

    def _member_me(self, call: Call) -> tuple[int, Any]:
        return 200, _pick({"id": "member0000000000000000a1", "username": "ada",
                           "fullName": "Ada Lovelace"}, call.params.get("fields"))

    def _get_board(self, call: Call) -> tuple[int, Any]:
        board = self.board(call.match["ref"])
        p = call.params
        meta = {k: v for k, v in board.items() if not isinstance(v, list)}
        out = _pick(meta, p.get("fields"))
        if p.get("lists", "none") != "none":
            out["lists"] = [_pick(lst, p.get("list_fields"))
                            for lst in self._filtered(board["lists"], p["lists"])]
        if p.get("cards", "none") != "none":
            cards = self._filtered(board["cards"], "open" if p["cards"] == "visible"
                                   else p["cards"])
            if len(cards) > self.max_cards:
                raise ApiError(400, {"message": "Requested too many cards",
                                     "error": "API_TOO_MANY_CARDS_REQUESTED"})
            out["cards"] = [self._render_card(board, c, p) for c in cards]
        if p.get("checklists", "none") != "none":
            out["checklists"] = copy.deepcopy(board["checklists"])
        if p.get("customFields") == "true":
            out["customFields"] = (copy.deepcopy(board["customFields"])
                                   if self.custom_fields_on[board["id"]] else [])
        if p.get("labels", "none") != "none":
            limit = int(p.get("labels_limit", "50"))
            out["labels"] = copy.deepcopy(board["labels"][:limit])
        if p.get("members", "none") != "none":
            out["members"] = copy.deepcopy(board["members"])
        if p.get("actions"):
            limit = int(p.get("actions_limit", "50"))
            if not 0 <= limit <= 1000:
                raise ApiError(400, "invalid value for actions_limit")
            keep = self._action_filter(_csv(p["actions"]))
            out["actions"] = copy.deepcopy([a for a in self._newest_first(board)
                                            if keep(a)][:limit])
        return 200, out

    @staticmethod
    def _newest_first(board: Mapping[str, Any]) -> list[dict[str, Any]]:
        return sorted(board["actions"], key=lambda a: (a["date"], a["id"]), reverse=True)

    def _board_actions(self, call: Call) -> tuple[int, Any]:
        board = self.board(call.match["ref"])
        p = call.params
        limit = int(p.get("limit", "50"))
        if not 0 <= limit <= 1000:
            raise ApiError(400, "invalid value for limit")
        keep = self._action_filter(_csv(p.get("filter")))
        actions = [a for a in self._newest_first(board) if keep(a)]
        before = p.get("before")
        if before:
            ref = next((a for a in board["actions"] if a["id"] == before), None)
            if ref is not None:
                key = (ref["date"], ref["id"])
                actions = [a for a in actions if (a["date"], a["id"]) < key]
            else:
                moment = _parse_time(before)
                actions = [a for a in actions if _parse_time(a["date"]) < moment]
        return 200, copy.deepcopy(actions[:limit])

    def _board_lists(self, call: Call) -> tuple[int, Any]:
        board = self.board(call.match["ref"])
        p = call.params
        out = []
        for lst in self._filtered(board["lists"], p.get("filter", "open")):
            item = _pick(lst, p.get("fields"))
            if p.get("cards", "none") != "none":
                cards = [c for c in self._filtered(board["cards"], p["cards"])
                         if c["idList"] == lst["id"]]
                item["cards"] = [self._render_card(board, c, p) for c in cards]
            out.append(item)
        return 200, out

    def _board_cards(self, call: Call) -> tuple[int, Any]:
        board = self.board(call.match["ref"])
        p = call.params
        return 200, [self._render_card(board, c, p, prefix="")
                     for c in self._filtered(board["cards"], p.get("filter", "open"))]

    def _get_card(self, call: Call) -> tuple[int, Any]:
        board, card = self.find_card(call.match["id"])
        p = call.params
        out = self._render_card(board, card, p, prefix="")
        if p.get("list") == "true":
            lst = next(x for x in board["lists"] if x["id"] == card["idList"])
            out["list"] = _pick(lst, p.get("list_fields"))
        if p.get("board") == "true":
            meta = {k: v for k, v in board.items() if not isinstance(v, list)}
            out["board"] = _pick(meta, p.get("board_fields"))
        return 200, out

    def _card_attachments(self, call: Call) -> tuple[int, Any]:
        _, card = self.find_card(call.match["id"])
        return 200, [_pick(self._public_attachment(a), call.params.get("fields"))
                     for a in card["attachments"]]

    def _list_cards(self, call: Call) -> tuple[int, Any]:
        board = self.board_of_list(call.match["id"])
        p = call.params
        cards = [c for c in self._filtered(board["cards"], p.get("filter", "open"))
                 if c["idList"] == call.match["id"]]
        return 200, [self._render_card(board, c, p, prefix="") for c in cards]

    def _create_list(self, call: Call) -> tuple[int, Any]:
        board = self.board(str(call.args.get("idBoard", "")))
        name = str(call.args.get("name") or "")
        if not name:
            raise ApiError(400, "invalid value for name")
        list_id = self.add_list(board["id"], name)
        return 200, next(x for x in board["lists"] if x["id"] == list_id)

    def _text(self, call: Call, key: str) -> str | None:
        value = call.args.get(key)
        if value is None:
            return None
        if len(str(value)) > CARD_TEXT_LIMIT:
            raise ApiError(400, f"invalid value for {key}")
        return str(value)

    def _create_card(self, call: Call) -> tuple[int, Any]:
        list_id = str(call.args.get("idList", ""))
        name = self._text(call, "name") or ""
        desc = self._text(call, "desc") or ""
        card_id = self.add_card(list_id, name, desc)
        board, card = self.find_card(card_id)
        return 200, self._render_card(board, card, {}, prefix="")

    def _update_card(self, call: Call) -> tuple[int, Any]:
        board, card = self.find_card(call.match["id"])
        for key in ("name", "desc"):
            value = self._text(call, key)
            if value is not None:
                card[key] = value
        if "closed" in call.args:
            card["closed"] = str(call.args["closed"]).lower() == "true"
        card["dateLastActivity"] = iso(self.now())
        return 200, self._render_card(board, card, {}, prefix="")

    def _add_attachment(self, call: Call) -> tuple[int, Any]:
        _, card = self.find_card(call.match["id"])
        upload = call.files.get("file")
        if upload is None:
            raise ApiError(400, "invalid value for file")
        filename, content, mime = upload
        attachment = {
            "id": self.new_id(), "name": str(call.args.get("name") or filename),
            "fileName": filename, "bytes": len(content),
            "mimeType": str(call.args.get("mimeType") or mime), "date": iso(self.now()),
            "isUpload": True, "url": f"https://trello.com/1/cards/{card['id']}/attachments/x",
            "content": content,
        }
        card["attachments"].append(attachment)
        if str(call.args.get("setCover", "true")).lower() == "true" and mime.startswith("image/"):
            card["idAttachmentCover"] = attachment["id"]
        return 200, self._public_attachment(attachment)

    def _delete_attachment(self, call: Call) -> tuple[int, Any]:
        _, card = self.find_card(call.match["id"])
        before = len(card["attachments"])
        card["attachments"] = [a for a in card["attachments"] if a["id"] != call.match["att"]]
        if len(card["attachments"]) == before:
            raise ApiError(404, "The requested resource was not found.")
        return 200, {"limits": {}}

    def _add_comment(self, call: Call) -> tuple[int, Any]:
        action_id = self.add_comment(call.match["id"], str(call.args.get("text", "")))
        board, _ = self.find_card(call.match["id"])
        return 200, next(a for a in board["actions"] if a["id"] == action_id)

    def _create_label(self, call: Call) -> tuple[int, Any]:
        board = self.board(str(call.args.get("idBoard", "")))
        label = {"id": self.new_id(), "idBoard": board["id"],
                 "name": str(call.args.get("name", "")), "color": call.args.get("color")}
        board["labels"].append(label)
        return 200, label

    def _create_custom_field(self, call: Call) -> tuple[int, Any]:
        board = self.board(str(call.args.get("idModel", "")))
        if not self.custom_fields_on[board["id"]]:
            raise ApiError(403, {"message": "Custom Fields Power-Up is not enabled on board",
                                 "error": "PLUGIN_NOT_ENABLED"})
        options = [
            {"id": self.new_id(), "idCustomField": "", "value": dict(o.get("value", {})),
             "color": "none", "pos": 1024 * (n + 1)}
            for n, o in enumerate(call.args.get("options") or [])
        ]
        definition = {"id": self.new_id(), "idModel": board["id"], "modelType": "board",
                      "name": str(call.args.get("name", "")), "type": call.args.get("type"),
                      "pos": 1024 * (len(board["customFields"]) + 1)}
        if options:
            for option in options:
                option["idCustomField"] = definition["id"]
            definition["options"] = options
        board["customFields"].append(definition)
        return 200, definition


class FakeTrelloServer(LoopbackServer["FakeTrello"]):
    """Serves a `FakeTrello` on 127.0.0.1 at a free port (`url` is the base URL)."""

    def __init__(self, fake: FakeTrello | None = None) -> None:
        super().__init__(fake or FakeTrello())

    def __enter__(self) -> FakeTrelloServer:
        self.start()
        return self


def big_board(cards: int = 500, actions: int = 1500, *, seed_date: dt.datetime | None = None
              ) -> dict[str, Any]:
    """A generated plan board in export shape: `cards` cards, `actions` list moves/comments."""
    start = seed_date or dt.datetime(2025, 1, 1, 9, tzinfo=dt.UTC)
    board_id = "b16b0a2d0000000000000000"

    def hid(kind: int, n: int) -> str:
        return f"{kind:04x}{n:020x}"

    lists = [{"id": hid(1, i), "name": name, "closed": False, "idBoard": board_id, "pos": i}
             for i, name in enumerate(["Planned", "Doing", "Done", "Reviews"])]
    kinds = ["Microlearning", "Mentor session", "Skill applied", "Milestone", "Goal"]
    labels = [{"id": hid(2, i), "idBoard": board_id, "name": name, "color": "green"}
              for i, name in enumerate([*kinds, "skill:SQL", "skill:Roadmaps"])]
    fields = [
        {"id": hid(3, 0), "idModel": board_id, "modelType": "board", "name": "Minutes",
         "type": "number"},
        {"id": hid(3, 1), "idModel": board_id, "modelType": "board", "name": "Track",
         "type": "text"},
    ]
    card_list = []
    for n in range(cards):
        label = labels[n % len(kinds)]
        skill = labels[len(kinds) + n % 2]
        done = n % 3 == 0
        due = start + dt.timedelta(days=n % 300)
        card_list.append({
            "id": hid(4, n), "name": f"Card {n}", "desc": f"Notes on card {n}",
            "idBoard": board_id, "idList": lists[2 if done else n % 2]["id"],
            "closed": n % 50 == 49, "due": iso(due), "dueComplete": done, "start": None,
            "dateLastActivity": iso(due), "labels": [label, skill],
            "idLabels": [label["id"], skill["id"]], "idMembers": [], "idChecklists": [],
            "badges": {},
            "customFieldItems": [
                {"id": hid(5, n), "idCustomField": fields[0]["id"], "idModel": hid(4, n),
                 "modelType": "card", "value": {"number": str(5 + n % 30)}},
                {"id": hid(6, n), "idCustomField": fields[1]["id"], "idModel": hid(4, n),
                 "modelType": "card", "value": {"text": ["Data", "Product"][n % 2]}},
            ],
            "url": f"https://trello.com/c/{n:08d}", "shortUrl": f"https://trello.com/c/{n:08d}",
        })
    action_list = []
    for n in range(actions):
        card = card_list[n % cards]
        when = start + dt.timedelta(hours=n)
        if n % 2:
            data = {"card": {"id": card["id"], "name": card["name"]},
                    "old": {"idList": lists[1]["id"]},
                    "listBefore": {"id": lists[1]["id"], "name": "Doing"},
                    "listAfter": {"id": lists[2]["id"], "name": "Done"}}
            kind = "updateCard"
        else:
            data = {"card": {"id": card["id"], "name": card["name"]},
                    "text": f"Comment {n}"}
            kind = "commentCard"
        action_list.append({"id": f"{int(when.timestamp()):08x}{n:016x}", "type": kind,
                            "date": iso(when), "data": data})
    action_list.reverse()  # newest first, as Trello gives them
    return {
        "id": board_id, "name": "Big plan", "shortLink": "BiGpLaN1", "closed": False,
        "url": "https://trello.com/b/BiGpLaN1/big-plan", "lists": lists, "cards": card_list,
        "labels": labels, "checklists": [], "customFields": fields, "actions": action_list,
        "members": [],
    }
