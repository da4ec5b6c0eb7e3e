"""`careerloop doctor` for a live Trello board: credentials, board, labels, custom fields.

Two requests: `/1/members/me` once (the `/1/members/` routes allow only 100 requests
per 900 s, so it is never called more often), then one nested board read of the lists,
labels and custom field definitions.
"""

from __future__ import annotations

from typing import Any

from careerloop.config import Config
from careerloop.connectors.base import Check
from careerloop.connectors.trello.client import TrelloApi, board_ref
from careerloop.errors import AuthError, CareerloopError, ConfigError

__all__ = ["check_trello"]

_FIX_TOKEN = (
    "make a token at https://trello.com/1/authorize?expiration=never&scope=read,write&"
    "response_type=token&key=<your key> and put it in {env}"
)


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def check_trello(config: Config, *, api: TrelloApi | None = None) -> list[Check]:
    """The rows of `doctor` for `[sources.trello] board` (none when it reads an export)."""
    source = config.sources.trello
    if source is None or not source.board:
        return []
    checks: list[Check] = []
    try:
        ref = board_ref(source.board)
        client = api or TrelloApi.from_config(source)
    except ConfigError as error:
        return [Check(name="trello credentials", status="fail", detail=str(error),
                      fix=f"export {source.key_env} and {source.token_env}")]
    try:
        me = client.fetch("Trello token", "/members/me", params={"fields": "username,fullName"})
        who = me.get("username") or me.get("fullName") or "?"
        checks.append(Check(name="trello token", status="ok",
                            detail=f"key and token accepted (user @{who})"))
    except AuthError as error:
        checks.append(Check(name="trello token", status="fail", detail=str(error),
                            fix=_FIX_TOKEN.format(env=source.token_env)))
        return checks
    except CareerloopError as error:
        checks.append(Check(name="trello token", status="fail", detail=str(error)))
        return checks
    try:
        board = client.fetch(
            f"Trello board {ref}",
            f"/boards/{ref}",
            params={"fields": "name,closed,url", "lists": "open", "list_fields": "name",
                    "labels": "all", "labels_limit": "1000", "customFields": "true"},
        )
    except CareerloopError as error:
        checks.append(Check(name="trello board", status="fail", detail=str(error),
                            fix="set [sources.trello] board to the board's URL or id"))
        return checks
    finally:
        if api is None:
            client.close()
    checks.extend(_board_checks(config, board))
    return checks


def _board_checks(config: Config, board: dict[str, Any]) -> list[Check]:
    source = config.sources.trello
    assert source is not None
    checks: list[Check] = []
    name = str(board.get("name") or board.get("id"))
    if board.get("closed"):
        checks.append(Check(name="trello board", status="warn",
                            detail=f"board {name!r} is closed (archived)",
                            fix="reopen the board in Trello"))
    else:
        checks.append(Check(name="trello board", status="ok", detail=f"board {name!r}"))

    lists = {_key(str(x.get("name", ""))) for x in board.get("lists") or []}
    done = [d for d in source.done_lists if _key(d) in lists]
    if not done:
        checks.append(Check(
            name="trello done lists", status="warn",
            detail=f"no open list named {', '.join(source.done_lists)}: completion then "
                   "comes only from complete due dates",
            fix="rename your done list or set [sources.trello] done_lists"))
    else:
        checks.append(Check(name="trello done lists", status="ok",
                            detail=f"done when in {', '.join(done)}"))

    labels = {_key(str(x.get("name", ""))) for x in board.get("labels") or []}
    missing = [label for label in source.kinds if _key(label) not in labels]
    if missing:
        checks.append(Check(
            name="trello kind labels", status="warn" if len(missing) < len(source.kinds)
            else "fail",
            detail=f"labels missing: {', '.join(missing)} (cards of those kinds are not read)",
            fix="careerloop init --trello adds them, or map your labels in "
                "[sources.trello.kinds]"))
    else:
        checks.append(Check(name="trello kind labels", status="ok",
                            detail=f"{len(source.kinds)} kind labels found"))

    definitions = [x for x in board.get("customFields") or [] if isinstance(x, dict)]
    fields = {_key(str(x.get("name", ""))) for x in definitions}
    absent = [f"{value} ({key})" for key, value in source.fields.items()
              if _key(value) not in fields]
    if absent and not definitions:
        checks.append(Check(
            name="trello custom fields", status="warn",
            detail="the board has no custom fields (is the Custom Fields Power-Up on?); "
                   f"missing: {', '.join(absent)}",
            fix="switch on Custom Fields (board menu → Power-Ups), then run "
                "careerloop init --trello"))
    elif absent:
        checks.append(Check(
            name="trello custom fields", status="warn",
            detail=f"custom fields missing: {', '.join(absent)} (those values stay empty)",
            fix="careerloop init --trello adds them, or fix [sources.trello.fields]"))
    else:
        checks.append(Check(name="trello custom fields", status="ok",
                            detail=f"{len(source.fields)} mapped custom fields found"))

    reviews = config.reviews.trello.list
    if "trello" in config.reviews.targets:
        present = _key(reviews) in lists
        checks.append(Check(
            name="trello reviews list", status="ok",
            detail=f"list {reviews!r} " + ("found" if present else
                                           "will be created on the first publish")))
    return checks
