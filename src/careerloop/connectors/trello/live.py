"""Reading a live Trello board: the whole board in one request, older actions paged.

One nested `GET /1/boards/{id}` brings lists, cards with their custom field items,
checklists, custom field definitions, labels, members and the newest 1000 of the actions
the parser reads (`read.ACTION_FILTER`: list moves, comments, and cards created, copied,
moved from another board or converted from a checklist item). Only when exactly 1000
actions come back are older ones paged with
`GET /1/boards/{id}/actions?before=<oldest id>&limit=1000`. The response then goes
through the same parser as a JSON export (`read.parse_board`), so the live board and its
export give identical records.

Trello has no "modified since" for cards, so every read is whole (as peers do).
"""

from __future__ import annotations

from typing import Any

import requests.adapters

from careerloop.config import Config, TrelloSource
from careerloop.connectors.base import Clock, ReadResult, RequestStats
from careerloop.connectors.trello.client import TrelloApi, board_ref, trello_policy
from careerloop.connectors.trello.read import ACTION_FILTER, parse_board
from careerloop.errors import ConfigError, SourceError
from careerloop.store import Store

__all__ = ["ACTION_FILTER", "ACTIONS_PAGE", "BOARD_PARAMS", "TrelloReader", "fetch_board"]

ACTIONS_PAGE = 1000  # the most Trello returns per call
BOARD_PARAMS: dict[str, str] = {
    "lists": "all",
    "cards": "all",
    "card_customFieldItems": "true",
    "checklists": "all",
    "customFields": "true",
    "labels": "all",
    "labels_limit": "1000",
    "members": "all",
    "actions": ACTION_FILTER,
    "actions_limit": str(ACTIONS_PAGE),
}


def _oldest(actions: list[dict[str, Any]]) -> str | None:
    """The id of the oldest action of a page (Trello sends newest first)."""
    dated = [a for a in actions if isinstance(a.get("id"), str)]
    if not dated:
        return None
    return str(min(dated, key=lambda a: (str(a.get("date", "")), str(a["id"])))["id"])


def fetch_board(api: TrelloApi, ref: str, *, max_pages: int = 1000) -> dict[str, Any]:
    """The board as one export-shaped dict, every matching action included.

    Raises:
        NotFound, AuthError, RateLimited, SourceError: from the API, naming the board.
    """
    where = f"Trello board {ref}"
    board = api.fetch(where, f"/boards/{ref}", params=BOARD_PARAMS)
    if not isinstance(board, dict) or not isinstance(board.get("cards"), list):
        raise SourceError(f"{where}: Trello answered something that is not a board")
    actions: list[dict[str, Any]] = [a for a in board.get("actions") or [] if isinstance(a, dict)]
    page = actions
    seen: set[str] = set()
    board_id = str(board.get("id") or ref)
    while len(page) >= ACTIONS_PAGE:
        before = _oldest(page)
        if before is None or before in seen:
            raise SourceError(f"{where}: Trello repeated a page of actions; stopped reading")
        if len(seen) >= max_pages:
            raise SourceError(f"{where}: more than {max_pages} pages of actions; stopped")
        seen.add(before)
        answer = api.fetch(
            f"{where} (actions before {before})",
            f"/boards/{board_id}/actions",
            params={"filter": ACTION_FILTER, "before": before, "limit": ACTIONS_PAGE},
        )
        page = [a for a in answer if isinstance(a, dict)] if isinstance(answer, list) else []
        actions.extend(page)
    board["actions"] = actions
    return board


class TrelloReader:
    """`[sources.trello] board = …`: the plan on a live board (always read whole)."""

    name = "trello"

    def __init__(
        self,
        config: Config,
        *,
        api: TrelloApi | None = None,
        clock: Clock | None = None,
        adapter: requests.adapters.BaseAdapter | None = None,
    ) -> None:
        source = config.sources.trello
        if source is None or not source.board:
            raise ConfigError("sources.trello.board is not set")
        self._config = config
        self._source: TrelloSource = source
        self._ref = board_ref(source.board)
        self._api = api
        self._clock = clock
        self._adapter = adapter
        self._stats: RequestStats | None = None

    def http_stats(self) -> RequestStats | None:
        """Attempts, retries and waits of the last read."""
        return self._stats

    def read(self, store: Store, *, full: bool) -> list[ReadResult]:
        """Read the whole board (there is no "changed since" for Trello cards)."""
        api = self._api or TrelloApi.from_config(
            self._source,
            policy=trello_policy(self._source, clock=self._clock),
            adapter=self._adapter,
        )
        self._stats = api.policy.stats
        before = api.attempts
        try:
            board = fetch_board(api, self._ref)
        finally:
            if self._api is None:
                api.close()
        workspace = parse_board(board, self._source, self._config.workspace.tz)
        return [
            ReadResult(
                origin=f"trello:{board.get('id') or self._ref}",
                workspace=workspace,
                full=True,
                requests=api.attempts - before,
            )
        ]
